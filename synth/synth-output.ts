import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * The app synthesizes into a staging directory beside the real output and replaces the output
 * only when every check passed. A failed synth therefore leaves the previous `cdktf.out` exactly
 * as it was, and a successful one never keeps stacks of tenants that were removed.
 */
export function stagingDirectoryFor(outdir: string): string {
  return join(dirname(outdir), `.${basename(outdir)}.staging-${process.pid}`);
}

/** Parsed cdk.tf.json of every stack in a synth output directory. */
export function readSynthesizedStacks(outdir: string): Record<string, Record<string, any>> {
  const stacksDir = join(outdir, "stacks");
  const stacks: Record<string, Record<string, any>> = {};
  for (const name of readdirSync(stacksDir).sort()) {
    stacks[name] = JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8"));
  }
  return stacks;
}

/** Parsed cdk.tf.json of every stack, one at a time (a fleet's output need not fit in memory at once). */
export function* eachSynthesizedStack(outdir: string): Generator<[string, Record<string, any>]> {
  const stacksDir = join(outdir, "stacks");
  for (const name of readdirSync(stacksDir).sort()) {
    yield [name, JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8"))];
  }
}

/** Replaces `outdir` with `staging` (same filesystem: two renames, no copy). */
export function promoteStaging(staging: string, outdir: string): void {
  const previous = `${staging}.previous`;
  if (existsSync(outdir)) renameSync(outdir, previous);
  renameSync(staging, outdir);
  rmSync(previous, { recursive: true, force: true });
}

export function discardStaging(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
}
