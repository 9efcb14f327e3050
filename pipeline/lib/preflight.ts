/**
 * Pre-flight checks of the fleet deploy: an ordered list of steps that run before the first
 * apply of an environment, each able to hold stacks back (with a reason for the summary) or to
 * refuse the whole run (nothing is applied). deploy-stacks builds the list; a new gate (the
 * offboarded-tombstone verification of #24, the image-digest gate "before the first ring" of
 * #28) is one more `PreflightStep` in `preflightSteps()` of pipeline/deploy-stacks.ts.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mapLimit } from "./exec";
import { resumeDecision, type CompareCommits, type Ledger } from "./ledger";
import { destroyStartedAt, type Progress } from "./offboarding-job";
import { checkSecrets, scheduledSecretMessage, type SecretRef } from "./scheduled-secrets";

export interface PreflightContext {
  readonly environment: string;
  /** Stacks still to deploy, in deploy order; each step sees what the steps before it left. */
  readonly stacks: readonly string[];
  /** The commit being deployed, when known (needed by the ledger step). */
  readonly commit?: string;
}

export interface PreflightOutcome {
  /** Stacks not deployed in this run, with the line the summary prints for each. */
  readonly skip?: ReadonlyMap<string, string>;
  /**
   * Stacks that cannot be applied and count as failed (exit 2, the summary's failed table with
   * step `preflight`), with the error: an apply would fail part-way for a reason known now.
   */
  readonly fail?: ReadonlyMap<string, string>;
  /** Reasons to apply nothing at all (exit 1). */
  readonly refuse?: readonly string[];
}

export interface PreflightStep {
  /** Short name for logs and the summary, e.g. `ledger`. */
  readonly name: string;
  run(ctx: PreflightContext): Promise<PreflightOutcome>;
}

export interface PreflightResult {
  readonly stacks: string[];
  /** Stack -> [step, reason]. */
  readonly skipped: Map<string, { step: string; reason: string }>;
  /** Stack -> [step, error]: not applied, reported failed. */
  readonly failed: Map<string, { step: string; reason: string }>;
  readonly refused: { step: string; reason: string }[];
}

/** Runs the steps in order; a refusal stops the list (later steps would only add noise). */
export async function runPreflight(steps: readonly PreflightStep[], ctx: PreflightContext): Promise<PreflightResult> {
  let stacks = [...ctx.stacks];
  const skipped = new Map<string, { step: string; reason: string }>();
  const failed = new Map<string, { step: string; reason: string }>();
  const refused: { step: string; reason: string }[] = [];
  for (const step of steps) {
    const out = await step.run({ ...ctx, stacks });
    for (const reason of out.refuse ?? []) refused.push({ step: step.name, reason });
    if (refused.length) break;
    for (const [stack, reason] of out.skip ?? []) skipped.set(stack, { step: step.name, reason });
    for (const [stack, reason] of out.fail ?? []) failed.set(stack, { step: step.name, reason });
    stacks = stacks.filter((s) => !skipped.has(s) && !failed.has(s));
  }
  return { stacks, skipped, failed, refused };
}

/**
 * Resume and stale-run refusal from the ledger: stacks already deployed at this commit are
 * skipped; a stack whose ledger shows a newer commit (deployed or attempted) refuses the run,
 * naming both commits.
 */
export function ledgerStep(ledger: Ledger, compare: CompareCommits, fingerprintOf: (stack: string) => string | undefined = () => undefined, parallel = 16): PreflightStep {
  return {
    name: "ledger",
    async run(ctx) {
      if (!ctx.commit) return { refuse: [`a ledger (${ledger.location}) needs the commit being deployed (--commit)`] };
      const skip = new Map<string, string>();
      const refuse: string[] = [];
      const entries = await mapLimit(ctx.stacks, parallel, (s) => ledger.get(ctx.environment, s));
      ctx.stacks.forEach((stack, i) => {
        const d = resumeDecision(entries[i], ctx.commit as string, compare, fingerprintOf(stack));
        if (d.action === "skip") skip.set(stack, d.reason);
        if (d.action === "refuse") refuse.push(`stale re-run refused: ${stack}: ${d.reason}`);
      });
      return { skip, refuse };
    },
  };
}

