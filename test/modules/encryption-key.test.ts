import { EncryptionKey, EncryptionKeyProps, keyUsersStatement } from "../../modules/encryption-key";
import { only, synthModule } from "../support/module-synth";

const props: EncryptionKeyProps = {
  accountId: "111111111111",
  region: "us-east-1",
  alias: "alias/openclaw/test/acme",
  description: "test key",
};
const build = (overrides: Partial<EncryptionKeyProps> = {}) =>
  synthModule((scope) => new EncryptionKey(scope, "key", { ...props, ...overrides })).json;

describe("EncryptionKey", () => {
  it("rotates, protects itself from destroy and waits 30 days before deletion", () => {
    const key = only(build(), "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    expect(key.deletion_window_in_days).toBe(30);
    expect(key.lifecycle.prevent_destroy).toBe(true);
  });

  it("lets the account administer the key and nobody else by default", () => {
    const policy = JSON.parse(only(build(), "aws_kms_key").policy);
    expect(policy.Statement).toEqual([
      { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" },
    ]);
  });

  it("lets CloudWatch Logs use the key only for matching log groups", () => {
    const policy = JSON.parse(only(build({ logGroupNamePattern: "/openclaw/test/acme" }), "aws_kms_key").policy);
    const logs = policy.Statement.find((s: any) => s.Sid === "CloudWatchLogsForOwnLogGroups");
    expect(logs.Principal).toEqual({ Service: "logs.us-east-1.amazonaws.com" });
    expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toBe("arn:aws:logs:us-east-1:111111111111:log-group:/openclaw/test/acme");
  });

  it("grants named roles data use of the key, never administration", () => {
    const statement = keyUsersStatement(["arn:aws:iam::111111111111:role/a"]);
    expect(statement.Action).not.toContain("kms:*");
    expect(statement.Action).not.toContain("kms:PutKeyPolicy");
  });

  it("creates the alias", () => {
    expect(only(build(), "aws_kms_alias").name).toBe(props.alias);
  });

  it("lifts destroy protection only when asked (a tenant in offboarding), with the window it is given", () => {
    const key = only(build({ preventDestroy: false, deletionWindowDays: 7 }), "aws_kms_key");
    expect(key.lifecycle.prevent_destroy).toBe(false);
    expect(key.deletion_window_in_days).toBe(7);
  });

  it("fails on an alias outside alias/ or inside the AWS-reserved alias/aws/", () => {
    expect(() => build({ alias: "openclaw" })).toThrow('EncryptionKey: alias must start with "alias/" and not "alias/aws/", got openclaw');
    expect(() => build({ alias: "alias/aws/s3" })).toThrow(/not "alias\/aws\/"/);
  });

  it("fails on a deletion window KMS does not accept", () => {
    expect(() => build({ deletionWindowDays: 3 })).toThrow("EncryptionKey alias/openclaw/test/acme: deletionWindowDays must be an integer from 7 to 30, got 3");
  });
});
