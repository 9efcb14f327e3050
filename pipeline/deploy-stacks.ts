/**
 * deploy-stacks: applies one environment's affected stacks, one terraform process per stack
 * (pipeline/lib/stack-runner.ts), platform stacks before their tenants.
 *
 *   npm run -s deploy-stacks -- --affected <file> --synth <dir> --environment <env> [--base-synth <dir>] [--parallelism 8]
 */
import { appendFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { log, parse, run, UsageError } from "./lib/cli";
import { readAffected, type AffectedFile } from "./lib/affected-file";
import { gitCompare, ledgerWriter, openLedger, type CompareCommits, type Ledger } from "./lib/ledger";
import { ledgerStep, runPreflight, type PreflightStep } from "./lib/preflight";
import { applyArgs, applyStacks, initArgs, type RunnerEvent, type StackRunResult } from "./lib/stack-runner";
import { readSynth, type Synth } from "./lib/synth";
import { readTenantDir, splitRemovedStacks, tenantIdOfStack, type TenantLifecycleFields } from "./lib/tenant-files";

export const HELP = `Usage: npm run -s deploy-stacks -- --affected <file> --synth <dir> --environment <env> [options]

Deploys the changed and added stacks of one environment: per stack \`terraform init\` and
\`terraform apply\` in <synth>/stacks/<stack> (what \`cdktf deploy <stack> --skip-synth\` runs),
one process per stack, --parallelism at a time, one dependency wave after the other (platform
stacks before their tenants). A failing stack never stops the others of its wave; a failed
wave skips the waves after it. Every apply passes -lock-timeout; throttling, a held lock and
network errors are retried with backoff (--max-attempts). SIGINT or SIGTERM stops the run:
no new stack starts, running applies get SIGINT and --grace-seconds to finish and release
their locks, then SIGTERM.

Removed stacks are never destroyed: when the environment lost stacks, the changed ones
are still deployed, then the tool says how to offboard and exits 1. A removed tenant
stack whose tenant file is an offboarded tombstone (--tenants) was destroyed by the
offboarding job: it is reported, not refused. The stack of a tenant in status
offboarding is never deployed here: the offboarding job (npm run offboard) applies its
teardown form and destroys it, so no deploy can recreate what offboarding removed.

Options:
  --affected <file>      output of \`npm run -s affected\`
  --synth <dir>          synth output to deploy (cdktf.out; never re-synthesized)
  --environment <env>    only stacks whose provider default tag Environment is <env>
  --base-synth <dir>     base synth output, to tell which environment a removed stack was in
  --tenants <dir>        the deployed commit's tenant files (lifecycle status, read as data)
  --parallelism <n>      stacks applied at once (default 8)
  --lock-timeout <dur>   terraform -lock-timeout of every apply (default 10m)
  --max-attempts <n>     apply attempts per stack on throttling, lock or network errors (default 3)
  --grace-seconds <n>    after SIGINT before SIGTERM when stopping (default 120)
  --lock-file <file>     a .terraform.lock.hcl shared by every stack (init -lockfile=readonly)
  --log-dir <dir>        one <stack>.log per stack with terraform's full output
  --summary <file>       append a Markdown report (e.g. "$GITHUB_STEP_SUMMARY")
  --base-ref <sha>       the compared base commit, named in the offboarding steps
  --ledger <dir|s3://bucket/prefix>
                         the deploy ledger (state bucket: s3://<bucket>/deploy-ledger): stacks
                         already deployed at --commit are skipped (a re-run resumes); a stack
                         whose ledger names a newer commit refuses the run (exit 1, nothing applied)
  --commit <sha>         the commit being deployed (default: GITHUB_SHA)
  --run-url <url>        this run, recorded per stack (default: from GITHUB_* variables)
  --dry-run              print the terraform commands, run nothing
  --help                 show this help

Environment: TERRAFORM_BINARY (default: terraform); TF_PLUGIN_CACHE_DIR is passed on (the
first stack runs alone to fill it); AWS_RETRY_MODE (default adaptive) and AWS_MAX_ATTEMPTS
(default 10) reach the AWS provider.
Exit codes: 0 deployed, 1 bad input or removed stacks refused, 2 a deploy failed or
unexpected failure.`;

export interface DeployOptions {
  readonly affected: AffectedFile;
  readonly head: Synth;
  readonly base?: Synth;
  readonly environment: string;
  readonly parallelism: number;
  readonly dryRun: boolean;
  /** The terraform binary. */
  readonly terraform: string;
  /** -lock-timeout of every apply. @default "10m" */
  readonly lockTimeout?: string;
  /** Apply attempts per stack on retryable errors. @default 3 */
  readonly maxAttempts?: number;
  /** First retry delay. @default 15000 */
  readonly backoffBaseMs?: number;
  /** Between SIGINT and SIGTERM on a stop. @default 120000 */
  readonly graceMs?: number;
  /** Environment of the terraform processes. @default terraformEnv(process.env) */
  readonly env?: NodeJS.ProcessEnv;
  readonly lockFile?: string;
  readonly logDir?: string;
  /** Aborting stops the deploy (SIGINT to running applies). */
  readonly signal?: AbortSignal;
  /** Waits between retries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly print: (line: string) => void;
  /** Commit that still had the removed stacks, named in the offboarding steps. */
  readonly baseRef?: string;
  /** The deployed commit's tenant files by id; without them no stack counts as offboarding or offboarded. */
  readonly tenants?: ReadonlyMap<string, TenantLifecycleFields>;
  /** Where each stack's last deploy is recorded; with it a re-run resumes and a stale run is refused. */
  readonly ledger?: Ledger;
  /** The commit being deployed (required with a ledger). */
  readonly commit?: string;
  /** This run, recorded in the ledger. */
  readonly runUrl?: string;
  /** Orders two commits (stale-run refusal). @default git in the current directory */
  readonly compare?: CompareCommits;
}

export interface DeployReport {
  readonly waves: { stacks: string[]; status: "deployed" | "failed" | "skipped" | "planned" }[];
  /** Every stack's outcome, in deploy order. */
  readonly results: StackRunResult[];
  /** Stacks a pre-flight step held back, with its reason (e.g. already deployed at this commit). */
  readonly skipped: { stack: string; step: string; reason: string }[];
  /** Why nothing was applied, when a pre-flight step refused the run. */
  readonly refused: string[];
  readonly removed: string[];
  /** Tenant stacks left to the offboarding job (status offboarding). */
  readonly offboarding: string[];
  /** Removed stacks whose tenant file is an offboarded tombstone. */
  readonly offboarded: string[];
  readonly exitCode: number;
  readonly markdown: string;
}

/**
 * The environment of every terraform process: the caller's (credentials come from the job's
 * OIDC session) plus what unattended applies need, and adaptive client-side rate limiting in
 * the AWS provider unless the job set its own.
 */
export function terraformEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_RETRY_MODE: base.AWS_RETRY_MODE || "adaptive",
    AWS_MAX_ATTEMPTS: base.AWS_MAX_ATTEMPTS || "10",
  };
}

