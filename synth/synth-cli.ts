/**
 * What the tools that read a synth output share (`npm run capacity`, `npm run cost`): their
 * arguments (`--json`, `--synth-dir`, or `--base`/`--head` with a comparison flag), synthesizing the
 * repository's tenants into a temporary directory, and exit codes (0 ok, 1 bad input, 2
 * unexpected failure) with one-line messages instead of stack traces.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, ProjectConfig } from "../config/loader";
import { repositoryConfigPaths } from "../config/repository-paths";
import { synthesizeApp } from "../stacks/build-app";
import { readSynthesizedStacks } from "./synth-output";
import { disableTokenStackTraces } from "./synth-tuning";


export class UsageError extends Error {}

export interface SynthToolArgs {
  json: boolean;
  /** The comparison mode (`--crossing`, `--plan-comment`) was asked for, with --base and --head. */
  compare: boolean;
  dir?: string;
  base?: string;
  head?: string;
}

export function parseSynthToolArgs(argv: readonly string[], usage: string, compareFlag: string): SynthToolArgs {
  const args: SynthToolArgs = { json: false, compare: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") args.json = true;
    else if (arg === compareFlag) args.compare = true;
    else if (arg === "--synth-dir" || arg === "--dir" || arg === "--base" || arg === "--head") {
      // --synth-dir, as audit:tenant and scan call it; --dir is its older name, still accepted.
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a directory`);
      args[arg === "--synth-dir" || arg === "--dir" ? "dir" : (arg.slice(2) as "base" | "head")] = value;
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  if (args.compare !== Boolean(args.base && args.head)) throw new UsageError(`${compareFlag} needs both --base and --head`);
  return args;
}

/** The repository's configuration (tests point OPENCLAW_* at fixtures). */
export function loadRepositoryConfig(): ProjectConfig {
  return loadConfig(repositoryConfigPaths());
}

/** Synthesizes a configuration into a temporary directory and returns every stack's JSON. */
export function synthesizeToTemp(config: ProjectConfig): Record<string, Record<string, any>> {
  disableTokenStackTraces();
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-tool-synth-"));
  try {
    synthesizeApp(config, outdir);
    return readSynthesizedStacks(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Runs a tool's main and sets the exit code: usage and configuration errors, missing directories
 * and the tool's own input errors (`inputErrors`) exit 1 with their message; anything else exits 2.
 */
export function runSynthTool(tool: string, usage: string, main: () => number, inputErrors: ReadonlyArray<new (...args: any[]) => Error> = []): void {
  try {
    process.exitCode = main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${tool}: ${err.message}\n${usage}\n`);
      process.exitCode = 1;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`${err.problems.join("\n")}\n`);
      process.exitCode = 1;
    } else if (inputErrors.some((type) => err instanceof type)) {
      process.stderr.write(`${tool}: ${(err as Error).message}\n`);
      process.exitCode = 1;
    } else if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`${tool}: ${(err as Error).message} (is it a cdktf synth output directory?)\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${tool}: unexpected failure: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  }
}
