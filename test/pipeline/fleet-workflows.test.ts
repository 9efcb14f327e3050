/**
 * The fleet deploy's workflow layout (deploy.yml, deploy-ring.yml, deploy-unlock.yml): sharding,
 * rings in order, staging before production, one approval per environment, the fleet-wide guard,
 * adaptive retries in every credentialed job, and the tools and helpers those jobs call.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { RolloutConfigSchema } from "../../config/rollout-schema";
import * as fleet from "../../pipeline/fleet";
import { blastRadius, planFleet } from "../../pipeline/lib/fleet-plan";
import { DirectoryLedger } from "../../pipeline/lib/ledger";
import { MATRIX_LIMIT, PHASES } from "../../pipeline/lib/rollout";
import type { ResultsFile, RolloutPlanFile } from "../../pipeline/lib/rollout-file";
import { readSynth } from "../../pipeline/lib/synth";
import { fleetPlacements, writeFleetSynth } from "../support/fleet-synth";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";
import { runCli } from "./cli-helper";

/* eslint-disable @typescript-eslint/no-require-imports */
const ROOT = join(__dirname, "..", "..");
const DIR = join(ROOT, ".github", "workflows");
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = { uses?: string; needs?: string | string[]; if?: string; environment?: string; permissions?: Record<string, string>; strategy?: { "fail-fast"?: boolean; "max-parallel"?: number; matrix?: unknown }; with?: Record<string, string>; env?: Record<string, string>; steps?: Step[]; outputs?: Record<string, string> };
const wf = (f: string) => parse(readFileSync(join(DIR, f), "utf8")) as { on: Record<string, unknown>; jobs: Record<string, Job> };
const deployYml = wf("deploy.yml");
const ring = wf("deploy-ring.yml");
const needsOf = (j: Job) => (j.needs === undefined ? [] : Array.isArray(j.needs) ? j.needs : [j.needs]);
/** Every job id `id` waits for, directly or not. */
function ancestors(jobs: Record<string, Job>, id: string): Set<string> {
  const out = new Set<string>();
  const walk = (j: string) => needsOf(jobs[j]).forEach((n) => (out.has(n) ? undefined : (out.add(n), walk(n))));
  walk(id);
  return out;
}
const ringJobs = (stage: number) => PHASES.map((p) => `s${stage}-${p}`);

