/**
 * fleet: the fleet deploy's workflow steps and operator commands.
 *
 *   npm run fleet -- status --ledger <dir | s3://bucket/prefix> [--environment <env>] [--status <s>] [--json]
 *   npm run fleet -- plan | gate | report | unlock (see HELP)
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { checkStackNames, log, parse, run, ToolFailure, UsageError } from "./lib/cli";
import { readAffected } from "./lib/affected-file";
import { exec as realExec, mapLimit, type Exec } from "./lib/exec";
import { fleetReport, gateMarkdown, gatePhase, reportMarkdown } from "./lib/fleet-gate";
import { planFleet } from "./lib/fleet-plan";
import { LEDGER_STATUSES, openLedger, type Ledger, type LedgerEntry } from "./lib/ledger";
import { PHASES, type PhaseName } from "./lib/rollout";
import { readResultsDir, readRolloutFile } from "./lib/rollout-file";
import { envKey, readSynth } from "./lib/synth";
import { offboardingSteps } from "./deploy-stacks";
import { readTenantDir } from "./lib/tenant-files";
import { parseFailureBudget, type RolloutConfig } from "../config/rollout-schema";
import { loadEnvironments } from "../config/loader";

export const HELP = `Usage: npm run fleet -- <command> [options]

Commands:
  status   the deploy ledger: per environment and stack the last run's commit, status,
           attempts, finish time, exit code and run, and the last commit deployed
  plan     --affected f --synth dir --tenants dir --cdktf-json f --commit sha --out rollout.json
           [--base-synth dir] [--failure-budget n|p%] [--github-output f] [--summary f]
           the rollout of every affected environment (rings, shards, held tenants), the
           blast-radius verdict (fleet-wide=true|false), the environments to approve per stage
           (approve-1, approve-2) and one matrix per stage and ring (m-<stage>-<ring>,
           n-<stage>-<ring>) for deploy.yml
  gate     --rollout rollout.json --stage 1|2 --phase <ring> --results dir [--bake] [--summary f]
           between rings: exit 1 when a ring went over its failure budget (stacks without a
           result count as failed), so later rings do not start; --bake then waits the
           ring's bake time
  report   --rollout rollout.json --results dir [--issues f] [--summary f]
           after the last ring: every stack that did not deploy, held tenants; --issues writes
           what .github/scripts/deploy-issues.js needs; exit 1 when any stack did not deploy
           or a removed stack needs offboarding (never destroyed)
  target   --cdktf-json f --environment env [--github-output f]
           the environment as a one-entry matrix (envKey, state region, ledger), or exit 1
           when cdktf.json does not declare it (deploy-unlock.yml checks it before anything)
  unlock   --synth dir --environment env --stack s --lock-id id --reason text --ledger l
           [--actor a] [--run-url u] [--dry-run]
           terraform force-unlock of one stack's state, with an audit record in the ledger
           (<environment>/_audit/) and in the job summary (deploy.yml's unlock job)

Options (status):
  --ledger <dir|s3://bucket/prefix>   where deploy-stacks --ledger wrote it
  --cdktf-json <file>                 instead of --ledger: the --environment's state bucket
  --environment <env>                 one environment only
  --status <status>                   only stacks in this status (${LEDGER_STATUSES.join(", ")})
  --stacks "<a b>"                    only these stacks (with --environment)
  --json                              the entries as JSON instead of a table
  --help                              show this help

Exit codes: 0 ok, 1 bad input, 2 unexpected failure (e.g. S3).`;

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : "-");

/** A fixed-width table: one line per stack, failed ones first (they need someone). */
export function statusTable(entries: readonly LedgerEntry[]): string {
  const order = (e: LedgerEntry) => ["failed", "stopped", "in-progress", "held", "deployed"].indexOf(e.status);
  const rows = [...entries].sort((a, b) => a.environment.localeCompare(b.environment) || order(a) - order(b) || a.stack.localeCompare(b.stack));
  const header = ["ENVIRONMENT", "STACK", "STATUS", "COMMIT", "DEPLOYED", "ATTEMPTS", "FINISHED", "EXIT", "RUN"];
  const lines = rows.map((e) => [e.environment, e.stack, e.status, short(e.commit), short(e.deployedCommit), String(e.attempts), e.finishedAt ?? "-", e.exitCode === undefined ? "-" : String(e.exitCode), e.runUrl ?? "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  const counts = LEDGER_STATUSES.map((s) => [s, rows.filter((e) => e.status === s).length] as const).filter(([, n]) => n > 0);
  return [fmt(header), ...lines.map(fmt), "", `${rows.length} stack(s): ${counts.map(([s, n]) => `${n} ${s}`).join(", ") || "none"}`].join("\n");
}

async function status(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ledger: { type: "string" }, "cdktf-json": { type: "string" }, environment: { type: "string" }, status: { type: "string" }, stacks: { type: "string" }, json: { type: "boolean" } });
  if (!values.ledger && values["cdktf-json"] && values.environment) {
    // the environment's own ledger: s3://<state bucket>/deploy-ledger
    const bucket = environmentsOf(values["cdktf-json"]).stateBuckets.get(values.environment);
    if (!bucket) throw new UsageError(`environment ${values.environment} is not in ${values["cdktf-json"]}`);
    values.ledger = `s3://${bucket}/deploy-ledger`;
  }
  if (!values.ledger) throw new UsageError("--ledger is required (or --cdktf-json with --environment)");
  if (values.status && !(LEDGER_STATUSES as readonly string[]).includes(values.status)) throw new UsageError(`--status must be one of ${LEDGER_STATUSES.join(", ")}, got ${values.status}`);
  const ledger = openLedger(values.ledger);
  // --stacks: only those entries (one read each), e.g. a drift shard's stacks
  const wanted = values.stacks ? values.stacks.split(/[\s,]+/).filter(Boolean) : undefined;
  if (wanted && !values.environment) throw new UsageError("--stacks needs --environment");
  const all = wanted ? (await mapLimit(wanted, 16, (s) => ledger.get(values.environment as string, s))).filter((e): e is LedgerEntry => e !== undefined) : await ledger.list(values.environment);
  const entries = all.filter((e) => !values.status || e.status === values.status);
  process.stdout.write(values.json ? `${JSON.stringify(entries, null, 2)}\n` : `${statusTable(entries)}\n`);
  if (entries.length === 0) log(`fleet status: no entries in ${ledger.location}${values.environment ? ` for ${values.environment}` : ""}`);
  return 0;
}

