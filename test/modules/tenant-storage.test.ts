import { evaluate } from "../../audit/iam";
import { TenantStorage, TenantStorageProps } from "../../modules/tenant-storage";
import { only, synthModule } from "../support/module-synth";

const props: TenantStorageProps = {
  tenantId: "acme",
  bucketName: "openclaw-acme-111111111111-us-east-1",
  accountId: "111111111111",
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/acme",
};
const build = (overrides: Partial<TenantStorageProps> = {}) => synthModule((scope) => new TenantStorage(scope, "storage", { ...props, ...overrides })).json;

describe("TenantStorage", () => {
  it("creates a dedicated bucket protected from destroy", () => {
    const bucket = only(build(), "aws_s3_bucket");
    expect(bucket.bucket).toBe(props.bucketName);
    expect(bucket.force_destroy).toBe(false);
    expect(bucket.lifecycle.prevent_destroy).toBe(true);
  });

  it("lifts destroy protection only when asked (a tenant in offboarding), never force-destroying", () => {
    const bucket = only(build({ preventDestroy: false }), "aws_s3_bucket");
    expect(bucket.lifecycle.prevent_destroy).toBe(false);
    expect(bucket.force_destroy).toBe(false);
  });

  it("encrypts with the tenant key and a bucket key", () => {
    const rule = only(build(), "aws_s3_bucket_server_side_encryption_configuration").rule[0];
    expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "aws:kms", kms_master_key_id: props.kmsKeyArn });
    expect(rule.bucket_key_enabled).toBe(true);
  });

  it("disables ACLs and blocks every kind of public access", () => {
    const json = build();
    expect(only(json, "aws_s3_bucket_ownership_controls").rule.object_ownership).toBe("BucketOwnerEnforced");
    expect(only(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("expires noncurrent versions after the configured days", () => {
    const rules = only(build({ noncurrentVersionDays: 30 }), "aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules.find((r: any) => r.id === "expire-noncurrent-versions").noncurrent_version_expiration).toEqual([{ noncurrent_days: 30 }]);
  });

  it("denies plain HTTP, other tenants' principals and other accounts", () => {
    const statements = JSON.parse(only(build(), "aws_s3_bucket_policy").policy).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(["DenyInsecureTransport", "DenyOtherTenants", "DenyOtherAccounts", "DenyOtherEncryption", "DenyOtherEncryptionKeys"]);
    const abac = statements[1];
    expect(abac.Condition).toEqual({ StringNotEquals: { "aws:PrincipalTag/tenant_id": "acme" }, Null: { "aws:PrincipalTag/tenant_id": "false" } });
    expect(statements[2].Condition).toEqual({ StringNotEquals: { "aws:PrincipalAccount": "111111111111" } });
  });

  it("stores every object under the tenant key: a write asking for SSE-S3 or another key is refused (the pipeline reads object metadata, never plaintext)", () => {
    // The policy names the bucket by reference (`${aws_s3_bucket.<id>.arn}`): resolved to its ARN here.
    const policy = (only(build(), "aws_s3_bucket_policy").policy as string).replace(/\$\{aws_s3_bucket\.[^}]+\.arn\}/g, `arn:aws:s3:::${props.bucketName}`);
    const statements = JSON.parse(policy).Statement;
    const put = (context: Record<string, string>) => evaluate(statements, { action: "s3:PutObject", resource: `arn:aws:s3:::${props.bucketName}/memory.json`, context: { "aws:PrincipalAccount": props.accountId, "aws:SecureTransport": "true", ...context } }).decision;
    expect(put({ "s3:x-amz-server-side-encryption": "AES256" })).toBe("deny");
    expect(put({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:111111111111:key/attacker" })).toBe("deny");
    // No header: the bucket's default (the tenant key); the tenant key named explicitly.
    expect(put({})).not.toBe("deny");
    expect(put({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": props.kmsKeyArn })).not.toBe("deny");
  });

  it("offers read/write statements on its own bucket only", () => {
    synthModule((scope) => {
      const storage = new TenantStorage(scope, "storage", props);
      const resources = storage.readWriteStatements().flatMap((s) => [s.Resource].flat());
      expect(resources).toEqual([storage.bucketArn, `${storage.bucketArn}/*`]);
    });
  });

  it("fails when noncurrentVersionDays is not a positive integer", () => {
    expect(() => build({ noncurrentVersionDays: 0 })).toThrow("TenantStorage acme: noncurrentVersionDays must be an integer >= 1, got 0");
  });
});
