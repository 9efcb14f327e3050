import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { STACK_NAME_PATTERN } from "../modules/naming";

/**
 * The app synthesizes into a staging directory beside the real output and replaces the output
 * only when every check passed. A failed synth therefore leaves the previous `cdktf.out` exactly
 * as it was, and a successful one never keeps stacks of tenants that were removed.
 */
export function stagingDirectoryFor(outdir: string): string {
  return join(dirname(outdir), `.${basename(outdir)}.staging-${process.pid}`);
}

/**
 * The stack directories of a synth output, refused whole when one is not named like a stack: a
 * pull request's synth output is read by the cost and capacity tools, whose notes go into the
 * plan comment, so a directory named like Markdown must never get that far (issue 24, item 2).
 */
export function stackDirectories(outdir: string): string[] {
  const stacksDir = join(outdir, "stacks");
  const names = readdirSync(stacksDir).sort();
  const bad = names.filter((name) => !STACK_NAME_PATTERN.test(name));
  if (bad.length > 0) throw new Error(`${stacksDir}: not stack names: ${bad.map((b) => JSON.stringify(b)).join(", ")} (allowed: ${STACK_NAME_PATTERN.source})`);
  return names;
}

/** Parsed cdk.tf.json of every stack in a synth output directory. */
export function readSynthesizedStacks(outdir: string): Record<string, Record<string, any>> {
  const stacksDir = join(outdir, "stacks");
  const stacks: Record<string, Record<string, any>> = {};
  for (const name of stackDirectories(outdir)) {
    stacks[name] = JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8"));
  }
  return stacks;
}

/** Parsed cdk.tf.json of every stack, one at a time (a fleet's output need not fit in memory at once). */
export function* eachSynthesizedStack(outdir: string): Generator<[string, Record<string, any>]> {
  const stacksDir = join(outdir, "stacks");
  for (const name of stackDirectories(outdir)) {
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

/** Whether a process with this id exists (EPERM: it does, under another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Staging directories of `outdir` left by synths that no longer run (killed, or Ctrl-C before
 * this cleanup existed): `.<out>.staging-<pid>` and `.previous` of a pid that is gone. A running
 * synth's staging is never touched. Returns what was removed.
 */
export function discardAbandonedStaging(outdir: string): string[] {
  const parent = dirname(outdir);
  if (!existsSync(parent)) return [];
  const pattern = new RegExp(`^\\.${basename(outdir).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.staging-(\\d+)(\\.previous)?$`);
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || pid === process.pid || processExists(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
    removed.push(join(parent, name));
  }
  return removed;
}

/**
 * This process's staging directory for `outdir`, empty, after removing abandoned ones; an
 * interrupt (Ctrl-C, SIGTERM, SIGHUP) removes it before the process ends, so nothing is left.
 */
export function prepareStaging(outdir: string): string {
  discardAbandonedStaging(outdir);
  const staging = stagingDirectoryFor(outdir);
  discardStaging(staging);
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    process.once(signal, () => {
      discardStaging(staging);
      process.exit(code);
    });
  }
  return staging;
}
