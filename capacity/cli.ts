/**
 * `npm run capacity [-- --json] [--dir <synth-dir>]`: quota usage per account and region.
 * `npm run capacity -- --base <dir> --head <dir> --crossing`: one Markdown line when the head
 * synth moves any quota past 80% (for the plan comment), nothing otherwise.
 *
 * Without --dir it synthesizes the repository's tenants in a temporary directory first.
 * Exit codes: 0 ok (warnings included), 1 bad input or a quota exceeded, 2 unexpected failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, ProjectConfig } from "../config/loader";
import { synthesizeApp } from "../stacks/build-app";
import { readSynthesizedStacks } from "../stacks/synth-output";
import { disableTokenStackTraces } from "../stacks/synth-tuning";
import { checkCapacity } from "./gate";
import { CapacityReport, crossingLine, renderTable } from "./report";

const ROOT = join(__dirname, "..");
const USAGE = "usage: npm run capacity -- [--json] [--dir <synth-dir>] | --base <dir> --head <dir> --crossing";

interface Args {
  json: boolean;
  crossing: boolean;
  dir?: string;
  base?: string;
  head?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, crossing: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") args.json = true;
    else if (arg === "--crossing") args.crossing = true;
    else if (arg === "--dir" || arg === "--base" || arg === "--head") {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a directory`);
      args[arg.slice(2) as "dir" | "base" | "head"] = value;
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  if (args.crossing !== Boolean(args.base && args.head)) throw new UsageError("--crossing needs both --base and --head");
  return args;
}

class UsageError extends Error {}

function loadProjectConfig(): ProjectConfig {
  return loadConfig({
    cdktfJsonPath: process.env.OPENCLAW_CDKTF_JSON ?? join(ROOT, "cdktf.json"),
    tenantsDir: process.env.OPENCLAW_TENANTS_DIR ?? join(ROOT, "tenants"),
  });
}

function synthesizeToTemp(config: ProjectConfig): Record<string, Record<string, any>> {
  disableTokenStackTraces();
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-capacity-"));
  try {
    synthesizeApp(config, outdir);
    return readSynthesizedStacks(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const config = loadProjectConfig();
  if (args.crossing) {
    const base = checkCapacity(readSynthesizedStacks(args.base!), config.environments).rows;
    const head = checkCapacity(readSynthesizedStacks(args.head!), config.environments).rows;
    const line = crossingLine(base, head);
    if (line) process.stdout.write(`${line}\n`);
    return 0;
  }
  const stacks = args.dir ? readSynthesizedStacks(args.dir) : synthesizeToTemp(config);
  const verdict = checkCapacity(stacks, config.environments);
  if (args.json) {
    const report: CapacityReport = { quotas: verdict.rows, breaches: verdict.breaches, warnings: verdict.warnings };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(renderTable(verdict.rows));
    for (const line of [...verdict.breaches, ...verdict.warnings]) process.stdout.write(`${line}\n`);
  }
  return verdict.breaches.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`capacity: ${err.message}\n${USAGE}\n`);
    process.exitCode = 1;
  } else if (err instanceof ConfigError) {
    process.stderr.write(`${err.problems.join("\n")}\n`);
    process.exitCode = 1;
  } else if ((err as NodeJS.ErrnoException).code === "ENOENT") {
    process.stderr.write(`capacity: ${(err as Error).message} (is it a cdktf synth output directory?)\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`capacity: unexpected failure: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
