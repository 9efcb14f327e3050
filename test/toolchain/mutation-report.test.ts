/**
 * scripts/mutation.ts: a run narrowed to one file replaces that file's result in the merged
 * report and keeps every other file (Stryker's own report holds only its run's files), and the
 * score is Stryker's: detected over valid mutants, compile errors and static mutants left out.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mergeReports, reachableFrom, Report, scores, SYNTH_ENTRY, synthIndependent, table } from "../../scripts/mutation";
import { importGraph } from "../../toolchain/code-shape";
import { REPO_ROOT } from "../support/fixtures";

const mutants = (...statuses: string[]) => ({ mutants: statuses.map((status) => ({ status })) }) as Report["files"][string];

describe("mutation report merge", () => {
  const base: Report = { schemaVersion: "1", files: { "a.ts": mutants("Survived"), "b.ts": mutants("Killed") }, testFiles: { "a.test.ts": 1 } };

  it("replaces the files of the run and keeps the others", () => {
    const merged = mergeReports(base, { schemaVersion: "1", files: { "a.ts": mutants("Killed", "Killed") }, testFiles: { "c.test.ts": 2 } });
    expect(Object.keys(merged.files).sort()).toEqual(["a.ts", "b.ts"]);
    expect(merged.files["a.ts"]).toEqual(mutants("Killed", "Killed"));
    expect(merged.files["b.ts"]).toEqual(mutants("Killed"));
    expect(merged.testFiles).toEqual({ "a.test.ts": 1, "c.test.ts": 2 });
  });

  it("starts a report from the first run", () => {
    expect(mergeReports(undefined, base)).toEqual(base);
  });

  it("scores detected (killed + timeout) over valid, leaving out compile errors and static mutants", () => {
    const report: Report = { files: { "x.ts": mutants("Killed", "Timeout", "Survived", "NoCoverage", "CompileError", "RuntimeError", "Ignored"), "y.ts": mutants("Killed") } };
    const { files, total } = scores(report);
    expect(files[0]).toEqual({ file: "x.ts", killed: 1, timeout: 1, survived: 1, noCoverage: 1, invalid: 2, ignored: 1, score: 50 });
    expect(total.score).toBeCloseTo(60);
    expect(table(report, { "x.ts": { date: "d", command: "c", seconds: 125 } })).toContain("| `x.ts` | 50.00 % | 1 | 1 | 1 | 1 | 2 | 1 | 2 min 05 s | d |");
    expect(table(report, {})).toContain("| **all files** | 60.00 % | 2 | 1 | 1 | 1 | 2 | 1 | 0 min 00 s |  |");
  });
});

describe("synthesizing once per mutation run", () => {
  const graph = importGraph(REPO_ROOT);

  it("only for files the synthesized app does not import: the bootstrap policies and the IAM evaluator", () => {
    expect(synthIndependent(["bootstrap/policies.ts"], graph)).toBe(true);
    expect(synthIndependent(["audit/iam.ts", "pipeline/plan-comment.ts"], graph)).toBe(true);
  });

  it("never for a file the app is built from, alone or with others, nor for an empty list", () => {
    for (const file of ["config/loader.ts", "config/tenant-lifecycle.ts", "modules/naming.ts", SYNTH_ENTRY]) {
      expect(synthIndependent([file], graph)).toBe(false);
      expect(synthIndependent(["bootstrap/policies.ts", file], graph)).toBe(false);
    }
    expect(synthIndependent([], graph)).toBe(false);
  });

  it("follows imports transitively", () => {
    const chain = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts", "a.ts"]], ["c.ts", []], ["d.ts", ["a.ts"]]]);
    expect([...reachableFrom(chain, "a.ts")].sort()).toEqual(["a.ts", "b.ts", "c.ts"]);
  });
});

// A test that reloads a module (jest.isolateModules, doMock, resetModules) evaluates its
// module-level constants inside that test. Stryker then counts each constant's mutant as
// covered by that test ("hybrid") and, under ignoreStatic, runs only it with the mutant switched
// on at run time, when the constant is long evaluated: the mutant survives whatever the other
// tests check. That is how 30 constants of bootstrap/policies.ts survived a whole-file run
// (BENCHMARKS.md, "Mutation testing"). Mutation fails this test: add `jest.resetModules()` to
// test/bootstrap/policies.test.ts.
describe("the tests a mutation run uses", () => {
  const config = require("../../jest.mutation.config.js") as { testMatch: string[] };
  const files = config.testMatch.map((pattern) => pattern.replace("<rootDir>/", ""));

  it("are the focused unit tests of the mutated code, and there are some", () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) expect(existsSync(join(REPO_ROOT, file))).toBe(true);
  });

  it("never reload a module inside a test", () => {
    const reloading = files.filter((file) => /\bjest\.(isolateModules|isolateModulesAsync|doMock|resetModules)\s*\(/.test(readFileSync(join(REPO_ROOT, file), "utf8")));
    expect(reloading).toEqual([]);
  });
});
