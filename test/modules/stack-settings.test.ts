import { App, TerraformStack } from "cdktf";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StackSettings, StackSettingsProps } from "../../modules/stack-settings";

const props: StackSettingsProps = {
  accountId: "111111111111",
  region: "us-west-2",
  stateBucket: "state",
  stateRegion: "us-east-1",
  stateKey: "tenants/acme.tfstate",
  lockTable: "locks",
  defaultTags: { ManagedBy: "openclaw-infra" },
};

function synthStack(overrides: Partial<StackSettingsProps> = {}): Record<string, any> {
  const stack = new TerraformStack(new App({ outdir: mkdtempSync(join(tmpdir(), "settings-")) }), "test");
  new StackSettings(stack, "settings", { ...props, ...overrides });
  return stack.toTerraform();
}

describe("StackSettings", () => {
  it("configures an encrypted, locked S3 backend in the state region with the stack's own key", () => {
    expect(synthStack().terraform.backend.s3).toEqual({
      bucket: "state",
      key: "tenants/acme.tfstate",
      region: "us-east-1",
      encrypt: true,
      dynamodb_table: "locks",
      use_lockfile: true,
    });
  });

  it("requires Terraform 1.10 for S3 lock files", () => {
    expect(synthStack().terraform.required_version).toBe(">= 1.10.0");
  });

  it("pins the provider to the account and region with default tags", () => {
    expect(synthStack().provider.aws[0]).toEqual({
      region: "us-west-2",
      allowed_account_ids: ["111111111111"],
      default_tags: [{ tags: { ManagedBy: "openclaw-infra" } }],
    });
  });

  it("fails on a malformed account id or state key", () => {
    expect(() => synthStack({ accountId: "12" })).toThrow("StackSettings test: accountId must be 12 digits, got 12");
    expect(() => synthStack({ stateKey: "tenants/acme" })).toThrow("StackSettings test: stateKey must end in .tfstate, got tenants/acme");
  });
});
