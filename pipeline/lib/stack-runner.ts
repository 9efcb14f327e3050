/**
 * The per-stack apply runner of the fleet deploy: one `terraform` process per stack, at most
 * `parallelism` at once, each in its own process group.
 *
 * Why not `cdktf deploy <stacks>` (issue #25): cdktf 0.21 runs `init` and `providers lock` for
 * every stack one after another before the first apply, races its applies outside its `try`
 * (the first failure aborts the rest) and closes its pty on exit, which sends SIGHUP to the
 * applies still running; Terraform only cleans up on SIGINT/SIGTERM, so their state locks leak.
 * What `cdktf deploy <stack> --skip-synth` does per stack is `terraform init` + `terraform apply`
 * in `stacks/<stack>` of the synth output; running exactly that here keeps the synthesized
 * configuration as the deployed artifact and gives the runner the process, the signals, the exit
 * code and the arguments (`-lock-timeout`) of each apply.
 *
 * A stack's failure is its own: the others keep applying. A stop (the job is cancelled, SIGINT or
 * SIGTERM to deploy-stacks) starts no new stack and sends SIGINT to every running process group,
 * which lets Terraform finish in-flight resource operations, write state and release its lock;
 * only after the grace period SIGTERM (Terraform's second interrupt), and SIGKILL only as the
 * very last resort. Throttling, a held lock and network errors are retried with backoff a
 * bounded number of times; everything else fails the stack at once.
 */
import { spawn } from "node:child_process";
import { copyFileSync, createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";

/** A stack and its working directory (`<synth>/stacks/<stack>`). */
export interface StackWork {
  readonly stack: string;
  readonly dir: string;
}

export type RetryReason = "throttling" | "lock-held" | "network";

export interface StackRunResult {
  readonly stack: string;
  /** `not-started`: the run was stopped before this stack's turn. */
  readonly status: "deployed" | "failed" | "stopped" | "not-started";
  /** Apply attempts made (0 when init failed or the stack never started). */
  readonly attempts: number;
  /** Exit code of the last terraform process; undefined when none ran. */
  readonly exitCode?: number;
  /** The last terraform command that ran: `init` or `apply`; `preflight` when a pre-flight step failed the stack before any (pipeline/lib/preflight.ts). */
  readonly step?: "preflight" | "init" | "apply";
  /** Why earlier attempts were retried, in order. */
  readonly retried: readonly RetryReason[];
  /** The Error lines of the last failing process (at most 5), for summaries and issues. */
  readonly error?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly seconds?: number;
}

/** Events the runner reports, for progress lines and the ledger. */
export type RunnerEvent =
  | { readonly type: "start"; readonly stack: string; readonly at: Date }
  | { readonly type: "retry"; readonly stack: string; readonly reason: RetryReason; readonly attempt: number; readonly delayMs: number }
  | { readonly type: "signal"; readonly stack: string; readonly signal: NodeJS.Signals }
  | { readonly type: "done"; readonly result: StackRunResult };

export interface RunnerOptions {
  /** The terraform binary. */
  readonly terraform: string;
  /** Stacks applied at once (separate processes). */
  readonly parallelism: number;
  /** Passed to every apply as `-lock-timeout=<value>`, e.g. `10m`: a lock held by another run is waited for, then the apply fails. */
  readonly lockTimeout: string;
  /** Apply attempts per stack when the failure is retryable (throttling, lock held, network). @default 3 */
  readonly maxAttempts?: number;
  /** First retry delay; doubled per attempt, with up to 50% jitter, capped at 2 minutes. @default 15000 */
  readonly backoffBaseMs?: number;
  /** Between SIGINT and SIGTERM on a stop. @default 120000 (Terraform finishes in-flight operations) */
  readonly graceMs?: number;
  /**
   * After terraform exits, how long its output may stay open before the rest of its process group
   * (a provider plugin that outlived it) is killed and the stack finished without it. @default 10000
   */
  readonly stdioGraceMs?: number;
  /** Environment of every terraform process (already allow-listed by the caller). */
  readonly env: NodeJS.ProcessEnv;
  /** A `.terraform.lock.hcl` copied into every stack before init (`-lockfile=readonly`): no provider resolution per stack. */
  readonly lockFile?: string;
  /** Full output of each stack goes to `<logDir>/<stack>.log`. */
  readonly logDir?: string;
  /** Aborting stops the run (see the module comment). */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: RunnerEvent) => void;
  /** Waits between retries; tests and the simulator scale it. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random number in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** Terraform and AWS SDK messages that say "try again later", by reason. */
const RETRYABLE: readonly [RetryReason, RegExp][] = [
  ["throttling", /Throttling|ThrottlingException|Rate exceeded|TooManyRequestsException|RequestLimitExceeded|SlowDown|RequestThrottled/],
  // -lock-timeout already waited; a lock still held after it is retried a bounded number of times
  ["lock-held", /Error acquiring the state lock|ConditionalCheckFailedException|PreconditionFailed/],
  ["network", /dial tcp|i\/o timeout|connection reset|TLS handshake timeout|no such host|RequestError: send request failed|net\/http: request canceled|unexpected EOF/],
];

export function classifyFailure(output: string): RetryReason | undefined {
  return RETRYABLE.find(([, re]) => re.test(output))?.[0];
}

/** The `Error:` lines of terraform's output (the reason, without the rest of the log). */
export function errorSummary(output: string): string {
  const lines = output.split("\n").map((l) => l.trim());
  const errors = lines.filter((l) => /^(│\s*)?Error:/.test(l)).map((l) => l.replace(/^│\s*/, ""));
  return (errors.length ? errors : lines.filter((l) => l.length > 0).slice(-3)).slice(0, 5).join("\n");
}

export function initArgs(withLockFile: boolean): string[] {
  return ["init", "-input=false", "-no-color", ...(withLockFile ? ["-lockfile=readonly"] : [])];
}

export function applyArgs(lockTimeout: string): string[] {
  return ["apply", "-input=false", "-no-color", "-auto-approve", `-lock-timeout=${lockTimeout}`];
}

export function backoffMs(attempt: number, baseMs: number, random: () => number): number {
  const exp = Math.min(baseMs * 2 ** (attempt - 1), 120_000);
  return Math.round(exp * (1 + 0.5 * random()));
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** A backoff wait that a stop cuts short. */
function abortable(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  return Promise.race([wait, new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })))]);
}