describe("deploy.yml: rings, stages and approvals", () => {
  test("each stage runs platform, canary and three rings in order, each through deploy-ring.yml with its own matrix", () => {
    for (const stage of [1, 2]) {
      ringJobs(stage).forEach((id, i) => {
        const job = deployYml.jobs[id];
        expect(job.uses).toBe("./.github/workflows/deploy-ring.yml");
        expect(job.with).toEqual({ stage: String(stage), phase: PHASES[i], matrix: `\${{ needs.detect.outputs.m-${stage}-${PHASES[i]} }}`, jobs: `\${{ needs.detect.outputs.n-${stage}-${PHASES[i]} }}` });
        const prev = i === 0 ? `approve-${stage}` : ringJobs(stage)[i - 1];
        expect(needsOf(job)).toEqual(["detect", prev]);
        // a halted ring (its gate failed) or a skipped one stops every later ring
        expect(job.if).toBe(`\${{ !cancelled() && needs.${prev}.result == 'success' }}`);
        expect(deployYml.jobs.detect.outputs?.[`m-${stage}-${PHASES[i]}`]).toBe(`\${{ steps.rollout.outputs.m-${stage}-${PHASES[i]} }}`);
      });
    }
  });

  test("production (stage 2) starts only after staging's (stage 1) last ring succeeded", () => {
    expect(needsOf(deployYml.jobs["approve-2"])).toContain("s1-ring-3");
    expect(deployYml.jobs["approve-2"].if).toContain("(needs.s1-ring-3.result == 'success' || needs.detect.outputs.approve-1 == '[]')");
    for (const id of ringJobs(2)) for (const s1 of ringJobs(1)) expect(ancestors(deployYml.jobs, id).has(s1)).toBe(true);
  });

  // Found merging #28: with only production affected, stage 1 is skipped, and requiring its last
  // ring's success kept production from ever deploying.
  test("a change with nothing for stage 1 still reaches stage 2's approval, and only then", () => {
    const condition = String(deployYml.jobs["approve-2"].if);
    expect(condition).toMatch(/\(needs\.s1-ring-3\.result == 'success' \|\| needs\.detect\.outputs\.approve-1 == '\[\]'\)/);
    // A failed or halted stage 1 is neither success nor an empty stage 1.
    expect(condition).not.toContain("needs.s1-ring-3.result != 'failure'");
    expect(condition).toContain("needs.detect.outputs.approve-2 != '[]'");
  });

  test("each environment has its own approval before its first ring, and no job that deploys can skip it", () => {
    for (const stage of [1, 2]) {
      const approve = deployYml.jobs[`approve-${stage}`];
      expect(approve.environment).toBe("approve-${{ matrix.environment }}");
      expect((approve.strategy?.matrix as { environment: string }).environment).toBe(`\${{ fromJSON(needs.detect.outputs.approve-${stage}) }}`);
      expect(JSON.stringify(approve.steps)).toContain("require-reviewers.js"); // a missing or unprotected environment fails closed
      for (const id of ringJobs(stage)) expect(ancestors(deployYml.jobs, id).has(`approve-${stage}`)).toBe(true);
    }
    // the deploy role is assumed only in ring jobs (deploy-ring.yml) and the offboard job, all behind an approval
    expect(ancestors(deployYml.jobs, "offboard").has("approve-offboard")).toBe(true);
  });

  test("fleet-wide guard: a platform or fleet-size change without the fleet-wide label waits for the fleet-wide environment's approval", () => {
    const guard = deployYml.jobs["fleet-wide"];
    expect(guard.environment).toBe("fleet-wide");
    expect(guard.if).toBe("needs.detect.outputs.fleet-wide == 'true' && needs.detect.outputs.fleet-wide-label != 'true'");
    for (const stage of [1, 2]) {
      expect(needsOf(deployYml.jobs[`approve-${stage}`])).toContain("fleet-wide");
      expect(deployYml.jobs[`approve-${stage}`].if).toContain("(needs.fleet-wide.result == 'success' || needs.fleet-wide.result == 'skipped')");
    }
    const label = (deployYml.jobs.detect.steps ?? []).find((s) => String(s.with?.script ?? "").includes("merged-pr-labels.js"));
    expect(String(label?.with?.script)).toContain("label: 'fleet-wide'");
  });

  test("the report job runs after every ring, whatever happened, and is the only one that writes issues", () => {
    const report = deployYml.jobs.report;
    expect(needsOf(report)).toEqual(["detect", ...ringJobs(1), ...ringJobs(2)]);
    expect(report.if).toBe("${{ always() && needs.detect.result == 'success' }}");
    expect(report.permissions).toEqual({ contents: "read", "issues": "write" });
    expect(JSON.stringify(report.steps)).toContain("npm run -s fleet -- report --rollout deploy-inputs/rollout.json --results results");
    expect(JSON.stringify(report.steps)).toContain("deploy-issues.js");
    const writers = Object.entries(deployYml.jobs).filter(([, j]) => j.permissions?.issues === "write").map(([id]) => id);
    expect(writers).toEqual(["report"]);
  });
});

