// Enforces SECURITY.md C17 (the table "Enforcing tests" there lists this file).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DbProvisioner, DbProvisionerProps } from "../../modules/db-provisioner";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Route } from "@cdktf/provider-aws/lib/route";
import { all, only, synthModule } from "../support/module-synth";

// A stand-in bundle: the construct only ships a zip; test/db/bundle.test.ts covers the real one.
const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-fake-bundle-"));
fs.writeFileSync(path.join(bundleDir, "db-provisioner.zip"), "not really a zip");
const hash = "ab".repeat(32);
const bundle = { directory: bundleDir, archivePath: path.join(bundleDir, "db-provisioner.zip"), hash, sourceCodeHash: "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=" };

const props: DbProvisionerProps = {
  functionName: "openclaw-production-us-east-1-db-provisioner",
  environment: "production",
  accountId: "111111111111",
  region: "us-east-1",
  bundle,
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  securityGroupIds: ["sg-db-clients"],
  databaseAddress: "db.example.internal",
  databasePort: 5432,
  databaseName: "openclaw",
  masterUserSecretArn: "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-1234-AbCdEf",
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/platform",
  logGroupName: "/openclaw/production/us-east-1/platform/db-provisioner",
  exportBucketArnPattern: "arn:aws:s3:::openclaw-*-111111111111-us-east-1",
  alarmTopicArn: "arn:aws:sns:us-east-1:111111111111:alarms",
};
afterAll(() => fs.rmSync(bundleDir, { recursive: true, force: true }));

const build = (overrides: Partial<DbProvisionerProps> = {}) =>
  synthModule((scope) => new DbProvisioner(scope, "db-provisioner", { ...props, ...overrides }));
const fn = (overrides: Partial<DbProvisionerProps> = {}) => only(build(overrides).json, "aws_lambda_function");
const policy = () => JSON.parse(only(build().json, "aws_iam_role_policy").policy);

describe("DbProvisioner", () => {
  it("runs the bundled handler on the pinned Node.js runtime, named as given", () => {
    expect(fn()).toMatchObject({ function_name: props.functionName, handler: "index.handler", runtime: "nodejs22.x" });
  });

  it("runs in the private subnets with its own group and the db-clients group", () => {
    expect(fn().vpc_config).toEqual({
      subnet_ids: props.subnetIds,
      security_group_ids: [expect.stringMatching(/^\$\{aws_security_group\.db-provisioner_security-group_\w+\.id\}$/), "sg-db-clients"],
    });
  });

  it("gives its own security group no ingress and HTTPS egress only", () => {
    const json = build().json;
    expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    expect(only(json, "aws_security_group").ingress).toBeUndefined();
    expect(only(json, "aws_vpc_security_group_egress_rule")).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
  });

  it("encrypts its environment with the platform key and traces with X-Ray", () => {
    expect(fn()).toMatchObject({ kms_key_arn: props.kmsKeyArn, tracing_config: { mode: "Active" } });
  });

  it("reserves no concurrency unless asked, since Lambda refuses reservations that leave under 100 unreserved", () => {
    expect(fn()).not.toHaveProperty("reserved_concurrent_executions");
    expect(fn({ reservedConcurrentExecutions: 5 }).reserved_concurrent_executions).toBe(5);
  });

  it("tells the handler where the database and the master secret are, and nothing secret", () => {
    const variables = fn().environment.variables;
    expect(variables).toEqual({
      DB_HOST: props.databaseAddress,
      DB_PORT: "5432",
      DB_NAME: "openclaw",
      DB_MASTER_SECRET_ARN: props.masterUserSecretArn,
      OPENCLAW_ENVIRONMENT: "production",
      NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
    });
    expect(build().text).not.toMatch(/password/i);
  });

  it("logs JSON to its KMS-encrypted log group with a year of retention", () => {
    const json = build().json;
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({ name: props.logGroupName, kms_key_id: props.kmsKeyArn, retention_in_days: 365 });
    expect(fn().logging_config.log_format).toBe("JSON");
  });

  it("ships the bundle's zip under its own hash, with its sha256 as source_code_hash", () => {
    const f = fn();
    expect(f.source_code_hash).toBe(bundle.sourceCodeHash);
    expect(f.filename).toMatch(new RegExp(`^assets/db-provisioner_code_\\w+/${hash.slice(0, 32).toUpperCase()}/db-provisioner\\.zip$`));
  });

  it("synthesizes identical JSON from the same bundle", () => {
    expect(build().text).toBe(build().text);
  });

  it("reads only the master secret and writes exports only below database-exports/ in tenant buckets", () => {
    const statements = policy().Statement as { Sid: string; Action: string | string[]; Resource: string; Condition?: unknown }[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadMasterSecret).toMatchObject({ Action: "secretsmanager:GetSecretValue", Resource: props.masterUserSecretArn });
    expect(bySid.WriteExportsToTenantBuckets).toMatchObject({ Action: "s3:PutObject", Resource: `${props.exportBucketArnPattern}/database-exports/*` });
    expect(bySid.EncryptExportsWithTenantKeys.Condition).toEqual({
      StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": props.exportBucketArnPattern }, // bucket key: the bucket ARN
    });
    const wildcard = statements.filter((s) => s.Resource === "*").map((s) => s.Sid);
    expect(wildcard.sort()).toEqual(["ManageVpcNetworkInterfaces", "WriteTraces"]);
  });

  it("applies migrations on deploy, again whenever the bundle changes", () => {
    const migrate = only(build().json, "aws_lambda_invocation");
    expect(JSON.parse(migrate.input)).toEqual({ operation: "migrate", environment: "production" });
    expect(migrate.triggers).toEqual({ bundle: hash });
    expect(build({ migrateOnDeploy: false }).json.resource.aws_lambda_invocation).toBeUndefined();
  });

  it.each([
    ["reap", "rate(1 minute)"],
    ["measure", "rate(15 minutes)"],
  ])("runs the %s operation on schedule %s from EventBridge, which alone may invoke it that way", (operation, schedule) => {
    const json = build().json;
    const named = (type: string, part: string) => Object.entries<Record<string, any>>(json.resource[type]).find(([k]) => k.includes(`${operation}-${part}`))![1];
    const rule = named("aws_cloudwatch_event_rule", "schedule");
    expect(rule).toMatchObject({ name: `openclaw-production-us-east-1-db-provisioner-${operation}`, schedule_expression: schedule });
    const target = named("aws_cloudwatch_event_target", "target");
    expect(JSON.parse(target.input)).toEqual({ operation, environment: "production" });
    const permission = named("aws_lambda_permission", "permission");
    expect(permission).toMatchObject({ principal: "events.amazonaws.com", action: "lambda:InvokeFunction" });
    expect(permission.source_arn).toMatch(new RegExp(`aws_cloudwatch_event_rule\\..*${operation}-schedule.*\\.arn`));
    expect(build({ reapSchedule: false, measureSchedule: false }).json.resource.aws_cloudwatch_event_rule).toBeUndefined();
  });

  it("can be assumed by Lambda of this account only", () => {
    const trust = JSON.parse(only(build().json, "aws_iam_role").assume_role_policy);
    expect(trust.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "lambda.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } } }),
    ]);
  });

  it.each([
    [{ functionName: `x${"y".repeat(64)}` }, /functionName must be 1-64 letters/],
    [{ logRetentionDays: 10 }, /logRetentionDays must be one of 1, 3, 5.* \(got 10\)/],
    [{ reservedConcurrentExecutions: 0 }, /reservedConcurrentExecutions must be an integer from 1 to 1000 \(got 0\)/],
    [{ timeoutSeconds: 1000 }, /timeoutSeconds must be an integer from 30 to 900 \(got 1000\)/],
    [{ subnetIds: [] }, /subnetIds must list at least one subnet/],
    [{ securityGroupIds: [] }, /securityGroupIds must include the db-clients group/],
    [{ bundle: { ...bundle, hash: "abc" } }, /bundle.hash must be the sha256 from bundleProvisioner\(\) \(got abc\)/],
    [{ reapSchedule: "every minute" }, /reapSchedule must be an EventBridge rate\(\.\.\.\) or cron\(\.\.\.\) expression, or false \(got every minute\)/],
  ])("fails when %j", (overrides, message) => {
    expect(() => build(overrides as Partial<DbProvisionerProps>)).toThrow(message);
  });
});

