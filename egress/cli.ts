/**
 * `npm run egress [-- --json] [--dir <synth-dir>]`: every tenant's egress allowlist as the
 * synthesized stacks publish it (what the proxy will enforce).
 * `npm run egress -- --base <dir> --head <dir> --plan-comment`: one Markdown line per tenant whose
 * destinations change, for the plan comment; nothing otherwise.
 *
 * Without --dir it synthesizes the repository's tenants first. Exit codes: 0 ok, 1 bad input,
 * 2 unexpected failure.
 */
import { loadRepositoryConfig, parseSynthToolArgs, runSynthTool, synthesizeToTemp } from "../synth/synth-cli";
import { readSynthesizedStacks } from "../synth/synth-output";
import { egressPlanNotes, publishedAllowlists } from "./allowlists";

const USAGE = "usage: npm run egress -- [--json] [--dir <synth-dir>] | --base <dir> --head <dir> --plan-comment";

function main(): number {
  const args = parseSynthToolArgs(process.argv.slice(2), USAGE, "--plan-comment");
  if (args.compare) {
    const lines = egressPlanNotes(publishedAllowlists(readSynthesizedStacks(args.base!)), publishedAllowlists(readSynthesizedStacks(args.head!)));
    if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  }
  const allowlists = publishedAllowlists(args.dir ? readSynthesizedStacks(args.dir) : synthesizeToTemp(loadRepositoryConfig()));
  if (args.json) {
    process.stdout.write(`${JSON.stringify(Object.fromEntries(allowlists), null, 2)}\n`);
  } else {
    for (const [tenant, domains] of allowlists) process.stdout.write(`${tenant}: ${domains === "invalid" ? "INVALID" : domains.length ? domains.join(" ") : "(nothing: every destination refused)"}\n`);
  }
  return 0;
}

runSynthTool("egress", USAGE, main, [SyntaxError]);
