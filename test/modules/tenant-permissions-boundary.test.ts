import { TenantPermissionsBoundary } from "../../modules/tenant-permissions-boundary";
import { only, synthModule } from "../support/module-synth";

function statements(): Array<Record<string, any>> {
  const { json } = synthModule(
    (scope) =>
      new TenantPermissionsBoundary(scope, "boundary", {
        policyName: "openclaw-production-us-east-1-tenant-boundary",
        environment: "production",
        region: "us-east-1",
        accountId: "111111111111",
        repositoryArn: "arn:aws:ecr:us-east-1:111111111111:repository/openclaw/agent",
        execKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/exec",
        databaseResourceId: "db-ABC",
      }),
  );
  return JSON.parse(only(json, "aws_iam_policy").policy).Statement;
}
const bySid = (sid: string) => statements().find((s) => s.Sid === sid)!;

describe("TenantPermissionsBoundary", () => {
  it("limits S3 to the bucket named after the role's tenant tag, escaped for Terraform", () => {
    expect(bySid("OwnBucket").Resource).toEqual([
      "arn:aws:s3:::openclaw-$${aws:PrincipalTag/tenant_id}-111111111111-us-east-1",
      "arn:aws:s3:::openclaw-$${aws:PrincipalTag/tenant_id}-111111111111-us-east-1/*",
    ]);
  });

  it("limits secrets and logs to the tenant's own paths", () => {
    expect(bySid("OwnSecrets").Resource).toBe("arn:aws:secretsmanager:us-east-1:111111111111:secret:/openclaw/production/$${aws:PrincipalTag/tenant_id}/*");
    expect(bySid("OwnLogs").Resource).toBe("arn:aws:logs:us-east-1:111111111111:log-group:/openclaw/production/$${aws:PrincipalTag/tenant_id}:*");
  });

  it("limits KMS to keys tagged with the role's tenant", () => {
    expect(bySid("OwnKeys").Condition).toEqual({ StringEquals: { "aws:ResourceTag/TenantID": "$${aws:PrincipalTag/tenant_id}" } });
  });

  it("limits database logins to the user named by the role's db_user tag", () => {
    expect(bySid("OwnDatabaseUser").Resource).toBe("arn:aws:rds-db:us-east-1:111111111111:dbuser:db-ABC/$${aws:PrincipalTag/db_user}");
  });

  it("allows nothing in IAM, STS or any other service beyond the tenant's needs", () => {
    const actions = statements()
      .filter((s) => s.Sid !== "SpendStopOwnTaskRoles")
      .flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => /^(iam|sts|organizations|ec2|ecs|lambda):/.test(a) || a.endsWith(":*") || a === "*")).toEqual([]);
    expect(statements().every((s) => s.Effect === "Allow")).toBe(true);
  });
});

describe("TenantPermissionsBoundary and Bedrock", () => {
  it("allows only application inference profiles tagged with the role's tenant", () => {
    expect(bySid("InvokeOwnInferenceProfiles")).toMatchObject({
      Resource: "arn:aws:bedrock:us-east-1:111111111111:application-inference-profile/*",
      Condition: { StringEquals: { "aws:ResourceTag/TenantID": "$${aws:PrincipalTag/tenant_id}" } },
    });
  });

  it("allows foundation models in every region (cross-region profiles route there) but only through an application profile", () => {
    expect(bySid("ModelsOnlyThroughApplicationProfiles")).toMatchObject({
      Resource: "arn:aws:bedrock:*::foundation-model/*",
      Condition: { ArnLike: { "bedrock:InferenceProfileArn": "arn:aws:bedrock:us-east-1:111111111111:application-inference-profile/*" } },
    });
    const unconditionedModels = statements().filter((s) => [s.Resource].flat().some((r: string) => r.includes(":foundation-model/")) && !s.Condition);
    expect(unconditionedModels).toEqual([]);
  });
});

describe("TenantPermissionsBoundary and the spend stop", () => {
  it("lets a role attach only its own tenant's spend-stop policy, only to its own tenant's task roles", () => {
    expect(bySid("SpendStopOwnTaskRoles")).toEqual({
      Sid: "SpendStopOwnTaskRoles",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: "arn:aws:iam::111111111111:role/openclaw-$${aws:PrincipalTag/tenant_id}-*-task",
      Condition: {
        StringEquals: { "aws:ResourceTag/tenant_id": "$${aws:PrincipalTag/tenant_id}" },
        ArnEquals: { "iam:PolicyARN": "arn:aws:iam::111111111111:policy/openclaw-$${aws:PrincipalTag/tenant_id}-spend-stop" },
      },
    });
  });
});

describe("TenantPermissionsBoundary and ECS Exec", () => {
  it("lets tasks write session transcripts only to their own tenant's log group", () => {
    expect(statements().find((s) => s.Sid === "EcsExecSessionLogs")).toBeUndefined();
    expect(bySid("OwnLogs").Action).toEqual(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]);
  });

  it("lets the SSM agent look log groups up in this account and region only (DescribeLogGroups has no narrower resource)", () => {
    expect(bySid("EcsExecFindLogGroup")).toMatchObject({ Action: "logs:DescribeLogGroups", Resource: "arn:aws:logs:us-east-1:111111111111:log-group:*" });
  });
});

describe("TenantPermissionsBoundary with tracing (#29)", () => {
  const policy = (tracing?: boolean) =>
    JSON.parse(
      only(
        synthModule(
          (scope) =>
            new TenantPermissionsBoundary(scope, "boundary", {
              policyName: "b",
              environment: "staging",
              region: "us-east-1",
              accountId: "111111111111",
              repositoryArn: "arn:aws:ecr:us-east-1:111111111111:repository/openclaw/agent",
              execKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/exec",
              databaseResourceId: "db-ABC",
              tracing,
            }),
        ).json,
        "aws_iam_policy",
      ).policy,
    ).Statement as Array<Record<string, any>>;
  const xray = (statements: Array<Record<string, any>>) => statements.filter((s) => JSON.stringify(s.Action).includes("xray:"));

  it("allows exactly xray:PutTraceSegments when the environment traces, and no X-Ray action otherwise", () => {
    expect(xray(policy(true))).toEqual([{ Sid: "WriteTraces", Effect: "Allow", Action: "xray:PutTraceSegments", Resource: "*" }]);
    expect(xray(policy(false))).toEqual([]);
    expect(xray(policy(undefined))).toEqual([]);
  });
});
