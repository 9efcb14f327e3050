/**
 * drift-report: turns a scheduled plan of every stack into the body of ONE drift issue.
 *
 *   npm run -s drift-report -- <plans-dir> [--run-url url] [--json]
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LedgerEntry } from "./lib/ledger";
import { log, parse, run, UsageError } from "./lib/cli";
import { missingPlan, readPlans, type StackPlan } from "./lib/plan";
import { readSynth } from "./lib/synth";
import { renderComment } from "./plan-comment";

/** The workflow finds the open drift issue by its label and this marker. */
export const DRIFT_MARKER = "<!-- openclaw-drift -->";

export const HELP = `Usage: npm run -s drift-report -- <plans-dir> [--synth <dir>] [--ledger-json <dir>] [--run-url <url>] [--artifact <name>] [--json] [--out <file>]

Reads the per-stack results of \`plan-stacks --detailed-exitcode\` over every stack and
prints the Markdown body of the drift issue: drifted and failed stacks with collapsed,
redacted details. With --json prints
  {"drifted":[...],"failed":[...],"clean":<n>,"total":<n>,"title":"...","body":"..."}
which the workflow uses to open, update or close the one drift issue.

With --synth <dir>, every stack of that synth output without a result in <plans-dir>
counts as failed, so a plan shard that died can never make the report look clean.

With --ledger-json <dir> (files of \`npm run fleet -- status --json\`, the deploy ledger) and
--synth, each drifted stack is told apart: "undeployed" when main's configuration is not the
one last deployed (a merged change the deploy has not applied: deploy it), "outside" when it
is (something changed outside Terraform). The JSON gains "stacks" (status per stack),
"undeployed" and "outside".

Exit codes: 0 ok (drift is reported, not an error), 1 bad input, 2 unexpected failure.`;

export type DriftStatus = "clean" | "drifted" | "undeployed" | "outside" | "failed";

export interface DriftReport {
  readonly drifted: string[];
  /** Drifted because main's configuration was merged but not deployed (ledger fingerprint differs). */
  readonly undeployed: string[];
  /** Drifted although main's configuration is the deployed one: changed outside Terraform. */
  readonly outside: string[];
  /** Every stack's status in this run. */
  readonly stacks: Record<string, DriftStatus>;
  readonly failed: string[];
  readonly clean: number;
  readonly total: number;
  readonly title: string;
  readonly body: string;
}

/** A stack drifted when its plan proposes changes: exit code 2, or resource/output changes. */
export function isDrifted(p: StackPlan): boolean {
  if (p.status !== "ok") return false;
  return p.resultChanges === true || p.add + p.change + p.destroy + p.replace + p.outputsChanged > 0;
}

export interface DriftOptions {
  runUrl?: string;
  artifact?: string;
  /** Main's configuration fingerprint per stack (--synth). */
  fingerprints?: ReadonlyMap<string, string>;
  /** The deploy ledger's entries by stack (--ledger-json). */
  ledger?: ReadonlyMap<string, LedgerEntry>;
}

/** Why a drifted stack drifted, when the ledger can tell. */
function driftKind(stack: string, opts: DriftOptions): "undeployed" | "outside" | "drifted" {
  const entry = opts.ledger?.get(stack);
  const current = opts.fingerprints?.get(stack);
  if (!entry?.fingerprint || !current) return "drifted";
  return entry.fingerprint === current && entry.status === "deployed" ? "outside" : "undeployed";
}

export function driftReport(plans: readonly StackPlan[], opts: DriftOptions = {}): DriftReport {
  const drifted = plans.filter(isDrifted);
  const failed = plans.filter((p) => p.status !== "ok");
  const clean = plans.length - drifted.length - failed.length;
  const parts = [];
  if (drifted.length) parts.push(`${drifted.length} drifted`);
  if (failed.length) parts.push(`${failed.length} failed to plan`);
  const title = parts.length ? `Drift: ${parts.join(", ")} of ${plans.length} stacks` : `No drift in ${plans.length} stacks`;
  const body = renderComment([...drifted, ...failed], {
    marker: DRIFT_MARKER,
    title,
    runUrl: opts.runUrl,
    artifact: opts.artifact ?? "drift-plans",
    notes: [
      `${clean} stack(s) match their configuration. A drifted stack either changed outside Terraform or has a merged change that was never deployed;`,
      "fix the resource or re-run the deploy, then run this workflow again (workflow_dispatch) to close the issue.",
    ],
  });
  const stacks: Record<string, DriftStatus> = {};
  for (const p of plans) stacks[p.stack] = p.status !== "ok" ? "failed" : isDrifted(p) ? driftKind(p.stack, opts) : "clean";
  const undeployed = drifted.map((p) => p.stack).filter((s) => stacks[s] === "undeployed");
  const outside = drifted.map((p) => p.stack).filter((s) => stacks[s] === "outside");
  const kinds = undeployed.length || outside.length ? `\n\n**Merged but not deployed** (deploy them): ${undeployed.map((s) => `\`${s}\``).join(", ") || "none"}.\n**Changed outside Terraform:** ${outside.map((s) => `\`${s}\``).join(", ") || "none"}.\n` : "";
  return { drifted: drifted.map((p) => p.stack), undeployed, outside, stacks, failed: failed.map((p) => p.stack), clean, total: plans.length, title, body: body + kinds };
}

export function main(argv: string[]): number {
  const { values, positionals } = parse(
    argv,
    {
      synth: { type: "string" },
      "run-url": { type: "string" },
      artifact: { type: "string" },
      json: { type: "boolean" },
      out: { type: "string" },
      "ledger-json": { type: "string" },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError(`expected exactly one <plans-dir>, got ${positionals.length}`);
  const plans = readPlans(positionals[0]);
  if (values.synth) {
    const have = new Set(plans.map((p) => p.stack));
    for (const stack of readSynth(values.synth).stacks.keys()) if (!have.has(stack)) plans.push(missingPlan(stack));
  }
  const synth = values.synth ? readSynth(values.synth) : undefined;
  const report = driftReport(plans, {
    runUrl: values["run-url"],
    artifact: values.artifact,
    fingerprints: synth ? new Map([...synth.stacks].map(([n, i]) => [n, i.fingerprint])) : undefined,
    ledger: values["ledger-json"] ? readLedgerJson(values["ledger-json"]) : undefined,
  });
  const text = values.json ? `${JSON.stringify(report)}\n` : report.body;
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  log(`drift-report: ${report.title}`);
  return 0;
}

/** Every entry of the `fleet status --json` files in `dir` (missing dir: none; the ledger is optional). */
function readLedgerJson(dir: string): Map<string, LedgerEntry> {
  const out = new Map<string, LedgerEntry>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
    let entries: LedgerEntry[];
    try {
      entries = JSON.parse(readFileSync(join(dir, f), "utf8")) as LedgerEntry[];
    } catch (err) {
      throw new UsageError(`${join(dir, f)}: not the JSON of npm run fleet -- status --json (${(err as Error).message})`);
    }
    for (const e of Array.isArray(entries) ? entries : []) out.set(e.stack, e);
  }
  return out;
}

if (require.main === module) run("drift-report", HELP, main);