describe("deploy-ring.yml: one matrix job per shard, then the gate", () => {
  const apply = ring.jobs.apply;
  const run = (apply.steps ?? []).map((s) => (s.run ?? "").replace(/\\\n/g, " ")).join("\n");

  test("is only a reusable workflow, its shards from the plan's matrix, none failing the others", () => {
    expect(Object.keys(ring.on)).toEqual(["workflow_call"]);
    expect(apply.strategy).toEqual({ "fail-fast": false, matrix: "${{ fromJSON(inputs.matrix) }}" });
    expect(apply.if).toBe("inputs.jobs != '0'");
  });

  test("applies exactly its shard with the ledger, lock timeout and results file; history for commit ordering", () => {
    expect(run).toMatch(/npm run -s deploy-stacks -- .*--rollout deploy-inputs\/rollout\.json --shard "\$SHARD" .*--ledger "\$LEDGER" .*--lock-timeout 10m .*--results "results\/\$SHARD\.json"/);
    const checkout = (apply.steps ?? []).find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
    const upload = (apply.steps ?? []).find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with?.name).toBe("results-${{ inputs.stage }}-${{ inputs.phase }}-${{ matrix.shard }}");
  });

  test("the gate reads every shard's results, runs even when shards failed, and bakes", () => {
    const gate = ring.jobs.gate;
    expect(gate.needs).toBe("apply");
    expect(gate.if).toBe("${{ !cancelled() }}");
    expect(gate.permissions).toEqual({ contents: "read" });
    const download = (gate.steps ?? []).find((s) => s.with?.pattern);
    expect(download?.with).toMatchObject({ pattern: "results-${{ inputs.stage }}-${{ inputs.phase }}-*", "merge-multiple": true });
    expect(JSON.stringify(gate.steps)).toContain('npm run -s fleet -- gate --rollout deploy-inputs/rollout.json --stage \\"$STAGE\\" --phase \\"$PHASE\\"');
    expect(JSON.stringify(gate.steps)).toContain("--bake");
  });
});

describe("every credentialed job: adaptive retries with a bounded attempt count, and plan/drift within the per-account cap", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
  const credentialed = files.flatMap((f) => Object.entries(wf(f).jobs).filter(([, j]) => (j.steps ?? []).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))).map(([id, j]) => ({ where: `${f} / ${id}`, job: j })));

  test("AWS_RETRY_MODE=adaptive and AWS_MAX_ATTEMPTS between 3 and 20", () => {
    expect(credentialed.map((c) => c.where).sort()).toEqual(["deploy-ring.yml / apply", "deploy-unlock.yml / unlock", "deploy.yml / image-gate", "deploy.yml / offboard", "drift.yml / plan", "image.yml / push", "offboarding-evidence.yml / evidence", "plan.yml / plan"]);
    for (const c of credentialed) {
      expect({ where: c.where, mode: c.job.env?.AWS_RETRY_MODE }).toEqual({ where: c.where, mode: "adaptive" });
      const max = Number(c.job.env?.AWS_MAX_ATTEMPTS);
      expect({ where: c.where, ok: max >= 3 && max <= 20 }).toEqual({ where: c.where, ok: true });
    }
  });

  test("plan and drift run at most maxJobsPerAccountRegion jobs at once", () => {
    const cap = RolloutConfigSchema.parse({}).maxJobsPerAccountRegion;
    for (const f of ["plan.yml", "drift.yml"]) expect(wf(f).jobs.plan.strategy?.["max-parallel"]).toBeLessThanOrEqual(cap);
  });
});

describe("deploy-unlock.yml: audited, approved, one stack", () => {
  const unlock = wf("deploy-unlock.yml");

  test("dispatched by hand with stack, lock id, reason and environment; checked, approved, then unlocked with an audit record", () => {
    expect(Object.keys(unlock.on)).toEqual(["workflow_dispatch"]);
    expect(Object.keys((unlock.on.workflow_dispatch as { inputs: object }).inputs)).toEqual(["environment", "stack", "lock-id", "reason"]);
    expect(needsOf(unlock.jobs.approve)).toEqual(["target"]);
    expect(unlock.jobs.approve.environment).toBe("approve-${{ matrix.environment }}");
    expect(needsOf(unlock.jobs.unlock)).toEqual(["target", "approve"]);
    const run = (unlock.jobs.unlock.steps ?? []).map((s) => (s.run ?? "").replace(/\\\n/g, " ")).join("\n");
    expect(run).toMatch(/npm run -s fleet -- unlock .*--lock-id "\$LOCK_ID" --reason "\$REASON" --ledger "\$LEDGER" --actor "\$GITHUB_ACTOR"/);
    expect((unlock as unknown as { concurrency: unknown }).concurrency).toEqual({ group: "deploy-main", "cancel-in-progress": false });
  });
});

