/**
 * Fleet deploy simulator: `npm run bench:fleet-deploy -- [--tenants 1000] [--divisor 100]
 * [--init 5] [--apply 60] [--roll 180] [--job-overhead 90] [--gate-overhead 45] [--fail 3]
 * [--parallelism N] [--scenarios apply,roll,fail]`.
 *
 * Runs the real deploy tooling with deploy.yml's layout over N generated tenants (placed like
 * bench/fleet.ts generateTenants: production us-east-1 and us-west-2, staging us-east-1) and a
 * fake terraform (test/support/fake-terraform-fleet.sh: one process per init and apply, real
 * signals, locks held during apply) whose latencies are divided by --divisor (the scaled clock):
 *
 *   - `npm run fleet -- plan`'s planner (planFleet) over the synth output, with the rollout
 *     settings of the repository's cdktf.json (staging: stage 1, 2 canaries, one ring;
 *     production: 3 canaries, 5 %, 25 %, the rest);
 *   - per stage and ring, every shard of the matrix at once, each through `deploy()` with
 *     `--shard` exactly as deploy-ring.yml's apply job runs it (8 stacks at a time, ledger);
 *   - the gate (`gatePhase`) after each ring; an over-budget ring halts.
 *
 * The wall time it reports for a ring is the slowest shard's measured time times the divisor,
 * plus a fixed job start-up (runner, checkout, npm ci, artifact, terraform, credentials) and the
 * gate job's; approvals and bake times are excluded (people and policy, not machinery).
 *
 * Scenarios: a fleet-wide change without task definitions (apply only), one that rolls every
 * agent's task definition (apply + roll), and the second with --fail tenants failing in the
 * last production ring, then a resume run of the same commit with the failures fixed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnvironments } from "../config/loader";
import { RolloutConfigSchema } from "../config/rollout-schema";
import { deploy } from "../pipeline/deploy-stacks";
import { gatePhase } from "../pipeline/lib/fleet-gate";
import { planFleet, type FleetPlan } from "../pipeline/lib/fleet-plan";
import { DirectoryLedger, type Ledger } from "../pipeline/lib/ledger";
import { PHASES } from "../pipeline/lib/rollout";
import type { ResultsFile } from "../pipeline/lib/rollout-file";
import { readSynth } from "../pipeline/lib/synth";
import { FAKE_TERRAFORM, FakeFleetTerraform } from "../test/support/fake-terraform-fleet";
import { fleetPlacements, writeFleetSynth } from "../test/support/fleet-synth";

const ROOT = join(__dirname, "..");
const COMMIT = "5".repeat(40);

interface Options {
  tenants: number;
  divisor: number;
  initS: number;
  applyS: number;
  rollS: number;
  jobOverheadS: number;
  gateOverheadS: number;
  fail: number;
  /** Replaces every environment's rollout.parallelism (stacks per job). */
  parallelism?: number;
  scenarios: string[];
}

