/**
 * deploy-stacks: applies one environment's affected stacks, one terraform process per stack
 * (pipeline/lib/stack-runner.ts), platform stacks before their tenants.
 *
 *   npm run -s deploy-stacks -- --affected <file> --synth <dir> --environment <env> [--base-synth <dir>] [--parallelism 8]
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { log, parse, run, UsageError } from "./lib/cli";
import { readAffected, type AffectedFile } from "./lib/affected-file";
import { gitCompare, ledgerWriter, openLedger, type CompareCommits, type Ledger } from "./lib/ledger";
import { rolloutMarkdown, type PhaseOutcome } from "./lib/deploy-report";
import { holdStep, ledgerStep, offboardingCancellationStep, runPreflight, scheduledSecretsStep, type OffboardingProgressStore, type PreflightStep } from "./lib/preflight";
import { declaredSecrets, secretsManagerPerRegion, type SecretRef } from "./lib/scheduled-secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { cancelOffboarding, readOffboardingProgress } from "./lib/offboarding-job";
import { readEnvironments } from "./lib/environments";
import { overBudget, planEnvironment, type RolloutPhase } from "./lib/rollout";
import { parseFailureBudget, type FailureBudget, type RolloutConfig } from "../config/rollout-schema";
import { loadEnvironments } from "../config/loader";
import { S3Client } from "@aws-sdk/client-s3";
import { checkOffboardedStacks, s3TombstoneVerifier, type TombstoneVerifier } from "./lib/tombstone-verification";
import { findShard, readRolloutFile, writeResultsFile } from "./lib/rollout-file";
import { applyArgs, applyStacks, initArgs, type RunnerEvent, type StackRunResult } from "./lib/stack-runner";
import { readSynth, type Synth } from "./lib/synth";
import { readTenantDir, splitRemovedStacks, type TenantLifecycleFields } from "./lib/tenant-files";
import { tenantIdOfStackName } from "../modules/naming";
import { awaitsOffboarding } from "../config/tenant-lifecycle";

export const HELP = `Usage: npm run -s deploy-stacks -- --affected <file> --synth <dir> --environment <env> [options]

Deploys the changed and added stacks of one environment: per stack \`terraform init\` and
\`terraform apply\` in <synth>/stacks/<stack> (what \`cdktf deploy <stack> --skip-synth\` runs),
one process per stack, --parallelism at a time, in rings: platform stacks, a canary ring
(tenants with deployRing: canary, or the first N), then growing rings, each with a bake time
and a failure budget (cdktf.json rollout). A failing stack never stops the others of its
ring; a ring over its budget halts the rollout and later rings do not start. Tenants with
deployHold: true are left out with a line in the summary. A stack declaring a secret whose
name is scheduled for deletion (an integration removed and re-added within the recovery
window) fails before any apply, counted in its ring like a failed apply, with the fix
(restore-secret, or the date the name frees up); the other stacks go on. Every apply passes
-lock-timeout; throttling, a held lock and network errors are retried with backoff (--max-attempts). SIGINT or SIGTERM stops the run:
no new stack starts, running applies get SIGINT and --grace-seconds to finish and release
their locks, then SIGTERM.

Removed stacks are never destroyed: when the environment lost stacks, the changed ones
are still deployed, then the tool says how to offboard and exits 1. A removed tenant
stack whose tenant file is an offboarded tombstone (--tenants) was destroyed by the
offboarding job: it is reported, not refused, once its offboarding record has been read
from the state bucket (this tenant, a finished destroy) and the tenant's state holds no
resources (--cdktf-json names the state bucket); otherwise it is refused like any removed
stack. The stack of a tenant in status
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
  --cdktf-json <file>    read this environment's rings from context.environments.<env>.rollout
                         (default: 3 canaries, rings of 5%, 25% and the rest)
  --failure-budget <n|p%>  replaces the canary's and every ring's failure budget for this run
  --rollout <file> --shard <id>
                         one matrix job: apply only this shard of \`npm run fleet -- plan\`'s
                         plan; the budget is judged by \`npm run fleet -- gate\`
  --results <file>       write every stack's outcome as JSON (for the gate and the issues)
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
  /** Reads each tombstone's offboarding record and state (pipeline/lib/tombstone-verification.ts); without it no tombstone is believed. */
  readonly verifyTombstones?: TombstoneVerifier;
  /**
   * The offboarding job's progress per tenant: a suspended tenant whose offboarding already began
   * destroying is held back, one that had not is cancelled (preflight offboardingCancellationStep).
   * Without it a suspended tenant is deployed as usual.
   */
  readonly offboardingProgress?: OffboardingProgressStore;
  /**
   * Secrets Manager in a stack's region: with it, a stack declaring a secret whose name is
   * scheduled for deletion fails before any apply (preflight scheduledSecretsStep).
   */
  readonly secretsManager?: (region: string) => SecretsManagerClient;
  /** The environment's offboarding.secretRecoveryWindowDays, for the date a deleted secret's name frees up (asked only when one is scheduled). @default 30 */
  readonly secretRecoveryWindowDays?: () => number;
  /** Where each stack's last deploy is recorded; with it a re-run resumes and a stale run is refused. */
  readonly ledger?: Ledger;
  /** The commit being deployed (required with a ledger). */
  readonly commit?: string;
  /** This run, recorded in the ledger. */
  readonly runUrl?: string;
  /** Orders two commits (stale-run refusal). @default git in the current directory */
  readonly compare?: CompareCommits;
  /** This environment's rings (cdktf.json rollout). @default every default of config/rollout-schema.ts */
  readonly rollout?: RolloutConfig;
  /** `--failure-budget`: replaces the canary's and rings' budgets for this run. */
  readonly failureBudget?: FailureBudget;
  /** One matrix job's share (deploy.yml): only these stacks, as one phase; the gate judges the budget. */
  readonly shard?: { readonly phase: RolloutPhase; readonly stacks: readonly string[] };
}

