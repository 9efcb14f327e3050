/**
 * `npm run code-shape`: two measures of how the code is laid out, from the TypeScript compiler's
 * own parser (no extra package): the import cycles between the project's files (strongly
 * connected components of the relative-import graph, type-only imports included, since a cycle
 * of types still ties two folders together) and the longest functions.
 *
 * test/toolchain/code-shape.test.ts keeps the product code free of cycles; the longest functions
 * are a figure for reviews and the closing notes, not a gate.
 *
 *   npm run -s code-shape -- [--json] [--top N] [--root DIR]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** Folders that are not the project's own TypeScript (tenants/: the fleet's YAML, which tests may not read). */
const SKIPPED_DIRECTORIES = new Set(["node_modules", "cdktf.out", ".gen", ".git", "reports", ".stryker-tmp", ".venv", "tenants"]);

/** Every `.ts` file under `root`, as paths relative to it, sorted. */
export function projectFiles(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (SKIPPED_DIRECTORIES.has(name) || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...projectFiles(root, path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(relative(root, path));
  }
  return files;
}

/** The project files `file` imports (relative specifiers resolved to `.ts` files; packages ignored). */
export function importsOf(root: string, file: string, source: string): string[] {
  const found = new Set<string>();
  for (const imported of ts.preProcessFile(source, true, true).importedFiles) {
    const specifier = imported.fileName;
    if (!specifier.startsWith(".")) continue;
    const base = resolve(root, dirname(file), specifier);
    for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) {
      if (candidate.endsWith(".ts") && existsSync(candidate)) {
        found.add(relative(root, candidate));
        break;
      }
    }
  }
  return [...found].sort();
}

export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export function importGraph(root: string, files: readonly string[] = projectFiles(root)): ImportGraph {
  return new Map(files.map((file) => [file, importsOf(root, file, readFileSync(join(root, file), "utf8"))]));
}

/**
 * The cycles of `graph`: each strongly connected component with more than one file (or a file
 * importing itself), its files sorted, the components sorted by their first file. Tarjan's
 * algorithm, iterative so a deep import chain cannot overflow the stack.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    lowLink.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const target = edges[frame.edge++];
        if (!graph.has(target)) continue;
        if (!index.has(target)) {
          index.set(target, next);
          lowLink.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) {
          lowLink.set(frame.node, Math.min(lowLink.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        lowLink.set(parent, Math.min(lowLink.get(parent)!, lowLink.get(frame.node)!));
      }
      if (lowLink.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfImport = component.length === 1 && (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfImport) components.push(component.sort());
      }
    }
  }
  return components.sort((a, b) => a[0].localeCompare(b[0]));
}

export interface FunctionLength {
  readonly file: string;
  readonly name: string;
  readonly line: number;
  /** Lines from the function's first line to its last, both included. */
  readonly lines: number;
}

/** Every function, method, arrow function and constructor of `source` with its length in lines. */
export function functionLengths(file: string, source: string): FunctionLength[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const found: FunctionLength[] = [];
  const nameOf = (node: ts.Node): string => {
    const named = node as ts.Node & { name?: ts.Node };
    if (named.name && ts.isIdentifier(named.name)) return named.name.text;
    if (ts.isConstructorDeclaration(node)) return `${ts.isClassLike(node.parent) && node.parent.name ? node.parent.name.text : "class"}.constructor`;
    const parent = node.parent;
    if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    return "(anonymous)";
  };
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line;
      const last = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ file, name: nameOf(node), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/**
 * The same graph between top-level folders (one concern each: `pipeline/lib/x.ts` belongs to
 * `pipeline`): an edge from A to B when a file in A imports a file in B (`stacks/tenant-stack.ts`
 * -> `modules/naming.ts` is `stacks` -> `modules`). A cycle here means neither folder can be
 * read, tested or moved without the other, even when no two files import each other.
 */
export function folderOf(file: string): string {
  const slash = file.indexOf("/");
  return slash < 0 ? "." : file.slice(0, slash);
}

export function folderGraph(graph: ImportGraph): ImportGraph {
  const folders = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    const targets = folders.get(from) ?? new Set<string>();
    folders.set(from, targets);
    for (const imported of imports) if (folderOf(imported) !== from) targets.add(folderOf(imported));
  }
  return new Map([...folders].map(([folder, targets]) => [folder, [...targets].sort()]));
}

/**
 * The imports that close a folder cycle: `a/x.ts -> b/y.ts` for every file import from folder A
 * to folder B of the cycle where B also reaches back to A within the cycle. For a cycle of two
 * folders these are the imports in both directions; removing either direction's breaks it.
 */
export function folderCycleEdges(graph: ImportGraph, cycle: readonly string[]): string[] {
  const members = new Set(cycle);
  const folders = folderGraph(graph);
  const direct = (a: string, b: string) => (folders.get(a) ?? []).includes(b);
  const edges: string[] = [];
  for (const [file, imports] of graph) {
    for (const imported of imports) {
      const [from, to] = [folderOf(file), folderOf(imported)];
      if (from !== to && members.has(from) && members.has(to) && direct(to, from)) edges.push(`${file} -> ${imported}`);
    }
  }
  if (edges.length > 0) return edges.sort();
  // No two folders import each other: show one shortest loop through the cycle instead.
  const loop = shortestLoop(folders, cycle[0], members);
  return loop.slice(0, -1).map((from, i) => {
    const to = loop[i + 1];
    const [file, imported] = [...graph].flatMap(([f, imports]) => (folderOf(f) === from ? imports.filter((m) => folderOf(m) === to).map((m) => [f, m]) : []))[0];
    return `${file} -> ${imported}`;
  });
}

/** The shortest path of folders from `start` back to `start` inside `members` (breadth-first). */
function shortestLoop(folders: ImportGraph, start: string, members: ReadonlySet<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const next of folders.get(at) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const inner: string[] = [];
        for (let node = at; node !== start; node = previous.get(node)!) inner.unshift(node);
        return [start, ...inner, start];
      }
      if (!previous.has(next) && next !== start) {
        previous.set(next, at);
        queue.push(next);
      }
    }
  }
  return [start];
}

/** Product code: every file but the tests (a test file may import anything it checks). */
export function productFiles(root: string): string[] {
  return projectFiles(root).filter((file) => !file.startsWith("test/"));
}

function main(argv: readonly string[]): void {
  const option = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const root = resolve(option("--root") ?? join(__dirname, ".."));
  const top = Number(option("--top") ?? 15);
  const files = productFiles(root);
  const graph = importGraph(root, files);
  const cycles = importCycles(graph);
  const folderCycles = importCycles(folderGraph(graph)).map((folders) => ({ folders, edges: folderCycleEdges(graph, folders) }));
  const longest = files
    .flatMap((file) => functionLengths(file, readFileSync(join(root, file), "utf8")))
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file))
    .slice(0, top);
  if (argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ files: files.length, cycles, folderCycles, longest }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${files.length} product files, ${cycles.length} import cycle(s)\n`);
  for (const cycle of cycles) process.stdout.write(`  cycle: ${cycle.join(" <-> ")}\n`);
  process.stdout.write(`${folderCycles.length} folder cycle(s)\n`);
  for (const cycle of folderCycles) {
    process.stdout.write(`  folders: ${cycle.folders.join(" <-> ")}\n`);
    for (const edge of cycle.edges) process.stdout.write(`    ${edge}\n`);
  }
  process.stdout.write(`longest functions:\n`);
  for (const f of longest) process.stdout.write(`  ${String(f.lines).padStart(4)}  ${f.file}:${f.line} ${f.name}\n`);
}

if (require.main === module) main(process.argv.slice(2));
