import { MAX_REGION_LENGTH } from "../config/environment-schema";
import { MAX_AGENT_NAME_LENGTH, MAX_TENANT_ID_LENGTH } from "../config/tenant-schema";
import { BEDROCK_MODELS } from "../config/bedrock-models";
import * as naming from "../modules/naming";

const LONGEST_TENANT = `t${"x".repeat(MAX_TENANT_ID_LENGTH - 1)}`;
const LONGEST_AGENT = `a${"x".repeat(MAX_AGENT_NAME_LENGTH - 1)}`;
const LONGEST_REGION = "ap-southeast-2";
const LONGEST_ENVIRONMENT = "production-b"; // 12, the schema's maximum
const ACCOUNT = "123456789012";

describe("AWS names at the longest ids the schemas accept", () => {
  const { AWS_NAME_LIMITS: limit } = naming;
  it.each([
    ["S3 bucket", naming.tenantBucketName(LONGEST_TENANT, ACCOUNT, LONGEST_REGION), limit.s3Bucket],
    ["offboarding archive bucket", naming.offboardingArchiveBucketName(LONGEST_ENVIRONMENT, LONGEST_REGION, ACCOUNT), limit.s3Bucket],
    ["task role", naming.agentTaskRoleName(LONGEST_TENANT, LONGEST_AGENT), limit.iamRole],
    ["execution role", naming.tenantExecutionRoleName(LONGEST_TENANT), limit.iamRole],
    ["KMS alias", naming.tenantKeyAlias(LONGEST_ENVIRONMENT, LONGEST_TENANT), limit.kmsAlias],
    ["log group", naming.tenantLogGroupName(LONGEST_ENVIRONMENT, LONGEST_TENANT), limit.logGroup],
    ["secret", naming.tenantSecretName(LONGEST_ENVIRONMENT, LONGEST_TENANT, "x".repeat(32)), limit.secret],
    ["security group", naming.tenantSecurityGroupName(LONGEST_TENANT), limit.securityGroup],
    ["ECS service", naming.agentServiceName(LONGEST_TENANT, LONGEST_AGENT), limit.ecsService],
    ["task family", naming.agentTaskFamily(LONGEST_TENANT, LONGEST_AGENT), limit.taskFamily],
    ["budget", naming.tenantBudgetName(LONGEST_ENVIRONMENT, LONGEST_TENANT), limit.budget],
    ...Object.values(BEDROCK_MODELS).map(
      (m): [string, string, number] => [`inference profile ${m.shortName}`, naming.tenantInferenceProfileName(LONGEST_TENANT, m.shortName, "0123abcd"), limit.inferenceProfile],
    ),
    ["spend-stop policy", naming.tenantSpendStopPolicyName(LONGEST_TENANT), limit.iamPolicy],
    ["alarm", naming.agentAlarmName(LONGEST_TENANT, LONGEST_AGENT, "memory-high"), limit.alarm],
    ["RDS identifier", naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, "db"), limit.rdsIdentifier],
    ["RDS final snapshot", naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, "db-final"), limit.rdsIdentifier],
    ["platform IAM role", naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, "db-rds-monitoring"), limit.iamRole],
    ["provisioner Lambda", naming.platformResourceName(LONGEST_ENVIRONMENT, LONGEST_REGION, "db-provisioner"), limit.lambdaFunction],
    ["SSM parameter", naming.platformContractParameterName(LONGEST_ENVIRONMENT, LONGEST_REGION, "db-clients-security-group-id"), limit.ssmParameter],
  ])("%s fits (%s)", (_, name, max) => {
    expect(name.length).toBeLessThanOrEqual(max);
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