export interface DeployReport {
  /** Each ring (or the one shard) and what happened to it against its budget. */
  readonly phases: PhaseOutcome[];
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
  if (opts.tenants) {
    const tenants = opts.tenants;
    steps.push(holdStep((stack) => {
      const id = tenantIdOfStackName(stack);
      return id !== undefined && tenants.get(id)?.deployHold ? `tenants/${id}.yaml` : undefined;
    }));
  }
  if (opts.tenants && opts.offboardingProgress) {
    const tenants = opts.tenants;
    steps.push(offboardingCancellationStep((stack) => tenants.get(tenantIdOfStackName(stack) ?? ""), opts.offboardingProgress));
  }
  // #28's image-digest gate goes here (before any ring); #24's tombstone verification is on the removed stacks in deploy()
  if (opts.ledger) steps.push(ledgerStep(opts.ledger, opts.compare ?? gitCompare(process.cwd()), (stack) => opts.head.stacks.get(stack)?.fingerprint));
  // last: stacks the ledger skips (already deployed at this commit) are not looked up
  if (opts.secretsManager) {
    const clientFor = opts.secretsManager;
    const declared = new Map<string, readonly SecretRef[]>();
    const secretsOf = (stack: string) => {
      if (!declared.has(stack)) {
        const info = opts.head.stacks.get(stack);
        declared.set(stack, info ? declaredSecrets(JSON.parse(readFileSync(join(opts.head.dir, info.workingDirectory, "cdk.tf.json"), "utf8"))) : []);
      }
      return declared.get(stack) ?? [];
    };
    steps.push(scheduledSecretsStep(secretsOf, (stack) => clientFor(opts.head.stacks.get(stack)?.region ?? ""), opts.secretRecoveryWindowDays ?? (() => 30), (line) => log(`::warning::${line}`)));
  }
  return steps;
}

