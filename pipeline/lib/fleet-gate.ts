/**
 * Between rings of the deploy workflow (`npm run fleet -- gate`) and after the last one
 * (`npm run fleet -- report`): what the matrix jobs' results say against the rollout plan. A
 * planned stack without a result (its job crashed, timed out or was cancelled) counts as failed.
 */
import { nameList } from "./deploy-report";
import type { PhaseName } from "./rollout";
import type { ResultsFile, RolloutPlanFile } from "./rollout-file";
import type { StackRunResult } from "./stack-runner";

export interface GateVerdict {
  readonly environment: string;
  readonly phase: PhaseName;
  readonly stacks: number;
  readonly failed: string[];
  /** Planned stacks no job reported. */
  readonly missing: string[];
  readonly failureBudget: number;
  readonly bakeMinutes: number;
  readonly over: boolean;
}

/** Every result of one environment, by stack (a later file wins: a re-run job's). */
function resultsOf(environment: string, results: readonly ResultsFile[]): Map<string, StackRunResult> {
  const out = new Map<string, StackRunResult>();
  for (const f of results.filter((r) => r.environment === environment)) for (const r of f.results) out.set(r.stack, r);
  return out;
}

export function gatePhase(plan: RolloutPlanFile, stage: 1 | 2, phase: PhaseName, results: readonly ResultsFile[]): GateVerdict[] {
  return plan.environments
    .filter((e) => e.stage === stage)
    .flatMap((e) => {
      const p = e.phases.find((x) => x.name === phase);
      if (!p) return [];
      const got = resultsOf(e.environment, results);
      // skipped by the job's pre-flight (already deployed at this commit, held) is not a failure
      const skipped = new Set(results.filter((r) => r.environment === e.environment).flatMap((r) => r.skipped.map((s) => s.stack)));
      const missing = p.stacks.filter((s) => !got.has(s) && !skipped.has(s));
      const failed = p.stacks.filter((s) => got.has(s) && got.get(s)?.status !== "deployed");
      return [{ environment: e.environment, phase, stacks: p.stacks.length, failed, missing, failureBudget: p.failureBudget, bakeMinutes: p.bakeMinutes, over: failed.length + missing.length > p.failureBudget }];
    });
}

export function gateMarkdown(stage: 1 | 2, phase: PhaseName, verdicts: readonly GateVerdict[]): string {
  const md = [`### Gate after ${phase} (stage ${stage})`, ""];
  if (verdicts.length === 0) return [...md, "No stacks in this ring.", ""].join("\n");
  md.push("| Environment | Stacks | Failed | Without result | Budget | Verdict |", "|---|--:|--:|--:|--:|---|");
  for (const v of verdicts) md.push(`| ${v.environment} | ${v.stacks} | ${v.failed.length} | ${v.missing.length} | ${v.failureBudget} | ${v.over ? "**over budget: rollout halted**" : "within budget"} |`);
  md.push("");
  for (const v of verdicts.filter((x) => x.failed.length || x.missing.length)) {
    if (v.failed.length) md.push(`- ${v.environment}: failed ${nameList(v.failed)}`);
    if (v.missing.length) md.push(`- ${v.environment}: no result (job lost; counted as failed) ${nameList(v.missing)}`);
  }
  if (verdicts.some((v) => v.over)) {
    md.push(
      "",
      "> [!WARNING]",
      "> Later rings do not start. To resume: fix the failing stacks (or set `deployHold: true` in their tenant files), then **Re-run all jobs** of this run (or dispatch `deploy`): the ledger skips every stack already deployed at this commit, so only the failed and never-started stacks are applied (re-running only the failed jobs would re-judge the same results). A manual run with `failure-budget` overrides the rings' budgets once.",
    );
  }
  return [...md, ""].join("\n");
}

export interface FleetReport {
  /** Stacks that did not deploy: failed, stopped, not started, or without a result. */
  readonly failing: { environment: string; stack: string; phase: PhaseName; status: string; attempts: number; exitCode?: number; error?: string }[];
  readonly deployed: { environment: string; stack: string }[];
  readonly held: RolloutPlanFile["held"];
  readonly total: number;
}

export function fleetReport(plan: RolloutPlanFile, results: readonly ResultsFile[]): FleetReport {
  const failing: FleetReport["failing"] = [];
  const deployed: FleetReport["deployed"] = [];
  let total = 0;
  for (const e of plan.environments) {
    const got = resultsOf(e.environment, results);
    const skipped = new Set(results.filter((r) => r.environment === e.environment).flatMap((r) => r.skipped.map((s) => s.stack)));
    for (const p of e.phases) {
      for (const stack of p.stacks) {
        total += 1;
        const r = got.get(stack);
        if (r?.status === "deployed" || (!r && skipped.has(stack))) deployed.push({ environment: e.environment, stack });
        else failing.push({ environment: e.environment, stack, phase: p.name, status: r ? r.status : "no result", attempts: r?.attempts ?? 0, ...(r?.exitCode !== undefined ? { exitCode: r.exitCode } : {}), ...(r?.error ? { error: r.error } : {}) });
      }
    }
  }
  return { failing, deployed, held: plan.held, total };
}

const cell = (t: string) => t.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export function reportMarkdown(r: FleetReport, commit: string): string {
  const md = [`### Fleet deploy at \`${commit.slice(0, 12)}\``, "", `${r.deployed.length} of ${r.total} stack(s) deployed, ${r.failing.length} not, ${r.held.length} held.`, ""];
  if (r.failing.length) {
    md.push("| Environment | Ring | Stack | Result | Attempts | Exit | Error |", "|---|---|---|---|--:|--:|---|");
    for (const f of r.failing) md.push(`| ${f.environment} | ${f.phase} | \`${f.stack}\` | ${f.status} | ${f.attempts} | ${f.exitCode ?? "-"} | ${cell((f.error ?? "").split("\n")[0])} |`);
    md.push("");
  }
  for (const h of r.held) md.push(`- Held: \`${h.stack}\` (${h.environment}): deployHold: true in ${h.file}`);
  return [...md, ""].join("\n");
}
