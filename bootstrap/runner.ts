import { errorCode, describeAwsError, hintFor } from "./aws-errors";
import { ConflictError, Outputs, ResourcePlan, StepFactory } from "./plan";

/**
 * Runs the steps in two passes. The checking pass plans every step without writing, so
 * conflicts (a bucket in another region, an unusable lock table) stop the run before anything
 * changes; a dry run ends there, printing each plan. The applying pass plans each step again,
 * now with the real outputs of the steps before it, and applies it.
 */

/** What a run did, for the summary and for the report after a failure. */
export interface RunResult {
  readonly ok: boolean;
  readonly outputs: Outputs;
  /** `<step title>: <action>` for every change made, in order. */
  readonly changes: readonly string[];
  readonly failure?: StepFailure;
}

export interface StepFailure {
  /** 1-based step number and the step's title. */
  readonly step: number;
  readonly title: string;
  /** AWS error code, or the conflict's code. */
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export interface RunOptions {
  readonly dryRun: boolean;
  /** Receives progress lines (without newline); the CLI writes them to stderr. */
  readonly log: (line: string) => void;
}

export async function runSteps(factories: readonly StepFactory[], options: RunOptions): Promise<RunResult> {
  const total = factories.length;
  const prefix = (i: number) => `[${i + 1}/${total}]`;
  const changes: string[] = [];

  // Checking pass: read only.
  const predicted: Outputs = {};
  for (let i = 0; i < total; i++) {
    let step;
    let planned;
    try {
      // Building a step computes its desired state, which may itself refuse (PolicyQuotaError).
      step = factories[i](predicted);
      planned = await step.plan();
    } catch (err) {
      return { ok: false, outputs: predicted, changes, failure: toFailure(i, step?.title ?? `step ${i + 1}`, err) };
    }
    Object.assign(predicted, planned.outputs);
    if (options.dryRun) logPlan(options.log, `${prefix(i)} ${step.title}`, planned.plan, true);
  }
  if (options.dryRun) return { ok: true, outputs: predicted, changes };

  const outputs: Outputs = {};
  for (let i = 0; i < total; i++) {
    const step = factories[i](outputs);
    try {
      const planned = await step.plan();
      Object.assign(outputs, planned.outputs);
      for (const action of planned.plan.actions) {
        Object.assign(outputs, await step.applyAction(action));
        changes.push(`${step.title}: ${action.description}`);
      }
      logPlan(options.log, `${prefix(i)} ${step.title}`, planned.plan, false);
    } catch (err) {
      return { ok: false, outputs, changes, failure: toFailure(i, step.title, err) };
    }
  }
  return { ok: true, outputs, changes };
}

/**
 * One progress line per step (`created`, `updated`, `already in place`, or the dry-run
 * `would ...`), then one indented line per action and per note.
 */
function logPlan(log: (line: string) => void, head: string, plan: ResourcePlan, dryRun: boolean): void {
  log(`${head}: ${statusOf(plan, dryRun)}`);
  for (const action of plan.actions) log(`      - ${action.description}`);
  for (const note of plan.notes) log(`      note: ${note}`);
}

export function statusOf(plan: ResourcePlan, dryRun: boolean): string {
  if (!plan.exists) return dryRun ? "would create" : "created";
  if (plan.actions.length === 0) return "already in place";
  return dryRun ? `would update (${plan.actions.length} change${plan.actions.length === 1 ? "" : "s"})` : "updated";
}

function toFailure(index: number, title: string, err: unknown): StepFailure {
  if (err instanceof ConflictError) return { step: index + 1, title, code: err.code, message: err.message };
  const code = errorCode(err);
  return { step: index + 1, title, code, message: describeAwsError(err), hint: hintFor(code) };
}
