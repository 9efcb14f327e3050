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

describe("the push role", () => {
  test("its variable is used by exactly the workflows bootstrap lets assume it", () => {
    expect(using("OPENCLAW_IMAGE_PUSH_ROLE_ARN")).toEqual([...IMAGE_PUSH_WORKFLOWS].filter((f) => files.includes(f)).sort());
  });
});
