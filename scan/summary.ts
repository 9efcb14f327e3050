import type { AcceptedEntry, Classified } from "./accepted";
import type { CheckovFileResult } from "./checkov";

export interface ScanSummary {
  readonly ok: boolean;
  readonly checkovVersion: string;
  readonly stacks: Array<{ stack: string; passed: number; failed: number; accepted: number; runErrors: string[] }>;
  /** Check results (one check on one resource) that passed. */
  readonly passed: number;
  /** Failed results no entry accepts: the gate fails on any. */
  readonly failed: number;
  /** Failed results an accepted-findings entry covers ("skipped" with a reviewed reason). */
  readonly skipped: number;
  /** passed / (passed + failed + skipped): how much of everything checkov evaluated passes. */
  readonly passRate: number;
  /** passed / (passed + failed): the share of applicable (not accepted) results that pass. */
  readonly applicablePassRate: number;
  /** Distinct check ids that ran and passed somewhere. */
  readonly distinctChecksPassed: number;
  readonly failures: Array<{ stack: string; checkId: string; resource: string; checkName: string }>;
  readonly acceptedEntries: Array<{ check: string; stacks: string; results: number; reason: string }>;
  /** Entries that matched nothing: reported so they get removed, but not fatal (an entry may
   * belong to a change still on its way, e.g. a stack another engineer is wiring up). */
  readonly staleEntries: Array<{ check: string; stacks: string }>;
  readonly runErrors: string[];
}

export function summarize(checkovVersion: string, results: CheckovFileResult[], classified: Classified, entries: AcceptedEntry[]): ScanSummary {
  const acceptedBy = (stack: string) => classified.accepted.filter((a) => a.stack === stack).length;
  const failedBy = (stack: string) => classified.unaccepted.filter((u) => u.stack === stack).length;
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = classified.unaccepted.length;
  const skipped = classified.accepted.length + results.reduce((n, r) => n + r.skipped, 0);
  const runErrors = results.flatMap((r) => r.runErrors.map((e) => `${r.stack}: ${e}`));
  const rate = (num: number, den: number) => (den === 0 ? 0 : Math.floor((num / den) * 1000) / 10);
  return {
    ok: failed === 0 && runErrors.length === 0,
    checkovVersion,
    stacks: results.map((r) => ({ stack: r.stack, passed: r.passed, failed: failedBy(r.stack), accepted: acceptedBy(r.stack), runErrors: r.runErrors })),
    passed,
    failed,
    skipped,
    passRate: rate(passed, passed + failed + skipped),
    applicablePassRate: rate(passed, passed + failed),
    distinctChecksPassed: new Set(results.flatMap((r) => r.passedCheckIds)).size,
    failures: classified.unaccepted.map(({ stack, finding }) => ({ stack, ...finding })),
    acceptedEntries: entries.map((e) => ({
      check: e.check,
      stacks: e.stacks,
      results: classified.accepted.filter((a) => a.entry === e).length,
      reason: e.reason,
    })),
    staleEntries: classified.unused.map((e) => ({ check: e.check, stacks: e.stacks })),
    runErrors,
  };
}

export function formatSummary(s: ScanSummary): string {
  const lines: string[] = [];
  const width = Math.max(5, ...s.stacks.map((r) => r.stack.length));
  const row = (a: string, b: string | number, c: string | number, d: string | number) =>
    `${a.padEnd(width)}  ${String(b).padStart(6)}  ${String(c).padStart(6)}  ${String(d).padStart(8)}`;
  lines.push(row("stack", "passed", "failed", "accepted"));
  for (const r of s.stacks) lines.push(row(r.stack, r.passed, r.failed, r.accepted));
  lines.push(row("total", s.passed, s.failed, s.skipped));
  lines.push("");
  lines.push(`accepted findings (${s.acceptedEntries.length} entries in scan/accepted-findings.yaml):`);
  for (const e of s.acceptedEntries) lines.push(`  ${e.check} on ${e.stacks} (${e.results} result${e.results === 1 ? "" : "s"}): ${e.reason}`);
  if (s.failures.length > 0) {
    lines.push("");
    lines.push(`FAILED checks (fix the module, or accept the finding with a reason in scan/accepted-findings.yaml):`);
    for (const f of s.failures) lines.push(`  ${f.stack}: ${f.resource}: ${f.checkId} ${f.checkName}`);
  }
  if (s.runErrors.length > 0) {
    lines.push("");
    lines.push("checkov did not really check everything (these fail the gate whatever its exit code says):");
    for (const e of s.runErrors) lines.push(`  ${e}`);
  }
  if (s.staleEntries.length > 0) {
    lines.push("");
    lines.push("warning: accepted entries that match nothing (remove them from scan/accepted-findings.yaml once the finding is gone for good):");
    for (const e of s.staleEntries) lines.push(`  ${e.check} on ${e.stacks}`);
  }
  lines.push("");
  lines.push(
    `checkov ${s.checkovVersion}: passed ${s.passed}, failed ${s.failed}, skipped ${s.skipped} (accepted); ` +
      `pass rate ${s.passRate.toFixed(1)}% of all results, ${s.applicablePassRate.toFixed(1)}% of applicable results; ` +
      `${s.distinctChecksPassed} distinct checks passed`,
  );
  lines.push(s.ok ? "scan passed" : "scan FAILED");
  return `${lines.join("\n")}\n`;
}
