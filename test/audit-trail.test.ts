// Enforces SECURITY.md C45 (the table "Enforcing tests" there lists this file).
/**
 * The access audit trail (SECURITY.md G2) over every synthesized stack: exactly one trail per
 * environment, in the platform stack that owns the account's account-wide resources, multi-region,
 * validated, KMS-encrypted, logging management events and every tenant bucket's object events, and
 * delivered to a compliance-locked, TLS-only bucket that only the trail can write. Runs over the
 * live fleet too (scripts/check-fleet.ts FLEET_INVARIANT_TESTS).
 *
 * Provider rules relied on (hashicorp/terraform-provider-aws):
 * - internal/service/cloudtrail/trail.go resourceTrail: `advanced_event_selector` conflicts with
 *   `event_selector`; each `field_selector` has `field` (consts.go field_Values: eventCategory,
 *   resources.type, resources.ARN, readOnly ...) and the operators `equals`, `starts_with`,
 *   `not_starts_with` ... (values 1-2048 characters); `is_multi_region_trail`,
 *   `enable_log_file_validation` default false, `include_global_service_events` and
 *   `enable_logging` default true; `name` 3-128 characters and ForceNew.
 * - internal/service/s3/bucket_object_lock_configuration.go: `rule.default_retention` with `mode`
 *   (GOVERNANCE | COMPLIANCE) and `days`; `object_lock_enabled` on aws_s3_bucket is ForceNew.
 * - internal/service/glue/catalog_table.go: `parameters` is a free string map, where Athena reads
 *   `projection.enabled`, `projection.<column>.type/values/format/range/interval(.unit)` and
 *   `storage.location.template` (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html).
 */
import { Testing } from "cdktf";
import { AuditQuery } from "../modules/audit-query";
import { AuditTrail } from "../modules/audit-trail";
import { auditBucketName, auditTrailArn, auditTrailName, tenantBucketArnPrefixes } from "../modules/naming";
import { accountResourceOwner } from "../stacks/stack-plan";
import { allResources, synthesize, SynthesizedResource, SynthOutput } from "./support/synth";
import { nonEmpty } from "./support/non-empty";
import { evaluateTemplates, terraformAvailable } from "./support/terraform-evaluate";

const output: SynthOutput = synthesize();
const resources = allResources(output);
const environments = nonEmpty(Object.keys(output.config.environments), "environments");
const trails = resources.filter((r) => r.type === "aws_cloudtrail");
/** `aws_s3_bucket.x` as the stack's own expressions reference it (allResources prefixes the stack name). */
const local = (r: SynthesizedResource) => r.address.slice(r.stack.length + 1);
const ref = (r: SynthesizedResource, attribute: string) => `\${${local(r)}.${attribute}}`;
const ofBucket = (type: string, bucket: SynthesizedResource) => resources.filter((r) => r.stack === bucket.stack && r.type === type && r.config.bucket === ref(bucket, "id"));
const policyOf = (bucket: SynthesizedResource) => JSON.parse(ofBucket("aws_s3_bucket_policy", bucket)[0]?.config.policy ?? "{}");
const trailBucket = (trail: SynthesizedResource) => resources.find((r) => r.stack === trail.stack && r.type === "aws_s3_bucket" && trail.config.s3_bucket_name === ref(r, "id"));

/** The environment, its account and the region of the stack holding `trail`. */
function whereIs(trail: SynthesizedResource) {
  const provider = output.stacks[trail.stack].provider.aws[0];
  const env: string = provider.default_tags[0].tags.Environment;
  return { env, account: output.config.environments[env].accountId, region: provider.region as string };
}

