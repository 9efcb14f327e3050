/**
 * Runs one of the project's TypeScript entry points as a separate process, the way the synth
 * app runs: plain node with the cached-transpile hook (scripts/ts-require-hook.cjs). tsx would
 * start an esbuild service beside every process and transpile every file again, about a second
 * per spawn, which tests that start many processes pay many times.
 */
import { spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import { isAbsolute, join } from "node:path";

const REPO_ROOT = join(__dirname, "..", "..");
const HOOK = join(REPO_ROOT, "scripts", "ts-require-hook.cjs");

export interface RunOptions {
  /** Added to (and overriding) the test process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the repository root */
  readonly cwd?: string;
  /** @default 90 s */
  readonly timeoutMs?: number;
  readonly input?: string;
}

function commandLine(script: string, args: readonly string[]): string[] {
  return ["--require", HOOK, isAbsolute(script) ? script : join(REPO_ROOT, script), ...args];
}

/** Runs `script` (a path under the repository, or absolute) to completion. */
export function runTypeScript(script: string, args: readonly string[] = [], options: RunOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, commandLine(script, args), {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    timeout: options.timeoutMs ?? 90_000,
    input: options.input,
  });
}

/** The same, without blocking the test process (several runs can overlap). */
export function runTypeScriptAsync(script: string, args: readonly string[] = [], options: RunOptions = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, commandLine(script, args), { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}
