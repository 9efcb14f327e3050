/**
 * The fleet synth: the stacks of a configuration synthesized by parallel worker processes, each
 * building and synthesizing only its share, with one manifest.json merged from their entries.
 * This is possible because every stack is self-contained (test/invariants.test.ts: no reference
 * to another stack; values travel through the SSM contract), and exact: the output is byte for
 * byte what one `app.synth()` writes (test/fleet-synth.test.ts).
 *
 * The calling process synthesizes one share itself while workers - 1 child processes do the
 * others, so N-way parallelism costs N processes, not N + 1.
 */
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import type { ProjectConfig } from "../config/loader";
import { plannedStacks } from "../stacks/stack-plan";
import type { ShareManifest } from "./synth-share";
import type { WorkerRequest } from "./synth-worker";

export interface FleetSynthOptions {
  /**
   * Worker processes. 1 synthesizes in this process (no process start-up: best for small fleets).
   * @default OPENCLAW_SYNTH_WORKERS, else one per CPU but one per MIN_STACKS_PER_WORKER stacks at most
   */
  readonly workers?: number;
  /** Stacks built and synthesized per App inside a worker (bounds memory). @default 50 */
  readonly batchSize?: number;
  /** Only these stacks (incremental synth); the manifest then holds only them. @default every stack */
  readonly only?: ReadonlySet<string>;
  /** Called after each batch of any process with the stacks done so far and the total. @default none */
  readonly progress?: (done: number, total: number) => void;
}

/** Fleets from this many stacks print progress; smaller ones finish before a line would help. */
export const PROGRESS_MIN_STACKS = 100;

/**
 * A progress callback that writes `synth: 300/1,000 stacks (30%)` at every tenth of the fleet.
 * This process's batches count as they finish, the workers' as their messages arrive (while
 * this process synthesizes its own share they queue, so their lines may come in bursts).
 */
export function progressLines(write: (line: string) => void): (done: number, total: number) => void {
  let shown = 0;
  return (done, total) => {
    if (total < PROGRESS_MIN_STACKS) return;
    const tenth = Math.floor((done * 10) / total);
    if (tenth <= shown) return;
    shown = tenth;
    write(`synth: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} stacks (${Math.round((done * 100) / total)}%)`);
  };
}

/** Below this many stacks per worker, a process start-up (~1 s of module loading) costs more than it saves. */
export const MIN_STACKS_PER_WORKER = 150;

/** The worker count for a fleet of `stacks` stacks. */
export function defaultWorkers(stacks: number, env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.OPENCLAW_SYNTH_WORKERS);
  if (Number.isInteger(configured) && configured >= 1) return configured;
  return Math.max(1, Math.min(availableParallelism(), Math.floor(stacks / MIN_STACKS_PER_WORKER)));
}

/**
 * Splits stacks round-robin, so platform stacks (the largest, listed first) spread over the
 * workers and every share has about the same number of tenants.
 */
export function splitShares(names: readonly string[], workers: number): string[][] {
  const shares: string[][] = Array.from({ length: Math.min(workers, Math.max(names.length, 1)) }, () => []);
  names.forEach((name, i) => shares[i % shares.length].push(name));
  return shares;
}

/** Synthesizes the configuration's stacks into `outdir` (manifest.json + stacks/<name>/). */
export async function synthesizeFleet(config: ProjectConfig, outdir: string, options: FleetSynthOptions = {}): Promise<ShareManifest> {
  const stacks = plannedStacks(config).filter((s) => !options.only || options.only.has(s.name));
  const names = stacks.map((s) => s.name);
  const workers = options.workers ?? defaultWorkers(names.length);
  const batchSize = options.batchSize ?? 50;
  mkdirSync(join(outdir, "stacks"), { recursive: true }); // before the workers race to create it

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesizeShare } = require("./synth-share") as typeof import("./synth-share");
  let done = 0;
  const onBatch = (stacks: number) => options.progress?.((done += stacks), names.length);
  let parts: ShareManifest[];
  if (workers <= 1) {
    parts = [synthesizeShare(config, names, outdir, batchSize, onBatch)];
  } else {
    // The DB provisioner's Lambda bundle, built here once instead of by every worker with a
    // platform stack (each would keep an esbuild process of its own while building).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const provisionerBundle = stacks.some((s) => s.kind === "platform") ? (require("../db/bundle") as typeof import("../db/bundle")).bundleProvisioner() : undefined;
    const [own, ...others] = splitShares(names, workers);
    // workers - 1 child processes, and this process synthesizes the first share meanwhile: one
    // process fewer (about 100 MB of modules and heap) for the same parallelism.
    const children = others.map((share) => runWorker({ config, names: share, outdir, batchSize, provisionerBundle }, onBatch));
    children.forEach((child) => child.done.catch(() => undefined)); // awaited below; never unhandled meanwhile
    // The requests must have left before this process blocks on its own share.
    await Promise.all(children.map((child) => child.sent));
    const mine = synthesizeShare(config, own, outdir, batchSize, onBatch);
    parts = [mine, ...(await Promise.all(children.map((child) => child.done)))];
  }
  const merged: ShareManifest = { version: parts.find((p) => p.version)?.version ?? "", stacks: Object.assign({}, ...parts.map((p) => p.stacks)) };
  writeManifest(outdir, merged);
  return merged;
}

