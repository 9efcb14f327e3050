// Enforces SECURITY.md C3, C4, C6, C8, C9, C10, C11, C13, C15, C26, C35 (the table "Enforcing tests" there lists this file).
/**
 * Security invariants over every policy document of every stack, including what checkov cannot
 * judge: key policies, the permissions boundary, topic and bucket policies, trust policies and
 * container definitions. Each test lists every offending address.
 */
import { actionMatches, asList, parseStatements, Statement } from "../../audit/iam";
import { allResources, synthesize, SynthesizedResource } from "../support/synth";
import { nonEmpty } from "../support/non-empty";

const output = synthesize();
// Checks "over every resource of a type" fail when there is none of that type, and the suite
// fails on a fleet without tenants, where most of these checks would pass over nothing (#32).
nonEmpty(output.config.tenants, "tenants");
const resources = allResources(output);
const ofType = (type: string) => nonEmpty(resources.filter((r) => r.type === type), `${type} resources`);
const accountOf = (stack: string) => output.config.environments[output.stacks[stack].provider.aws[0].default_tags[0].tags.Environment].accountId;

/** Every attribute that holds an IAM policy document, by resource type. */
const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_role: ["assume_role_policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_ecr_repository_policy: ["policy"],
  aws_secretsmanager_secret_policy: ["policy"],
  aws_lambda_permission: [],
};

function policyDocuments(): Array<{ resource: SynthesizedResource; attribute: string; text: string }> {
  return resources.flatMap((r) => (POLICY_ATTRIBUTES[r.type] ?? []).filter((a) => r.config[a] !== undefined).map((attribute) => ({ resource: r, attribute, text: String(r.config[attribute]) })));
}

function statementsOf(type: string): Array<{ address: string; stack: string; statement: Statement }> {
  return ofType(type).flatMap((r) => parseStatements(r.config[POLICY_ATTRIBUTES[type][0]]).map((statement) => ({ address: r.address, stack: r.stack, statement })));
}

const isTlsDeny = (s: Statement) => s.Effect === "Deny" && s.Principal === "*" && (s.Condition?.Bool as Record<string, unknown> | undefined)?.["aws:SecureTransport"] === "false";

describe("every policy document", () => {
  it("is plain JSON that checkov and these tests can read (never ${jsonencode(...)} nor a data source)", () => {
    const documents = policyDocuments();
    expect(documents.length).toBeGreaterThan(30);
    const opaque = documents.filter(({ text }) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    });
    expect(opaque.map((d) => `${d.resource.address}.${d.attribute}`)).toEqual([]);
    expect(resources.filter((r) => r.type === "data.aws_iam_policy_document").map((r) => r.address)).toEqual([]);
  });

  it("never uses NotAction, NotResource or NotPrincipal in an Allow (they grant everything else)", () => {
    const inverted = policyDocuments().flatMap(({ resource, text }) =>
      parseStatements(text)
        .filter((s) => s.Effect === "Allow" && ("NotAction" in s || "NotResource" in s || "NotPrincipal" in s))
        .map((s) => `${resource.address} ${s.Sid ?? ""}`),
    );
    expect(inverted).toEqual([]);
  });

  it("never allows a wildcard principal", () => {
    const open = policyDocuments().flatMap(({ resource, text }) =>
      parseStatements(text)
        .filter((s) => s.Effect === "Allow" && (s.Principal === "*" || asList((s.Principal as Record<string, string | string[]> | undefined)?.AWS).includes("*")))
        .map((s) => `${resource.address} ${s.Sid ?? ""}`),
    );
    expect(open).toEqual([]);
  });

  it("never allows '*', 'iam:*', 'sts:*' or any IAM write in an identity policy", () => {
    const dangerous = /^(\*|iam:\*|sts:\*|kms:\*|s3:\*|iam:(Create|Put|Attach|Update|Delete|Pass|Add|Set|Tag)[A-Za-z]*|sts:AssumeRole)$/;
    // The one IAM write: attaching or detaching a tenant's spend-stop policy (AWS Budgets does it),
    // pinned to exactly one policy ARN with no wildcard.
    const spendStop = (statement: Record<string, any>) =>
      asList(statement.Action).every((a) => a === "iam:AttachRolePolicy" || a === "iam:DetachRolePolicy") &&
      asList(statement.Condition?.ArnEquals?.["iam:PolicyARN"]).length === 1 &&
      !String(statement.Condition.ArnEquals["iam:PolicyARN"]).includes("*") &&
      !asList(statement.Resource).includes("*");
    const problems = [...statementsOf("aws_iam_role_policy"), ...statementsOf("aws_iam_policy")]
      .filter(({ statement }) => statement.Effect === "Allow" && asList(statement.Action).some((a) => dangerous.test(a)) && !spendStop(statement))
      .map(({ address, statement }) => `${address} ${statement.Sid ?? ""}`);
    expect(problems).toEqual([]);
  });
});

