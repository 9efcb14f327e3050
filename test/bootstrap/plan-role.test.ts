// Enforces SECURITY.md C34 (the table "Enforcing tests" there lists this file).
/**
 * Issue 14 attack 5: the "read-only" plan role read tenant data. Its policies now allow only
 * what refresh reads (bootstrap/resource-actions.ts, read column) and deny every data read
 * explicitly; each test is one read a compromised plan job would try. Environment: production
 * of the repository's cdktf.json, with a dedicated state key.
 */
import { evaluate, IamRequest } from "../../audit/iam";
import { deployRoleDesired, planRoleDesired } from "../../bootstrap/resources/pipeline-roles";
import { policySize } from "../../bootstrap/policies";
import { synthesize } from "../support/synth";
import { EIGHT_REGIONS, FIVE_REGIONS, STATE_KEY, roleStatements, settingsForEnvironment } from "./pipeline-roles-support";

const output = synthesize();
const settings = settingsForEnvironment(output, "production");
const { plan } = roleStatements(settings);
const ACCOUNT = "111111111111";
const TENANT_LOGS = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/openclaw/production/acme`;
const EXEC_LOGS = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/openclaw/production/us-east-1/platform/ecs-exec`;
const TENANT_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000000`;
const LOCK_TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${settings.lockTable}`;
const STATE = `arn:aws:s3:::${settings.stateBucket}`;
const decide = (request: IamRequest) => evaluate(plan, request);
const denied = (request: IamRequest) => expect(decide(request)).toMatchObject({ decision: "deny" });

describe("the plan role cannot read tenant data", () => {
  test.each([
    ["tenant logs", "logs:GetLogEvents", `${TENANT_LOGS}:log-stream:butler/agent/1`],
    ["tenant logs by filter", "logs:FilterLogEvents", `${TENANT_LOGS}:*`],
    ["ECS Exec transcripts", "logs:GetLogEvents", `${EXEC_LOGS}:log-stream:ecs-execute-command-1`],
    ["Logs Insights queries", "logs:StartQuery", `${TENANT_LOGS}:*`],
    ["Logs Insights results", "logs:GetQueryResults", "*"],
    ["live tails", "logs:StartLiveTail", `${TENANT_LOGS}:*`],
    ["one log record", "logs:GetLogRecord", "*"],
  ])("%s (%s)", (_what, action, resource) => denied({ action, resource }));

  test.each(["rds:DownloadDBLogFilePortion", "rds:DownloadCompleteDBLogFile"])("RDS log files (%s: slow-query logs carry SQL with values)", (action) =>
    denied({ action, resource: `arn:aws:rds:us-east-1:${ACCOUNT}:db:openclaw-production-us-east-1-db` }),
  );

  test.each(["pi:GetResourceMetrics", "pi:DescribeDimensionKeys", "pi:GetDimensionKeyDetails"])("Performance Insights SQL text (%s)", (action) =>
    denied({ action, resource: `arn:aws:pi:us-east-1:${ACCOUNT}:metrics/rds/db-ABC` }),
  );

  test.each(["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"])("agent image layers (%s)", (action) =>
    denied({ action, resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/openclaw-agents` }),
  );

  test("objects outside the state bucket", () => {
    denied({ action: "s3:GetObject", resource: `arn:aws:s3:::openclaw-acme-${ACCOUNT}-us-east-1/memory.json` });
    denied({ action: "s3:GetObjectVersion", resource: `arn:aws:s3:::openclaw-acme-${ACCOUNT}-us-east-1/memory.json` });
  });

  test("secret values", () => denied({ action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:/openclaw/production/acme/gmail-AbCdEf` }));

  test("SecureString parameters: GetParameter is allowed only under /openclaw/, and decrypting needs kms:Decrypt, denied outside the state key", () => {
    expect(decide({ action: "ssm:GetParameter", resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/payments/db-password` }).decision).not.toBe("allow");
    denied({ action: "kms:Decrypt", resource: TENANT_KEY, context: { "kms:ViaService": "ssm.us-east-1.amazonaws.com" } });
    denied({ action: "kms:Decrypt", resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/aws-managed-ssm` });
  });

  test("ciphertext under any key but the state key (tenant keys, platform keys)", () => denied({ action: "kms:Decrypt", resource: TENANT_KEY }));

  test("invoking the provisioner or any function", () => denied({ action: "lambda:InvokeFunction", resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:openclaw-production-us-east-1-db-provisioner:$LATEST` }));
});

describe("the plan role takes no lock and writes nothing to the state store (plans run with -lock=false)", () => {
  test.each(["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"])("%s on the lock table (the lock and the -md5 digest items)", (action) =>
    denied({ action, resource: LOCK_TABLE }),
  );

  test("no lock file, no state object written or deleted", () => {
    for (const key of ["tenants/acme.tfstate.tflock", "tenants/acme.tfstate"]) {
      denied({ action: "s3:PutObject", resource: `${STATE}/${key}` });
      denied({ action: "s3:DeleteObject", resource: `${STATE}/${key}` });
    }
  });

  test("reads what a plan reads: state objects, the digest item, the state key", () => {
    expect(decide({ action: "s3:ListBucket", resource: STATE }).decision).toBe("allow");
    expect(decide({ action: "s3:GetObject", resource: `${STATE}/tenants/acme.tfstate` }).decision).toBe("allow");
    expect(decide({ action: "dynamodb:GetItem", resource: LOCK_TABLE }).decision).toBe("allow");
    expect(decide({ action: "kms:Decrypt", resource: STATE_KEY }).decision).toBe("allow");
  });
});

describe("the plan role's policies", () => {
  const desired = planRoleDesired(settings, [STATE_KEY]);

  test("no AWS managed policy: ReadOnlyAccess is detached when an earlier bootstrap attached it", () => {
    expect(desired.managedPolicyArns).toEqual([]);
    expect(desired.retiredManagedPolicyArns).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
  });

  test.each([settings.regions, FIVE_REGIONS, EIGHT_REGIONS].map((regions) => [regions.length, regions] as const))("fit the 10,240 characters IAM allows for a role's inline policies, with %i regions", (_count, regions) => {
    const wide = planRoleDesired({ ...settings, regions: [...regions] }, [STATE_KEY, STATE_KEY.replace("1111", "9999")]);
    expect(Object.values(wide.inlinePolicies).reduce((sum, d) => sum + policySize(d), 0)).toBeLessThanOrEqual(10240);
    expect(wide.managedPolicyArns).toEqual([]);
  });

  test("the deploy role does not get ReadOnlyAccess either", () => {
    expect(deployRoleDesired(settings, [STATE_KEY]).managedPolicyArns.some((a) => a.includes(":aws:policy/"))).toBe(false);
  });
});