/** Progress lines on stderr: one per start, retry, signal and result. */
export function logEvent(e: RunnerEvent): void {
  if (e.type === "start") log(`${e.stack}: applying`);
  else if (e.type === "retry") log(`${e.stack}: ${e.reason}, retry ${e.attempt} in ${Math.round(e.delayMs / 1000)} s`);
  else if (e.type === "signal") log(`${e.stack}: sending ${e.signal}`);
  else {
    const r = e.result;
    if (r.status === "failed") log(`::error::${r.stack}: ${r.step} failed (exit ${r.exitCode}, ${r.attempts} attempt(s)): ${(r.error ?? "").split("\n")[0]}`);
    else log(`${r.stack}: ${r.status} (${r.seconds ?? 0} s, ${r.attempts} attempt(s))`);
  }
}

export function offboardingSteps(removed: readonly string[], environment: string, baseRef = "<base commit>"): string {
  return [
    `Refusing to destroy removed stack(s) in ${environment}: ${removed.join(", ")}.`,
    "The pipeline never destroys a stack whose definition disappeared: the tenant's bucket, KMS key,",
    "secrets and database schema would go with it. Its AWS resources and state are untouched.",
    `To offboard instead (see .github/README.md, 'Offboarding a tenant'): restore the tenant file from ${baseRef},`,
    "set status: offboarding and merge; the deploy workflow's offboard job exports, destroys and records,",
    "then prints the tombstone edit (status: offboarded) to merge.",
  ].join("\n");
}

