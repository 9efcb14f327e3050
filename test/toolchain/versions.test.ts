/**
 * One source of truth per tool (config/toolchain-versions.ts and .nvmrc), and every place that repeats
 * a version agrees with it: package.json, the workflows, the README and every synthesized stack.
 * Issue #15 item 8 and issue #20 item 3.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  AWS_PROVIDER_VERSION,
  CDKTN_NODE,
  CDKTN_PACKAGES,
  OPENTOFU_MIN_VERSION,
  TERRAFORM_REQUIRED_VERSION,
  TERRAFORM_VERSION,
} from "../../config/toolchain-versions";
import { REPO_ROOT, synthesize } from "../support/synth";

const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
const packageJson = JSON.parse(read("package.json")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const readme = read("README.md");
const workflowFiles = readdirSync(join(REPO_ROOT, ".github", "workflows")).filter((f) => /\.ya?ml$/.test(f));

type Step = { uses?: string; with?: Record<string, unknown> };
type Job = { env?: Record<string, unknown>; steps?: Step[] };
type Workflow = { env?: Record<string, unknown>; jobs: Record<string, Job> };

/** Each `with.<input>` of steps using `action`, with `${{ env.X }}` resolved (job env first, then workflow env). */
function actionInputs(action: string, input: string): { file: string; job: string; value: string }[] {
  const found: { file: string; job: string; value: string }[] = [];
  for (const file of workflowFiles) {
    const workflow = parse(read(join(".github", "workflows", file))) as Workflow;
    for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.startsWith(`${action}@`) || step.with?.[input] === undefined) continue;
        const raw = String(step.with[input]);
        const env = /^\$\{\{\s*env\.([A-Z_]+)\s*\}\}$/.exec(raw);
        const value = env ? String(job.env?.[env[1]] ?? workflow.env?.[env[1]]) : raw;
        found.push({ file, job: jobName, value });
      }
    }
  }
  return found;
}

/** "1.10.5" against ">= 1.10.0": the only constraint form the stacks use. */
function satisfiesAtLeast(version: string, constraint: string): boolean {
  const m = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(constraint);
  if (!m) throw new Error(`unsupported constraint ${constraint}`);
  const v = version.split(".").map(Number);
  const floor = m.slice(1).map(Number);
  for (let i = 0; i < 3; i++) if (v[i] !== floor[i]) return v[i] > floor[i];
  return true;
}

describe("Node", () => {
  const nvmrc = read(".nvmrc").trim();

  it(".nvmrc names one major version, inside package.json engines", () => {
    expect(nvmrc).toMatch(/^\d+$/);
    const floor = /^>=\s*(\d+)(?:\.\d+){0,2}$/.exec(packageJson.engines.node);
    expect(floor).not.toBeNull();
    expect(Number(nvmrc)).toBeGreaterThanOrEqual(Number(floor![1]));
  });

  it("every workflow sets up the Node of .nvmrc", () => {
    const versions = actionInputs("actions/setup-node", "node-version");
    expect(versions.length).toBeGreaterThan(0);
    for (const { file, job, value } of versions) expect(`${file}/${job}: ${value}`).toBe(`${file}/${job}: ${nvmrc}`);
  });

  it("the README's Node end-of-life note matches engines and the Node version the installed AWS SDK announces (#27)", () => {
    const floor = Number(/^>=\s*(\d+)/.exec(packageJson.engines.node)![1]);
    // The SDK's own check (@aws-sdk/core emitWarningIfUnsupportedVersion): `const vv = 22`.
    const sdk = readFileSync(require.resolve("@aws-sdk/core/client"), "utf8");
    expect(sdk).toContain("NodeVersionSupportWarning");
    const announced = Number(/const vv = (\d+);/.exec(sdk)?.[1]);
    expect(announced).toBeGreaterThanOrEqual(20);
    expect(readme).toContain(`need Node ${announced} or later`);
    if (floor < announced) {
      // Supported floor below what the SDK will need: the README says what that means here.
      expect(readme).toContain(`**What Node ${floor}'s end of life means here.**`);
      expect(readme).toContain(`On Node ${floor} every command that loads the AWS SDK`);
    } else {
      expect(readme).not.toMatch(/On Node \d+ every command that loads the AWS SDK/);
    }
  });

  it("the README states the supported floor and the pipeline's version", () => {
    const floor = /^>=\s*(\d+)/.exec(packageJson.engines.node)![1];
    expect(readme).toContain(`With Node ${floor} or later:`);
    expect(readme).toContain(`Node ${nvmrc} (\`.nvmrc\`)`);
  });
});

