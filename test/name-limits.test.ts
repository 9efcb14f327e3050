/**
 * Every name the stacks give AWS, checked against AWS's limit for that resource type, on a
 * synth whose tenant uses the longest id and agent name the schema accepts.
 */
import { KNOWN_INTEGRATIONS } from "../config/egress";
import { MAX_AGENT_NAME_LENGTH, MAX_TENANT_ID_LENGTH } from "../config/tenant-schema";
import { allResources, synthesize } from "./support/synth";
import { writeTenants } from "./support/tenant-fixtures";
import { FIXTURE_CDKTF_JSON } from "./support/fixtures";

const LONGEST_ID = `t${"x".repeat(MAX_TENANT_ID_LENGTH - 1)}`;
const LONGEST_AGENT = `a${"x".repeat(MAX_AGENT_NAME_LENGTH - 1)}`;
// Integrations are the keys of the egress domain table: the longest of them names the longest secret.
const LONGEST_INTEGRATION = [...KNOWN_INTEGRATIONS].sort((a, b) => b.length - a.length)[0];
const output = synthesize(
  writeTenants([
    { id: LONGEST_ID, region: "us-west-2", agents: { [LONGEST_AGENT]: "{ cpu: 256, memory: 512 }" }, integrations: [LONGEST_INTEGRATION] },
  ]),
  FIXTURE_CDKTF_JSON,
);

/** [resource type, attribute, AWS limit] */
const LIMITS: Array<[string, string, number]> = [
  ["aws_s3_bucket", "bucket", 63],
  ["aws_iam_role", "name", 64],
  ["aws_iam_policy", "name", 128],
  ["aws_iam_role_policy", "name", 128],
  ["aws_kms_alias", "name", 256],
  ["aws_cloudwatch_log_group", "name", 512],
  ["aws_secretsmanager_secret", "name", 512],
  ["aws_security_group", "name", 255],
  ["aws_ecs_service", "name", 255],
  ["aws_ecs_task_definition", "family", 255],
  ["aws_ecs_cluster", "name", 255],
  ["aws_budgets_budget", "name", 100],
  ["aws_cloudwatch_metric_alarm", "alarm_name", 255],
  ["aws_db_instance", "identifier", 63],
  ["aws_db_instance", "final_snapshot_identifier", 255],
  ["aws_db_subnet_group", "name", 255],
  ["aws_db_parameter_group", "name", 255],
  ["aws_lambda_function", "function_name", 64],
  ["aws_sns_topic", "name", 256],
  ["aws_ecr_repository", "name", 256],
  ["aws_ssm_parameter", "name", 1011],
];

describe("AWS name limits at the longest tenant id and agent name", () => {
  it("synthesizes a tenant with a 26-character id", () => {
    expect(Object.keys(output.stacks)).toContain(`tenant-${LONGEST_ID}`);
  });

  it.each(LIMITS)("%s.%s is at most %d characters", (type, attribute, limit) => {
    const named = allResources(output).filter((r) => r.type === type && typeof r.config[attribute] === "string");
    expect(named.length).toBeGreaterThan(0);
    const tooLong = named.filter((r) => r.config[attribute].length > limit).map((r) => `${r.address}: ${r.config[attribute]}`);
    expect(tooLong).toEqual([]);
  });

  it("uses the whole S3 name budget for the longest id (the id limit is derived from it)", () => {
    const bucket = allResources(output).find((r) => r.type === "aws_s3_bucket" && r.stack === `tenant-${LONGEST_ID}`)!;
    expect(bucket.config.bucket.length).toBe(63 - ("ap-southeast-2".length - "us-west-2".length));
  });
});