interface ProcessOutcome {
  readonly code: number;
  readonly output: string;
}

/**
 * Runs one terraform command as the leader of its own process group and waits for it. On abort:
 * SIGINT to the group, SIGTERM after the grace period, SIGKILL 30 s after that.
 */
function runProcess(stack: string, dir: string, args: string[], opts: RunnerOptions, log: NodeJS.WritableStream | undefined): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const child = spawn(opts.terraform, args, { cwd: dir, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    const keep = (b: Buffer) => {
      chunks.push(b);
      log?.write(b);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timers: NodeJS.Timeout[] = [];
    const send = (signal: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      opts.onEvent?.({ type: "signal", stack, signal });
      try {
        process.kill(-child.pid, signal); // the whole group: terraform and its provider plugins
      } catch {
        /* already gone */
      }
    };
    const stop = () => {
      send("SIGINT");
      timers.push(setTimeout(() => send("SIGTERM"), opts.graceMs ?? 120_000));
      timers.push(setTimeout(() => send("SIGKILL"), (opts.graceMs ?? 120_000) + 30_000));
    };
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener("abort", stop, { once: true });
    let finished = false;
    const finish = (code: number, extra = "") => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener("abort", stop);
      resolve({ code, output: Buffer.concat(chunks).toString("utf8") + extra });
    };
    child.on("error", (e) => finish(127, `cannot run ${opts.terraform}: ${e.message}`));
    // `close` waits for stdout and stderr; a leftover of the group that inherited them would hold
    // the stack (and the ring) until it exits. After the grace, it is killed and the stack finished.
    child.on("exit", (code, signal) => {
      timers.push(
        setTimeout(() => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
          } catch {
            /* the group is gone */
          }
          child.stdout.destroy();
          child.stderr.destroy();
          finish(code ?? 128, `${signal ? `\nkilled by ${signal}` : ""}\n(output still held open ${opts.stdioGraceMs ?? 10_000} ms after exit: the rest of the process group was killed)`);
        }, opts.stdioGraceMs ?? 10_000),
      );
    });
    child.on("close", (code, signal) => finish(code ?? 128, signal ? `\nkilled by ${signal}` : ""));
  });
}

