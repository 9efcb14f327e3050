/**
 * `npm run cost [-- --json] [--dir <synth-dir>]`: fixed monthly cost per tenant and platform stack.
 * `npm run cost -- --base <dir> --head <dir> --plan-comment`: Markdown lines for the plan comment,
 * one per tenant (and platform) stack that differs between the two synth outputs, nothing otherwise.
 *
 * Without --dir it synthesizes the repository's tenants in a temporary directory first. Prices
 * come from cost/prices/<region>.json; nothing is fetched.
 * Exit codes: 0 ok (warnings included), 1 bad input, 2 unexpected failure.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../config/loader";
import { synthesizeApp } from "../stacks/build-app";
import { readSynthesizedStacks } from "../stacks/synth-output";
import { disableTokenStackTraces } from "../stacks/synth-tuning";
import { estimateCost } from "./estimate";
import { CostInputError } from "./prices";
import { CostReport, planCommentLines, renderReport } from "./report";

const ROOT = join(__dirname, "..");
const USAGE = "usage: npm run cost -- [--json] [--dir <synth-dir>] | --base <dir> --head <dir> --plan-comment";

class UsageError extends Error {}

interface Args {
  json: boolean;
  planComment: boolean;
  dir?: string;
  base?: string;
  head?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, planComment: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") args.json = true;
    else if (arg === "--plan-comment") args.planComment = true;
    else if (arg === "--dir" || arg === "--base" || arg === "--head") {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a directory`);
      args[arg.slice(2) as "dir" | "base" | "head"] = value;
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  if (args.planComment !== Boolean(args.base && args.head)) throw new UsageError("--plan-comment needs both --base and --head");
  return args;
}

function synthesizeToTemp(): Record<string, Record<string, any>> {
  disableTokenStackTraces();
  const config = loadConfig({
    cdktfJsonPath: process.env.OPENCLAW_CDKTF_JSON ?? join(ROOT, "cdktf.json"),
    tenantsDir: process.env.OPENCLAW_TENANTS_DIR ?? join(ROOT, "tenants"),
  });
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-cost-"));
  try {
    synthesizeApp(config, outdir);
    return readSynthesizedStacks(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Raw cdk.tf.json text per stack, so "changed" means exactly what the plan job compares. */
function stackTexts(dir: string, stacks: Record<string, unknown>): Map<string, string> {
  return new Map(Object.keys(stacks).map((name) => [name, readFileSync(join(dir, "stacks", name, "cdk.tf.json"), "utf8")]));
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  if (args.planComment) {
    const baseStacks = readSynthesizedStacks(args.base!);
    const headStacks = readSynthesizedStacks(args.head!);
    const baseTexts = stackTexts(args.base!, baseStacks);
    const headTexts = stackTexts(args.head!, headStacks);
    const lines = planCommentLines(estimateCost(baseStacks), estimateCost(headStacks), (stack) => baseTexts.get(stack) !== headTexts.get(stack));
    if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  }
  const estimate = estimateCost(args.dir ? readSynthesizedStacks(args.dir) : synthesizeToTemp());
  if (args.json) {
    const report: CostReport = estimate;
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(renderReport(estimate));
    for (const warning of estimate.warnings) process.stdout.write(`${warning}\n`);
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`cost: ${err.message}\n${USAGE}\n`);
    process.exitCode = 1;
  } else if (err instanceof ConfigError) {
    process.stderr.write(`${err.problems.join("\n")}\n`);
    process.exitCode = 1;
  } else if (err instanceof CostInputError || err instanceof SyntaxError) {
    process.stderr.write(`cost: ${err.message}\n`);
    process.exitCode = 1;
  } else if ((err as NodeJS.ErrnoException).code === "ENOENT") {
    process.stderr.write(`cost: ${(err as Error).message} (is it a cdktf synth output directory?)\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`cost: unexpected failure: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
