/**
 * `npm run cost [-- --json] [--synth-dir <dir>]`: fixed monthly cost per tenant and platform stack.
 * `npm run cost -- --base <dir> --head <dir> --plan-comment`: Markdown lines for the plan comment,
 * one per tenant (and platform) stack that differs between the two synth outputs, nothing otherwise.
 *
 * Without --synth-dir (or its old name --dir) it synthesizes the repository's tenants in a temporary directory first. Prices
 * come from cost/prices/<region>.json; nothing is fetched.
 * Exit codes: 0 ok (warnings included), 1 bad input, 2 unexpected failure.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadRepositoryConfig, parseSynthToolArgs, runSynthTool, synthesizeToTemp } from "../synth/synth-cli";
import { readSynthesizedStacks } from "../synth/synth-output";
import { estimateCost } from "./estimate";
import { CostInputError } from "./prices";
import { CostReport, planCommentLines, renderReport } from "./report";

const USAGE = "usage: npm run cost -- [--json] [--synth-dir <dir>] | --base <dir> --head <dir> --plan-comment";

/** Raw cdk.tf.json text per stack, so "changed" means exactly what the plan job compares. */
function stackTexts(dir: string, stacks: Record<string, unknown>): Map<string, string> {
  return new Map(Object.keys(stacks).map((name) => [name, readFileSync(join(dir, "stacks", name, "cdk.tf.json"), "utf8")]));
}

function main(): number {
  const args = parseSynthToolArgs(process.argv.slice(2), USAGE, "--plan-comment");
  if (args.compare) {
    // Reads only the two synth outputs (the plan job's data), no tenant files.
    const baseStacks = readSynthesizedStacks(args.base!);
    const headStacks = readSynthesizedStacks(args.head!);
    const baseTexts = stackTexts(args.base!, baseStacks);
    const headTexts = stackTexts(args.head!, headStacks);
    let lines: string[];
    try {
      lines = planCommentLines(estimateCost(baseStacks), estimateCost(headStacks), (stack) => baseTexts.get(stack) !== headTexts.get(stack));
    } catch (err) {
      // Cost never breaks the plan comment: it gets one line, the log gets the details.
      process.stderr.write(`cost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      lines = [`**Estimated fixed monthly cost**: not available: ${err instanceof CostInputError ? err.message : "the estimate failed (see the plan workflow's log)"}`];
    }
    if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  }
  const estimate = estimateCost(args.dir ? readSynthesizedStacks(args.dir) : synthesizeToTemp(loadRepositoryConfig()));
  if (args.json) {
    const report: CostReport = estimate;
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(renderReport(estimate));
    for (const warning of estimate.warnings) process.stdout.write(`${warning}\n`);
  }
  return 0;
}

runSynthTool("cost", USAGE, main, [CostInputError, SyntaxError]);
