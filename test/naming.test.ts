import { MAX_REGION_LENGTH } from "../config/environment-schema";
import { MAX_AGENT_NAME_LENGTH, MAX_TENANT_ID_LENGTH } from "../config/tenant-schema";
import { TENANT_ID_PATTERN } from "../config/tenant-id";
import { BEDROCK_MODELS } from "../config/bedrock-models";
import * as naming from "../modules/naming";
import BOTOCORE from "../aws/name-limits.botocore.json";

const LONGEST_TENANT = `t${"x".repeat(MAX_TENANT_ID_LENGTH - 1)}`;
const LONGEST_AGENT = `a${"x".repeat(MAX_AGENT_NAME_LENGTH - 1)}`;
const LONGEST_REGION = "ap-southeast-2";
const LONGEST_ENVIRONMENT = "production-b"; // 12, the schema's maximum
const ACCOUNT = "123456789012";

type LimitKey = keyof typeof naming.AWS_NAME_LIMITS;
const DB = naming.databaseResourceNames(naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, naming.DATABASE_IDENTIFIER_SUFFIX));
const PROVISIONER = naming.dbProvisionerResourceNames(naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, naming.DB_PROVISIONER_FUNCTION_SUFFIX));

/** Every name the code builds, at the longest ids the schemas accept, with the limit it must meet. */
const NAMES: [string, string, LimitKey][] = [
  ["S3 bucket", naming.tenantBucketName(LONGEST_TENANT, ACCOUNT, LONGEST_REGION), "s3Bucket"],
  ["offboarding archive bucket", naming.offboardingArchiveBucketName(LONGEST_ENVIRONMENT, LONGEST_REGION, ACCOUNT), "s3Bucket"],
  ["task role", naming.agentTaskRoleName(LONGEST_TENANT, LONGEST_AGENT), "iamRole"],
  ["execution role", naming.tenantExecutionRoleName(LONGEST_TENANT), "iamRole"],
  ["KMS alias", naming.tenantKeyAlias(LONGEST_ENVIRONMENT, LONGEST_TENANT), "kmsAlias"],
  ["platform exec key alias", naming.platformExecKeyAlias(LONGEST_ENVIRONMENT, LONGEST_REGION), "kmsAlias"],
  ["log group", naming.tenantLogGroupName(LONGEST_ENVIRONMENT, LONGEST_TENANT), "logGroup"],
  ["secret", naming.tenantSecretName(LONGEST_ENVIRONMENT, LONGEST_TENANT, "x".repeat(32)), "secret"],
  ["security group", naming.tenantSecurityGroupName(LONGEST_TENANT), "securityGroup"],
  ["database security group", DB.securityGroup, "securityGroup"],
  ["db-clients security group", DB.clientsSecurityGroup, "securityGroup"],
  ["provisioner security group", PROVISIONER.securityGroup, "securityGroup"],
  ["ECS service", naming.agentServiceName(LONGEST_TENANT, LONGEST_AGENT), "ecsService"],
  ["task family", naming.agentTaskFamily(LONGEST_TENANT, LONGEST_AGENT), "taskFamily"],
  ["budget", naming.tenantBudgetName(LONGEST_ENVIRONMENT, LONGEST_TENANT), "budget"],
  ...Object.values(BEDROCK_MODELS).map((m): [string, string, LimitKey] => [`inference profile ${m.shortName}`, naming.tenantInferenceProfileName(LONGEST_TENANT, m.shortName, "0123abcd"), "inferenceProfile"]),
  ["spend-stop policy", naming.tenantSpendStopPolicyName(LONGEST_TENANT), "iamPolicy"],
  ["alarm", naming.agentAlarmName(LONGEST_TENANT, LONGEST_AGENT, "memory-high"), "alarm"],
  ["RDS identifier", naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, naming.DATABASE_IDENTIFIER_SUFFIX), "rdsIdentifier"],
  ["RDS final snapshot", DB.finalSnapshot, "rdsIdentifier"],
  ["RDS monitoring role", DB.monitoringRole, "iamRole"],
  ["provisioner role", PROVISIONER.role, "iamRole"],
  ["flow-log role", naming.nameUnder(naming.platformNamePrefix(LONGEST_ENVIRONMENT, LONGEST_REGION), naming.FLOW_LOG_ROLE_SUFFIX), "iamRole"],
  ["provisioner Lambda", naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, naming.DB_PROVISIONER_FUNCTION_SUFFIX), "lambdaFunction"],
  ["SSM parameter", naming.platformContractParameterName(LONGEST_ENVIRONMENT, LONGEST_REGION, "db-clients-security-group-id"), "ssmParameter"],
  ["anomaly monitor", naming.tenantAnomalyMonitorName(LONGEST_ENVIRONMENT, LONGEST_TENANT), "anomalyMonitor"],
  ["agent repository", naming.agentRepositoryName(), "ecrRepository"],
  ["audit trail", naming.auditTrailName(LONGEST_ENVIRONMENT), "cloudTrail"],
  ["audit bucket", naming.auditBucketName(LONGEST_ENVIRONMENT, LONGEST_REGION, ACCOUNT), "s3Bucket"],
  ["audit query results bucket", naming.auditQueryResultsBucketName(LONGEST_ENVIRONMENT, LONGEST_REGION, ACCOUNT), "s3Bucket"],
  ["audit key alias", naming.auditKeyAlias(LONGEST_ENVIRONMENT, LONGEST_REGION), "kmsAlias"],
  ["audit Glue database", naming.auditDatabaseName(LONGEST_ENVIRONMENT), "glueDatabase"],
  ["audit Glue table", naming.AUDIT_TABLE_NAME, "glueTable"],
  ["audit Athena workgroup", naming.auditWorkGroupName(LONGEST_ENVIRONMENT), "athenaWorkGroup"],
  ["tenant dashboard", naming.tenantDashboardName(LONGEST_TENANT), "dashboard"],
  ["fleet dashboard", naming.fleetDashboardName(LONGEST_ENVIRONMENT, LONGEST_REGION), "dashboard"],
  ["log error metric filter", naming.tenantErrorFilterName(LONGEST_TENANT), "metricFilter"],
];