/** Init and apply one stack, retrying what is retryable. Never throws. */
export async function applyStack(work: StackWork, opts: RunnerOptions): Promise<StackRunResult> {
  const started = new Date();
  const sleep = opts.sleep ?? defaultSleep;
  const maxAttempts = opts.maxAttempts ?? 3;
  const retried: RetryReason[] = [];
  opts.onEvent?.({ type: "start", stack: work.stack, at: started });
  let log: NodeJS.WritableStream | undefined;
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true });
    log = createWriteStream(join(opts.logDir, `${work.stack}.log`));
  }
  const done = (r: Omit<StackRunResult, "stack" | "retried" | "startedAt" | "finishedAt" | "seconds">): StackRunResult => {
    log?.end();
    const finished = new Date();
    const result = { stack: work.stack, retried, startedAt: started.toISOString(), finishedAt: finished.toISOString(), seconds: Math.round((finished.getTime() - started.getTime()) / 1000), ...r };
    opts.onEvent?.({ type: "done", result });
    return result;
  };
  if (opts.lockFile) copyFileSync(opts.lockFile, join(work.dir, ".terraform.lock.hcl"));
  let attempts = 0;
  let step: "init" | "apply" = "init";
  for (;;) {
    if (step === "apply") attempts += 1;
    const r = await runProcess(work.stack, work.dir, step === "init" ? initArgs(Boolean(opts.lockFile)) : applyArgs(opts.lockTimeout), opts, log);
    if (r.code === 0 && step === "apply") return done({ status: "deployed", attempts, exitCode: 0, step });
    if (opts.signal?.aborted) return done({ status: "stopped", attempts, exitCode: r.code, step, error: r.code === 0 ? `stopped after ${step}` : errorSummary(r.output) });
    if (r.code === 0) {
      step = "apply";
      continue;
    }
    // Retries count init and apply failures together: maxAttempts processes of one kind at most.
    const reason = classifyFailure(r.output);
    if (!reason || retried.length + 1 >= maxAttempts) return done({ status: "failed", attempts, exitCode: r.code, step, error: errorSummary(r.output) });
    retried.push(reason);
    const delayMs = backoffMs(retried.length, opts.backoffBaseMs ?? 15_000, opts.random ?? Math.random);
    opts.onEvent?.({ type: "retry", stack: work.stack, reason, attempt: retried.length, delayMs });
    await abortable(sleep(delayMs), opts.signal);
    if (opts.signal?.aborted) return done({ status: "stopped", attempts, exitCode: r.code, step, error: errorSummary(r.output) });
  }
}

/**
 * Applies every stack, at most `parallelism` at once, one process each. The first stack runs
 * alone when a plugin cache is configured: Terraform's plugin cache is not safe for concurrent
 * installs, so it is filled once before the others link from it. Results keep input order.
 */
export async function applyStacks(work: readonly StackWork[], opts: RunnerOptions): Promise<StackRunResult[]> {
  const results: StackRunResult[] = new Array(work.length);
  const notStarted = (w: StackWork): StackRunResult => ({ stack: w.stack, status: "not-started", attempts: 0, retried: [] });
  let next = 0;
  if (work.length > 0 && opts.env.TF_PLUGIN_CACHE_DIR) {
    results[0] = await applyStack(work[0], opts);
    next = 1;
  }
  const lanes = Array.from({ length: Math.max(0, Math.min(opts.parallelism, work.length - next)) }, async () => {
    while (next < work.length) {
      const i = next++;
      results[i] = opts.signal?.aborted ? notStarted(work[i]) : await applyStack(work[i], opts);
    }
  });
  await Promise.all(lanes);
  return results;
}
