/**
 * The rollout planner of the fleet deploy: plain data, no processes. An environment's stacks
 * become phases (platform stacks, a canary ring, up to three growing rings of tenant stacks),
 * each phase becomes shards (GitHub Actions matrix jobs) with at most
 * `maxJobsPerAccountRegion` shards per AWS account and region, and each phase carries its bake
 * time and failure budget. deploy-stacks runs the phases in one process (local runs, the
 * simulator) or one shard per matrix job (deploy.yml), where `npm run fleet -- gate` checks the
 * budget between rings.
 */
import { createHash } from "node:crypto";
import { resolveFailureBudget, type FailureBudget, type RolloutConfig } from "../../config/rollout-schema";
import { RolloutConfigSchema } from "../../config/rollout-schema";

export const PHASES = ["platform", "canary", "ring-1", "ring-2", "ring-3"] as const;
export type PhaseName = (typeof PHASES)[number];

/** GitHub: https://docs.github.com/en/actions/using-jobs/using-a-matrix-for-your-jobs (256 jobs per matrix). */
export const MATRIX_LIMIT = 256;

export interface RolloutStack {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** Undefined for a platform stack. */
  readonly tenantId?: string;
  /** `deployRing: canary` in the tenant file. */
  readonly canary?: boolean;
}

export interface Shard {
  /** Unique in the plan: `<environment>-<phase>-<n>`. */
  readonly id: string;
  readonly accountId: string;
  readonly region: string;
  readonly stacks: string[];
}

export interface RolloutPhase {
  readonly name: PhaseName;
  readonly stacks: string[];
  /** Failed stacks tolerated; one more halts the rollout. */
  readonly failureBudget: number;
  readonly bakeMinutes: number;
  readonly shards: Shard[];
}

export interface EnvironmentRollout {
  readonly environment: string;
  readonly stage: 1 | 2;
  /** Stacks each job applies at once. */
  readonly parallelism: number;
  /** Only phases with stacks, in order. */
  readonly phases: RolloutPhase[];
}

/** A stable pseudo-random order: the same tenant lands in the same place of the ring order on every run. */
export function ringOrder<T extends { name: string }>(stacks: readonly T[]): T[] {
  const key = (s: T) => createHash("sha256").update(s.name).digest("hex");
  return [...stacks].sort((a, b) => key(a).localeCompare(key(b)) || a.name.localeCompare(b.name));
}

/**
 * Splits a phase into shards: per account and region, as many shards as keep each at about
 * `parallelism` stacks (one round of applies), but never more than `cap` per account and region.
 */
export function shardPhase(environment: string, phase: PhaseName, stacks: readonly RolloutStack[], parallelism: number, cap: number): Shard[] {
  const groups = new Map<string, RolloutStack[]>();
  for (const s of stacks) {
    const k = `${s.accountId}/${s.region}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const shards: Shard[] = [];
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key) ?? [];
    const count = Math.min(cap, Math.ceil(group.length / parallelism));
    const size = Math.ceil(group.length / count);
    for (let i = 0; i < count; i++) {
      const part = group.slice(i * size, (i + 1) * size);
      if (part.length === 0) continue;
      shards.push({ id: `${environment}-${phase}-${shards.length + 1}`, accountId: part[0].accountId, region: part[0].region, stacks: part.map((s) => s.name) });
    }
  }
  return shards;
}

export interface PlanOptions {
  /** `--failure-budget`: replaces the canary's and every ring's budget for this run (never the platform's, which is 0). */
  readonly failureBudget?: FailureBudget;
}

/** The phases of one environment's rollout. `stacks` are those to deploy (held and skipped ones already out), any order. */
export function planEnvironment(environment: string, stacks: readonly RolloutStack[], rollout: RolloutConfig | undefined, opts: PlanOptions = {}): EnvironmentRollout {
  const config = rollout ?? RolloutConfigSchema.parse({});
  const platform = stacks.filter((s) => s.tenantId === undefined).sort((a, b) => a.name.localeCompare(b.name));
  const tenants = ringOrder(stacks.filter((s) => s.tenantId !== undefined));
  const marked = tenants.filter((s) => s.canary);
  const canary = marked.length > 0 ? marked : tenants.slice(0, config.canary.count);
  const rest = tenants.filter((s) => !canary.includes(s));
  const phases: RolloutPhase[] = [];
  const add = (name: PhaseName, list: RolloutStack[], budget: FailureBudget, bakeMinutes: number) => {
    if (list.length === 0) return;
    phases.push({
      name,
      stacks: list.map((s) => s.name),
      failureBudget: resolveFailureBudget(name === "platform" ? 0 : (opts.failureBudget ?? budget), list.length),
      bakeMinutes,
      shards: shardPhase(environment, name, list, config.parallelism, config.maxJobsPerAccountRegion),
    });
  };
  add("platform", platform, 0, 0);
  add("canary", canary, config.canary.failureBudget, config.canary.bakeMinutes);
  let start = 0;
  config.rings.forEach((ring, i) => {
    const end = Math.ceil((rest.length * ring.percent) / 100);
    add(PHASES[2 + i], rest.slice(start, end), ring.failureBudget, ring.bakeMinutes);
    start = Math.max(start, end);
  });
  return { environment, stage: config.stage, parallelism: config.parallelism, phases };
}

/** Failed stacks over the phase's budget? Stacks without a result (a lost job) count as failed. */
export function overBudget(phase: Pick<RolloutPhase, "stacks" | "failureBudget">, failedOrMissing: readonly string[]): boolean {
  return failedOrMissing.filter((s) => phase.stacks.includes(s)).length > phase.failureBudget;
}
