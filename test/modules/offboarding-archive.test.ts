// Enforces SECURITY.md C33 (the table "Enforcing tests" there lists this file).
import { OffboardingArchive, OffboardingArchiveProps } from "../../modules/offboarding-archive";
import { only, synthModule } from "../support/module-synth";

const props: OffboardingArchiveProps = {
  bucketName: "openclaw-111111111111-production-us-east-1-archive",
  accountId: "111111111111",
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/platform",
  retentionDays: 365,
};
const build = (overrides: Partial<OffboardingArchiveProps> = {}) =>
  synthModule((scope) => new OffboardingArchive(scope, "archive", { ...props, ...overrides })).json;

describe("OffboardingArchive", () => {
  it("creates a bucket with Object Lock, protected from destroy and never force-destroyed", () => {
    const bucket = only(build(), "aws_s3_bucket");
    expect(bucket).toMatchObject({ bucket: props.bucketName, object_lock_enabled: true, force_destroy: false });
    expect(bucket.lifecycle.prevent_destroy).toBe(true);
  });

  it("locks every object version in governance mode for the retention days, after versioning is on", () => {
    // terraform-provider-aws internal/service/s3/bucket_object_lock_configuration.go: rule.default_retention {mode, days}.
    const lock = only(build({ retentionDays: 400 }), "aws_s3_bucket_object_lock_configuration");
    expect(lock.rule).toEqual({ default_retention: { mode: "GOVERNANCE", days: 400 } });
    expect(lock.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
  });

  it("expires objects once their retention has passed", () => {
    const rules = only(build({ retentionDays: 400 }), "aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules.find((r: any) => r.id === "expire-after-retention").expiration).toEqual([{ days: 400 }]);
  });

  it("encrypts with the platform key, versions, and blocks public access", () => {
    const json = build();
    expect(only(json, "aws_s3_bucket_server_side_encryption_configuration").rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: props.kmsKeyArn,
    });
    expect(only(json, "aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    expect(only(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  it("denies requests without TLS, from other accounts, and objects under another key", () => {
    const statements = JSON.parse(only(build(), "aws_s3_bucket_policy").policy).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(["DenyInsecureTransport", "DenyOtherAccounts", "DenyOtherEncryptionKeys"]);
    expect(statements[0].Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
  });

  it("fails when the retention is not a whole number of days from 1 to 3650", () => {
    expect(() => build({ retentionDays: 0 })).toThrow(/OffboardingArchive openclaw-111111111111-production-us-east-1-archive: retentionDays must be an integer from 1 to 3650, got 0/);
  });
});
