/**
 * The import graph stays acyclic (#32: config/environment-schema <-> capacity, stacks/fleet-checks
 * <-> the capacity and cost CLIs, bootstrap/policies <-> policy-packing were cycles): between files,
 * and between top-level folders, where a cycle means neither folder can be read, tested or moved
 * without the other. The finder itself is tested on small graphs first, so "no cycles" over the
 * repository is not the answer of a finder that finds nothing.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { folderCycleEdges, folderGraph, functionLengths, importCycles, importGraph, productFiles } from "../../toolchain/code-shape";
import { REPO_ROOT } from "../support/synth";

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "code-shape-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("the cycle finder", () => {
  it("finds a cycle of files, including one closed by a type-only import and a dynamic import", () => {
    const root = project({
      "a/x.ts": 'import { y } from "./y";\nexport const x = y;',
      "a/y.ts": 'import type { Z } from "../b/z";\nexport const y = 1;',
      "b/z.ts": 'export type Z = number;\nconst later = () => import("../a/x");',
      "b/leaf.ts": 'import { readFileSync } from "node:fs";\nexport const leaf = readFileSync;',
    });
    expect(importCycles(importGraph(root, ["a/x.ts", "a/y.ts", "b/z.ts", "b/leaf.ts"]))).toEqual([["a/x.ts", "a/y.ts", "b/z.ts"]]);
  });

  it("finds a file importing itself, and nothing in an acyclic graph", () => {
    expect(importCycles(new Map([["a.ts", ["a.ts"]]]))).toEqual([["a.ts"]]);
    expect(importCycles(new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", []]]))).toEqual([]);
  });

  it("finds a cycle between folders whose files never import each other, and names the imports that close it", () => {
    const graph = new Map([
      ["config/schema.ts", ["capacity/quotas.ts"]],
      ["capacity/quotas.ts", []],
      ["capacity/gate.ts", ["config/types.ts"]],
      ["config/types.ts", []],
    ]);
    expect(importCycles(graph)).toEqual([]);
    const cycles = importCycles(folderGraph(graph));
    expect(cycles).toEqual([["capacity", "config"]]);
    expect(folderCycleEdges(graph, cycles[0])).toEqual(["capacity/gate.ts -> config/types.ts", "config/schema.ts -> capacity/quotas.ts"]);
  });

  it("shows one loop through a cycle of three folders", () => {
    const graph = new Map([
      ["a/1.ts", ["b/1.ts"]],
      ["b/1.ts", ["c/1.ts"]],
      ["c/1.ts", ["a/2.ts"]],
      ["a/2.ts", []],
    ]);
    const [cycle] = importCycles(folderGraph(graph));
    expect(cycle).toEqual(["a", "b", "c"]);
    expect(folderCycleEdges(graph, cycle)).toEqual(["a/1.ts -> b/1.ts", "b/1.ts -> c/1.ts", "c/1.ts -> a/2.ts"]);
  });
});

describe("the repository", () => {
  const files = productFiles(REPO_ROOT);
  const graph = importGraph(REPO_ROOT, files);

  it("reads the product code (not an empty or test-only file list)", () => {
    expect(files).toEqual(expect.arrayContaining(["main.ts", "stacks/tenant-stack.ts", "synth/fleet-synth.ts", "modules/naming.ts"]));
    expect(files.filter((f) => f.startsWith("test/"))).toEqual([]);
    expect(graph.get("main.ts")).toEqual(expect.arrayContaining(["config/loader.ts", "synth/fleet-synth.ts"]));
  });

  it("has no import cycle between files", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("has no import cycle between top-level folders", () => {
    const folders = folderGraph(graph);
    expect(folders.size).toBeGreaterThan(10);
    expect(importCycles(folders).map((cycle) => ({ cycle, edges: folderCycleEdges(graph, cycle) }))).toEqual([]);
  });

  it("keeps the synth runtime out of stacks/: stacks only there", () => {
    expect(files.filter((f) => f.startsWith("stacks/") && /synth|fleet|launcher/.test(f))).toEqual([]);
  });
});

describe("function lengths", () => {
  it("counts a function, a method and an arrow function from first line to last", () => {
    const lengths = functionLengths(
      "x.ts",
      ["function a() {", "  return 1;", "}", "class K {", "  m() {", "    return 2;", "  }", "}", "const f = () => {", "  return 3;", "};"].join("\n"),
    );
    expect(lengths.map(({ name, line, lines }) => ({ name, line, lines }))).toEqual([
      { name: "a", line: 1, lines: 3 },
      { name: "m", line: 5, lines: 3 },
      { name: "f", line: 9, lines: 3 },
    ]);
  });
});