describe("AWS names at the longest ids the schemas accept", () => {
  const { AWS_NAME_LIMITS: limit } = naming;
  it.each(NAMES)("%s fits (%s)", (_, name, key) => {
    expect(name.length).toBeLessThanOrEqual(limit[key]);
  });

  it("uses the whole S3 budget at the maximum id: the id limit is derived, not guessed", () => {
    expect(naming.tenantBucketName(LONGEST_TENANT, ACCOUNT, LONGEST_REGION)).toHaveLength(naming.AWS_NAME_LIMITS.s3Bucket);
    expect(LONGEST_REGION).toHaveLength(MAX_REGION_LENGTH);
  });

  it("keeps a tenant's bucket distinct from a tenant whose id extends it", () => {
    const acme = naming.tenantBucketName("acme", ACCOUNT, "us-east-1");
    const acme2 = naming.tenantBucketName("acme-2", ACCOUNT, "us-east-1");
    expect(acme2.startsWith(acme.replace(/-us-east-1$/, ""))).toBe(false);
  });

  it("gives every stack its own state key", () => {
    expect(naming.platformStateKey("production", "us-east-1")).toBe("platform/production/us-east-1.tfstate");
    expect(naming.tenantStateKey("acme")).toBe("tenants/acme.tfstate");
  });
});

