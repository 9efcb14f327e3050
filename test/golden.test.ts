/**
 * Golden files: the synthesized cdk.tf.json of every stack of the fixture tenants (test/fixtures/,
 * never the repository's live tenants/, which adopters replace), committed so
 * reviewers see the Terraform a change produces. They record, they do not specify: behaviour is
 * asserted by the module and invariant tests.
 *
 * This test only compares. Refresh the files with `npm run golden:update` (a separate command,
 * test/support/update-golden.ts), then review `git diff test/golden`; a test run never writes them,
 * so it can never pass by comparing freshly written files with themselves.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GOLDEN_DIR, goldenFile, synthesizeGolden, writeGoldens } from "./support/golden";

if (process.env.UPDATE_GOLDEN) {
  throw new Error("UPDATE_GOLDEN no longer updates golden files inside a test run: run `npm run golden:update`, then review `git diff test/golden`");
}

const output = synthesizeGolden();
const stacks = Object.keys(output.texts);

describe("golden files", () => {
  it("records a platform stack and a tenant stack at least (the synth produced something)", () => {
    expect(stacks.some((s) => s.startsWith("platform-")) && stacks.some((s) => s.startsWith("tenant-"))).toBe(true);
  });

  it.each(stacks)("%s matches its golden file", (stack) => {
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

describe("npm run golden:update (writeGoldens)", () => {
  it("writes new and changed stacks, removes stale ones, and reports each", () => {
    const dir = mkdtempSync(join(tmpdir(), "golden-"));
    writeFileSync(goldenFile("kept", dir), "same");
    writeFileSync(goldenFile("edited", dir), "old");
    writeFileSync(goldenFile("gone", dir), "x");
    const changes = writeGoldens({ kept: "same", edited: "new", added: "fresh" }, dir);
    expect(changes).toEqual({ added: ["added"], changed: ["edited"], removed: ["gone"], unchanged: 1 });
    expect(readdirSync(dir).sort()).toEqual(["added.cdk.tf.json", "edited.cdk.tf.json", "kept.cdk.tf.json"]);
    expect(readFileSync(goldenFile("edited", dir), "utf8")).toBe("new");
  });
});
