import { App } from "cdktf";
import type { ProjectConfig } from "../config/loader";
import { buildApp } from "../stacks/build-app";

/** What one share's synthesis contributes to manifest.json: cdktf's version and a stack entry each. */
export interface ShareManifest {
  readonly version: string;
  readonly stacks: Record<string, unknown>;
}

/**
 * Synthesizes the named stacks into `outdir` exactly as `app.synth()` would write them, a batch
 * at a time: each batch gets a fresh App, and cdktf's global token map is dropped after it.
 * cdktf keeps every token it ever created in that map; since stacks share no token (values
 * travel through SSM), a finished batch's tokens are garbage, and memory stays bounded by the
 * batch instead of growing with the fleet. Writes no manifest.json: the caller merges the
 * returned entries (writeManifest).
 */
export function synthesizeShare(config: ProjectConfig, names: readonly string[], outdir: string, batchSize = 50, onBatch?: (stacks: number) => void): ShareManifest {
  const entries: Record<string, unknown> = {};
  let version = "";
  for (let start = 0; start < names.length; start += batchSize) {
    const batch = new Set(names.slice(start, start + batchSize));
    const app = new App({ outdir });
    version = app.manifest.version;
    const stacks = buildApp(app, config, batch);
    // What App.synth does, for these stacks only (never for the dependency stand-ins).
    const session = { outdir: app.outdir, skipValidation: app.skipValidation, manifest: app.manifest };
    for (const stack of stacks) stack.prepareStack();
    for (const stack of stacks) stack.synthesizer.synthesize(session);
    if (!app.skipValidation) {
      const problems = app.node.validate();
      if (problems.length > 0) throw new Error(`Validation failed with the following errors:\n  ${problems.join("\n  ")}`);
    }
    for (const stack of stacks) entries[stack.node.id] = app.manifest.stacks[stack.node.id];
    resetTokenMap();
    collectIfHeapAbove(GC_THRESHOLD_BYTES);
    onBatch?.(stacks.length);
  }
  return { version, stacks: entries };
}

/**
 * A finished batch is garbage. V8 collects it on its own schedule, which may let the heap hold
 * several batches' worth; a forced full collection after every batch bounded that, but cost ~1 s
 * per process at 1,000 tenants (ten full collections of a heap that is mostly loaded modules).
 * Forcing one only above this much heap in use keeps the bound and skips the cost while the heap
 * is small (BENCHMARKS.md).
 */
const GC_THRESHOLD_BYTES = 160 * 1024 * 1024;

/** Runs a full collection when more than `bytes` of heap are in use (needs --expose-gc; without it, does nothing). */
function collectIfHeapAbove(bytes: number): void {
  const gc = (global as { gc?: () => void }).gc;
  if (gc && process.memoryUsage().heapUsed > bytes) gc();
}

/**
 * Empties cdktf's process-wide token map (cdktf 0.21: `global.__cdktfTokenMap`). The counter that
 * numbers tokens keeps counting, so a token string that outlived its batch can never resolve to a
 * token of the next batch: it would fail to resolve (and the synth with it) instead.
 */
function resetTokenMap(): void {
  const map = (global as { __cdktfTokenMap?: { stringTokenMap: Map<string, unknown>; numberTokenMap: Map<number, unknown> } }).__cdktfTokenMap;
  map?.stringTokenMap.clear();
  map?.numberTokenMap.clear();
}