function options(argv: string[]): Options {
  const get = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0`);
    return n;
  };
  const p = get("parallelism", 0);
  const i = argv.indexOf("--scenarios");
  const scenarios = i >= 0 ? argv[i + 1].split(",") : ["apply", "roll", "fail"];
  return { tenants: get("tenants", 1000), divisor: get("divisor", 100), initS: get("init", 5), applyS: get("apply", 60), rollS: get("roll", 180), jobOverheadS: get("job-overhead", 90), gateOverheadS: get("gate-overhead", 45), fail: get("fail", 3), ...(p ? { parallelism: p } : {}), scenarios };
}

interface RingRow {
  stage: number;
  environment: string;
  ring: string;
  stacks: number;
  shards: number;
  applied: number;
  failed: number;
  budget: number;
  verdict: string;
  /** Simulated minutes: slowest shard, plus job and gate start-up. */
  minutes: number;
}

interface RunOutcome {
  rows: RingRow[];
  minutes: number;
  applies: string[];
  locksLeft: number;
  failedStacks: string[];
}

/** One deploy.yml run: stage 1 then stage 2, ring by ring, every shard of a ring at once. */
async function simulateRun(plan: FleetPlan, synthDir: string, fake: FakeFleetTerraform, ledger: Ledger, o: Options): Promise<RunOutcome> {
  const head = readSynth(synthDir);
  const rows: RingRow[] = [];
  const results: ResultsFile[] = [];
  let halted = false;
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write; // deploy-stacks' progress lines
  try {
    for (const stage of [1, 2] as const) {
      for (const phase of PHASES) {
        const envs = plan.file.environments.filter((e) => e.stage === stage && e.phases.some((p) => p.name === phase));
        if (envs.length === 0 || halted) continue;
        const jobs = envs.flatMap((e) => {
          const p = e.phases.find((x) => x.name === phase);
          return (p?.shards ?? []).map((s) => ({ env: e.environment, phase: p!, stacks: s.stacks, id: s.id, parallelism: e.parallelism }));
        });
        const shardTimes = await Promise.all(
          jobs.map(async (job) => {
            const t0 = Date.now();
            const report = await deploy({
              affected: { changed: job.stacks, added: [], removed: [], order: [job.stacks] },
              head,
              environment: job.env,
              parallelism: job.parallelism,
              dryRun: false,
              terraform: FAKE_TERRAFORM,
              env: { PATH: process.env.PATH ?? "", ...fake.env, FAKE_TF_DIVISOR: String(o.divisor) },
              print: () => undefined,
              ledger,
              commit: COMMIT,
              compare: () => "same",
              shard: { phase: job.phase, stacks: job.stacks },
              backoffBaseMs: 15_000 / o.divisor,
            });
            results.push({ environment: job.env, phase, shard: job.id, results: report.results, skipped: report.skipped, refused: report.refused });
            return Date.now() - t0;
          }),
        );
        const slowest = Math.max(...shardTimes);
        for (const v of gatePhase(plan.file, stage, phase, results)) {
          const applied = results.filter((r) => r.environment === v.environment && r.phase === phase).reduce((n, r) => n + r.results.length, 0);
          rows.push({
            stage,
            environment: v.environment,
            ring: phase,
            stacks: v.stacks,
            shards: jobs.filter((j) => j.env === v.environment).length,
            applied,
            failed: v.failed.length + v.missing.length,
            budget: v.failureBudget,
            verdict: v.over ? "HALTED" : applied === 0 ? "nothing to apply" : "ok",
            // the ring's jobs start whether or not the ledger leaves them anything to apply
            minutes: (slowest * o.divisor) / 60_000 + o.jobOverheadS / 60 + o.gateOverheadS / 60,
          });
          if (v.over) halted = true;
        }
      }
    }
  } finally {
    process.stderr.write = write;
  }
  // one row per ring may list two environments of one stage run side by side: count the ring once
  const perRing = new Map<string, number>();
  for (const r of rows) perRing.set(`${r.stage}-${r.ring}`, Math.max(perRing.get(`${r.stage}-${r.ring}`) ?? 0, r.minutes));
  const applies = fake.calls().filter((c) => c.args[0] === "apply").map((c) => c.stack);
  const failedStacks = results.flatMap((r) => r.results.filter((x) => x.status !== "deployed").map((x) => x.stack)).sort();
  return { rows, minutes: [...perRing.values()].reduce((a, b) => a + b, 0), applies, locksLeft: fake.locks().length, failedStacks };
}

function table(rows: RingRow[]): string {
  const lines = ["| stage | environment | ring | stacks | jobs | failed / budget | gate | minutes |", "| --: | --- | --- | --: | --: | --: | --- | --: |"];
  for (const r of rows) lines.push(`| ${r.stage} | ${r.environment} | ${r.ring} | ${r.stacks} | ${r.shards} | ${r.failed} / ${r.budget} | ${r.verdict} | ${r.minutes.toFixed(1)} |`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const fleet = writeFleetSynth(fleetPlacements(o.tenants));
  const envs = loadEnvironments(join(ROOT, "cdktf.json"));
  const plan = planFleet({
    affected: fleet.affected,
    head: readSynth(fleet.dir),
    tenants: new Map(),
    rollouts: new Map(Object.entries(envs).map(([n, e]) => [n, o.parallelism ? { ...(e.rollout ?? RolloutConfigSchema.parse({})), parallelism: o.parallelism } : e.rollout])),
    stateBuckets: new Map(Object.entries(envs).map(([n, e]) => [n, e.stateBucket])),
    commit: COMMIT,
  });
  const ms = (s: number) => Math.round(s * 1000);
  process.stdout.write(
    `fleet: ${o.tenants} tenants, ${fleet.stacks.length} stacks; ${o.parallelism ? `${o.parallelism} stacks per job; ` : ""}latencies init ${o.initS} s, apply ${o.applyS} s, task-definition roll ${o.rollS} s; clock divided by ${o.divisor}; job start-up ${o.jobOverheadS} s, gate ${o.gateOverheadS} s per ring\n\n`,
  );

  const scenario = async (name: string, applyS: number, failing: string[], resume: boolean) => {
    const fake = new FakeFleetTerraform().configure("default", { init_ms: ms(o.initS), apply_ms: ms(applyS) });
    // platform stacks roll no task definitions
    for (const s of fleet.stacks.filter((x) => x.name.startsWith("platform-"))) fake.configure(s.name, { init_ms: ms(o.initS), apply_ms: ms(o.applyS) });
    for (const s of failing) fake.configure(s, { init_ms: ms(o.initS), apply_ms: ms(applyS), fail: "apply" });
    const ledger = new DirectoryLedger(mkdtempSync(join(tmpdir(), "fleet-ledger-")));
    const t0 = Date.now();
    const run = await simulateRun(plan, fleet.dir, fake, ledger, o);
    const real = (Date.now() - t0) / 1000;
    const entries = await ledger.list();
    const deployed = entries.filter((e) => e.status === "deployed" && e.deployedCommit === COMMIT).length;
    process.stdout.write(`### ${name}\n\n${table(run.rows)}\n\n`);
    process.stdout.write(
      `wall time (workflow layout, approvals and bake excluded): **${run.minutes.toFixed(1)} min**; ${deployed} of ${fleet.stacks.length} stacks deployed at the commit; failed: ${run.failedStacks.join(", ") || "none"}; state locks left: ${run.locksLeft}; ${run.applies.length} applies; simulated in ${real.toFixed(1)} s real\n\n`,
    );
    if (resume) {
      const fixed = new FakeFleetTerraform().configure("default", { init_ms: ms(o.initS), apply_ms: ms(applyS) });
      const again = await simulateRun(plan, fleet.dir, fixed, ledger, o);
      const touched = [...new Set(fixed.calls().map((c) => c.stack))].sort();
      process.stdout.write(`resume (same commit, failures fixed): ${again.minutes.toFixed(1)} min; stacks touched: ${touched.length} (${touched.join(", ")}); locks left: ${again.locksLeft}\n\n`);
    }
    return run;
  };

  if (o.scenarios.includes("apply")) await scenario(`Fleet-wide change, no task definitions (apply ${o.applyS} s)`, o.applyS, [], false);
  if (o.scenarios.includes("roll")) await scenario(`Fleet-wide change rolling every task definition (apply ${o.applyS} s + roll ${o.rollS} s)`, o.applyS + o.rollS, [], false);
  const lastRing = plan.file.environments.find((e) => e.environment === "production")?.phases.at(-1)?.stacks ?? [];
  const failing = lastRing.slice(0, o.fail);
  if (o.scenarios.includes("fail")) await scenario(`The same with ${failing.length} failing tenants (in production's last ring)`, o.applyS + o.rollS, failing, true);
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 2;
});