describe("offboarding archive bucket", () => {
  test("can never be a tenant bucket, whatever the tenant id, nor match the tenant-bucket ARN pattern", () => {
    const archive = naming.offboardingArchiveBucketName("production", "us-east-1", ACCOUNT);
    // A tenant bucket is openclaw-<id>-<account>-<region> with an id that starts with a letter.
    expect(archive).not.toMatch(new RegExp(`^openclaw-[a-z][a-z0-9-]*-${ACCOUNT}-us-east-1$`));
    const pattern = naming.tenantBucketArnPattern(ACCOUNT, "us-east-1").replace("arn:aws:s3:::", "");
    expect(archive).not.toMatch(new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.-]/g, "\\$&")).join(".*")}$`));
  });
});

describe("audit trail names", () => {
  test("the platform buckets' ARN prefix matches no tenant bucket and every platform bucket; the tenant prefix matches every tenant bucket", () => {
    const platform = naming.platformBucketArnPrefix(ACCOUNT);
    const arn = (bucket: string) => `arn:aws:s3:::${bucket}/key`;
    for (const tenant of ["acme", LONGEST_TENANT, "a1", "x-123456789012"]) {
      const bucket = arn(naming.tenantBucketName(tenant, ACCOUNT, "us-east-1"));
      expect(bucket.startsWith(naming.tenantBucketArnPrefix())).toBe(true);
      expect(bucket.startsWith(platform)).toBe(false);
    }
    for (const bucket of [
      naming.auditBucketName("production", "us-east-1", ACCOUNT),
      naming.auditQueryResultsBucketName("production", "us-east-1", ACCOUNT),
      naming.offboardingArchiveBucketName("production", "us-east-1", ACCOUNT),
    ]) {
      expect(arn(bucket).startsWith(platform)).toBe(true);
    }
  });

  test("the trail's tenant-bucket prefixes match every tenant bucket and no platform bucket", () => {
    const matches = (bucket: string) => naming.tenantBucketArnPrefixes().some((p) => `arn:aws:s3:::${bucket}/k`.startsWith(p));
    // Every first character TENANT_ID_PATTERN admits, and the others it refuses.
    for (const c of "abcdefghijklmnopqrstuvwxyz0123456789-") {
      const id = `${c}x`;
      expect({ id, logged: matches(naming.tenantBucketName(id, ACCOUNT, "us-east-1")) }).toEqual({ id, logged: TENANT_ID_PATTERN.test(id) });
    }
    for (const bucket of [naming.auditBucketName("production", "us-east-1", ACCOUNT), naming.auditQueryResultsBucketName("production", "us-east-1", ACCOUNT), naming.offboardingArchiveBucketName("production", "us-east-1", ACCOUNT)]) {
      expect({ bucket, logged: matches(bucket) }).toEqual({ bucket, logged: false });
    }
  });

  test("a trail name meets CreateTrail's rules (letters, digits, . _ -; starts and ends with a letter or digit; no adjacent punctuation)", () => {
    const name = naming.auditTrailName(LONGEST_ENVIRONMENT);
    expect(name).toMatch(/^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9]))*$/);
    expect(name.length).toBeGreaterThanOrEqual(3);
  });

  test("the Glue database name is one Athena accepts unquoted (lowercase letters, digits, underscore)", () => {
    expect(naming.auditDatabaseName("prod-eu")).toBe("openclaw_prod_eu_audit");
    expect(naming.auditDatabaseName(LONGEST_ENVIRONMENT)).toMatch(/^[a-z0-9_]+$/);
  });
});

/**
 * PutDashboard's DashboardName: botocore's model carries neither length nor pattern, only its
 * documentation text ("The maximum length is 255, and valid characters are A-Z, a-z, 0-9, \"-\",
 * and \"_\"", cloudwatch 2010-08-01 PutDashboard), which the name limits table cites.
 */
describe("dashboard names", () => {
  const PUT_DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;
  it.each([
    ["tenant", naming.tenantDashboardName(LONGEST_TENANT)],
    ["fleet", naming.fleetDashboardName(LONGEST_ENVIRONMENT, LONGEST_REGION)],
  ])("the %s dashboard name is one PutDashboard accepts", (_, name) => {
    expect(name).toMatch(PUT_DASHBOARD_NAME);
    expect(name.startsWith(naming.DASHBOARD_NAME_PREFIX)).toBe(true);
  });
  it("keeps every tenant dashboard apart from every fleet dashboard", () => {
    // A tenant called like an environment and region still gets a different name.
    expect(naming.tenantDashboardName("production-us-east-1")).not.toBe(naming.fleetDashboardName("production", "us-east-1"));
    expect(naming.tenantDashboardName("fleet-production-us-east-1")).not.toBe(naming.fleetDashboardName("production", "us-east-1"));
  });
});

describe("stack names", () => {
  // The pipeline reads tenant ids back out of stack names (deploy, stack policy, incremental
  // synth) through tenantIdOfStackName; a prefix changed on one side only fails here.
  it("reads back the tenant id of every tenant stack name, and nothing from a platform stack", () => {
    for (const id of ["acme", LONGEST_TENANT, "a1-b2"]) expect(naming.tenantIdOfStackName(naming.tenantStackName(id))).toBe(id);
    expect(naming.tenantIdOfStackName(naming.platformStackName(LONGEST_ENVIRONMENT, LONGEST_REGION))).toBeUndefined();
    expect(naming.tenantIdOfStackName("tenants-acme")).toBeUndefined();
  });
});

/**
 * The limits and patterns of AWS's own service models (botocore, extracted into
 * aws/name-limits.botocore.json by scripts/extract-aws-name-limits.py), not the code's own table:
 * a limit raised in AWS_NAME_LIMITS beyond AWS's, or a name with a character the API refuses,
 * fails here. Mutations tried: iamRole 64 -> 70 in AWS_NAME_LIMITS; a '.' in a budget name.
 */
describe("AWS names against botocore's service models", () => {
  type Model = { service: string; operation: string; member: string; min?: number; max?: number; pattern?: string };
  const models = BOTOCORE.names as Record<string, Model>;
  /** AWS matches a model pattern against the whole value; `(?i)` (Java) becomes the i flag. */
  /** Surrogate pairs (Glue's `\uD800\uDC00-\uDBFF\uDFFF`) are code points, as in Java: the u flag. */
  const patternOf = (m: Model) =>
    m.pattern === undefined ? undefined : new RegExp(`^(?:${m.pattern.replace("(?i)", "")})$`, (m.pattern.includes("(?i)") ? "i" : "") + (/\\uD[89AB]/i.test(m.pattern) ? "u" : ""));

  it("has a model entry for every limit the code keeps", () => {
    expect(Object.keys(models).sort()).toEqual(Object.keys(naming.AWS_NAME_LIMITS).sort());
  });

  it("keeps no limit looser than the model's maximum", () => {
    const looser = Object.entries(naming.AWS_NAME_LIMITS)
      .filter(([key, max]) => models[key].max !== undefined && max > models[key].max!)
      .map(([key, max]) => `${key}: ${max} > ${models[key].service} ${models[key].operation} ${models[key].member} max ${models[key].max}`);
    expect(looser).toEqual([]);
  });

  it("knows which limits the models leave open (those come from the AWS documentation linked in naming.ts)", () => {
    expect(Object.keys(models).filter((key) => models[key].max === undefined).sort()).toEqual(
      ["athenaWorkGroup", "cloudTrail", "dashboard", "ecsCluster", "ecsService", "rdsIdentifier", "s3Bucket", "securityGroup", "snsTopic", "taskFamily"].sort(),
    );
  });

  it.each(NAMES)("%s is a value the API's model accepts (%s)", (_, name, key) => {
    const model = models[key];
    const pattern = patternOf(model);
    const problems = [
      model.max !== undefined && name.length > model.max ? `longer than ${model.max}` : "",
      model.min !== undefined && name.length < model.min ? `shorter than ${model.min}` : "",
      pattern && !pattern.test(name) ? `does not match ${model.pattern}` : "",
    ].filter(Boolean);
    expect({ name, api: `${model.service} ${model.operation} ${model.member}`, problems }).toEqual({ name, api: `${model.service} ${model.operation} ${model.member}`, problems: [] });
  });

  it("applies the model patterns as AWS does (whole value)", () => {
    expect(patternOf(models.iamRole)!.test("openclaw-acme-execution")).toBe(true);
    expect(patternOf(models.iamRole)!.test("openclaw acme")).toBe(false);
    expect(patternOf(models.budget)!.test("a:b")).toBe(false);
    expect(patternOf(models.kmsAlias)!.test("alias/openclaw/production/acme")).toBe(true);
  });
});