describe("npm run fleet -- plan: sharding at fleet size and the blast radius", () => {
  const synth = writeFleetSynth(fleetPlacements(1000));
  const head = readSynth(synth.dir);
  const tenants = new Map<string, never>();
  const rollouts = new Map([["staging", RolloutConfigSchema.parse({ stage: 1, rings: [{ percent: 100 }] })], ["production", undefined]]);
  const plan = planFleet({ affected: synth.affected, head, tenants, rollouts, commit: "c".repeat(40), stateBuckets: new Map([["production", "tf-prod"], ["staging", "tf-stg"]]) });

  test("1,000 tenants: every matrix within 256 jobs and 20 per account and region, every stack in exactly one shard", () => {
    let shards = 0;
    const seen = new Set<string>();
    for (const [key, entries] of plan.matrices) {
      expect({ key, ok: entries.length <= MATRIX_LIMIT }).toEqual({ key, ok: true });
      const perGroup = new Map<string, number>();
      for (const e of entries) {
        const env = plan.file.environments.find((x) => x.environment === e.environment);
        const shard = env?.phases.flatMap((p) => p.shards).find((s) => s.id === e.shard);
        perGroup.set(`${shard?.accountId}/${shard?.region}`, (perGroup.get(`${shard?.accountId}/${shard?.region}`) ?? 0) + 1);
        for (const s of shard?.stacks ?? []) {
          expect(seen.has(s)).toBe(false);
          seen.add(s);
        }
        expect(e.ledger).toBe(e.environment === "production" ? "s3://tf-prod/deploy-ledger" : "s3://tf-stg/deploy-ledger");
        shards += 1;
      }
      expect(Math.max(0, ...perGroup.values())).toBeLessThanOrEqual(20);
    }
    expect(seen.size).toBe(1003);
    expect(shards).toBeGreaterThan(40);
    expect(plan.matrices.get("1-canary")?.map((e) => e.environment)).toEqual(["staging"]);
    expect(plan.matrices.get("2-ring-3")?.every((e) => e.environment === "production")).toBe(true);
  });

  test("fleet-wide: a platform stack or more tenant stacks than fleetWideTenantCount; a one-tenant change is not", () => {
    expect(plan.blastRadius.fleetWide).toBe(true);
    expect(plan.blastRadius.reasons).toEqual(expect.arrayContaining(["production: 667 tenant stacks change (more than 50)", "production: platform stack(s) platform-production-us-east-1, platform-production-us-west-2 change"]));
    const one = planFleet({ affected: { changed: ["tenant-bench-00000"], added: [], removed: [], order: [["tenant-bench-00000"]] }, head, tenants, rollouts, commit: "c".repeat(40) });
    expect(one.blastRadius).toEqual({ fleetWide: false, reasons: [] });
    expect(blastRadius(one.file.environments, new Map([["production", RolloutConfigSchema.parse({ fleetWideTenantCount: 0 })]])).fleetWide).toBe(true);
  });

  test("held tenants are out of every ring and listed; the CLI writes the plan, matrices and approvals for GITHUB_OUTPUT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-plan-"));
    const tenantDir = join(dir, "tenants");
    mkdirSync(tenantDir);
    const small = writeFleetSynth(fleetPlacements(6));
    for (const s of small.stacks.filter((x) => x.name.startsWith("tenant-"))) {
      const id = s.name.slice(7);
      writeFileSync(join(tenantDir, `${id}.yaml`), `id: ${id}\nenvironment: ${s.environment}\nregion: ${s.region}\nstatus: active\n${id.endsWith("1") ? "deployHold: true\n" : ""}`);
    }
    const affectedFile = join(dir, "affected.json");
    writeFileSync(affectedFile, JSON.stringify(small.affected));
    const out = join(dir, "github-output");
    const r = await runCli("fleet", fleet, ["plan", "--affected", affectedFile, "--synth", small.dir, "--tenants", tenantDir, "--cdktf-json", FIXTURE_CDKTF_JSON, "--commit", "d".repeat(40), "--out", join(dir, "rollout.json"), "--github-output", out]);
    expect(r.status).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, "rollout.json"), "utf8")) as RolloutPlanFile;
    expect(written.held).toEqual([{ environment: "production", stack: "tenant-bench-00001", file: "tenants/bench-00001.yaml" }]);
    expect(written.environments.flatMap((e) => e.phases.flatMap((p) => p.stacks))).not.toContain("tenant-bench-00001");
    const lines = readFileSync(out, "utf8");
    expect(lines).toContain('approve-1=["staging"]\n');
    expect(lines).toContain('approve-2=["production"]\n');
    expect(lines).toContain("fleet-wide=true\n");
    expect(lines).toMatch(/^m-2-platform=\{"include":\[\{"environment":"production","envKey":"PRODUCTION","region":"us-east-1","shard":"production-platform-1",/m);
  });
});

