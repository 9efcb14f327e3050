/**
 * `npm run golden:update`: rewrites test/golden/ from a fresh synth and lists what changed. It is
 * the only way to write golden files: the test only compares (#32: `UPDATE_GOLDEN=1` rewrote the
 * files inside the test run, which then compared them with themselves and passed by
 * construction). Review `git diff test/golden` before committing: every changed line must be one
 * someone meant.
 */
import { relative } from "node:path";
import { GOLDEN_DIR, synthesizeGolden, writeGoldens } from "./golden";
import { PIPELINE_ROLES_GOLDEN, writePipelineRoleGolden } from "./pipeline-role-golden";

const changes = writeGoldens(synthesizeGolden().texts);
const lines = [
  ...changes.added.map((s) => `  added    ${s}`),
  ...changes.changed.map((s) => `  changed  ${s}`),
  ...changes.removed.map((s) => `  removed  ${s}`),
];
process.stdout.write(`${GOLDEN_DIR}: ${lines.length} golden file(s) written, ${changes.unchanged} unchanged\n${lines.join("\n")}${lines.length ? "\n" : ""}`);
if (lines.length) process.stdout.write("Review them: git diff --stat -- test/golden && git diff -- test/golden\n");
const roles = relative(process.cwd(), PIPELINE_ROLES_GOLDEN);
process.stdout.write(writePipelineRoleGolden() ? `${roles}: written; review it: git diff -- ${roles}\n` : `${roles}: unchanged\n`);
