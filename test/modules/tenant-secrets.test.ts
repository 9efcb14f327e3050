import { TenantSecrets } from "../../modules/tenant-secrets";
import { all, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/acme";

describe("TenantSecrets", () => {
  it("creates one KMS-encrypted secret per integration and no secret value", () => {
    const { json } = synthModule(
      (scope) => new TenantSecrets(scope, "secrets", { tenantId: "acme", kmsKeyArn: KEY, secretNames: { slack: "/openclaw/p/acme/slack", gmail: "/openclaw/p/acme/gmail" } }),
    );
    expect(all(json, "aws_secretsmanager_secret").map((s) => [s.name, s.kms_key_id]).sort()).toEqual([
      ["/openclaw/p/acme/gmail", KEY],
      ["/openclaw/p/acme/slack", KEY],
    ]);
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });

  it("grants nothing when the tenant has no integrations", () => {
    synthModule((scope) => expect(new TenantSecrets(scope, "secrets", { tenantId: "acme", kmsKeyArn: KEY, secretNames: {} }).readStatements()).toEqual([]));
  });

  it("fails on a recovery window Secrets Manager does not accept", () => {
    expect(() => synthModule((scope) => new TenantSecrets(scope, "s", { tenantId: "acme", kmsKeyArn: KEY, secretNames: {}, recoveryWindowDays: 3 }))).toThrow(
      "TenantSecrets acme: recoveryWindowDays must be an integer from 7 to 30, got 3",
    );
  });
});