describe("npm run fleet -- gate / report", () => {
  const plan: RolloutPlanFile = {
    commit: "e".repeat(40),
    held: [],
    environments: [
      {
        environment: "production",
        stage: 2,
        parallelism: 8,
        phases: [{ name: "ring-1", stacks: ["tenant-a", "tenant-b", "tenant-c"], failureBudget: 1, bakeMinutes: 10, shards: [{ id: "production-ring-1-1", accountId: "1", region: "us-east-1", stacks: ["tenant-a", "tenant-b", "tenant-c"] }] }],
      },
    ],
    removed: [],
  };
  const setup = (results: ResultsFile[]) => {
    const dir = mkdtempSync(join(tmpdir(), "gate-"));
    writeFileSync(join(dir, "rollout.json"), JSON.stringify(plan));
    mkdirSync(join(dir, "results", "results"), { recursive: true });
    results.forEach((r, i) => writeFileSync(join(dir, "results", "results", `${i}.json`), JSON.stringify(r)));
    return dir;
  };
  const result = (stack: string, status: "deployed" | "failed") => ({ stack, status, attempts: 1, retried: [], exitCode: status === "deployed" ? 0 : 1, ...(status === "failed" ? { error: "Error: boom" } : {}) });

  test("within budget: exit 0, and --bake waits the ring's bake time", async () => {
    const dir = setup([{ environment: "production", phase: "ring-1", results: [result("tenant-a", "deployed"), result("tenant-b", "failed"), result("tenant-c", "deployed")], skipped: [], refused: [] }]);
    const naps: number[] = [];
    const r = await runCli("fleet", { HELP: fleet.HELP, main: (argv) => fleet.main(argv, async (ms) => void naps.push(ms)) }, ["gate", "--rollout", join(dir, "rollout.json"), "--stage", "2", "--phase", "ring-1", "--results", join(dir, "results"), "--bake"]);
    expect(r.status).toBe(0);
    expect(naps).toEqual([600_000]);
  });

  test("a stack without a result (its job was lost) counts as failed: over budget, exit 1, no bake", async () => {
    const dir = setup([{ environment: "production", phase: "ring-1", results: [result("tenant-b", "failed")], skipped: [{ stack: "tenant-a", step: "ledger", reason: "already deployed" }], refused: [] }]);
    const naps: number[] = [];
    const summary = join(dir, "summary.md");
    const r = await runCli("fleet", { HELP: fleet.HELP, main: (argv) => fleet.main(argv, async (ms) => void naps.push(ms)) }, ["gate", "--rollout", join(dir, "rollout.json"), "--stage", "2", "--phase", "ring-1", "--results", join(dir, "results"), "--bake", "--summary", summary]);
    expect(r.status).toBe(1);
    expect(naps).toEqual([]);
    expect(r.stderr).toContain("::error::production ring ring-1 over its failure budget (2 > 1): tenant-b, tenant-c; later rings do not start");
    expect(readFileSync(summary, "utf8")).toContain("| production | 3 | 1 | 1 | 1 | **over budget: rollout halted** |");
  });

  test("report: every stack that did not deploy, the issues file, exit 1", async () => {
    const dir = setup([{ environment: "production", phase: "ring-1", results: [result("tenant-a", "deployed"), result("tenant-b", "failed")], skipped: [], refused: [] }]);
    const issues = join(dir, "issues.json");
    const summary = join(dir, "summary.md");
    const r = await runCli("fleet", fleet, ["report", "--rollout", join(dir, "rollout.json"), "--results", join(dir, "results"), "--issues", issues, "--summary", summary]);
    expect(r.status).toBe(1);
    const written = JSON.parse(readFileSync(issues, "utf8"));
    expect(written.failing.map((f: { stack: string; status: string }) => [f.stack, f.status])).toEqual([
      ["tenant-b", "failed"],
      ["tenant-c", "no result"],
    ]);
    expect(written.deployed).toEqual([{ environment: "production", stack: "tenant-a" }]);
    expect(readFileSync(summary, "utf8")).toContain("| production | ring-1 | `tenant-b` | failed | 1 | 1 | Error: boom |");
  });
});