/**
 * Backend and language features the synthesized stacks use, with the first release of each tool
 * that reads them. The floors below are derived from what the stacks contain, so dropping a
 * version below a feature the JSON uses fails, instead of restating the constants.
 * use_lockfile: Terraform 1.10.0 CHANGELOG ("backend/s3: ... use_lockfile"), OpenTofu 1.10.0.
 */
const FEATURES: { name: string; used: (stack: Record<string, any>) => boolean; terraform: string; opentofu: string }[] = [
  { name: "S3 backend use_lockfile", used: (s) => s.terraform?.backend?.s3?.use_lockfile === true, terraform: "1.10.0", opentofu: "1.10.0" },
];

describe("the version helper", () => {
  // Mutation tried: satisfiesAtLeast always true; every floor check below passed with it.
  it("orders versions numerically, not as text", () => {
    expect(satisfiesAtLeast("1.10.0", ">= 1.9.8")).toBe(true);
    expect(satisfiesAtLeast("1.9.8", ">= 1.10.0")).toBe(false);
    expect(satisfiesAtLeast("1.10.0", ">= 1.10.1")).toBe(false);
    expect(satisfiesAtLeast("2.0.0", ">= 1.10.0")).toBe(true);
  });
});

const { stacks } = synthesize();

describe("Terraform and OpenTofu", () => {
  const used = FEATURES.filter((f) => Object.values(stacks).some(f.used));

  it("the pinned Terraform satisfies what the stacks require", () => {
    expect(satisfiesAtLeast(TERRAFORM_VERSION, TERRAFORM_REQUIRED_VERSION)).toBe(true);
  });

  it("required_version, the pinned Terraform and the OpenTofu floor all admit only releases that read every feature the stacks use", () => {
    expect(used.map((f) => f.name)).toContain("S3 backend use_lockfile"); // the table is about these stacks
    const floor = /^>=\s*(.+)$/.exec(TERRAFORM_REQUIRED_VERSION)![1];
    for (const f of used) {
      expect({ feature: f.name, requiredVersionFloor: satisfiesAtLeast(floor, `>= ${f.terraform}`) }).toEqual({ feature: f.name, requiredVersionFloor: true });
      expect({ feature: f.name, pinned: satisfiesAtLeast(TERRAFORM_VERSION, `>= ${f.terraform}`) }).toEqual({ feature: f.name, pinned: true });
      expect({ feature: f.name, opentofu: satisfiesAtLeast(OPENTOFU_MIN_VERSION, `>= ${f.opentofu}`) }).toEqual({ feature: f.name, opentofu: true });
    }
  });

  it("every workflow installs the pinned Terraform", () => {
    const versions = actionInputs("hashicorp/setup-terraform", "terraform_version");
    expect(versions.length).toBeGreaterThan(0);
    for (const { file, job, value } of versions) expect(`${file}/${job}: ${value}`).toBe(`${file}/${job}: ${TERRAFORM_VERSION}`);
  });

  it("the READMEs name the same versions", () => {
    expect(readme).toContain(`Terraform ${TERRAFORM_VERSION}`);
    expect(readme).toContain(`OpenTofu ${OPENTOFU_MIN_VERSION}`);
    expect(read(".github/README.md")).toContain(`Terraform is pinned to ${TERRAFORM_VERSION}`);
  });
});

describe("AWS provider", () => {
  it("is what the installed prebuilt bindings were generated from", () => {
    const provider = read("node_modules/@cdktf/provider-aws/lib/provider/index.js");
    expect(provider).toContain(`providerVersion: '${AWS_PROVIDER_VERSION}'`);
    // The installed bindings are the ones package.json pins (not a version restated here).
    expect(JSON.parse(read("node_modules/@cdktf/provider-aws/package.json")).version).toBe(packageJson.dependencies["@cdktf/provider-aws"]);
    expect(readme).toContain(`AWS provider ${AWS_PROVIDER_VERSION}`);
  });
});

describe("every synthesized stack", () => {

  it.each(Object.keys(stacks))("%s requires the project's Terraform and pins the AWS provider", (name) => {
    const terraform = stacks[name].terraform;
    expect(terraform.required_version).toBe(TERRAFORM_REQUIRED_VERSION);
    expect(terraform.required_providers.aws.version).toBe(AWS_PROVIDER_VERSION);
  });
});

describe("pinning", () => {
  it("every npm dependency is an exact version", () => {
    const all = { ...packageJson.dependencies, ...packageJson.devDependencies };
    for (const [name, version] of Object.entries(all)) expect(`${name}@${version}`).toMatch(/@\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  it("the CDK Terrain check pins exact versions too", () => {
    for (const [name, version] of Object.entries({ ...CDKTN_PACKAGES, [CDKTN_NODE.package]: CDKTN_NODE.version })) {
      expect(`${name}@${version}`).toMatch(/@\d+\.\d+\.\d+$/);
    }
  });
});
