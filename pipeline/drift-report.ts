/**
 * drift-report: turns a scheduled plan of every stack into the body of ONE drift issue.
 *
 *   npm run -s drift-report -- <plans-dir> [--run-url url] [--json]
 */
import { writeFileSync } from "node:fs";
import { log, parse, run, UsageError } from "./lib/cli";
import { missingPlan, readPlans, type StackPlan } from "./lib/plan";
import { readSynth } from "./lib/synth";
import { renderComment } from "./plan-comment";

/** The workflow finds the open drift issue by its label and this marker. */
export const DRIFT_MARKER = "<!-- openclaw-drift -->";

export const HELP = `Usage: npm run -s drift-report -- <plans-dir> [--synth <dir>] [--run-url <url>] [--artifact <name>] [--json] [--out <file>]

Reads the per-stack results of \`plan-stacks --detailed-exitcode\` over every stack and
prints the Markdown body of the drift issue: drifted and failed stacks with collapsed,
redacted details. With --json prints
  {"drifted":[...],"failed":[...],"clean":<n>,"total":<n>,"title":"...","body":"..."}
which the workflow uses to open, update or close the one drift issue.

With --synth <dir>, every stack of that synth output without a result in <plans-dir>
counts as failed, so a plan shard that died can never make the report look clean.

Exit codes: 0 ok (drift is reported, not an error), 1 bad input, 2 unexpected failure.`;

export interface DriftReport {
  readonly drifted: string[];
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

export function driftReport(plans: readonly StackPlan[], opts: { runUrl?: string; artifact?: string } = {}): DriftReport {
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
  return { drifted: drifted.map((p) => p.stack), failed: failed.map((p) => p.stack), clean, total: plans.length, title, body };
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
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError(`expected exactly one <plans-dir>, got ${positionals.length}`);
  const plans = readPlans(positionals[0]);
  if (values.synth) {
    const have = new Set(plans.map((p) => p.stack));
    for (const stack of readSynth(values.synth).stacks.keys()) if (!have.has(stack)) plans.push(missingPlan(stack));
  }
  const report = driftReport(plans, { runUrl: values["run-url"], artifact: values.artifact });
  const text = values.json ? `${JSON.stringify(report)}\n` : report.body;
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  log(`drift-report: ${report.title}`);
  return 0;
}

if (require.main === module) run("drift-report", HELP, main);
