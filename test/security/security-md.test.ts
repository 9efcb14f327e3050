/**
 * SECURITY.md's numbering and its control → test table stay true (#32): one scheme (controls
 * C<n>, gaps G<n>), every citation of a number in the code and tests names a number SECURITY.md
 * defines, every test file SECURITY.md names exists, and every control has at least one test file
 * in "Enforcing tests" that cites the control's number. Renumbering a control therefore fails
 * here until its tests, the table and every citation agree.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { LIVE_CDKTF_JSON, LIVE_TENANTS_DIR, REPO_ROOT } from "../support/fixtures";

const text = readFileSync(join(REPO_ROOT, "SECURITY.md"), "utf8");

/** The section of SECURITY.md under `heading` (up to the next heading of the same or a higher level). */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`SECURITY.md has no "${heading}"`);
  const level = /^#+/.exec(heading)![0];
  const rest = markdown.slice(start + heading.length + 1);
  const end = rest.search(new RegExp(`^#{1,${level.length}} `, "m"));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The ids of the rows of every control table (`| C14 | ... |`), in order. */
export function controlIds(markdown: string): string[] {
  return [...section(markdown, "## Controls").matchAll(/^\| (C\d+) \| (?!`)/gm)].map((m) => m[1]);
}

/** The ids of the gap list (`- **G3 ...`). */
export function gapIds(markdown: string): string[] {
  return [...section(markdown, "## Gaps").matchAll(/^- \*\*(G\d+)[ .*]/gm)].map((m) => m[1]);
}

/** "Enforcing tests": control id → the test files listed for it. */
export function enforcingTests(markdown: string): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const [, id, files] of section(markdown, "### Enforcing tests").matchAll(/^\| (C\d+) \| (.*) \|$/gm)) {
    table.set(id, [...files.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  }
  return table;
}

/** Whether `source` cites `id` as a whole word (C1 is not cited by C14). */
const cites = (source: string, id: string) => new RegExp(`(?<![A-Za-z0-9-])${id}(?![0-9A-Za-z-])`).test(source);

/** Repository files that may cite SECURITY.md: code, tests, docs, workflows (not dependencies, output or the live fleet). */
function citingFiles(dir = REPO_ROOT): string[] {
  const skip = new Set(["node_modules", ".git", "cdktf.out", ".gen", "reports", ".stryker-tmp", ".venv", "golden", "fixtures"]);
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === LIVE_TENANTS_DIR || path === LIVE_CDKTF_JSON || skip.has(entry.name)) continue;
    if (entry.isDirectory()) files.push(...citingFiles(path));
    else if (/\.(ts|md|ya?ml|sql|sh)$/.test(entry.name) && entry.name !== "SECURITY.md") files.push(path);
  }
  return files;
}

describe("SECURITY.md numbering", () => {
  const controls = controlIds(text);
  const gaps = gapIds(text);

  it("numbers controls C<n> and gaps G<n>, each once (no second scheme such as C-IMG, A1 or G-DB1)", () => {
    expect(controls.length).toBeGreaterThanOrEqual(40);
    expect(gaps.length).toBeGreaterThanOrEqual(10);
    // In order, so a new number goes at the end of its list and its place is obvious.
    expect(controls).toEqual([...controls].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    expect(gaps).toEqual([...gaps].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    const all = [...controls, ...gaps];
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([]);
    expect(text.match(/\b(C-[A-Z]+|G-[A-Z]+\d+|A\d+)\b(?= |\)|,|\.)/g) ?? []).toEqual([]);
  });

  it("every citation in code, tests, docs and workflows names a number SECURITY.md defines", () => {
    const defined = new Set([...controls, ...gaps]);
    const files = citingFiles();
    expect(files.length).toBeGreaterThan(300);
    const dangling: string[] = [];
    let citations = 0;
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      for (const m of source.matchAll(/SECURITY(?:\.md)?(?:[ ,:§]|&sect;)*([A-Z]+-[A-Z0-9]+|[A-Z]+\d+)|\b(?:gap|control)s? ([A-Z]+-[A-Z0-9]+|[CG]\d+)/g)) {
        const id = m[1] ?? m[2];
        citations++;
        if (!defined.has(id)) dangling.push(`${relative(REPO_ROOT, file)}: ${m[0]}`);
      }
    }
    expect(citations).toBeGreaterThan(10);
    expect(dangling).toEqual([]);
  });

  it("every test file SECURITY.md names exists", () => {
    const named = [...new Set([...text.matchAll(/`(test\/[^`*]+\.ts)`/g)].map((m) => m[1]))];
    expect(named.length).toBeGreaterThan(50);
    expect(named.filter((f) => !existsSync(join(REPO_ROOT, f)))).toEqual([]);
  });
});

describe("SECURITY.md Enforcing tests: control → test files", () => {
  it("lists every control, and only controls, in its own order", () => {
    expect([...enforcingTests(text).keys()]).toEqual(controlIds(text));
  });

  it("names at least one test file for every control, and each of them exists and cites the control", () => {
    const table = enforcingTests(text);
    const problems: string[] = [];
    for (const [id, files] of table) {
      if (files.length === 0) problems.push(`${id}: no test file`);
      for (const file of files) {
        if (!/^test\/.+\.test\.ts$/.test(file)) problems.push(`${id}: ${file} is not a test file`);
        else if (!existsSync(join(REPO_ROOT, file))) problems.push(`${id}: ${file} does not exist`);
        else if (!cites(readFileSync(join(REPO_ROOT, file), "utf8"), id)) problems.push(`${id}: ${file} does not cite ${id}`);
      }
    }
    expect(table.size).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it("the checks above can fail: a control missing from the table, a number cited inside a longer one", () => {
    const broken = text.replace(/^\| C1 \| `.*\n/m, "");
    expect(controlIds(broken)).toContain("C1");
    expect([...enforcingTests(broken).keys()]).not.toContain("C1");
    expect(cites("see C14 and G-DB1", "C1")).toBe(false);
    expect(cites("see G-DB1", "G1")).toBe(false);
    expect(cites("see C1, C14", "C1")).toBe(true);
  });
});
