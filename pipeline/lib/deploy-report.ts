/**
 * The fleet deploy's job summary: per ring what happened against its budget, one row per stack
 * that did not deploy (with its error), what was held back, and how to resume.
 */
import type { StackRunResult } from "./stack-runner";
import type { PhaseName } from "./rollout";

export interface PhaseOutcome {
  readonly name: PhaseName;
  readonly stacks: string[];
  readonly failureBudget: number;
  readonly bakeMinutes: number;
  /** Stacks that failed or were stopped in this phase. */
  readonly failed: string[];
  /**
   * `deployed`: every stack; `within budget`: some failed, the rollout went on; `halted`: over
   * budget, later phases did not start; `not started`: an earlier phase halted or the run stopped;
   * `applied` (one shard of a matrix job; its gate judges the budget); `planned` (dry run).
   */
  readonly status: "deployed" | "within budget" | "halted" | "not started" | "applied" | "planned";
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const code = (s: string) => `\`${s}\``;

/** At most `max` names, then "and N more". */
export function nameList(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map(code).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export interface ReportInput {
  readonly environment: string;
  readonly dryRun: boolean;
  readonly phases: readonly PhaseOutcome[];
  readonly results: readonly StackRunResult[];
  readonly skipped: readonly { stack: string; step: string; reason: string }[];
  readonly refused: readonly string[];
  readonly commit?: string;
}

export function rolloutMarkdown(r: ReportInput): string[] {
  const md: string[] = [`### Deploy ${r.environment}${r.commit ? ` at ${code(r.commit.slice(0, 12))}` : ""}${r.dryRun ? " (dry run)" : ""}`, ""];
  if (r.refused.length) {
    md.push("> [!CAUTION]", "> Nothing was applied:", ...r.refused.map((x) => `> - ${cell(x)}`), "");
    return md;
  }
  if (r.phases.length === 0) md.push(r.skipped.length ? "Every changed stack of this environment is held back or already deployed." : "No changed or added stacks in this environment.", "");
  else {
    md.push("| Ring | Stacks | Failed | Budget | Result |", "|---|--:|--:|--:|---|");
    for (const p of r.phases) md.push(`| ${p.name} | ${p.stacks.length} | ${p.failed.length} | ${p.failureBudget} | ${p.status} |`);
    md.push("");
  }
  const bad = r.results.filter((x) => x.status === "failed" || x.status === "stopped");
  if (bad.length) {
    md.push("| Stack | Result | Step | Attempts | Exit | Error |", "|---|---|---|--:|--:|---|");
    for (const f of bad) md.push(`| ${code(f.stack)} | ${f.status} | ${f.step ?? "-"} | ${f.attempts} | ${f.exitCode ?? "-"} | ${cell((f.error ?? "").split("\n")[0])} |`);
    md.push("");
  }
  const halted = r.phases.find((p) => p.status === "halted");
  if (halted) {
    const later = r.phases.filter((p) => p.status === "not started");
    md.push(
      "> [!WARNING]",
      `> Ring **${halted.name}** went over its failure budget (${halted.failed.length} failed, budget ${halted.failureBudget}): ${later.length ? `${later.map((p) => p.name).join(", ")} (${later.reduce((n, p) => n + p.stacks.length, 0)} stacks) did not start` : "it was the last ring"}.`,
      "> To resume: fix the failing stacks (or put their tenants on `deployHold: true`), then run the deploy again at this commit (in GitHub Actions: **Re-run all jobs**, or dispatch `deploy`): with the ledger it applies only what is not yet deployed at this commit; `--failure-budget` overrides the rings' budgets once.",
      "",
    );
  }
  const held = r.skipped.filter((s) => s.step === "deploy-hold");
  for (const h of held) md.push(`- Held: ${code(h.stack)}: ${cell(h.reason)}`);
  if (held.length) md.push("");
  const other = r.skipped.filter((s) => s.step !== "deploy-hold");
  if (other.length) {
    md.push(`<details><summary>${other.length} stack(s) not applied by this run</summary>`, "", "| Stack | Why |", "|---|---|");
    for (const s of other) md.push(`| ${code(s.stack)} | ${s.step}: ${cell(s.reason)} |`);
    md.push("", "</details>", "");
  }
  return md;
}
