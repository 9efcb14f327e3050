/**
 * Reads what plan-stacks leaves per stack (plan.json, plan.txt or error.txt, result.json)
 * and summarises a Terraform JSON plan (https://developer.hashicorp.com/terraform/internals/json-format).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_NAME, UsageError } from "./cli";
import { redactText, sensitiveValues } from "./redact";

export type Action = "create" | "update" | "delete" | "replace" | "read" | "no-op" | "forget" | "import";

export interface ResourceChange {
  readonly address: string;
  readonly action: Action;
}

/** secrets.json (plan-stacks): secrets the plan creates whose name is scheduled for deletion. */
export interface SecretsCheck {
  readonly recoveryWindowDays: number;
  readonly scheduled: readonly { readonly address: string; readonly name: string; readonly arn?: string; readonly deletedDate: Date }[];
  /** The lookup failed (throttling, AccessDenied): the secrets were not (all) checked. */
  readonly error?: string;
}

export interface StackPlan {
  readonly stack: string;
  /**
   * "error" when the plan failed (error.txt), "refused" when the stack policy kept the stack
   * from terraform (result.json status "refused", reasons in error.txt), "missing" when the
   * directory holds nothing usable.
   */
  readonly status: "ok" | "error" | "refused" | "missing";
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly replace: number;
  readonly outputsChanged: number;
  /** Resources changed outside Terraform since the last apply (resource_drift). */
  readonly drifted: number;
  /** Resource changes other than no-op/read, in plan order. */
  readonly changes: readonly ResourceChange[];
  /** plan.txt or error.txt, already redacted. */
  readonly text: string;
  /** result.json (plan-stacks): "planned", "failed" or "refused". */
  readonly result?: string;
  /** result.json (plan-stacks): the plan proposes changes (-detailed-exitcode 2). */
  readonly resultChanges?: boolean;
  /** secrets.json (plan-stacks), when the plan creates secrets. */
  readonly secrets?: SecretsCheck;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function classify(actions: readonly string[]): Action {
  const a = [...actions].sort().join(",");
  switch (a) {
    case "create":
      return "create";
    case "update":
      return "update";
    case "delete":
      return "delete";
    case "create,delete":
      return "replace"; // ["delete","create"] or ["create","delete"] (create_before_destroy)
    case "read":
      return "read";
    case "forget":
      return "forget";
    case "no-op":
    case "":
      return "no-op";
    default:
      return "update";
  }
}

export function summarisePlan(stack: string, plan: Json, text: string, result?: string): StackPlan {
  const sensitive = sensitiveValues(plan);
  const changes: ResourceChange[] = [];
  const rcs = plan && typeof plan === "object" && !Array.isArray(plan) ? plan.resource_changes : undefined;
  for (const rc of Array.isArray(rcs) ? rcs : []) {
    if (!rc || typeof rc !== "object" || Array.isArray(rc)) continue;
    const change = rc.change as { actions?: string[]; importing?: unknown } | undefined;
    let action = classify(change?.actions ?? []);
    if (action === "no-op" && change?.importing) action = "import";
    if (action === "no-op" || action === "read") continue;
    changes.push({ address: String(rc.address ?? "?"), action });
  }
  const outputs = plan && typeof plan === "object" && !Array.isArray(plan) ? plan.output_changes : undefined;
  const outputsChanged =
    outputs && typeof outputs === "object" && !Array.isArray(outputs)
      ? Object.values(outputs).filter((o) => {
          const acts = (o as { actions?: string[] } | null)?.actions ?? [];
          return classify(acts) !== "no-op";
        }).length
      : 0;
  const drift = plan && typeof plan === "object" && !Array.isArray(plan) ? plan.resource_drift : undefined;
  const count = (a: Action) => changes.filter((c) => c.action === a).length;
  return {
    stack,
    status: "ok",
    add: count("create"),
    change: count("update"),
    destroy: count("delete"),
    replace: count("replace"),
    outputsChanged,
    drifted: Array.isArray(drift) ? drift.length : 0,
    changes,
    text: redactText(text, sensitive),
    result,
  };
}

function readIf(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/** secrets.json, or why it cannot be read (then shown as not checked). */
export function readSecretsCheck(text: string | undefined): SecretsCheck | undefined {
  if (text === undefined) return undefined;
  try {
    const j = JSON.parse(text) as { recoveryWindowDays?: unknown; scheduled?: unknown; error?: unknown };
    const window = typeof j.recoveryWindowDays === "number" ? j.recoveryWindowDays : 30;
    const scheduled = (Array.isArray(j.scheduled) ? j.scheduled : []).map((d: Record<string, unknown>) => {
      const deletedDate = new Date(String(d.deletedDate));
      if (typeof d.address !== "string" || typeof d.name !== "string" || Number.isNaN(deletedDate.getTime())) throw new Error("a scheduled entry lacks address, name or deletedDate");
      return { address: d.address, name: d.name, ...(typeof d.arn === "string" ? { arn: d.arn } : {}), deletedDate };
    });
    return { recoveryWindowDays: window, scheduled, ...(typeof j.error === "string" ? { error: j.error } : {}) };
  } catch (err) {
    return { recoveryWindowDays: 30, scheduled: [], error: `secrets.json unreadable: ${(err as Error).message}` };
  }
}

/** One subdirectory per stack; the directory name is the stack name. */
export function readPlans(dir: string): StackPlan[] {
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such directory (expected one subdirectory per stack)`);
  const plans: StackPlan[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const stack = entry.name;
    if (!STACK_NAME.test(stack)) throw new UsageError(`${join(dir, stack)}: not a stack name (allowed: ${STACK_NAME.source})`);
    plans.push(readStackPlan(join(dir, stack), stack));
  }
  return plans.sort((a, b) => a.stack.localeCompare(b.stack));
}

const EMPTY = { add: 0, change: 0, destroy: 0, replace: 0, outputsChanged: 0, drifted: 0, changes: [] };

export function readStackPlan(dir: string, stack: string): StackPlan {
  let result: string | undefined;
  let resultChanges: boolean | undefined;
  const resultText = readIf(join(dir, "result.json"));
  if (resultText) {
    try {
      const parsed = JSON.parse(resultText) as { status?: unknown; changes?: unknown };
      result = typeof parsed.status === "string" ? parsed.status : undefined;
      resultChanges = typeof parsed.changes === "boolean" ? parsed.changes : undefined;
    } catch {
      result = undefined;
    }
  }
  const error = readIf(join(dir, "error.txt"));
  const planJson = readIf(join(dir, "plan.json"));
  const planText = readIf(join(dir, "plan.txt")) ?? "";
  if (planJson !== undefined && error === undefined) {
    let plan: Json;
    try {
      plan = JSON.parse(planJson) as Json;
    } catch (err) {
      return { stack, status: "error", ...EMPTY, text: `plan.json is not valid JSON: ${(err as Error).message}`, result };
    }
    const secrets = readSecretsCheck(readIf(join(dir, "secrets.json")));
    return { ...summarisePlan(stack, plan, planText, result), resultChanges, ...(secrets ? { secrets } : {}) };
  }
  if (error !== undefined) return { stack, status: result === "refused" ? "refused" : "error", ...EMPTY, text: redactText(error), result };
  return { stack, status: "missing", ...EMPTY, text: "No plan.json or error.txt: the plan job did not finish for this stack.", result };
}

/** An expected stack without any result: its plan job died before uploading. */
export function missingPlan(stack: string): StackPlan {
  return {
    stack,
    status: "missing",
    ...EMPTY,
    text: "No plan result: the plan job for this stack did not upload one (cancelled, timed out or failed early).",
  };
}