/** Tenants whose file says `deployHold: true` are left out, each with a summary line. */
export function holdStep(isHeld: (stack: string) => string | undefined): PreflightStep {
  return {
    name: "deploy-hold",
    async run(ctx) {
      const skip = new Map<string, string>();
      for (const stack of ctx.stacks) {
        const file = isHeld(stack);
        if (file) skip.set(stack, `deployHold: true in ${file}; remove it to deploy this tenant again`);
      }
      return { skip };
    },
  };
}

/** A tenant's offboarding progress in the state bucket (pipeline/lib/offboarding-job.ts), read and retired. */
export interface OffboardingProgressStore {
  read(tenantId: string): Promise<Progress | undefined>;
  /** Marks the offboarding cancelled, so the next one starts over (cancelOffboarding). */
  cancel(tenantId: string, progress: Progress): Promise<void>;
}

/**
 * `offboarding → suspended` is legal in a tenant file (config/tenant-lifecycle.ts), but only the
 * offboarding job's progress tells whether it can still be honoured: before the job's first
 * deletion (Progress.destroyStartedAt) the tenant's data is all there, so the suspended form is
 * applied and the offboarding retired; after it, applying would rebuild an empty tenant over a
 * half-destroyed one, so the stack is held back with the way forward.
 */
export function offboardingCancellationStep(tenantOf: (stack: string) => { readonly id: string; readonly status: string } | undefined, store: OffboardingProgressStore): PreflightStep {
  return {
    name: "offboarding-started",
    async run(ctx) {
      const skip = new Map<string, string>();
      for (const stack of ctx.stacks) {
        const tenant = tenantOf(stack);
        if (tenant?.status !== "suspended") continue;
        const progress = await store.read(tenant.id);
        if (!progress || progress.cancelledAt || progress.steps.record) continue;
        const started = destroyStartedAt(progress);
        if (started) {
          skip.set(
            stack,
            `the offboarding job of ${tenant.id} started destroying at ${started}, so it can no longer be cancelled; set status: offboarding again and re-run the deploy to finish it (the archive holds the export)`,
          );
        } else await store.cancel(tenant.id, progress);
      }
      return { skip };
    },
  };
}

/**
 * #26 finding 7: a stack declaring a secret whose name is scheduled for deletion fails before any
 * apply, with the fix (pipeline/lib/scheduled-secrets.ts), instead of Terraform failing on
 * CreateSecret after applying the rest. Every declared secret is checked, whether or not the
 * state holds it: the provider's Read treats a secret with a DeletedDate as gone
 * (internal/service/secretsmanager/secret.go findSecretByID returns NotFound, the refresh drops it
 * from state), so the apply re-creates it either way. That also makes it the cheapest correct
 * check: one DescribeSecret per declared secret, no plan and no state read. A failed lookup
 * (throttling, AccessDenied) only warns: the apply goes ahead as it did before this check.
 */
export function scheduledSecretsStep(
  declared: (stack: string) => readonly SecretRef[],
  clientFor: (stack: string) => SecretsManagerClient,
  /** The environment's offboarding.secretRecoveryWindowDays; asked only when a secret is scheduled. */
  recoveryWindowDays: () => number,
  warn: (line: string) => void,
  parallel = 8,
): PreflightStep {
  return {
    name: "scheduled-secrets",
    async run(ctx) {
      const fail = new Map<string, string>();
      const withSecrets = ctx.stacks.filter((s) => declared(s).length > 0);
      const checks = await mapLimit(withSecrets, parallel, (s) => checkSecrets(clientFor(s), declared(s)));
      withSecrets.forEach((stack, i) => {
        const c = checks[i];
        if (c.error) warn(`${stack}: secrets could not be checked for a pending deletion (${c.error}); applying as usual`);
        if (c.scheduled.length) fail.set(stack, c.scheduled.map((d) => scheduledSecretMessage(stack, d, recoveryWindowDays())).join(" "));
      });
      return { fail };
    },
  };
}
