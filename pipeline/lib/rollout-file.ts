/**
 * The files that carry a rollout between workflow jobs: the plan (`npm run fleet -- plan`, in the
 * detect job's artifact) and each matrix job's results (`deploy-stacks --results`, read by
 * `npm run fleet -- gate` and the issue helper).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "./cli";
import type { EnvironmentRollout, PhaseName, RolloutPhase } from "./rollout";
import type { StackRunResult } from "./stack-runner";

export interface RolloutPlanFile {
  readonly commit: string;
  readonly environments: EnvironmentRollout[];
  /** Held tenants (deployHold), per environment. */
  readonly held: { environment: string; stack: string; file: string }[];
  /** Removed stacks that are not offboarded tombstones: never destroyed, the report fails naming them. */
  readonly removed?: { environment: string; stack: string }[];
}

export interface ResultsFile {
  readonly environment: string;
  readonly phase?: PhaseName;
  readonly shard?: string;
  readonly results: StackRunResult[];
  readonly skipped: { stack: string; step: string; reason: string }[];
  readonly refused: string[];
}

export function readRolloutFile(file: string): RolloutPlanFile {
  try {
    const plan = JSON.parse(readFileSync(file, "utf8")) as RolloutPlanFile;
    if (!Array.isArray(plan.environments) || typeof plan.commit !== "string") throw new Error("not a rollout plan");
    return plan;
  } catch (err) {
    throw new UsageError(`${file}: cannot read the rollout plan (${(err as Error).message}); write it with \`npm run fleet -- plan\``);
  }
}

export function findShard(plan: RolloutPlanFile, environment: string, shardId: string): { phase: RolloutPhase; stacks: string[] } {
  const env = plan.environments.find((e) => e.environment === environment);
  for (const phase of env?.phases ?? []) {
    const shard = phase.shards.find((s) => s.id === shardId);
    if (shard) return { phase, stacks: shard.stacks };
  }
  throw new UsageError(`shard ${shardId} is not in the rollout plan of ${environment}`);
}

export function writeResultsFile(file: string, r: { environment: string; phase?: PhaseName; shard?: string; report: { results: StackRunResult[]; skipped: ResultsFile["skipped"]; refused: string[] } }): void {
  mkdirSync(dirname(file), { recursive: true });
  const out: ResultsFile = { environment: r.environment, ...(r.phase ? { phase: r.phase } : {}), ...(r.shard ? { shard: r.shard } : {}), results: r.report.results, skipped: r.report.skipped, refused: r.report.refused };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}

/** Every `*.json` results file under `dir` (artifacts download into one folder each). */
export function readResultsDir(dir: string): ResultsFile[] {
  const out: ResultsFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".json")) out.push(JSON.parse(readFileSync(join(d, e.name), "utf8")) as ResultsFile);
    }
  };
  try {
    walk(dir);
  } catch (err) {
    throw new UsageError(`${dir}: cannot read results (${(err as Error).message})`);
  }
  return out;
}
