/**
 * The image path in the workflows (issue 28): deploy.yml's image gate runs before any deploy job
 * with the read-only verify role; image.yml (later in this file) builds, pushes and signs with the
 * push role. The generic checks (actionlint, pinning, permissions) are in workflows.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { IMAGE_PUSH_WORKFLOWS, IMAGE_VERIFY_WORKFLOWS } from "../../bootstrap/settings";

const DIR = join(__dirname, "..", "..", ".github", "workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  environment?: unknown;
  permissions?: Record<string, string>;
  steps?: Step[];
  strategy?: { matrix?: unknown };
}
const jobs = (f: string) => (parse(text(f)) as { jobs: Record<string, Job> }).jobs;
const needs = (j: Job) => (Array.isArray(j.needs) ? j.needs : j.needs ? [j.needs] : []);
const using = (variable: string) => files.filter((f) => text(f).includes(variable)).sort();

describe("deploy.yml: the image gate", () => {
  const deploy = jobs("deploy.yml");
  const gate = deploy["image-gate"];

  test("every job that assumes the deploy role needs the image gate, directly or through another job", () => {
    const upstream = (id: string): string[] => needs(deploy[id]).flatMap((n) => [n, ...upstream(n)]);
    const deployers = Object.entries(deploy).filter(([, j]) => JSON.stringify(j).includes("OPENCLAW_DEPLOY_ROLE_ARN")).map(([id]) => id);
    expect(deployers.length).toBeGreaterThan(0);
    expect(deployers.filter((id) => !upstream(id).includes("image-gate"))).toEqual([]);
  });

  test("runs per environment of the deploy matrix, with the verify role and no environment (before the approval)", () => {
    expect(gate.strategy?.matrix).toBe("${{ fromJSON(needs.detect.outputs.matrix) }}");
    expect(gate.environment).toBeUndefined();
    const assume = gate.steps!.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(assume?.with?.["role-to-assume"]).toBe("${{ vars[format('OPENCLAW_IMAGE_VERIFY_ROLE_ARN_{0}', matrix.envKey)] }}");
    expect(JSON.stringify(gate)).not.toContain("OPENCLAW_DEPLOY_ROLE_ARN");
  });

  test("checks the exact synth output and affected stacks the deploy applies", () => {
    const run = gate.steps!.map((s) => s.run ?? "").join("\n").replace(/\\\n/g, " ");
    expect(run).toMatch(/npm run -s image-gate -- --synth deploy-inputs\/head\/cdktf\.out --affected deploy-inputs\/affected\.json\s+--environment "\$ENVIRONMENT"/);
  });

  test("the verify role's variable is used by exactly the workflows bootstrap lets assume it", () => {
    expect(using("OPENCLAW_IMAGE_VERIFY_ROLE_ARN")).toEqual([...IMAGE_VERIFY_WORKFLOWS].sort());
  });
});

describe("image.yml: build, test, push, sign", () => {
  const wf = parse(text("image.yml")) as { on: Record<string, any>; jobs: Record<string, Job> };
  const { build, push } = wf.jobs;
  const runs = (j: Job) => j.steps!.map((s) => (s.run ?? "").replace(/\\\n/g, " ")).join("\n");

  test("runs on changes to images/ merged into main, and on demand", () => {
    expect(wf.on.push).toEqual({ branches: ["main"], paths: ["images/**"] });
    expect(Object.keys(wf.on).sort()).toEqual(["push", "workflow_dispatch"]);
  });

  test("builds without credentials and runs the contract tests on the built image before handing it on", () => {
    expect(build.permissions).toEqual({ contents: "read" });
    const steps = build.steps!;
    const at = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s.run ?? s.uses ?? ""));
    expect(at(/npm run -s image:build -- --out/)).toBeGreaterThan(-1);
    expect(at(/test\/integration\/agent-image\.test\.ts/)).toBeGreaterThan(at(/image:build/));
    expect(at(/actions\/upload-artifact@/)).toBeGreaterThan(at(/test\/integration\/agent-image\.test\.ts/));
  });

  test("pushes per environment with the push role, no environment approval, the artifact this run built", () => {
    expect(needs(push)).toEqual(["build"]);
    expect(push.environment).toBeUndefined();
    expect(push.strategy?.matrix).toBe("${{ fromJSON(needs.build.outputs.matrix) }}");
    const assume = push.steps!.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(assume?.with?.["role-to-assume"]).toBe("${{ vars[format('OPENCLAW_IMAGE_PUSH_ROLE_ARN_{0}', matrix.envKey)] }}");
    const download = push.steps!.find((s) => s.uses?.startsWith("actions/download-artifact@"));
    expect(download?.with).toEqual({ name: "agent-image", path: "agent-image" });
    expect(runs(push)).toMatch(/npm run -s image-push -- --layout agent-image --environment "\$ENVIRONMENT" --tag "git-\$\{GITHUB_SHA:0:12\}"/);
    expect(JSON.stringify(wf)).not.toMatch(/OPENCLAW_DEPLOY_ROLE_ARN|cdktf deploy|deploy-stacks/);
  });

  test("the push role's variable is used by exactly the workflows bootstrap lets assume it", () => {
    expect(using("OPENCLAW_IMAGE_PUSH_ROLE_ARN")).toEqual([...IMAGE_PUSH_WORKFLOWS].sort());
  });
});
