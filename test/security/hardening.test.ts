/**
 * Module hardening that the security scan asked for, pinned by focused unit tests so the fix
 * does not depend on checkov being installed (npm test runs without Python).
 */
import { TenantStorage } from "../../modules/tenant-storage";
import { only, synthModule } from "../support/module-synth";

describe("TenantStorage hardening", () => {
  const json = synthModule(
    (scope) =>
      new TenantStorage(scope, "storage", {
        tenantId: "acme",
        bucketName: "openclaw-acme-111111111111-us-east-1",
        accountId: "111111111111",
        kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/acme",
      }),
  ).json;

  it("sends every object event of the tenant bucket to EventBridge (checkov CKV2_AWS_62)", () => {
    const notification = only(json, "aws_s3_bucket_notification");
    expect(notification.eventbridge).toBe(true);
    expect(notification.bucket).toMatch(/^\$\{aws_s3_bucket\.[^.]+\.id\}$/);
  });
});
