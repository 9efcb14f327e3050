/**
 * `npm run check:fork`: proves a platform team can make this repository its own (issue #27). It
 * copies the repository (tracked and untracked files, not ignored ones; node_modules linked),
 * replaces every example tenant, account id, state bucket, lock table and region in the copy's
 * cdktf.json and tenants/ and adds a tenant in a region the examples never used
 * (toolchain/fork.ts), then runs there what an adopter's CI runs: the test suite (`npm test`)
 * and the fleet check (`npm run check:fleet`). Both must pass.
 *
 * Not part of `npm test` (it runs the whole suite once more, minutes on 2 cores); `.ci/run` runs
 * it. test/toolchain/fork.test.ts checks the rewrite itself and the fleet check on the fixtures.
 *
 * Exit codes: 0 the fork passes, 1 it does not (an example identifier survived, a test or the
 * fleet check failed), 2 the check could not run.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { log, parse, run, ToolFailure } from "../pipeline/lib/cli";
import { exampleIdentifiers, forkConfiguration, leftovers } from "./fork";

export const HELP = `Usage: npm run -s check:fork [-- --keep] [--skip-tests]

Copies the repository to a temporary directory, replaces every example tenant, account id, state
bucket, lock table and region in its cdktf.json and tenants/ with others, adds a tenant in a new
region, and runs \`npm test\` and \`npm run check:fleet\` in the copy.

  --keep        keep the copy and print where it is
  --skip-tests  only the fleet check in the copy (seconds instead of the whole suite)

Exit codes: 0 the fork passes, 1 it does not, 2 the check could not run.`;

const ROOT = resolve(__dirname, "..");

/** Files an adopter's clone would have: tracked and untracked, minus what .gitignore ignores. */
export function repositoryFiles(root: string): string[] {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  if (listed.status !== 0) throw new ToolFailure(`git ls-files failed in ${root}: ${listed.stderr.trim()}`);
  // --cached lists files deleted in the work tree too; an adopter's clone would not have them.
  const deleted = new Set(spawnSync("git", ["ls-files", "-z", "--deleted"], { cwd: root, encoding: "utf8" }).stdout.split("\0"));
  return listed.stdout.split("\0").filter((f) => f.length > 0 && !deleted.has(f));
}

/** Copies the repository's files into `dest` and links its node_modules (installed once, read-only use). */
export function copyRepository(root: string, dest: string): number {
  const files = repositoryFiles(root);
  for (const file of files) {
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(join(root, file), join(dest, file));
  }
  symlinkSync(join(root, "node_modules"), join(dest, "node_modules"), "dir");
  return files.length;
}

function inCopy(copy: string, what: string, command: string, args: string[]): boolean {
  log(`check:fork: ${what} in the fork ...`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: copy, stdio: "inherit", env: { ...process.env, CI: "true", OPENCLAW_CDKTF_JSON: "", OPENCLAW_TENANTS_DIR: "" } });
  if (result.error) throw new ToolFailure(`${what}: ${result.error.message}`);
  log(`check:fork: ${what}: ${result.status === 0 ? "passed" : `FAILED (exit ${result.status ?? result.signal})`} in ${Math.round((Date.now() - started) / 1000)} s`);
  return result.status === 0;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, { keep: { type: "boolean" }, "skip-tests": { type: "boolean" } });
  const copy = mkdtempSync(join(tmpdir(), "openclaw-fork-"));
  try {
    log(`check:fork: copied ${copyRepository(ROOT, copy)} files to ${copy}`);
    const old = exampleIdentifiers(copy);
    const fork = forkConfiguration(copy);
    for (const [from, to] of fork.replaced) log(`check:fork: ${from} -> ${to}`);
    log(`check:fork: added tenant ${fork.added.id} in ${fork.added.environment}/${fork.added.region}, a region no example used`);
    const left = leftovers(copy, Object.values(old).flat());
    if (left.length > 0) {
      for (const line of left) log(`check:fork: example identifier left after the rewrite: ${line}`);
      return 1;
    }
    const testsPassed = values["skip-tests"] ? true : inCopy(copy, "npm test", process.execPath, [join("node_modules", "jest", "bin", "jest.js")]);
    const fleetPassed = inCopy(copy, "npm run check:fleet", "npm", ["run", "-s", "check:fleet"]);
    const passed = testsPassed && fleetPassed;
    log(passed ? "check:fork: the fork passes" : "check:fork: the fork FAILS: see above");
    return passed ? 0 : 1;
  } finally {
    if (values.keep) log(`check:fork: kept ${copy}`);
    else rmSync(copy, { recursive: true, force: true });
  }
}

if (require.main === module) run("check:fork", HELP, main);