function environmentsOf(cdktfJson: string): { rollouts: Map<string, RolloutConfig | undefined>; stateBuckets: Map<string, string> } {
  try {
    const envs = Object.entries(loadEnvironments(cdktfJson));
    return { rollouts: new Map(envs.map(([name, env]) => [name, env.rollout])), stateBuckets: new Map(envs.map(([name, env]) => [name, env.stateBucket])) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function writeFile(file: string, text: string) {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

async function plan(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    affected: { type: "string" },
    synth: { type: "string" },
    "base-synth": { type: "string" },
    tenants: { type: "string" },
    "cdktf-json": { type: "string" },
    commit: { type: "string" },
    out: { type: "string" },
    "failure-budget": { type: "string" },
    "github-output": { type: "string" },
    summary: { type: "string" },
  });
  for (const k of ["affected", "synth", "tenants", "cdktf-json", "commit", "out"] as const) if (!values[k]) throw new UsageError(`--${k} is required`);
  const failureBudget = values["failure-budget"] ? parseFailureBudget(values["failure-budget"]) : undefined;
  if (values["failure-budget"] && failureBudget === undefined) throw new UsageError(`--failure-budget must be a count like 2 or a percentage like 5%, got ${values["failure-budget"]}`);
  let tenants;
  try {
    tenants = readTenantDir(values.tenants as string);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const affected = readAffected(values.affected as string);
  const result = planFleet({
    affected,
    base: values["base-synth"] && affected.removed.length && existsSync(values["base-synth"]) ? readSynth(values["base-synth"]) : undefined,
    head: readSynth(values.synth as string),
    tenants,
    ...environmentsOf(values["cdktf-json"] as string),
    commit: values.commit as string,
    failureBudget,
  });
  writeFile(values.out as string, `${JSON.stringify(result.file, null, 2)}\n`);
  const lines = [`fleet-wide=${result.blastRadius.fleetWide}`, `fleet-wide-reason=${result.blastRadius.reasons.join("; ")}`];
  for (const stage of [1, 2]) lines.push(`approve-${stage}=${JSON.stringify(result.file.environments.filter((e) => e.stage === stage).map((e) => e.environment))}`);
  for (const [key, entries] of result.matrices) lines.push(`m-${key}=${JSON.stringify({ include: entries })}`, `n-${key}=${entries.length}`);
  if (values["github-output"]) appendFileSync(values["github-output"], `${lines.join("\n")}\n`);
  const md = ["### Rollout plan", "", "| Environment | Stage | Ring | Stacks | Jobs | Budget | Bake (min) |", "|---|--:|---|--:|--:|--:|--:|"];
  for (const e of result.file.environments) for (const p of e.phases) md.push(`| ${e.environment} | ${e.stage} | ${p.name} | ${p.stacks.length} | ${p.shards.length} | ${p.failureBudget} | ${p.bakeMinutes} |`);
  md.push("", ...result.file.held.map((h) => `- Held: \`${h.stack}\` (${h.environment}): deployHold: true in ${h.file}`));
  if (result.blastRadius.fleetWide) md.push("", `**Fleet-wide change** (needs the \`fleet-wide\` label on the pull request or a second approval): ${result.blastRadius.reasons.join("; ")}.`);
  if (values.summary) appendFileSync(values.summary, `${md.join("\n")}\n`);
  for (const e of result.file.environments) log(`plan: ${e.environment} (stage ${e.stage}): ${e.phases.map((p) => `${p.name} ${p.stacks.length}/${p.shards.length} job(s)`).join(", ")}`);
  if (result.blastRadius.fleetWide) log(`plan: fleet-wide: ${result.blastRadius.reasons.join("; ")}`);
  return 0;
}

function phaseOption(value: string | undefined): PhaseName {
  if (!value || !(PHASES as readonly string[]).includes(value)) throw new UsageError(`--phase must be one of ${PHASES.join(", ")}, got ${value}`);
  return value as PhaseName;
}

async function gate(argv: string[], sleep: (ms: number) => Promise<void>): Promise<number> {
  const { values } = parse(argv, { rollout: { type: "string" }, stage: { type: "string" }, phase: { type: "string" }, results: { type: "string" }, bake: { type: "boolean" }, summary: { type: "string" } });
  if (!values.rollout || !values.results) throw new UsageError("--rollout and --results are required");
  if (values.stage !== "1" && values.stage !== "2") throw new UsageError(`--stage must be 1 or 2, got ${values.stage}`);
  const stage = Number(values.stage) as 1 | 2;
  const phase = phaseOption(values.phase);
  const planFile = readRolloutFile(values.rollout);
  const results = existsSync(values.results) ? readResultsDir(values.results) : [];
  const verdicts = gatePhase(planFile, stage, phase, results);
  if (values.summary) appendFileSync(values.summary, gateMarkdown(stage, phase, verdicts));
  for (const v of verdicts) log(`gate ${v.environment} ${phase}: ${v.failed.length} failed, ${v.missing.length} without result, budget ${v.failureBudget}: ${v.over ? "OVER BUDGET" : "ok"}`);
  const over = verdicts.filter((v) => v.over);
  if (over.length) {
    for (const v of over) log(`::error::${v.environment} ring ${phase} over its failure budget (${v.failed.length + v.missing.length} > ${v.failureBudget}): ${[...v.failed, ...v.missing].join(", ")}; later rings do not start`);
    return 1;
  }
  const bake = Math.max(0, ...verdicts.map((v) => v.bakeMinutes));
  if (values.bake && bake > 0) {
    log(`gate: baking ${bake} min after ${phase}`);
    await sleep(bake * 60_000);
  }
  return 0;
}

async function report(argv: string[]): Promise<number> {
  const { values } = parse(argv, { rollout: { type: "string" }, results: { type: "string" }, issues: { type: "string" }, summary: { type: "string" } });
  if (!values.rollout || !values.results) throw new UsageError("--rollout and --results are required");
  const planFile = readRolloutFile(values.rollout);
  const r = fleetReport(planFile, existsSync(values.results) ? readResultsDir(values.results) : []);
  if (values.summary) appendFileSync(values.summary, reportMarkdown(r, planFile.commit));
  if (values.issues) writeFile(values.issues, `${JSON.stringify({ commit: planFile.commit, failing: r.failing, deployed: r.deployed }, null, 2)}\n`);
  log(`report: ${r.deployed.length} of ${r.total} deployed, ${r.failing.length} not, ${r.held.length} held`);
  for (const f of r.failing) log(`::error::${f.environment} ${f.stack}: ${f.status}${f.error ? `: ${f.error.split("\n")[0]}` : ""}`);
  const removed = planFile.removed ?? [];
  for (const env of [...new Set(removed.map((x) => x.environment))]) {
    const stacks = removed.filter((x) => x.environment === env).map((x) => x.stack);
    for (const line of offboardingSteps(stacks, env).split("\n")) log(line);
    log(`::error::Removed stacks need offboarding (not destroyed): ${stacks.join(", ")}`);
    if (values.summary) appendFileSync(values.summary, `> [!CAUTION]\n> Removed stacks were **not destroyed** and need offboarding (${env}): ${stacks.map((x) => `\`${x}\``).join(", ")}.\n\n`);
  }
  return r.failing.length || removed.length ? 1 : 0;
}

export interface UnlockDeps {
  readonly exec: Exec;
  readonly terraform: string;
  readonly ledger?: Ledger;
  readonly now?: () => Date;
}

/** Exported for tests: terraform force-unlock with its audit record. */
export async function unlock(argv: string[], deps: UnlockDeps): Promise<number> {
  const { values } = parse(argv, {
    synth: { type: "string" },
    environment: { type: "string" },
    stack: { type: "string" },
    "lock-id": { type: "string" },
    reason: { type: "string" },
    ledger: { type: "string" },
    actor: { type: "string" },
    "run-url": { type: "string" },
    summary: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  for (const k of ["synth", "environment", "stack", "lock-id", "reason", "ledger"] as const) if (!values[k]) throw new UsageError(`--${k} is required`);
  checkStackNames([values.stack as string], "--stack");
  // Terraform lock ids are UUIDs (DynamoDB) or the S3 lockfile's id: never anything a shell could read
  if (!/^[A-Za-z0-9-]{8,64}$/.test(values["lock-id"] as string)) throw new UsageError(`--lock-id must be the lock's ID from the error ("Lock Info: ID: ..."), got ${values["lock-id"]}`);
  if ((values.reason as string).trim().length < 10) throw new UsageError("--reason must say why (at least 10 characters): it is the audit record");
  const synth = readSynth(values.synth as string);
  const info = synth.stacks.get(values.stack as string);
  if (!info) throw new UsageError(`${values.stack} is not a stack of ${values.synth}`);
  if (info.environment !== values.environment) throw new UsageError(`${values.stack} belongs to ${info.environment || "no environment"}, not ${values.environment}`);
  const dir = resolve(synth.dir, info.workingDirectory);
  const ledger = deps.ledger ?? openLedger(values.ledger as string);
  const at = (deps.now ?? (() => new Date()))();
  const record = { action: "force-unlock", environment: values.environment, stack: values.stack, lockId: values["lock-id"], reason: values.reason, actor: values.actor ?? process.env.GITHUB_ACTOR ?? "unknown", runUrl: values["run-url"], at: at.toISOString() };
  const args = [["init", "-input=false", "-no-color"], ["force-unlock", "-force", values["lock-id"] as string]];
  if (values["dry-run"]) {
    for (const a of args) process.stdout.write(`(cd ${dir} && ${deps.terraform} ${a.join(" ")})\n`);
    return 0;
  }
  // the record first: an unlock that leaves no trace must not happen
  const where = await ledger.audit(values.environment as string, `${values.stack}-${at.toISOString().replace(/[:.]/g, "-")}`, record);
  for (const a of args) {
    const r = await deps.exec(deps.terraform, a, { cwd: dir, env: { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" } });
    if (r.code !== 0) throw new ToolFailure(`terraform ${a[0]} in ${dir} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" ")}; audit record kept at ${where}`);
  }
  log(`unlocked ${values.stack} (${values.environment}), lock ${values["lock-id"]}; audit record ${where}`);
  if (values.summary) appendFileSync(values.summary, `### State unlocked\n\n| Stack | Environment | Lock | By | Reason | Record |\n|---|---|---|---|---|---|\n| \`${values.stack}\` | ${values.environment} | \`${values["lock-id"]}\` | ${record.actor} | ${String(values.reason).replace(/\|/g, "\\|").replace(/\n/g, " ")} | ${where} |\n`);
  return 0;
}

/** One environment as a one-entry matrix (role key, state region, ledger), checked against cdktf.json. */
async function target(argv: string[]): Promise<number> {
  const { values } = parse(argv, { "cdktf-json": { type: "string" }, environment: { type: "string" }, "github-output": { type: "string" } });
  if (!values["cdktf-json"] || !values.environment) throw new UsageError("--cdktf-json and --environment are required");
  let environments;
  try {
    environments = loadEnvironments(values["cdktf-json"]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const env = environments[values.environment];
  if (!env) throw new UsageError(`environment ${JSON.stringify(values.environment)} is not in ${values["cdktf-json"]} (known: ${Object.keys(environments).join(", ")})`);
  const matrix = JSON.stringify({ include: [{ environment: values.environment, envKey: envKey(values.environment), region: env.stateRegion, ledger: `s3://${env.stateBucket}/deploy-ledger` }] });
  process.stdout.write(`${matrix}\n`);
  if (values["github-output"]) appendFileSync(values["github-output"], `matrix=${matrix}\n`);
  return 0;
}

export async function main(argv: string[], sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "status") return status(rest);
  if (command === "plan") return plan(rest);
  if (command === "gate") return gate(rest, sleep);
  if (command === "report") return report(rest);
  if (command === "unlock") return unlock(rest, { exec: realExec, terraform: process.env.TERRAFORM_BINARY || "terraform" });
  if (command === "target") return target(rest);
  throw new UsageError(command ? `unknown command ${command} (commands: status, plan, gate, report, unlock)` : "give a command: status, plan, gate, report or unlock");
}

if (require.main === module) run("fleet", HELP, main);
