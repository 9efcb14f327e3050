/**
 * The image path in the workflows (issue 28): deploy.yml's image gate runs with the read-only verify
 * role before the first approval, and every deploy stage (deploy-ring.yml) needs it to succeed;
 * image.yml (later in this file) builds, pushes and signs with the push role. The generic checks (actionlint, pinning, permissions) are in workflows.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { IMAGE_PUSH_WORKFLOWS, IMAGE_VERIFY_WORKFLOWS } from "../../bootstrap/settings";

const DIR = join(__dirname, "..", "..", ".github", "workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  uses?: string;
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
  const upstream = (id: string): string[] => needs(deploy[id]).flatMap((n) => [n, ...upstream(n)]);
  /** The top-level `&&` terms of a job's `if` (a term inside parentheses may be an `||`). */
  const conjuncts = (j: Job): string[] => {
    const expr = (j.if ?? "").replace(/^\$\{\{\s*/, "").replace(/\s*\}\}$/, "");
    const out: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < expr.length; i++) {
      if (expr[i] === "(") depth++;
      else if (expr[i] === ")") depth--;
      else if (depth === 0 && expr.startsWith("&&", i)) {
        out.push(expr.slice(start, i).trim());
        start = i + 2;
      }
    }
    return [...out, expr.slice(start).trim()].filter(Boolean);
  };
  const requiresSuccessOf = (j: Job, dep: string) => needs(j).includes(dep) && conjuncts(j).includes(`needs.${dep}.result == 'success'`);
  /** The job runs only when the image gate succeeded: it requires that itself, or the success of a job that does. */
  const gatedByImageGate = (id: string): boolean =>
    requiresSuccessOf(deploy[id], "image-gate") || needs(deploy[id]).some((n) => requiresSuccessOf(deploy[id], n) && gatedByImageGate(n));
  const ringWorkflow = text("deploy-ring.yml");
  // deploy stages: the jobs that call deploy-ring.yml (whose apply jobs assume the deploy role)
  const stages = Object.entries(deploy).filter(([, j]) => j.uses === "./.github/workflows/deploy-ring.yml").map(([id]) => id);

  test("every job that assumes the deploy role, itself or through deploy-ring.yml, needs the image gate, directly or through another job", () => {
    expect(ringWorkflow).toContain("OPENCLAW_DEPLOY_ROLE_ARN");
    const deployers = Object.entries(deploy).filter(([id, j]) => JSON.stringify(j).includes("OPENCLAW_DEPLOY_ROLE_ARN") || stages.includes(id)).map(([id]) => id);
    expect(stages.length).toBe(10); // platform, canary, ring-1..3 for each of the two stages
    expect(deployers).toEqual(expect.arrayContaining([...stages, "offboard"]));
    expect(deployers.filter((id) => !upstream(id).includes("image-gate"))).toEqual([]);
  });

  test("an image that fails the gate stops the rollout before any ring: every deploy stage runs only if the gate succeeded", () => {
    expect(stages.filter((id) => !gatedByImageGate(id))).toEqual([]);
    // each stage's own approval needs the gate directly, so a stage-2 environment's refused image
    // also stops stage 1 (the gate runs for every environment before the first approval)
    for (const approve of ["approve-1", "approve-2"]) {
      expect(needs(deploy[approve])).toContain("image-gate");
      expect(conjuncts(deploy[approve])).toContain("needs.image-gate.result == 'success'");
    }
    // and the check is not vacuous: a stage whose chain allows a skipped or failed gate is caught
    const loose: Job = { ...deploy["approve-1"], if: "${{ !cancelled() && (needs.image-gate.result == 'success' || needs.image-gate.result == 'skipped') }}" };
    expect(requiresSuccessOf(loose, "image-gate")).toBe(false);
  });

  test("runs before every approval and needs nothing but detect (no environment, no reviewers in its way)", () => {
    expect(needs(gate)).toEqual(["detect"]);
    const approvals = Object.entries(deploy).filter(([, j]) => typeof j.environment === "string" && j.environment.startsWith("approve-")).map(([id]) => id);
    expect(approvals).toEqual(expect.arrayContaining(["approve-1", "approve-2"]));
    for (const id of ["approve-1", "approve-2"]) expect(upstream(id)).toContain("image-gate");
  });

  test("runs per environment with affected stacks, with the verify role and no environment (before the approval)", () => {
    expect(gate.strategy?.matrix).toBe("${{ fromJSON(needs.detect.outputs.image-gate-matrix) }}");
    expect(gate.if).toBe("needs.detect.outputs.image-gate-jobs != '0'");
    const detect = deploy.detect as Job & { outputs: Record<string, string> };
    expect(detect.outputs["image-gate-matrix"]).toBe("${{ steps.image-gate-matrix.outputs.matrix }}");
    expect(detect.outputs["image-gate-jobs"]).toBe("${{ steps.image-gate-matrix.outputs.jobs }}");
    const step = detect.steps!.find((s) => s.id === "image-gate-matrix");
    // one entry per environment with changed, added or removed stacks: {environment, envKey, region}
    expect(step?.run).toMatch(/npm run -s matrix -- --mode deploy --synth cdktf\.out --base-synth \.\.\/base\/cdktf\.out --affected \.\.\/affected\.json --github-output "\$GITHUB_OUTPUT"/);
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
