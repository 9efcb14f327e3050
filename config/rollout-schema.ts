import { z } from "zod";

/**
 * How the fleet deploy rolls a change out in one environment (cdktf.json
 * `context.environments.<env>.rollout`): platform stacks first, then a canary ring, then growing
 * rings of tenant stacks, each with a bake time and a failure budget. See pipeline/lib/rollout.ts.
 */

/** A count of stacks (`2`) or a share of the ring (`"5%"`, rounded down) that may fail before the rollout halts. */
export const FailureBudgetSchema = z.union([
  z.number().int().min(0).max(10_000),
  z.string().regex(/^(100|\d{1,2}(\.\d+)?)%$/, "a count like 2 or a percentage like 5%"),
]);

export const RingConfigSchema = z.strictObject({
  /** Share of the environment's tenant stacks (after the canaries) deployed once this ring is done, cumulative. */
  percent: z.number().min(1).max(100),
  /** Minutes to wait after the ring before the next starts (alarms get time to fire). */
  bakeMinutes: z.number().int().min(0).max(1440).default(0),
  /** Failed stacks this ring tolerates; one more halts the rollout. */
  failureBudget: FailureBudgetSchema.default(0),
});

export const CanaryConfigSchema = z.strictObject({
  /** Tenants in the canary ring when no tenant file says `deployRing: canary`. */
  count: z.number().int().min(0).max(100).default(3),
  bakeMinutes: z.number().int().min(0).max(1440).default(10),
  failureBudget: FailureBudgetSchema.default(0),
});

/** At most three growing rings: the deploy workflow has a job slot for each. */
export const MAX_RINGS = 3;

export const RolloutConfigSchema = z.strictObject({
  /**
   * Environments of stage 1 (staging) deploy first; stage 2 (production) starts only after every
   * stage-1 environment deployed the commit.
   */
  stage: z.union([z.literal(1), z.literal(2)]).default(2),
  canary: CanaryConfigSchema.prefault({}),
  rings: z
    .array(RingConfigSchema)
    .min(1)
    .max(MAX_RINGS)
    .default([
      { percent: 5, bakeMinutes: 10, failureBudget: 0 },
      { percent: 25, bakeMinutes: 10, failureBudget: "1%" },
      { percent: 100, bakeMinutes: 0, failureBudget: "1%" },
    ])
    .superRefine((rings, ctx) => {
      rings.forEach((r, i) => {
        if (i > 0 && r.percent <= rings[i - 1].percent) ctx.addIssue({ code: "custom", path: [i, "percent"], message: `must grow ring by ring (ring ${i} has ${rings[i - 1].percent}, got ${r.percent})` });
      });
      if (rings.length && rings[rings.length - 1].percent !== 100) ctx.addIssue({ code: "custom", path: [rings.length - 1, "percent"], message: `the last ring must be 100 (every tenant), got ${rings[rings.length - 1].percent}` });
    }),
  /**
   * Deploy jobs at once per AWS account and region (matrix shards of one ring): with `parallelism`
   * applies each, this bounds the API calls one account and region sees. Plan and drift use it too.
   */
  maxJobsPerAccountRegion: z.number().int().min(1).max(256).default(20),
  /**
   * Stacks each deploy job applies at once (one terraform process each, ~250 MB with the AWS
   * provider: 13 fit a standard runner's 7 GB). 13 lets a 1,000-tenant production ring of ~500
   * stacks finish in one round of 40 jobs (bench/fleet-deploy.ts, BENCHMARKS.md).
   */
  parallelism: z.number().int().min(1).max(64).default(13),
  /** More changed tenant stacks than this (or any platform stack) needs the `fleet-wide` label or a second approval. */
  fleetWideTenantCount: z.number().int().min(0).max(100_000).default(50),
});

export type FailureBudget = z.infer<typeof FailureBudgetSchema>;
export type RolloutConfig = z.infer<typeof RolloutConfigSchema>;

/** The budget as a count for a ring of `size` stacks. */
export function resolveFailureBudget(budget: FailureBudget, size: number): number {
  if (typeof budget === "number") return budget;
  return Math.floor((size * Number(budget.slice(0, -1))) / 100);
}

/** `--failure-budget <count | percent>`; undefined when the text is neither. */
export function parseFailureBudget(text: string): FailureBudget | undefined {
  const parsed = FailureBudgetSchema.safeParse(/^\d+$/.test(text) ? Number(text) : text);
  return parsed.success ? parsed.data : undefined;
}