describe("DbProvisioner first migration", () => {
  it("waits for what migrateAfter names (routes and endpoints created in the same apply)", () => {
    const { json } = synthModule((scope) => {
      const route = new Route(scope, "egress", { routeTableId: "rtb-1", destinationCidrBlock: "0.0.0.0/0", natGatewayId: "nat-1" });
      new DbProvisioner(scope, "db-provisioner", { ...props, migrateAfter: [route] });
    });
    const migrate = Object.values<any>(json.resource.aws_lambda_invocation)[0];
    expect(migrate.depends_on).toEqual([expect.stringMatching(/^aws_route\.egress/), expect.stringMatching(/^aws_vpc_security_group_egress_rule\.db-provisioner_https-egress/)]);
  });

  it("creates the function and runs the first migration only after the network rules it needs", () => {
    const { json } = synthModule((scope) => {
      const rule = new VpcSecurityGroupIngressRule(scope, "postgres-from-clients", { securityGroupId: "sg-db", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-clients" });
      new DbProvisioner(scope, "db-provisioner", { ...props, networkRulesAfter: [rule] });
    });
    const fn = Object.values<any>(json.resource.aws_lambda_function)[0];
    const migrate = Object.values<any>(json.resource.aws_lambda_invocation)[0];
    for (const deps of [fn.depends_on, migrate.depends_on]) {
      expect(deps).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_vpc_security_group_ingress_rule\.postgres-from-clients/), expect.stringMatching(/https-egress/)]));
    }
  });
});

describe("DbProvisioner scheduled (asynchronous) runs", () => {
  it("sends a failed asynchronous invocation to an encrypted dead-letter topic instead of dropping it, and alarms on it", () => {
    const { json } = build();
    const topic = all(json, "aws_sns_topic").find((t) => t.name === "openclaw-production-us-east-1-db-provisioner-failed")!;
    expect(topic.kms_master_key_id).toBe(props.kmsKeyArn);
    expect(fn().dead_letter_config.target_arn).toMatch(/^\$\{aws_sns_topic\.db-provisioner_failed-invocations_[A-F0-9]+\.arn\}$/);
    const alarm = only(json, "aws_cloudwatch_metric_alarm");
    expect(alarm).toMatchObject({ namespace: "AWS/SNS", metric_name: "NumberOfMessagesPublished", threshold: 0, comparison_operator: "GreaterThanThreshold", alarm_actions: [props.alarmTopicArn] });
  });

  it("lets the function's role send the failure record, encrypted with the platform key through SNS only", () => {
    const statements = policy().Statement;
    expect(statements.find((s: any) => s.Sid === "RecordFailedAsyncInvocations")).toMatchObject({ Action: "sns:Publish" });
    expect(statements.find((s: any) => s.Sid === "EncryptFailureRecordsWithPlatformKey")).toMatchObject({
      Action: "kms:GenerateDataKey",
      Resource: props.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": "sns.us-east-1.amazonaws.com" } },
    });
  });
});
