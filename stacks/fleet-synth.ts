/**
 * The fleet synth: the stacks of a configuration synthesized by parallel worker processes, each
 * building and synthesizing only its share, with one manifest.json merged from their entries.
 * This is possible because every stack is self-contained (test/invariants.test.ts: no reference
 * to another stack; values travel through the SSM contract), and exact: the output is byte for
 * byte what one `app.synth()` writes (test/fleet-synth.test.ts).
 *
 * This module loads no cdktf in the calling process: the parent only splits, waits and merges,
 * so its memory stays small next to the workers'.
 */
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import type { ProjectConfig } from "../config/loader";
import { plannedStacks } from "./stack-plan";
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
  const names = plannedStacks(config).map((s) => s.name).filter((n) => !options.only || options.only.has(n));
  const workers = options.workers ?? defaultWorkers(names.length);
  const batchSize = options.batchSize ?? 50;
  mkdirSync(join(outdir, "stacks"), { recursive: true }); // before the workers race to create it

  let parts: ShareManifest[];
  if (workers <= 1) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesizeShare } = require("./synth-share") as typeof import("./synth-share");
    parts = [synthesizeShare(config, names, outdir, batchSize)];
  } else {
    parts = await Promise.all(splitShares(names, workers).map((share) => runWorker({ config, names: share, outdir, batchSize })));
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
  // cdktf's own (bundled) copy, so the bytes match what app.synth() writes.
  const cdktfDir = dirname(require.resolve("cdktf/package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stringify = require(require.resolve("json-stable-stringify", { paths: [cdktfDir] })) as (v: unknown, o: { space: number }) => string;
  return stringify(value, { space: 2 });
}

function runWorker(request: WorkerRequest): Promise<ShareManifest> {
  const script = join(__dirname, `synth-worker${__filename.endsWith(".ts") ? ".ts" : ".js"}`);
  // TypeScript sources run through tsx's require hook; compiled JavaScript runs as is.
  const execArgv = script.endsWith(".ts") ? ["--require", require.resolve("tsx/cjs")] : [];
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let reply: { ok: true; manifest: ShareManifest } | { ok: false; error: string } | undefined;
    child.on("message", (message: typeof reply) => (reply = message));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (reply?.ok) resolve(reply.manifest);
      else reject(new Error(reply ? reply.error : `synth worker exited with code ${code} before replying`));
    });
    child.send(request);
  });
}