describe("npm run fleet -- unlock", () => {
  const synth = writeFleetSynth(fleetPlacements(3));
  const args = (extra: string[] = []) => ["--synth", synth.dir, "--environment", "production", "--stack", "tenant-bench-00000", "--lock-id", "1b2c3d4e-aaaa-bbbb-cccc-0123456789ab", "--reason", "the run that held it was cancelled (run 42)", "--ledger", "unused", "--actor", "alice", ...extra];

  test("writes the audit record, then runs terraform init and force-unlock in the stack's directory", async () => {
    const calls: { args: readonly string[]; cwd?: string }[] = [];
    const ledger = new DirectoryLedger(mkdtempSync(join(tmpdir(), "ledger-")));
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const code = await fleet.unlock(args(), { terraform: "terraform", ledger, now: () => new Date("2026-12-07T12:00:00Z"), exec: async (_c, a, o) => (calls.push({ args: a, cwd: o.cwd }), { code: 0, stdout: "", stderr: "" }) });
    spy.mockRestore();
    expect(code).toBe(0);
    expect(calls.map((c) => c.args.join(" "))).toEqual(["init -input=false -no-color", "force-unlock -force 1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"]);
    expect(calls[1].cwd).toBe(join(synth.dir, "stacks", "tenant-bench-00000"));
    const record = JSON.parse(readFileSync(join(ledger.location, "production", "_audit", "tenant-bench-00000-2026-12-07T12-00-00-000Z.json"), "utf8"));
    expect(record).toMatchObject({ action: "force-unlock", stack: "tenant-bench-00000", lockId: "1b2c3d4e-aaaa-bbbb-cccc-0123456789ab", actor: "alice", reason: "the run that held it was cancelled (run 42)" });
    expect(await ledger.list("production")).toEqual([]); // audit records are not ledger entries
  });

  test("refuses a lock id that is not one, a reason that says nothing, and a stack of another environment", async () => {
    const deps = { terraform: "terraform", exec: async () => ({ code: 0, stdout: "", stderr: "" }) };
    const e = (a: string[]) => runCli("fleet", { HELP: fleet.HELP, main: (argv) => fleet.unlock(argv, deps) }, a);
    expect((await e(args(["--lock-id", "$(reboot)"]))).stderr).toContain("--lock-id must be the lock's ID");
    expect((await e([...args().slice(0, -6), "--reason", "x", "--ledger", "l"])).stderr).toContain("--reason must say why");
    expect((await e(args(["--environment", "staging"]))).stderr).toContain("tenant-bench-00000 belongs to production, not staging");
  });

  test("target: an environment cdktf.json does not declare stops the unlock workflow before approval", async () => {
    const r = await runCli("fleet", fleet, ["target", "--cdktf-json", FIXTURE_CDKTF_JSON, "--environment", "prod"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('environment "prod" is not in');
    const ok = await runCli("fleet", fleet, ["target", "--cdktf-json", FIXTURE_CDKTF_JSON, "--environment", "staging"]);
    expect(JSON.parse(ok.stdout).include[0]).toMatchObject({ environment: "staging", envKey: "STAGING", ledger: "s3://example-openclaw-tfstate-staging/deploy-ledger" });
  });
});

describe("github-script helpers", () => {
  const deployIssues = require("../../.github/scripts/deploy-issues.js");
  const mergedPrLabels = require("../../.github/scripts/merged-pr-labels.js");
  const requireReviewers = require("../../.github/scripts/require-reviewers.js");
  const core = { info: jest.fn() };
  const context = { repo: { owner: "o", repo: "r" } };
  function github(open: { number: number; body: string }[], extra: Record<string, unknown> = {}) {
    const calls: [string, Record<string, unknown>][] = [];
    const rec = (name: string) => jest.fn(async (a: Record<string, unknown>) => (calls.push([name, a]), { data: {} }));
    return { calls, gh: { paginate: jest.fn(async () => open), rest: { issues: { listForRepo: jest.fn(), create: rec("create"), createComment: rec("createComment"), update: rec("update"), getLabel: rec("getLabel"), createLabel: rec("createLabel") }, ...extra } } };
  }
  const report = (failing: string[], deployed: string[]) => ({ commit: "f".repeat(40), failing: failing.map((stack) => ({ environment: "production", stack, phase: "ring-2", status: "failed", attempts: 3, exitCode: 1, error: "Error: ```boom```" })), deployed: deployed.map((stack) => ({ environment: "production", stack })) });
  const marker = (s: string) => `<!-- openclaw-deploy-failure production/${s} -->`;

  test("one issue per failing tenant stack: opened once, commented on the next failure, closed when it deploys; none for platform stacks", async () => {
    const a = github([{ number: 5, body: `${marker("tenant-old")}\nx` }, { number: 6, body: `${marker("tenant-fixed")}\nx` }]);
    const out = await deployIssues({ github: a.gh, context, core }, { report: report(["tenant-new", "tenant-old", "platform-production-us-east-1"], ["tenant-fixed", "tenant-other"]), label: "deploy-failure", runUrl: "https://run" });
    expect(out).toEqual({ created: ["production/tenant-new"], updated: ["production/tenant-old"], closed: ["production/tenant-fixed"] });
    const created = a.calls.find(([n]) => n === "create")?.[1] as { title: string; body: string; labels: string[] };
    expect(created.title).toBe("Deploy failing: tenant-new (production)");
    expect(created.labels).toEqual(["deploy-failure"]);
    expect(created.body).toContain(marker("tenant-new"));
    expect(created.body).not.toContain("```boom```"); // error text cannot close the code fence
    expect(a.calls.filter(([n]) => n === "update")).toEqual([["update", { owner: "o", repo: "r", issue_number: 6, state: "closed", state_reason: "completed" }]]);
    expect(JSON.stringify(a.calls)).not.toContain("platform-production");
  });

  test("merged-pr-labels: true only when the merged pull request of the commit has the label", async () => {
    const gh = (labels: string[]) => ({ rest: { repos: { listPullRequestsAssociatedWithCommit: jest.fn(async () => ({ data: [{ number: 3, merged_at: "x", base: { ref: "main" }, labels: labels.map((name) => ({ name })) }] })) } } });
    expect(await mergedPrLabels({ github: gh(["fleet-wide"]), context, core }, { sha: "s", label: "fleet-wide" })).toBe("true");
    expect(await mergedPrLabels({ github: gh(["other"]), context, core }, { sha: "s", label: "fleet-wide" })).toBe("false");
  });

  test("require-reviewers: fails closed on a missing environment or one without required reviewers", async () => {
    const gh = (data: unknown, fail = false) => ({ rest: { repos: { getEnvironment: jest.fn(async () => { if (fail) throw new Error("Not Found"); return { data }; }) } } });
    await expect(requireReviewers({ github: gh({}, true), context, core }, { environment: "approve-production" })).rejects.toThrow(/cannot be read/);
    await expect(requireReviewers({ github: gh({ protection_rules: [{ type: "branch_policy" }] }), context, core }, { environment: "approve-production" })).rejects.toThrow(/has no required reviewers/);
    expect(await requireReviewers({ github: gh({ protection_rules: [{ type: "required_reviewers", reviewers: [{ reviewer: { login: "bob" } }] }] }), context, core }, { environment: "approve-production" })).toEqual(["bob"]);
  });
});

test("the deploy-issues helper exists where deploy.yml requires it", () => {
  expect(existsSync(join(ROOT, ".github", "scripts", "deploy-issues.js"))).toBe(true);
});

describe("drift at fleet size: per-stack status, a comment when the drifted set changes, merged-but-undeployed told apart", () => {
  const driftIssue = require("../../.github/scripts/drift-issue.js");
  const { driftReport } = require("../../pipeline/drift-report") as typeof import("../../pipeline/drift-report");
  const core = { info: jest.fn() };
  const context = { repo: { owner: "o", repo: "r" } };
  const gh = (issues: unknown[]) => {
    const calls: [string, Record<string, unknown>][] = [];
    const rec = (n: string) => jest.fn(async (a: Record<string, unknown>) => (calls.push([n, a]), { data: { number: 9 } }));
    return { calls, github: { paginate: jest.fn(async () => issues), rest: { issues: { listForRepo: jest.fn(), update: rec("update"), create: rec("create"), createComment: rec("createComment"), getLabel: rec("getLabel"), createLabel: rec("createLabel") } } } };
  };
  const plan = (stack: string, change: number) => ({ stack, status: "ok" as const, add: 0, change, destroy: 0, replace: 0, outputsChanged: 0, drifted: 0, changes: [], text: "" });

  test("the report keeps a status per stack and tells a merged-but-undeployed change from one made outside Terraform (deploy ledger fingerprints)", () => {
    const entry = (stack: string, fingerprint: string) => ({ environment: "production", stack, commit: "a".repeat(40), status: "deployed" as const, attempts: 1, failuresInARow: 0, fingerprint });
    const r = driftReport([plan("tenant-a", 1), plan("tenant-b", 1), plan("tenant-c", 0), plan("tenant-d", 1)], {
      fingerprints: new Map([["tenant-a", "f".repeat(64)], ["tenant-b", "e".repeat(64)], ["tenant-c", "c".repeat(64)], ["tenant-d", "d".repeat(64)]]),
      ledger: new Map([["tenant-a", entry("tenant-a", "0".repeat(64))], ["tenant-b", entry("tenant-b", "e".repeat(64))]]),
    });
    expect(r.stacks).toEqual({ "tenant-a": "undeployed", "tenant-b": "outside", "tenant-c": "clean", "tenant-d": "drifted" });
    expect(r.undeployed).toEqual(["tenant-a"]);
    expect(r.outside).toEqual(["tenant-b"]);
    expect(r.body).toContain("**Merged but not deployed** (deploy them): `tenant-a`.");
  });

  test("a changed drifted set is commented (naming new and resolved drift); only-undeployed drift carries drift-undeployed", async () => {
    const { github, calls } = gh([{ number: 3, body: 'b\n<!-- openclaw-drift-state ["tenant-a","tenant-x"] -->' }]);
    const report = { drifted: ["tenant-a", "tenant-b"], undeployed: ["tenant-a", "tenant-b"], failed: [], title: "Drift: 2 drifted", body: "body" };
    expect(await driftIssue({ github, context, core }, { report, label: "drift", runUrl: "https://run" })).toBe("updated");
    const update = calls.find(([n]) => n === "update")?.[1];
    expect(update?.labels).toEqual(["drift", "drift-undeployed"]);
    expect(String(update?.body)).toContain('<!-- openclaw-drift-state ["tenant-a","tenant-b"] -->');
    const comment = calls.find(([n]) => n === "createComment")?.[1];
    expect(comment?.body).toContain("- New drift: `tenant-b`");
    expect(comment?.body).toContain("- No longer drifting: `tenant-x`");
  });
});

test("drift.yml: each plan shard exports its stacks' ledger entries (optional), the report reads them", () => {
  const drift = wf("drift.yml");
  const step = (drift.jobs.plan.steps ?? []).find((s) => (s.run ?? "").includes("fleet -- status"));
  expect(step?.run).toContain('npm run -s fleet -- status --cdktf-json cdktf.json --environment "$ENVIRONMENT" --stacks "$STACKS" --json');
  expect((step as { "continue-on-error"?: boolean })["continue-on-error"]).toBe(true);
  expect(JSON.stringify(drift.jobs.report.steps)).toContain("--ledger-json ledger");
});
