/**
 * `npm run fleet -- plan`: the deploy workflow's rollout, computed once in the detect job. Per
 * environment the rings of its affected stacks (pipeline/lib/rollout.ts), the held tenants, the
 * blast-radius verdict, and one GitHub Actions matrix per stage and ring for deploy-ring.yml.
 */
import type { AffectedFile } from "./affected-file";
import { planEnvironment, PHASES, MATRIX_LIMIT, type EnvironmentRollout, type PhaseName } from "./rollout";
import type { RolloutPlanFile } from "./rollout-file";
import { envKey, type Synth } from "./synth";
import { tenantIdOfStackName } from "../../modules/naming";
import { splitRemovedStacks, type TenantLifecycleFields } from "./tenant-files";
import { awaitsOffboarding } from "../../config/tenant-lifecycle";
import { RolloutConfigSchema, type FailureBudget, type RolloutConfig } from "../../config/rollout-schema";
import { UsageError } from "./cli";

export interface FleetPlanInput {
  readonly affected: AffectedFile;
  readonly head: Synth;
  readonly tenants: ReadonlyMap<string, TenantLifecycleFields>;
  /** Rollout settings per environment (cdktf.json); missing ones use the defaults. */
  readonly rollouts: ReadonlyMap<string, RolloutConfig | undefined>;
  readonly commit: string;
  readonly failureBudget?: FailureBudget;
  /** Each environment's state bucket (cdktf.json): its ledger is s3://<bucket>/deploy-ledger. */
  readonly stateBuckets?: ReadonlyMap<string, string>;
  /** The base synth: places removed stacks in their environment. */
  readonly base?: Synth;
}

export interface BlastRadius {
  /** The change needs the `fleet-wide` label or a second approval. */
  readonly fleetWide: boolean;
  readonly reasons: string[];
}

export interface MatrixEntry {
  readonly environment: string;
  readonly envKey: string;
  /** Region for the job's AWS credentials: the environment's state region. */
  readonly region: string;
  readonly shard: string;
  readonly stacks: number;
  /** `--ledger` of the job: s3://<state bucket>/deploy-ledger. */
  readonly ledger: string;
  /** `--parallelism` of the job: the environment's rollout.parallelism the shards were sized for. */
  readonly parallelism: number;
}

export interface FleetPlan {
  readonly file: RolloutPlanFile;
  readonly blastRadius: BlastRadius;
  /** `<stage>-<phase>` -> matrix entries (possibly none). */
  readonly matrices: Map<string, MatrixEntry[]>;
}

export const matrixKey = (stage: 1 | 2, phase: PhaseName) => `${stage}-${phase}`;

/**
 * The blast-radius guard: a change that touches a platform stack, or more tenant stacks than an
 * environment's `fleetWideTenantCount`, is fleet-wide.
 */
export function blastRadius(environments: readonly EnvironmentRollout[], rollouts: FleetPlanInput["rollouts"]): BlastRadius {
  const reasons: string[] = [];
  for (const env of environments) {
    const stacks = env.phases.flatMap((p) => p.stacks);
    const platform = stacks.filter((s) => tenantIdOfStackName(s) === undefined);
    const tenants = stacks.length - platform.length;
    const limit = (rollouts.get(env.environment) ?? RolloutConfigSchema.parse({})).fleetWideTenantCount;
    if (platform.length) reasons.push(`${env.environment}: platform stack(s) ${platform.join(", ")} change`);
    if (tenants > limit) reasons.push(`${env.environment}: ${tenants} tenant stacks change (more than ${limit})`);
  }
  return { fleetWide: reasons.length > 0, reasons };
}

export function planFleet(input: FleetPlanInput): FleetPlan {
  const stacks = [...input.affected.changed, ...input.affected.added].map((name) => {
    const info = input.head.stacks.get(name);
    if (!info) throw new UsageError(`stack ${name} is not in ${input.head.dir}; was --affected computed from this synth output?`);
    return info;
  });
  const byEnv = new Map<string, typeof stacks>();
  for (const s of stacks) {
    if (!s.environment) throw new UsageError(`stack ${s.name}: no Environment in provider.aws[0].default_tags[0].tags`);
    byEnv.set(s.environment, [...(byEnv.get(s.environment) ?? []), s]);
  }
  const held: RolloutPlanFile["held"] = [];
  const environments: EnvironmentRollout[] = [];
  const stateRegion = new Map<string, string>();
  for (const env of [...byEnv.keys()].sort()) {
    const list = (byEnv.get(env) ?? []).filter((s) => {
      const id = tenantIdOfStackName(s.name);
      const tenant = id === undefined ? undefined : input.tenants.get(id);
      if (tenant && awaitsOffboarding(tenant.status)) return false; // the offboard job's
      if (tenant?.deployHold) {
        held.push({ environment: env, stack: s.name, file: `tenants/${id}.yaml` });
        return false;
      }
      return true;
    });
    stateRegion.set(env, list[0]?.stateRegion || list[0]?.region || "");
    const rolloutStacks = list.map((s) => {
      const id = tenantIdOfStackName(s.name);
      return { name: s.name, accountId: s.accountId, region: s.region, tenantId: id, canary: id !== undefined && input.tenants.get(id)?.deployRing === "canary" };
    });
    const planned = planEnvironment(env, rolloutStacks, input.rollouts.get(env), { failureBudget: input.failureBudget });
    if (planned.phases.length) environments.push(planned);
  }
  const matrices = new Map<string, MatrixEntry[]>();
  for (const stage of [1, 2] as const) {
    for (const phase of PHASES) {
      const entries = environments
        .filter((e) => e.stage === stage)
        .flatMap((e) => (e.phases.find((p) => p.name === phase)?.shards ?? []).map((s) => ({ environment: e.environment, envKey: envKey(e.environment), region: stateRegion.get(e.environment) ?? s.region, shard: s.id, stacks: s.stacks.length, ledger: `s3://${input.stateBuckets?.get(e.environment) ?? "unknown-state-bucket"}/deploy-ledger`, parallelism: e.parallelism })));
      if (entries.length > MATRIX_LIMIT) throw new UsageError(`stage ${stage} ${phase}: ${entries.length} matrix jobs exceed GitHub's ${MATRIX_LIMIT}; lower rollout.maxJobsPerAccountRegion`);
      matrices.set(matrixKey(stage, phase), entries);
    }
  }
  const { needOffboarding } = splitRemovedStacks(input.affected.removed, (id) => input.tenants.get(id)?.status);
  const removed = needOffboarding.map((stack) => ({ environment: input.base?.stacks.get(stack)?.environment ?? "unknown", stack }));
  return { file: { commit: input.commit, environments, held, removed }, blastRadius: blastRadius(environments, input.rollouts), matrices };
}
