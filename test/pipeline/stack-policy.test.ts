import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stackPolicyViolations } from "../../pipeline/lib/stack-policy";
import { planStacks } from "../../pipeline/plan-stacks";
import type { Exec } from "../../pipeline/lib/exec";
import { synthesize } from "../support/synth";
import { writeSynth } from "./synth-helper";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

const real = synthesize();
const aStack = () => JSON.parse(real.texts["tenant-acme"]);

describe("stack policy (checked before terraform init of untrusted synth output)", () => {
  it.each(Object.keys(real.stacks))("lets the app's own stack %s through", (name) => {
    expect(stackPolicyViolations(real.stacks[name])).toEqual([]);
  });

  it("refuses a provider other than hashicorp/aws", () => {
    const stack = aStack();
    stack.terraform.required_providers.evil = { source: "attacker/evil", version: "1.0.0" };
    expect(stackPolicyViolations(stack)).toEqual(['provider "evil" (source "attacker/evil") is not allowed: only hashicorp/aws']);
  });

  it("refuses the aws name bound to another source", () => {
    const stack = aStack();
    stack.terraform.required_providers.aws.source = "attacker/aws";
    expect(stackPolicyViolations(stack)).toEqual(['provider "aws" (source "attacker/aws") is not allowed: only hashicorp/aws']);
  });

  it("refuses modules, external programs and non-AWS resources", () => {
    const stack = aStack();
    stack.module = { m: { source: "git::https://example.com/m.git" } };
    stack.data.external = { run: { program: ["sh", "-c", "env"] } };
    stack.resource.terraform_data = { x: {} };
    expect(stackPolicyViolations(stack)).toEqual([
      'top-level "module" blocks are not allowed (modules, checks and imports stay out of plans)',
      "resource type terraform_data is not allowed: only aws_* types",
      "data source type external is not allowed: only aws_* types",
    ]);
  });

  it("refuses provisioners on AWS resources", () => {
    const stack = aStack();
    const [name] = Object.keys(stack.resource.aws_s3_bucket);
    stack.resource.aws_s3_bucket[name].provisioner = [{ "local-exec": { command: "curl ..." } }];
    expect(stackPolicyViolations(stack)).toEqual([`aws_s3_bucket.${name} has a provisioner block`]);
  });

  it("refuses a backend other than s3", () => {
    const stack = aStack();
    stack.terraform.backend = { http: { address: "https://example.com" } };
    expect(stackPolicyViolations(stack)).toEqual(["backend must be s3, got http"]);
  });

  it("keeps a refused stack away from terraform entirely and says why in error.txt", async () => {
    const synthDir = writeSynth(mkdtempSync(join(tmpdir(), "policy-")), [{ name: "tenant-evil", environment: "production" }]);
    const file = join(synthDir, "stacks", "tenant-evil", "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8"));
    stack.terraform.required_providers = { ...stack.terraform.required_providers, evil: { source: "attacker/evil" } };
    writeFileSync(file, JSON.stringify(stack));
    const calls: string[][] = [];
    const exec: Exec = async (_cmd, args) => {
      calls.push([...args]);
      return { code: 0, stdout: "", stderr: "" };
    };
    const outDir = mkdtempSync(join(tmpdir(), "policy-out-"));
    jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const [result] = await planStacks({ synthDir, stacks: ["tenant-evil"], outDir, parallelism: 1, detailedExitcode: false, lock: false, terraform: "terraform", exec });
    expect(result.status).toBe("failed");
    expect(calls).toEqual([]);
    expect(readFileSync(join(outDir, "tenant-evil", "error.txt"), "utf8")).toContain('provider "evil" (source "attacker/evil") is not allowed');
  });
});
