#!/usr/bin/env python3
"""Extracts the length limits and patterns AWS's own service models give the names this project
builds, into aws/name-limits.botocore.json (committed; test/naming.test.ts reads it).

Run with the project's Python tools (botocore comes with checkov and moto):

    /work/main/.venv/bin/python scripts/extract-aws-name-limits.py   # or: .venv/bin/python ...

Each entry names the API call that takes the name (service, operation, member path) and copies
that member's shape constraints (min, max, pattern) as botocore ships them. Where a model gives
no maximum (S3 bucket names, EC2 security group names, ECS names, RDS identifiers, SNS topics),
the entry says so and the project's documented limit in modules/naming.ts AWS_NAME_LIMITS is
the only one; the test then checks that limit is cited, not invented.
"""
import json
import os
import sys

import botocore
from botocore.loaders import Loader

# limit key in AWS_NAME_LIMITS -> (service, operation, member path inside the input shape)
NAMES = {
    "s3Bucket": ("s3", "CreateBucket", ["Bucket"]),
    "iamRole": ("iam", "CreateRole", ["RoleName"]),
    "iamPolicy": ("iam", "PutRolePolicy", ["PolicyName"]),
    "kmsAlias": ("kms", "CreateAlias", ["AliasName"]),
    "logGroup": ("logs", "CreateLogGroup", ["logGroupName"]),
    "secret": ("secretsmanager", "CreateSecret", ["Name"]),
    "securityGroup": ("ec2", "CreateSecurityGroup", ["GroupName"]),
    "ecsService": ("ecs", "CreateService", ["serviceName"]),
    "taskFamily": ("ecs", "RegisterTaskDefinition", ["family"]),
    "budget": ("budgets", "CreateBudget", ["Budget", "BudgetName"]),
    "alarm": ("cloudwatch", "PutMetricAlarm", ["AlarmName"]),
    "ssmParameter": ("ssm", "PutParameter", ["Name"]),
    "rdsIdentifier": ("rds", "CreateDBInstance", ["DBInstanceIdentifier"]),
    "lambdaFunction": ("lambda", "CreateFunction", ["FunctionName"]),
    "ecsCluster": ("ecs", "CreateCluster", ["clusterName"]),
    "snsTopic": ("sns", "CreateTopic", ["Name"]),
    "ecrRepository": ("ecr", "CreateRepository", ["repositoryName"]),
    "inferenceProfile": ("bedrock", "CreateInferenceProfile", ["inferenceProfileName"]),
    "anomalyMonitor": ("ce", "CreateAnomalyMonitor", ["AnomalyMonitor", "MonitorName"]),
    "cloudTrail": ("cloudtrail", "CreateTrail", ["Name"]),
    "glueDatabase": ("glue", "CreateDatabase", ["DatabaseInput", "Name"]),
    "glueTable": ("glue", "CreateTable", ["TableInput", "Name"]),
    "athenaWorkGroup": ("athena", "CreateWorkGroup", ["Name"]),
    "dashboard": ("cloudwatch", "PutDashboard", ["DashboardName"]),
    "metricFilter": ("logs", "PutMetricFilter", ["filterName"]),
}


def member_shape(model, operation, path):
    shapes = model["shapes"]
    shape_name = model["operations"][operation]["input"]["shape"]
    for member in path:
        shape_name = shapes[shape_name]["members"][member]["shape"]
    return shape_name, shapes[shape_name]


def main():
    loader = Loader()
    out = {"botocore": botocore.__version__, "generatedBy": "scripts/extract-aws-name-limits.py", "names": {}}
    for key, (service, operation, path) in sorted(NAMES.items()):
        api_version = loader.determine_latest_version(service, "service-2")
        model = loader.load_service_model(service, "service-2", api_version)
        shape_name, shape = member_shape(model, operation, path)
        entry = {"service": service, "apiVersion": api_version, "operation": operation, "member": ".".join(path), "shape": shape_name}
        for constraint in ("min", "max", "pattern"):
            if constraint in shape:
                entry[constraint] = shape[constraint]
        out["names"][key] = entry
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aws", "name-limits.botocore.json")
    with open(target, "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")
    sys.stdout.write(f"{os.path.relpath(target)}: {len(out['names'])} names from botocore {botocore.__version__}\n")


if __name__ == "__main__":
    main()