describe("the audit trail of every environment", () => {
  it("is exactly one trail per environment, in the platform stack that owns the account-wide resources", () => {
    const expected = environments.map((env) => {
      const regions = Object.entries(output.config.environments[env].regions).filter(([region]) => output.stacks[`platform-${env}-${region}`] !== undefined);
      return `platform-${env}-${accountResourceOwner(regions)}:${auditTrailName(env)}`;
    });
    expect(trails.map((t) => `${t.stack}:${t.config.name}`).sort()).toEqual(expected.sort());
  });

  it("is multi-region, logs global service events, validates its log files, is KMS-encrypted and logging", () => {
    const problems = nonEmpty(trails, "trails").flatMap((t) =>
      [
        t.config.is_multi_region_trail !== true && "not multi-region",
        t.config.include_global_service_events !== true && "no global service events",
        t.config.enable_log_file_validation !== true && "no log file validation",
        t.config.enable_logging === false && "logging off",
        !/^\$\{aws_kms_key\.[^.]+\.arn\}$/.test(t.config.kms_key_id ?? "") && `kms_key_id ${t.config.kms_key_id}`,
        t.config.event_selector !== undefined && "basic event_selector (conflicts with advanced_event_selector)",
      ]
        .filter(Boolean)
        .map((p) => `${t.stack} ${t.address}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it("logs every management event (GetSecretValue on tenant secrets is one) and the object events of every tenant bucket, and of no platform bucket", () => {
    const problems: string[] = [];
    for (const trail of nonEmpty(trails, "trails")) {
      const selectors: any[] = trail.config.advanced_event_selector ?? [];
      const field = (s: any, name: string) => (s.field_selector as any[]).find((f) => f.field === name);
      const management = selectors.filter((s) => s.field_selector.length === 1 && field(s, "eventCategory")?.equals?.join() === "Management");
      if (management.length !== 1) problems.push(`${trail.stack}: no selector logging all management events (read and write)`);
      const objectSelectors = selectors.filter((s) => field(s, "eventCategory")?.equals?.join() === "Data" && field(s, "resources.type")?.equals?.join() === "AWS::S3::Object");
      const logged = (arn: string, readOnly: boolean) =>
        objectSelectors.some((s) => {
          const ro = field(s, "readOnly")?.equals?.join();
          const arnField = field(s, "resources.ARN");
          return (ro === undefined || ro === String(readOnly)) && (arnField.starts_with as string[]).some((p) => arn.startsWith(p)) && !(arnField.not_starts_with ?? []).some((p: string) => arn.startsWith(p));
        });
      const account = output.stacks[trail.stack].provider.aws[0].allowed_account_ids[0];
      for (const bucket of nonEmpty(resources.filter((r) => r.type === "aws_s3_bucket"), "buckets")) {
        const stackAccount = output.stacks[bucket.stack].provider.aws[0].allowed_account_ids[0];
        if (stackAccount !== account) continue;
        const arn = `arn:aws:s3:::${bucket.config.bucket}/some/key`;
        const tenant = bucket.stack.startsWith("tenant-");
        if (tenant && !(logged(arn, true) && logged(arn, false))) problems.push(`${trail.stack}: tenant bucket ${bucket.config.bucket} not logged`);
        if (!tenant && logged(arn, false)) problems.push(`${trail.stack}: writes to platform bucket ${bucket.config.bucket} logged (the trail's own deliveries would log themselves)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("delivers to a compliance-mode Object Lock bucket with expiry after retention, versioning, SSE-KMS, every public access blocked and a TLS-only policy", () => {
    const problems: string[] = [];
    for (const trail of nonEmpty(trails, "trails")) {
      const { env } = whereIs(trail);
      const retention = output.config.environments[env].audit.retentionDays;
      const bucket = trailBucket(trail);
      if (!bucket) {
        problems.push(`${trail.stack}: trail bucket ${trail.config.s3_bucket_name} not in the stack`);
        continue;
      }
      const name = `${trail.stack} ${bucket.config.bucket}`;
      if (bucket.config.object_lock_enabled !== true) problems.push(`${name}: no object lock`);
      if (bucket.config.lifecycle?.prevent_destroy !== true) problems.push(`${name}: no prevent_destroy`);
      const lock = ofBucket("aws_s3_bucket_object_lock_configuration", bucket)[0]?.config.rule?.default_retention;
      if (lock?.mode !== "COMPLIANCE" || lock?.days !== retention) problems.push(`${name}: default retention ${JSON.stringify(lock)}, want COMPLIANCE ${retention} days`);
      const expiry = ofBucket("aws_s3_bucket_lifecycle_configuration", bucket)[0]?.config.rule?.find((r: any) => r.expiration)?.expiration?.[0]?.days;
      if (expiry !== retention) problems.push(`${name}: expires after ${expiry} days, want ${retention}`);
      if (ofBucket("aws_s3_bucket_versioning", bucket)[0]?.config.versioning_configuration?.status !== "Enabled") problems.push(`${name}: not versioned`);
      const sse = ofBucket("aws_s3_bucket_server_side_encryption_configuration", bucket)[0]?.config.rule?.[0]?.apply_server_side_encryption_by_default;
      if (sse?.sse_algorithm !== "aws:kms" || sse?.kms_master_key_id !== trail.config.kms_key_id) problems.push(`${name}: not encrypted with the trail's key`);
      const pab = ofBucket("aws_s3_bucket_public_access_block", bucket)[0]?.config ?? {};
      if (!["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => pab[k] === true)) problems.push(`${name}: public access not blocked`);
      const statements: any[] = policyOf(bucket).Statement ?? [];
      if (!statements.some((s) => s.Effect === "Deny" && s.Principal === "*" && s.Action === "s3:*" && s.Condition?.Bool?.["aws:SecureTransport"] === "false")) problems.push(`${name}: not TLS-only`);
    }
    expect(problems).toEqual([]);
  });

  it("lets only its own trail write log files, and nobody delete a log file or change its lock", () => {
    const problems: string[] = [];
    for (const trail of nonEmpty(trails, "trails")) {
      const { env, account, region } = whereIs(trail);
      const trailArn = auditTrailArn(env, region, account);
      const bucket = trailBucket(trail)!;
      const statements: any[] = policyOf(bucket).Statement ?? [];
      const allows = statements.filter((s) => s.Effect === "Allow");
      for (const allow of allows) {
        if (JSON.stringify(allow.Principal) !== JSON.stringify({ Service: "cloudtrail.amazonaws.com" }) || allow.Condition?.StringEquals?.["aws:SourceArn"] !== trailArn) {
          problems.push(`${trail.stack}: statement ${allow.Sid} grants someone other than this trail`);
        }
      }
      const denyWrites = statements.find((s) => s.Effect === "Deny" && s.Principal === "*" && [s.Action].flat().includes("s3:PutObject") && s.Condition?.StringNotEquals?.["aws:SourceArn"] === trailArn);
      if (!denyWrites) problems.push(`${trail.stack}: writes by anyone but the trail are not denied`);
      const denyDeletes = statements.find((s) => s.Effect === "Deny" && s.Principal === "*" && s.Condition === undefined);
      for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"]) {
        if (![denyDeletes?.Action].flat().includes(action)) problems.push(`${trail.stack}: ${action} not denied to everyone`);
      }
      const key = resources.find((r) => r.stack === trail.stack && r.type === "aws_kms_key" && trail.config.kms_key_id === ref(r, "arn"));
      const keyStatements: any[] = JSON.parse(key?.config.policy ?? "{}").Statement ?? [];
      const cloudtrail = keyStatements.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: "cloudtrail.amazonaws.com" }));
      if (cloudtrail.length === 0 || cloudtrail.some((s) => s.Condition?.StringEquals?.["aws:SourceArn"] !== trailArn)) problems.push(`${trail.stack}: the key lets CloudTrail use it for other trails`);
      if (key?.config.enable_key_rotation !== true) problems.push(`${trail.stack}: the trail key does not rotate`);
    }
    expect(problems).toEqual([]);
  });

  it("is queried through a projected Glue table over the trail's own log prefix and an enforced, KMS-encrypted Athena workgroup", () => {
    const problems: string[] = [];
    for (const trail of nonEmpty(trails, "trails")) {
      const { env, account, region } = whereIs(trail);
      const logs = `s3://${auditBucketName(env, region, account)}/AWSLogs/${account}/CloudTrail`;
      const tables = resources.filter((r) => r.stack === trail.stack && r.type === "aws_glue_catalog_table");
      const p = tables[0]?.config.parameters ?? {};
      if (tables.length !== 1) problems.push(`${trail.stack}: ${tables.length} audit tables`);
      if (p["projection.enabled"] !== "true") problems.push(`${trail.stack}: no partition projection`);
      // `$${`: Terraform turns it into a literal `${` (TOOLING.md; checked with terraform below).
      if (p["storage.location.template"] !== `${logs}/$\${region}/$\${day}`) problems.push(`${trail.stack}: location template ${p["storage.location.template"]}`);
      const regions = Object.keys(output.config.environments[env].regions).sort().join(",");
      if (p["projection.region.type"] !== "enum" || p["projection.region.values"] !== regions) problems.push(`${trail.stack}: region projection ${p["projection.region.values"]}`);
      if (p["projection.day.type"] !== "date" || p["projection.day.format"] !== "yyyy/MM/dd") problems.push(`${trail.stack}: day projection`);
      const partitions = (tables[0]?.config.partition_keys ?? []).map((k: any) => k.name).join(",");
      if (partitions !== "region,day") problems.push(`${trail.stack}: partitions ${partitions}`);
      const workgroups = resources.filter((r) => r.stack === trail.stack && r.type === "aws_athena_workgroup");
      const c = workgroups[0]?.config.configuration ?? {};
      if (workgroups.length !== 1 || c.enforce_workgroup_configuration !== true) problems.push(`${trail.stack}: workgroup settings not enforced`);
      if (c.result_configuration?.encryption_configuration?.encryption_option !== "SSE_KMS" || c.result_configuration?.encryption_configuration?.kms_key_arn !== trail.config.kms_key_id) problems.push(`${trail.stack}: query results not encrypted with the audit key`);
      if (String(c.result_configuration?.output_location).startsWith(`s3://${auditBucketName(env, region, account)}/`)) problems.push(`${trail.stack}: results written to the locked trail bucket`);
    }
    expect(problems).toEqual([]);
  });

  (terraformAvailable() ? it : it.skip)("hands Athena a literal ${region}/${day} location template (Terraform evaluates the $${ escape)", () => {
    const template = nonEmpty(resources.filter((r) => r.type === "aws_glue_catalog_table"), "audit tables")[0].config.parameters["storage.location.template"];
    const [evaluation] = evaluateTemplates([template]);
    expect(evaluation.error).toBeUndefined();
  });
});

describe("AuditTrail and AuditQuery props", () => {
  const trailProps = {
    trailName: "openclaw-production-audit",
    trailArn: "arn:aws:cloudtrail:us-east-1:111111111111:trail/openclaw-production-audit",
    bucketName: "openclaw-111111111111-production-us-east-1-audit",
    keyAlias: "alias/openclaw/production/us-east-1/platform-audit",
    accountId: "111111111111",
    region: "us-east-1",
    retentionDays: 365,
    dataEventObjectArnPrefixes: tenantBucketArnPrefixes(),
  };
  const queryProps = {
    databaseName: "openclaw_production_audit",
    tableName: "cloudtrail",
    workGroupName: "openclaw-production-audit",
    trailBucketName: trailProps.bucketName,
    accountId: "111111111111",
    regions: ["us-east-1"],
    resultsBucketName: "openclaw-111111111111-production-us-east-1-athena",
    kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/1",
    resultsRetentionDays: 7,
  };

  it.each([0, 3651, 1.5])("fails when retentionDays is %p", (retentionDays) => {
    expect(() => Testing.synthScope((s) => new AuditTrail(s, "t", { ...trailProps, retentionDays }))).toThrow(/AuditTrail openclaw-production-audit: retentionDays/);
  });

  it("fails when a data-event prefix is not an S3 ARN, or there is none", () => {
    expect(() => Testing.synthScope((s) => new AuditTrail(s, "t", { ...trailProps, dataEventObjectArnPrefixes: ["openclaw-"] }))).toThrow(/dataEventObjectArnPrefixes must be S3 ARN prefixes/);
    expect(() => Testing.synthScope((s) => new AuditTrail(s, "t", { ...trailProps, dataEventObjectArnPrefixes: [] }))).toThrow(/dataEventObjectArnPrefixes/);
  });

  it("fails when the query results would be kept too long, the scan cutoff is under Athena's minimum, or no region is projected", () => {
    expect(() => Testing.synthScope((s) => new AuditQuery(s, "q", { ...queryProps, resultsRetentionDays: 91 }))).toThrow(/resultsRetentionDays/);
    expect(() => Testing.synthScope((s) => new AuditQuery(s, "q", { ...queryProps, bytesScannedCutoffPerQuery: 1000 }))).toThrow(/bytesScannedCutoffPerQuery/);
    expect(() => Testing.synthScope((s) => new AuditQuery(s, "q", { ...queryProps, regions: [] }))).toThrow(/regions must name at least one region/);
  });
});