/** Writes manifest.json as cdktf's Manifest.writeToFile does (json-stable-stringify, 2 spaces). */
export function writeManifest(outdir: string, manifest: ShareManifest): void {
  writeFileSync(join(outdir, "manifest.json"), stableStringify({ version: manifest.version, stacks: manifest.stacks }));
}

function stableStringify(value: unknown): string {
  // The library's own (bundled) serializer, so the bytes match what app.synth() writes: cdktf
  // 0.21 uses json-stable-stringify, CDK Terrain (cdktn, the exit path: npm run check:cdktn)
  // safe-stable-stringify.
  const libraryDir = dirname(require.resolve("cdktf/package.json"));
  const resolveFromLibrary = (name: string): string | undefined => {
    try {
      return require.resolve(name, { paths: [libraryDir] });
    } catch {
      return undefined;
    }
  };
  const jsonStable = resolveFromLibrary("json-stable-stringify");
  if (jsonStable) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(jsonStable) as (v: unknown, o: { space: number }) => string)(value, { space: 2 });
  }
  const safeStable = resolveFromLibrary("safe-stable-stringify");
  if (safeStable) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(safeStable) as { default?: (v: unknown, r: null, s: number) => string } & ((v: unknown, r: null, s: number) => string);
    return (module.default ?? module)(value, null, 2);
  }
  throw new Error(`fleet synth: the synth library at ${libraryDir} has neither json-stable-stringify nor safe-stable-stringify to write manifest.json`);
}

/** Starts a worker on `request`: `sent` once the request is handed over, `done` with its manifest entries. */
function runWorker(request: WorkerRequest, onBatch: (stacks: number) => void): { sent: Promise<void>; done: Promise<ShareManifest> } {
  const script = join(__dirname, `synth-worker${__filename.endsWith(".ts") ? ".ts" : ".js"}`);
  // TypeScript sources run through the project's cached-transpile hook (no tsx, no esbuild
  // service process per worker); compiled JavaScript runs as is.
  const execArgv = [...WORKER_NODE_FLAGS, ...(script.endsWith(".ts") ? ["--require", join(__dirname, "..", "scripts", "ts-require-hook.cjs")] : [])];
  const child = fork(script, [], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"], env: { ...process.env, NODE_OPTIONS: "" } });
  const sent = new Promise<void>((resolve, reject) => child.send(request, (err) => (err ? reject(err) : resolve())));
  const done = new Promise<ShareManifest>((resolve, reject) => {
    let reply: { ok: true; manifest: ShareManifest } | { ok: false; error: string } | undefined;
    child.on("message", (message: typeof reply | { progress: number }) => {
      if (message && "progress" in message) onBatch(message.progress);
      else reply = message;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (reply?.ok) resolve(reply.manifest);
      else reject(new Error(reply ? reply.error : `synth worker exited with code ${code} before replying`));
    });
  });
  return { sent, done };
}

/**
 * V8 flags for worker processes, as cdktf.json's `app` sets them for the parent: 16 MB
 * semi-spaces (V8's default on 64-bit, pinned so a node upgrade does not move it silently) and
 * `gc()` for synthesizeShare to collect finished batches once the heap grows. A 2 MB young generation saved ~40 MB
 * per process but cost ~2 s of scavenges at 1,000 tenants; that trade was right while the cdktf
 * CLI held ~340 MiB of the tree, not since `npm run synth` runs without it (BENCHMARKS.md).
 */
export const WORKER_NODE_FLAGS = ["--max-semi-space-size=16", "--expose-gc"];