/**
 * The pre-flight steps, in order, run over the environment's stacks before the first apply.
 * Gates that must hold before anything is applied go here.
 */
export function preflightSteps(opts: DeployOptions): PreflightStep[] {
  const steps: PreflightStep[] = [];
  if (opts.ledger) steps.push(ledgerStep(opts.ledger, opts.compare ?? gitCompare(process.cwd())));
  return steps;
}

export async function deploy(opts: DeployOptions): Promise<DeployReport> {
  const inEnv = (s: string, synth: Synth | undefined) => synth?.stacks.get(s)?.environment === opts.environment;
  const statusOf = (stack: string) => {
    const id = tenantIdOfStack(stack);
    return id === undefined ? undefined : opts.tenants?.get(id)?.status;
  };
  const offboarding = opts.affected.order.flat().filter((s) => inEnv(s, opts.head) && statusOf(s) === "offboarding");
  const candidates = opts.affected.order.map((w) => w.filter((s) => inEnv(s, opts.head) && !offboarding.includes(s))).filter((w) => w.length > 0);
  const pre = await runPreflight(preflightSteps(opts), { environment: opts.environment, stacks: candidates.flat(), commit: opts.commit });
  const skipped = [...pre.skipped].map(([stack, { step, reason }]) => ({ stack, step, reason }));
  for (const s of skipped) log(`${s.stack}: not deployed (${s.step}): ${s.reason}`);
  const refused = pre.refused.map((r) => `${r.step}: ${r.reason}`);
  for (const r of refused) log(`::error::${r}`);
  const waves = refused.length ? [] : candidates.map((w) => w.filter((s) => pre.stacks.includes(s))).filter((w) => w.length > 0);
  const writer = opts.ledger && opts.commit && !opts.dryRun ? ledgerWriter(opts.ledger, { environment: opts.environment, commit: opts.commit, runUrl: opts.runUrl }, (stack, err) => log(`::error::ledger ${opts.ledger?.location}: ${stack}: ${(err as Error).message}`)) : undefined;
  const gone = opts.affected.removed.filter((s) => (opts.base ? inEnv(s, opts.base) : true));
  const { offboarded, needOffboarding: removed } = splitRemovedStacks(gone, (id) => opts.tenants?.get(id)?.status);
  const report: DeployReport["waves"] = [];
  const results: StackRunResult[] = [];
  let failed = false;
  for (const [i, stacks] of waves.entries()) {
    if (failed || opts.signal?.aborted) {
      report.push({ stacks, status: "skipped" });
      results.push(...stacks.map((stack) => ({ stack, status: "not-started" as const, attempts: 0, retried: [] })));
      continue;
    }
    log(`[wave ${i + 1}/${waves.length}] ${opts.environment}: ${stacks.length} stack(s): ${stacks.join(" ")}`);
    if (opts.dryRun) {
      for (const s of stacks) opts.print(`(cd ${join(opts.head.dir, "stacks", s)} && ${opts.terraform} ${initArgs(Boolean(opts.lockFile)).join(" ")} && ${opts.terraform} ${applyArgs(opts.lockTimeout ?? "10m").join(" ")})`);
      report.push({ stacks, status: "planned" });
      continue;
    }
    const wave = await applyStacks(
      stacks.map((stack) => ({ stack, dir: resolve(opts.head.dir, "stacks", stack) })),
      {
        terraform: opts.terraform,
        parallelism: opts.parallelism,
        lockTimeout: opts.lockTimeout ?? "10m",
        maxAttempts: opts.maxAttempts,
        backoffBaseMs: opts.backoffBaseMs,
        graceMs: opts.graceMs,
        env: opts.env ?? terraformEnv(process.env),
        lockFile: opts.lockFile,
        logDir: opts.logDir,
        signal: opts.signal,
        sleep: opts.sleep,
        onEvent: (e) => {
          logEvent(e);
          if (e.type === "start") writer?.started(e.stack, e.at);
          if (e.type === "done") writer?.finished(e.result);
        },
      },
    );
    results.push(...wave);
    const ok = wave.every((r) => r.status === "deployed");
    report.push({ stacks, status: ok ? "deployed" : "failed" });
    if (!ok) {
      failed = true;
      const bad = wave.filter((r) => r.status !== "deployed").map((r) => r.stack);
      log(`::error::wave ${i + 1} (${opts.environment}): ${bad.join(", ")} not deployed; later waves skipped`);
    }
  }
  const ledgerFailures = (await writer?.flush()) ?? 0;
  if (removed.length) {
    for (const line of offboardingSteps(removed, opts.environment, opts.baseRef).split("\n")) log(line);
    log(`::error::Removed stacks need offboarding (not destroyed): ${removed.join(", ")}`);
  }

  const md: string[] = [`### Deploy ${opts.environment}${opts.dryRun ? " (dry run)" : ""}`, ""];
  if (refused.length) md.push("> [!CAUTION]", "> Nothing was applied:", ...refused.map((r) => `> - ${r}`), "");
  else if (waves.length === 0) md.push(skipped.length ? "Every changed stack of this environment is held back or already deployed." : "No changed or added stacks in this environment.", "");
  else {
    md.push("| Wave | Stacks | Result |", "|--:|---|---|");
    report.forEach((w, i) => md.push(`| ${i + 1} | ${w.stacks.map((s) => `\`${s}\``).join(" ")} | ${w.status} |`));
    md.push("");
    const failures = results.filter((r) => r.status === "failed");
    if (failures.length) {
      md.push("| Failed stack | Step | Attempts | Error |", "|---|---|--:|---|");
      for (const f of failures) md.push(`| \`${f.stack}\` | ${f.step} | ${f.attempts} | ${(f.error ?? "").split("\n")[0].replace(/\|/g, "\\|")} |`);
      md.push("");
    }
  }
  if (skipped.length) {
    md.push(`<details><summary>${skipped.length} stack(s) not deployed by this run</summary>`, "", "| Stack | Why |", "|---|---|");
    for (const s of skipped) md.push(`| \`${s.stack}\` | ${s.step}: ${s.reason} |`);
    md.push("", "</details>", "");
  }
  if (offboarding.length) {
    log(`Offboarding, left to the offboard job (not deployed here): ${offboarding.join(", ")}`);
    md.push(`Offboarding (applied and destroyed by the offboard job, not deployed here): ${offboarding.map((s) => `\`${s}\``).join(", ")}.`, "");
  }
  if (offboarded.length) {
    log(`Removed stacks of offboarded tenants (destroyed by the offboarding job): ${offboarded.join(", ")}`);
    md.push(`Offboarded (tombstone; destroyed by the offboarding job): ${offboarded.map((s) => `\`${s}\``).join(", ")}.`, "");
  }
  if (removed.length) {
    md.push("> [!CAUTION]", `> Removed stacks were **not destroyed** and need offboarding: ${removed.map((s) => `\`${s}\``).join(", ")}.`);
    md.push("> See `.github/README.md`, section *Offboarding a tenant*.", "");
  }
  const exitCode = failed || ledgerFailures ? 2 : removed.length || refused.length ? 1 : 0;
  return { waves: report, results, skipped, refused, removed, offboarding, offboarded, exitCode, markdown: md.join("\n") };
}

/** A positive integer option within [min, max], or its default. */
function intOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${value}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    affected: { type: "string" },
    synth: { type: "string" },
    "base-synth": { type: "string" },
    environment: { type: "string" },
    parallelism: { type: "string" },
    "lock-timeout": { type: "string" },
    "max-attempts": { type: "string" },
    "grace-seconds": { type: "string" },
    "lock-file": { type: "string" },
    "log-dir": { type: "string" },
    summary: { type: "string" },
    "base-ref": { type: "string" },
    tenants: { type: "string" },
    ledger: { type: "string" },
    commit: { type: "string" },
    "run-url": { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (!values.affected || !values.synth || !values.environment) throw new UsageError("--affected, --synth and --environment are required");
  const parallelism = intOption("parallelism", values.parallelism, 8, 1, 64);
  const lockTimeout = values["lock-timeout"] ?? "10m";
  if (!/^\d+[smh]$/.test(lockTimeout)) throw new UsageError(`--lock-timeout must be a duration like 10m, 600s or 1h, got ${lockTimeout}`);
  if (values["lock-file"] && !existsSync(values["lock-file"])) throw new UsageError(`--lock-file ${values["lock-file"]}: no such file`);
  const commit = values.commit || process.env.GITHUB_SHA;
  if (values.ledger && !commit) throw new UsageError("--ledger needs --commit <sha> (or GITHUB_SHA)");
  if (commit && !/^[0-9a-f]{7,40}$/.test(commit)) throw new UsageError(`--commit must be a hexadecimal commit id, got ${commit}`);
  const runUrl = values["run-url"] || (process.env.GITHUB_RUN_ID ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}` : undefined);
  const affected = readAffected(values.affected);
  const head = readSynth(values.synth);
  const unknown = affected.order.flat().filter((s) => !head.stacks.has(s));
  if (unknown.length) throw new UsageError(`${values.affected} names stacks not in ${values.synth}: ${unknown.join(", ")}`);
  // A cancelled job gets SIGINT (then SIGTERM): stop starting stacks, let running applies release their locks.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal} received: starting no new stack, interrupting running applies`);
    stop.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const report = await deploy({
      affected,
      head,
      // only needed to place removed stacks in an environment (a full deploy has no base)
      base: values["base-synth"] && affected.removed.length ? readSynth(values["base-synth"]) : undefined,
      environment: values.environment,
      parallelism,
      dryRun: values["dry-run"] ?? false,
      terraform: process.env.TERRAFORM_BINARY || "terraform",
      lockTimeout,
      maxAttempts: intOption("max-attempts", values["max-attempts"], 3, 1, 10),
      graceMs: intOption("grace-seconds", values["grace-seconds"], 120, 1, 3600) * 1000,
      lockFile: values["lock-file"] ? resolve(values["lock-file"]) : undefined,
      logDir: values["log-dir"],
      signal: stop.signal,
      print: (line) => process.stdout.write(`${line}\n`),
      baseRef: values["base-ref"] || undefined,
      tenants: values.tenants ? readTenants(values.tenants) : undefined,
      ledger: values.ledger ? openLedger(values.ledger) : undefined,
      commit,
      runUrl,
    });
    if (values.summary) appendFileSync(values.summary, `${report.markdown}\n`);
    return report.exitCode;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

function readTenants(dir: string): Map<string, TenantLifecycleFields> {
  try {
    return readTenantDir(dir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

if (require.main === module) run("deploy-stacks", HELP, main);