describe("KMS key policies", () => {
  const keyStatements = statementsOf("aws_kms_key");

  it("grant administration (kms:* or any non-data action) to the account root only", () => {
    const DATA_ACTIONS = /^kms:(Encrypt\*?|Decrypt\*?|ReEncrypt\*|GenerateDataKey\*?|DescribeKey|Describe\*)$/;
    const problems = keyStatements
      .filter(({ statement }) => statement.Effect === "Allow")
      .filter(({ statement, stack }) => {
        const adminActions = asList(statement.Action).filter((a) => !DATA_ACTIONS.test(a));
        if (adminActions.length === 0) return false;
        const principal = statement.Principal as Record<string, string | string[]>;
        return JSON.stringify(principal) !== JSON.stringify({ AWS: `arn:aws:iam::${accountOf(stack)}:root` });
      })
      .map(({ address, statement }) => `${address} ${statement.Sid}`);
    expect(problems).toEqual([]);
    // The root statement exists in every key: without it the key becomes unmanageable.
    const keys = ofType("aws_kms_key").map((r) => r.address);
    const withRoot = new Set(keyStatements.filter(({ statement }) => asList(statement.Action).includes("kms:*")).map((s) => s.address));
    expect(keys.filter((k) => !withRoot.has(k))).toEqual([]);
  });

  it("let AWS services use a key only under a condition that pins this account or this key's own resources", () => {
    const problems = keyStatements
      .filter(({ statement }) => statement.Effect === "Allow" && (statement.Principal as Record<string, unknown>)?.Service)
      .filter(({ statement, stack }) => {
        const condition = JSON.stringify(statement.Condition ?? {});
        return !condition.includes(`"aws:SourceAccount":"${accountOf(stack)}"`) && !condition.includes(`kms:EncryptionContext:aws:logs:arn`);
      })
      .map(({ address, statement }) => `${address} ${statement.Sid}`);
    expect(problems).toEqual([]);
  });

  it("in tenant stacks, name as key users only roles of the same stack", () => {
    const problems = keyStatements
      .filter(({ stack }) => stack.startsWith("tenant-"))
      .filter(({ statement }) => statement.Effect === "Allow" && !asList(statement.Action).includes("kms:*"))
      // The platform's egress proxy, for the egress credential secret alone (test/security/egress.test.ts pins its conditions).
      .filter(({ statement }) => statement.Sid !== "EgressProxyWritesCredential")
      .flatMap(({ address, statement }) => asList((statement.Principal as Record<string, string | string[]>)?.AWS).filter((p) => !/^\$\{aws_iam_role\.[^.]+\.arn\}$/.test(p)).map((p) => `${address}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("let CloudWatch Logs use a key only for log groups of its own stack's prefix", () => {
    const problems = keyStatements
      .filter(({ statement }) => (statement.Principal as Record<string, string>)?.Service?.startsWith("logs."))
      .filter(({ stack, statement }) => {
        const arn = String((statement.Condition?.ArnLike as Record<string, string>)?.["kms:EncryptionContext:aws:logs:arn"] ?? "");
        const tenant = stack.startsWith("tenant-") ? stack.slice("tenant-".length) : undefined;
        return tenant ? !arn.endsWith(`/${tenant}`) : !/:log-group:\/openclaw\/[a-z0-9-]+\/[a-z0-9-]+\/platform\//.test(arn);
      })
      .map(({ address }) => address);
    expect(problems).toEqual([]);
  });
});

describe("the tenant permissions boundary", () => {
  const boundaries = ofType("aws_iam_policy").filter((r) => r.address.includes("tenant-boundary"));
  // RouteThroughSystemProfiles and ModelsOnlyThroughApplicationProfiles are shared, but reachable
  // only through an application profile, which InvokeOwnInferenceProfiles scopes to the tenant.
  // WriteTraces (#29, tracing environments only): X-Ray has one trace store per account and region,
  // and PutTraceSegments has neither a resource type nor a condition key (Service Authorization
  // Reference, AWS X-Ray), so nothing can tie it to a tenant; SECURITY.md says what that leaves.
  const SHARED = new Set(["PullAgentImage", "RegistryLogin", "RouteThroughSystemProfiles", "ModelsOnlyThroughApplicationProfiles", "EcsExecSessionKey", "EcsExecChannels", "EcsExecFindLogGroup", "WriteTraces"]);
  const NO_RESOURCE_LEVEL = new Set([
    "ecr:GetAuthorizationToken",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "logs:DescribeLogGroups",
    // No resource-level permission; the boundary narrows it with cloudwatch:namespace (#30).
    "cloudwatch:PutMetricData",
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html: no resource types.
    "xray:PutTraceSegments",
  ]);

  it("exists in every platform stack and every tenant role names it", () => {
    expect(boundaries.map((b) => b.stack).sort()).toEqual(Object.keys(output.stacks).filter((s) => s.startsWith("platform-")).sort());
    const unbounded = ofType("aws_iam_role").filter((r) => r.stack.startsWith("tenant-") && !/^\$\{jsondecode\(data\.aws_ssm_parameter\.platform_contract_[0-9A-F]{8}\.insecure_value\)\.permissionsBoundaryArn\}$/.test(String(r.config.permissions_boundary)));
    expect(unbounded.map((r) => r.address)).toEqual([]);
  });

  it("scopes every tenant statement to the caller's own tenant through its principal tag", () => {
    const problems = boundaries.flatMap((b) =>
      parseStatements(b.config.policy)
        .filter((s) => s.Effect === "Allow" && !SHARED.has(s.Sid ?? ""))
        .filter((s) => !JSON.stringify(s).includes("$${aws:PrincipalTag/"))
        .map((s) => `${b.address} ${s.Sid}`),
    );
    expect(problems).toEqual([]);
  });

  it("allows '*' resources only for actions that have no resource-level permissions", () => {
    const problems = boundaries.flatMap((b) =>
      parseStatements(b.config.policy)
        .filter((s) => s.Effect === "Allow" && asList(s.Resource).some((r) => r === "*"))
        .flatMap((s) => asList(s.Action).filter((a) => !NO_RESOURCE_LEVEL.has(a)).map((a) => `${b.address} ${s.Sid}: ${a}`)),
    );
    expect(problems).toEqual([]);
  });

  it("caps tenant roles to data-plane actions: no IAM, STS, EC2, ECS control, KMS administration or deletion of infrastructure", () => {
    const forbidden = ["iam:PassRole", "iam:CreateRole", "sts:AssumeRole", "ec2:RunInstances", "ecs:RunTask", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "s3:DeleteBucket", "s3:PutBucketPolicy", "secretsmanager:PutSecretValue", "lambda:InvokeFunction", "ssm:GetParameter"];
    const problems = boundaries.flatMap((b) =>
      forbidden.filter((action) => parseStatements(b.config.policy).some((s) => s.Effect === "Allow" && asList(s.Action).some((p) => actionMatches(p, action)))).map((a) => `${b.address}: ${a}`),
    );
    expect(problems).toEqual([]);
  });

  it("covers every action a tenant role is granted (a grant outside it would silently fail)", () => {
    const boundaryActions = boundaries.flatMap((b) => parseStatements(b.config.policy).flatMap((s) => asList(s.Action)));
    const uncovered = statementsOf("aws_iam_role_policy")
      .filter(({ stack }) => stack.startsWith("tenant-"))
      .flatMap(({ address, statement }) => asList(statement.Action).filter((a) => !boundaryActions.some((p) => actionMatches(p, a))).map((a) => `${address}: ${a}`));
    expect(uncovered).toEqual([]);
  });
});

describe("resource policies", () => {
  it("deny plain-HTTP access in every bucket policy and every topic policy", () => {
    const missing = [...ofType("aws_s3_bucket_policy"), ...ofType("aws_sns_topic_policy")]
      .filter((r) => !parseStatements(r.config.policy).some(isTlsDeny))
      .map((r) => r.address);
    expect(missing).toEqual([]);
    expect(ofType("aws_s3_bucket_policy")).toHaveLength(ofType("aws_s3_bucket").length);
    expect(ofType("aws_sns_topic_policy")).toHaveLength(ofType("aws_sns_topic").length);
  });

  it("deny every other account in every tenant bucket policy", () => {
    const missing = ofType("aws_s3_bucket_policy")
      .filter((r) => !parseStatements(r.config.policy).some((s) => s.Effect === "Deny" && (s.Condition?.StringNotEquals as Record<string, unknown> | undefined)?.["aws:PrincipalAccount"] === accountOf(r.stack)))
      .map((r) => r.address);
    expect(missing).toEqual([]);
  });

  it("let CloudWatch publish to an alarm topic only for alarms of this account", () => {
    const problems = statementsOf("aws_sns_topic_policy")
      .filter(({ statement }) => statement.Effect === "Allow" && (statement.Principal as Record<string, unknown>)?.Service)
      .filter(({ statement, stack }) => (statement.Condition?.StringEquals as Record<string, unknown> | undefined)?.["aws:SourceAccount"] !== accountOf(stack))
      .map(({ address }) => address);
    expect(problems).toEqual([]);
  });
});

describe("trust policies", () => {
  it("trust only AWS service principals: no account, user, federated or wildcard principal assumes any role", () => {
    const problems = statementsOf("aws_iam_role")
      .filter(({ statement }) => statement.Effect === "Allow")
      .filter(({ statement }) => {
        const principal = statement.Principal as Record<string, unknown>;
        return Object.keys(principal ?? {}).join() !== "Service" || asList(principal.Service as string | string[]).some((s) => !/^[a-z0-9.-]+\.amazonaws\.com$/.test(s));
      })
      .map(({ address }) => address);
    expect(problems).toEqual([]);
  });

  it("allow only sts:AssumeRole (no TagSession or SetSourceIdentity that could rewrite principal tags)", () => {
    const problems = statementsOf("aws_iam_role")
      .filter(({ statement }) => JSON.stringify(asList(statement.Action)) !== '["sts:AssumeRole"]')
      .map(({ address }) => address);
    expect(problems).toEqual([]);
  });
});

describe("agent containers (inside container_definitions, invisible to checkov)", () => {
  // Agents only: the platform's egress proxy listens on its port by design (test/security/egress.test.ts).
  const containers = ofType("aws_ecs_task_definition").filter((r) => r.stack.startsWith("tenant-")).flatMap((r) =>
    (JSON.parse(r.config.container_definitions) as Array<Record<string, any>>).map((c) => ({ address: r.address, task: r.config, container: c })),
  );

  it("listen on no port and run in awsvpc mode on Fargate", () => {
    const problems = containers
      .filter(({ task, container }) => (container.portMappings ?? []).length > 0 || task.network_mode !== "awsvpc" || JSON.stringify(task.requires_compatibilities) !== '["FARGATE"]')
      .map((c) => c.address);
    expect(problems).toEqual([]);
  });

  it("pull their image only from the platform's private registry", () => {
    const problems = containers.filter(({ container }) => !/^\$\{jsondecode\(data\.aws_ssm_parameter\.platform_contract_[0-9A-F]{8}\.insecure_value\)\.repositoryUrl\}[:@]/.test(container.image)).map((c) => c.address);
    expect(problems).toEqual([]);
  });

  it("share no host namespaces and mount nothing but their own task-local volumes", () => {
    const local = (task: Record<string, any>, name: string) =>
      (task.volume ?? []).some((v: Record<string, unknown>) => v.name === name && Object.keys(v).every((k) => k === "name"));
    const problems = containers
      .filter(
        ({ task, container }) =>
          task.pid_mode ||
          task.ipc_mode ||
          (container.mountPoints ?? []).some((m: { sourceVolume: string }) => !local(task, m.sourceVolume)) ||
          container.volumesFrom?.length,
      )
      .map((c) => c.address);
    expect(problems).toEqual([]);
  });
});

describe("availability the scan accepts only for staging", () => {
  it("runs every production database multi-AZ (CKV_AWS_157 is accepted for staging only)", () => {
    const single = ofType("aws_db_instance").filter((r) => r.stack.startsWith("platform-production-") && r.config.multi_az !== true);
    expect(single.map((r) => r.address)).toEqual([]);
  });
});

describe("what terraform plan executes", () => {
  it("needs only the AWS provider at an exact version, and nothing that runs commands (provisioners, external, null, local)", () => {
    const problems: string[] = [];
    for (const [stack, json] of Object.entries(output.stacks)) {
      const providers = json.terraform?.required_providers ?? {};
      for (const [name, spec] of Object.entries<{ source: string; version: string }>(providers)) {
        if (name !== "aws" || !/^(hashicorp\/)?aws$/.test(spec.source) || !/^\d+\.\d+\.\d+$/.test(spec.version)) problems.push(`${stack}: provider ${name} ${JSON.stringify(spec)}`);
      }
      if (Object.keys(json.provider ?? {}).some((p) => p !== "aws")) problems.push(`${stack}: provider block ${Object.keys(json.provider)}`);
      if (json.module) problems.push(`${stack}: module blocks`);
    }
    const executing = resources.filter((r) => /^(data\.)?(external|null_resource|terraform_data|local_)/.test(r.type) || r.config.provisioner !== undefined);
    problems.push(...executing.map((r) => r.address));
    expect(problems).toEqual([]);
  });
});