/** The offboarding progress of this environment's tenants, in its state bucket (read lazily: most deploys have no suspended tenant). */
function s3OffboardingProgress(cdktfJson: string, environment: string): OffboardingProgressStore {
  const where = () => {
    const env = readEnvironments(cdktfJson).get(environment);
    if (!env) throw new UsageError(`environment ${environment} is not in ${cdktfJson}`);
    return { env, s3: new S3Client({ region: env.stateRegion }) };
  };
  return {
    read: async (id) => {
      const { env, s3 } = where();
      return readOffboardingProgress(s3, env, { id, environment });
    },
    cancel: async (id, progress) => {
      const { env, s3 } = where();
      await cancelOffboarding(s3, env, { id, environment }, progress, new Date());
      log(`tenant ${id}: offboarding cancelled by status: suspended (progress kept, marked cancelled; a later offboarding starts over)`);
    },
  };
}

/** The runner options shared by every phase. */
function runnerOptions(opts: DeployOptions, onEvent: (e: RunnerEvent) => void) {
  return {
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
    onEvent,
  };
}

/** The phases this invocation runs: one shard of a matrix job, or the whole environment's rollout. */
function phasesToRun(opts: DeployOptions, stacks: readonly string[]): RolloutPhase[] {
  if (opts.shard) {
    const wanted = new Set(opts.shard.stacks);
    return [{ ...opts.shard.phase, stacks: stacks.filter((s) => wanted.has(s)), shards: [] }].filter((p) => p.stacks.length > 0);
  }
  const rolloutStacks = stacks.map((name) => {
    const info = opts.head.stacks.get(name);
    const tenantId = tenantIdOfStackName(name);
    return { name, accountId: info?.accountId ?? "", region: info?.region ?? "", tenantId, canary: tenantId !== undefined && opts.tenants?.get(tenantId)?.deployRing === "canary" };
  });
  return planEnvironment(opts.environment, rolloutStacks, opts.rollout, { failureBudget: opts.failureBudget }).phases;
}

