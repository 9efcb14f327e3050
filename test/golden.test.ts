/**
 * Golden files: the synthesized cdk.tf.json of every stack of the fixture tenants (test/fixtures/,
 * never the repository's live tenants/, which adopters replace), committed so
 * reviewers see the Terraform a change produces. They record, they do not specify: behaviour is
 * asserted by the module and invariant tests. Refresh with `UPDATE_GOLDEN=1 npx jest test/golden.test.ts`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthesize } from "./support/synth";

const GOLDEN_DIR = join(__dirname, "golden");
const update = process.env.UPDATE_GOLDEN === "1";
const output = synthesize();
const goldenFile = (stack: string) => join(GOLDEN_DIR, `${stack}.cdk.tf.json`);

if (update) {
  rmSync(GOLDEN_DIR, { recursive: true, force: true });
  mkdirSync(GOLDEN_DIR, { recursive: true });
  for (const [stack, text] of Object.entries(output.texts)) writeFileSync(goldenFile(stack), text);
}

describe("golden files", () => {
  it.each(Object.keys(output.texts))("%s matches its golden file", (stack) => {
    expect(existsSync(goldenFile(stack))).toBe(true);
    expect(output.texts[stack]).toBe(readFileSync(goldenFile(stack), "utf8"));
  });

  it("has no golden file for a stack that no longer exists", () => {
    const stale = readdirSync(GOLDEN_DIR)
      .map((f) => f.replace(/\.cdk\.tf\.json$/, ""))
      .filter((stack) => !(stack in output.texts));
    expect(stale).toEqual([]);
  });
});
