/**
 * The tenant lifecycle: the values of a tenant file's `status` and which changes between
 * them are legal. Pure data and functions (no zod, no files), so the loader, the
 * `npm run tenant` CLI and the pipeline's pull-request check share one source of truth.
 *
 *   provisioning ─► active ⇄ suspended ◄──────────────┐ (cancel, until the job starts destroying)
 *        │  └──────────┴───────┴──► offboarding ─────┴─► offboarded (tombstone, final)
 *        └─────────────► suspended
 *
 * `offboarding → suspended` is legal here; whether it can still be honoured depends on the
 * offboarding job's progress in the state bucket, which only the deploy pipeline can read: before
 * the job's first deletion it deploys the suspended form and retires the offboarding, after it the
 * stack is held back (pipeline/lib/preflight.ts offboardingCancellationStep).
 */

/** Every status a tenant file may carry, in lifecycle order. */
export const TENANT_STATUSES = ["provisioning", "active", "suspended", "offboarding", "offboarded"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** The final state: the file is a tombstone, no stack is synthesized, the id is never reused. */
export const TOMBSTONE_STATUS = "offboarded" satisfies TenantStatus;
/** Statuses that still have a tenant stack. */
export type LiveTenantStatus = Exclude<TenantStatus, typeof TOMBSTONE_STATUS>;

/** The status a new tenant file starts in: resources exist, agents run no task until secrets have values. */
export const INITIAL_STATUS = "provisioning" satisfies TenantStatus;

/**
 * Transitions only the deploy pipeline's offboarding job may make (it writes the tombstone
 * after the export, destroy and record succeeded). A person asking for them is refused.
 */
const PIPELINE_ONLY: ReadonlySet<string> = new Set(["offboarding->offboarded"]);

const LEGAL: Readonly<Record<TenantStatus, readonly TenantStatus[]>> = {
  provisioning: ["active", "suspended", "offboarding"],
  active: ["suspended", "offboarding"],
  suspended: ["active", "offboarding"],
  offboarding: ["suspended", "offboarded"],
  offboarded: [],
};

export function isTenantStatus(value: unknown): value is TenantStatus {
  return typeof value === "string" && (TENANT_STATUSES as readonly string[]).includes(value);
}

/** Statuses a tenant in `from` may move to (by anyone: people and the pipeline). */
export function legalTransitions(from: TenantStatus): readonly TenantStatus[] {
  return LEGAL[from];
}

/** Whether `from` → `to` is a legal change of a tenant file. Staying in the same status is not a transition. */
export function isLegalTransition(from: TenantStatus, to: TenantStatus): boolean {
  return LEGAL[from].includes(to);
}

/** Whether only the offboarding job may make this transition (`offboarding` → `offboarded`). */
export function isPipelineOnlyTransition(from: TenantStatus, to: TenantStatus): boolean {
  return PIPELINE_ONLY.has(`${from}->${to}`);
}

/** Transitions a person may ask for (`npm run tenant -- status`): the legal ones, minus the pipeline's. */
export function operatorTransitions(from: TenantStatus): readonly TenantStatus[] {
  return LEGAL[from].filter((to) => !isPipelineOnlyTransition(from, to));
}

/**
 * Why a change is refused, in one line, or undefined when it is legal. Used by the CLI and
 * the pipeline's pull-request check so both say the same thing.
 */
export function transitionRefusal(id: string, from: TenantStatus, to: TenantStatus, by: "operator" | "pipeline" = "operator"): string | undefined {
  if (from === to) return undefined;
  if (from === TOMBSTONE_STATUS) {
    return `tenant ${id} is offboarded: a tombstone never changes status (its id, bucket name and key alias can never be reused); add a tenant with a new id instead`;
  }
  if (!isLegalTransition(from, to)) {
    const allowed = (by === "operator" ? operatorTransitions(from) : legalTransitions(from)).join(", ");
    return `tenant ${id}: ${from} -> ${to} is not a legal transition (from ${from}: ${allowed})`;
  }
  if (by === "operator" && isPipelineOnlyTransition(from, to)) {
    return `tenant ${id}: only the deploy pipeline's offboarding job sets offboarded, after the export, destroy and record succeeded; merge status: offboarding and approve the deploy`;
  }
  return undefined;
}

/*
 * The questions code asks of a status. Every "is this tenant ..." decision in the loader, the
 * stacks and the pipeline goes through one of these, never through a comparison with a status
 * string, so a new status (or a renamed one) changes the answers in one place.
 */

/**
 * Agents run tasks only while `active`: in `provisioning` the secrets may still be empty, in
 * `suspended` the tenant is paused, and in `offboarding` its data is being exported and its
 * secrets deleted (so a suspended tenant being offboarded never starts again).
 */
export function runsTasks(status: TenantStatus): boolean {
  return status === "active";
}

/** Whether the tenant has a tenant stack: every status but the tombstone. */
export function hasStack(status: TenantStatus): status is LiveTenantStatus {
  return status !== TOMBSTONE_STATUS;
}

/**
 * Whether the status is final (`offboarded`): the file is a tombstone, its stack was destroyed by
 * the offboarding job, the status never changes and the id is never reused. Takes any value, so
 * callers holding an unvalidated or missing status get `false`, not a type error.
 */
export function isTerminal(status: unknown): status is typeof TOMBSTONE_STATUS {
  return status === TOMBSTONE_STATUS;
}

/**
 * Whether the tenant waits for the offboarding job (`offboarding`): the job applies the stack's
 * teardown form, exports, destroys and writes the tombstone; no deploy touches its stack.
 */
export function awaitsOffboarding(status: unknown): status is "offboarding" {
  return status === "offboarding";
}

/**
 * Whether the offboarding job has, or had, this tenant (`offboarding` or the tombstone): the
 * statuses whose offboarding record may still lack CloudTrail evidence (`offboard --evidence-only`).
 */
export function isOffboardingOrOffboarded(status: unknown): status is "offboarding" | typeof TOMBSTONE_STATUS {
  return awaitsOffboarding(status) || isTerminal(status);
}