export async function deploy(opts: DeployOptions): Promise<DeployReport> {
  const inEnv = (s: string, synth: Synth | undefined) => synth?.stacks.get(s)?.environment === opts.environment;
  const statusOf = (stack: string) => {
    const id = tenantIdOfStackName(stack);
    return id === undefined ? undefined : opts.tenants?.get(id)?.status;
  };
  const offboarding = opts.affected.order.flat().filter((s) => inEnv(s, opts.head) && awaitsOffboarding(statusOf(s)));
  const candidates = opts.affected.order.flat().filter((s) => inEnv(s, opts.head) && !offboarding.includes(s));
  // a matrix job applies its shard only; removed stacks are reported once, by the plan (npm run fleet -- plan)
  const gone = opts.shard ? [] : opts.affected.removed.filter((s) => (opts.base ? inEnv(s, opts.base) : true));
  const split = splitRemovedStacks(gone, (id) => opts.tenants?.get(id)?.status);
  // A tombstone is a pull request's claim: believed only once its record and state are read (#24 item 3).
  const tombstones = await checkOffboardedStacks(split.offboarded, (s) => opts.tenants?.get(tenantIdOfStackName(s) ?? ""), opts.verifyTombstones);
  for (const problem of tombstones.problems) log(`::error::${problem}`);
  const { offboarded } = tombstones;
  const removed = [...split.needOffboarding, ...tombstones.refused].sort();

  // 1. pre-flight: held tenants, resume and stale-run refusal, and any gate added to preflightSteps()
  const pre = await runPreflight(preflightSteps(opts), { environment: opts.environment, stacks: candidates, commit: opts.commit });
  const skipped = [...pre.skipped].map(([stack, { step, reason }]) => ({ stack, step, reason }));
  for (const s of skipped) log(`${s.stack}: not deployed (${s.step}): ${s.reason}`);
  // failed before any apply: reported like a failed apply of its ring (summary table, results,
  // failure budget, exit 2), but nothing of it is applied
  const preflightFailed = new Map<string, StackRunResult>([...pre.failed].map(([stack, { reason }]) => [stack, { stack, status: "failed", step: "preflight", attempts: 0, retried: [], error: reason }]));
  for (const f of preflightFailed.values()) log(`::error::${f.stack}: not applied (preflight): ${f.error}`);
  const refused = pre.refused.map((r) => `${r.step}: ${r.reason}`);
  for (const r of refused) log(`::error::${r}`);
  const writer =
    opts.ledger && opts.commit && !opts.dryRun
      ? ledgerWriter(opts.ledger, { environment: opts.environment, commit: opts.commit, runUrl: opts.runUrl, fingerprints: new Map([...opts.head.stacks].map(([n, i]) => [n, i.fingerprint])) }, (stack, err) =>
          log(`::error::ledger ${opts.ledger?.location}: ${stack}: ${(err as Error).message}`),
        )
      : undefined;
  if (!refused.length) for (const s of skipped.filter((x) => x.step === "deploy-hold")) writer?.held(s.stack, new Date());

  // 2. rings: platform, canary, growing rings; a phase over its failure budget halts the rest
  const phases = refused.length ? [] : phasesToRun(opts, candidates.filter((s) => pre.stacks.includes(s) || preflightFailed.has(s)));
  const outcomes: PhaseOutcome[] = [];
  const results: StackRunResult[] = [];
  let halted = false;
  for (const [i, phase] of phases.entries()) {
    const notStarted = halted || opts.signal?.aborted;
    const failedBefore = phase.stacks.flatMap((s) => preflightFailed.get(s) ?? []);
    results.push(...failedBefore);
    const toApply = phase.stacks.filter((s) => !preflightFailed.has(s));
    if (notStarted || opts.dryRun) {
      if (opts.dryRun) for (const s of toApply) opts.print(`[${phase.name}] (cd ${join(opts.head.dir, "stacks", s)} && ${opts.terraform} ${initArgs(Boolean(opts.lockFile)).join(" ")} && ${opts.terraform} ${applyArgs(opts.lockTimeout ?? "10m").join(" ")})`);
      else results.push(...toApply.map((stack) => ({ stack, status: "not-started" as const, attempts: 0, retried: [] })));
      outcomes.push({ ...phase, failed: [], status: opts.dryRun ? "planned" : "not started" });
      continue;
    }
    log(`[${phase.name}] ${opts.environment}: ${phase.stacks.length} stack(s), failure budget ${phase.failureBudget}`);
    const ran = await applyStacks(
      toApply.map((stack) => ({ stack, dir: resolve(opts.head.dir, "stacks", stack) })),
      runnerOptions(opts, (e) => {
        logEvent(e);
        if (e.type === "start") writer?.started(e.stack, e.at, phase.name);
        if (e.type === "done") writer?.finished(e.result, phase.name);
      }),
    );
    results.push(...ran);
    const failed = [...failedBefore, ...ran].filter((r) => r.status !== "deployed").map((r) => r.stack);
    const over = overBudget(phase, failed);
    const status = opts.shard ? "applied" : failed.length === 0 ? "deployed" : over ? "halted" : "within budget";
    outcomes.push({ ...phase, failed, status });
    if (over && !opts.shard) {
      halted = true;
      log(`::error::${opts.environment} ring ${phase.name}: ${failed.length} failed, over its budget of ${phase.failureBudget}: ${failed.join(", ")}; later rings do not start`);
    } else if (failed.length) log(`::warning::${opts.environment} ring ${phase.name}: ${failed.length} failed, within its budget of ${phase.failureBudget}: ${failed.join(", ")}`);
    // bake: alarms get time to fire before the next ring (a matrix job's gate bakes instead)
    const next = phases[i + 1];
    if (!halted && next && phase.bakeMinutes > 0 && !opts.shard && !opts.signal?.aborted) {
      log(`[${phase.name}] baking ${phase.bakeMinutes} min before ${next.name}`);
      await (opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(phase.bakeMinutes * 60_000);
    }
  }
  const ledgerFailures = (await writer?.flush()) ?? 0;
  if (removed.length) {
    for (const line of offboardingSteps(removed, opts.environment, opts.baseRef).split("\n")) log(line);
    log(`::error::Removed stacks need offboarding (not destroyed): ${removed.join(", ")}`);
  }

  const md = rolloutMarkdown({ environment: opts.environment, dryRun: opts.dryRun, phases: outcomes, results, skipped, refused, commit: opts.commit });
  if (offboarding.length && !opts.shard) {
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
  // a matrix job's failed stacks are judged by the gate against the ring's budget, so the job
  // itself succeeds and the next ring can start (npm run fleet -- gate / report)
  const anyFailed = !opts.shard && results.some((r) => r.status === "failed" || r.status === "stopped");
  const exitCode = anyFailed || halted || ledgerFailures ? 2 : removed.length || refused.length ? 1 : 0;
  return { phases: outcomes, results, skipped, refused, removed, offboarding, offboarded, exitCode, markdown: md.join("\n") };
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
    "cdktf-json": { type: "string" },
    "failure-budget": { type: "string" },
    rollout: { type: "string" },
    shard: { type: "string" },
    results: { type: "string" },
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
  const failureBudget = values["failure-budget"] === undefined ? undefined : parseFailureBudget(values["failure-budget"]);
  if (values["failure-budget"] !== undefined && failureBudget === undefined) throw new UsageError(`--failure-budget must be a count like 2 or a percentage like 5%, got ${values["failure-budget"]}`);
  if (Boolean(values.rollout) !== Boolean(values.shard)) throw new UsageError("--rollout and --shard go together (one matrix job's share of the plan)");
  const shard = values.rollout ? findShard(readRolloutFile(values.rollout), values.environment, values.shard as string) : undefined;
  const rollout = values["cdktf-json"] ? rolloutOf(values["cdktf-json"], values.environment) : undefined;
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
      // cdktf.json (state bucket and region per environment) is read only when a tombstone needs checking
      verifyTombstones: (tenants) => s3TombstoneVerifier(loadEnvironments(resolve(values["cdktf-json"] ?? "cdktf.json")), (region) => new S3Client({ region }))(tenants),
      offboardingProgress: values.tenants ? s3OffboardingProgress(resolve(values["cdktf-json"] ?? "cdktf.json"), values.environment) : undefined,
      ledger: values.ledger ? openLedger(values.ledger) : undefined,
      secretsManager: values["dry-run"] ? undefined : secretsManagerPerRegion(),
      // cdktf.json is read only when a secret is found scheduled for deletion
      secretRecoveryWindowDays: () => recoveryWindowOf(resolve(values["cdktf-json"] ?? "cdktf.json"), values.environment as string),
      commit,
      runUrl,
      rollout,
      failureBudget,
      shard,
    });
    if (values.summary) appendFileSync(values.summary, `${report.markdown}\n`);
    if (values.results) writeResultsFile(values.results, { environment: values.environment, ...(shard ? { phase: shard.phase.name, shard: values.shard } : {}), report });
    return report.exitCode;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** The environment's offboarding.secretRecoveryWindowDays; the schema's default (30) with a warning when cdktf.json cannot say. */
function recoveryWindowOf(cdktfJson: string, environment: string): number {
  try {
    const days = loadEnvironments(cdktfJson)[environment]?.offboarding.secretRecoveryWindowDays;
    if (days !== undefined) return days;
    log(`::warning::${cdktfJson}: no environment ${environment}; dates assume a 30-day secret recovery window`);
  } catch (err) {
    log(`::warning::${cdktfJson}: ${(err as Error).message.split("\n")[0]}; dates assume a 30-day secret recovery window`);
  }
  return 30;
}

/** The environment's rollout settings from cdktf.json (validated by the config loader). */
function rolloutOf(cdktfJson: string, environment: string): RolloutConfig | undefined {
  try {
    const environments = loadEnvironments(cdktfJson);
    if (!environments[environment]) throw new UsageError(`${cdktfJson}: no environment ${environment}`);
    return environments[environment].rollout;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
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
