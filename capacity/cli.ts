/**
 * `npm run capacity [-- --json] [--synth-dir <dir>]`: quota usage per account and region.
 * `npm run capacity -- --base <dir> --head <dir> --crossing`: one Markdown line when the head
 * synth moves any quota past 80% (for the plan comment), nothing otherwise.
 *
 * Without --synth-dir (or its old name --dir) it synthesizes the repository's tenants in a temporary directory first.
 * Exit codes: 0 ok (warnings included), 1 bad input or a quota exceeded, 2 unexpected failure.
 */
import { readSynthesizedStacks } from "../synth/synth-output";
import { loadRepositoryConfig, parseSynthToolArgs, runSynthTool, synthesizeToTemp } from "../synth/synth-cli";
import { databaseChangeNotes } from "./database-changes";
import { checkCapacity } from "./gate";
import { CapacityReport, crossingLine, foldLine, renderTable } from "./report";

const USAGE = "usage: npm run capacity -- [--json] [--synth-dir <dir>] | --base <dir> --head <dir> --crossing";

function main(): number {
  const args = parseSynthToolArgs(process.argv.slice(2), USAGE, "--crossing");
  const config = loadRepositoryConfig();
  if (args.compare) {
    const base = checkCapacity(readSynthesizedStacks(args.base!), config.environments).rows;
    const head = checkCapacity(readSynthesizedStacks(args.head!), config.environments).rows;
    const line = crossingLine(base, head);
    if (line) process.stdout.write(`${line}\n`);
    return 0;
  }
  const stacks = args.dir ? readSynthesizedStacks(args.dir) : synthesizeToTemp(config);
  const verdict = checkCapacity(stacks, config.environments);
  if (args.json) {
    const report: CapacityReport = { quotas: verdict.rows, breaches: verdict.breaches, warnings: verdict.warnings, databaseChanges: databaseChangeNotes(stacks) };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(renderTable(verdict.rows));
    // Folded like the table (one database's note is about 300 characters); --json keeps them whole.
    for (const line of [...verdict.breaches, ...verdict.warnings, ...databaseChangeNotes(stacks)].flatMap((note) => foldLine(note))) process.stdout.write(`${line}\n`);
  }
  return verdict.breaches.length > 0 ? 1 : 0;
}

runSynthTool("capacity", USAGE, main);
