/**
 * `npm run test:mutation [-- --mutate <file>]`: runs StrykerJS (stryker.config.mjs) and merges
 * its result into the report that covers every measured file, reports/mutation/mutation.json.
 *
 * Stryker writes a report (and its incremental file) holding only the files of its own run, so a
 * run narrowed with `--mutate` would replace the whole report with one file. On a shared 2-core
 * machine the files are measured one at a time, so this wrapper has Stryker write the run's
 * report to reports/mutation/last-run.json, gives each narrowed run its own incremental file
 * (reports/mutation/incremental/<file>.json, so re-measuring a file re-tests only what changed),
 * and then replaces in mutation.json exactly the files the run measured, keeping the others.
 * Each file's wall time and command go to reports/mutation/runs.json; the table printed at the end
 * is BENCHMARKS.md's "Mutation testing" table.
 *
 * `npx tsx scripts/mutation.ts --merge-only` merges an existing last-run.json without running.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImportGraph, importGraph } from "../toolchain/code-shape";

const ROOT = join(__dirname, "..");
const DIR = join(ROOT, "reports", "mutation");
export const LAST_RUN = join(DIR, "last-run.json");
export const REPORT = join(DIR, "mutation.json");
const RUNS = join(DIR, "runs.json");

type MutantStatus = "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";
interface FileResult {
  readonly mutants: Array<{ readonly status: MutantStatus }>;
}
export interface Report {
  readonly files: Record<string, FileResult>;
  readonly testFiles?: Record<string, unknown>;
  readonly [key: string]: unknown;
}
export interface Run {
  readonly date: string;
  readonly command: string;
  readonly seconds: number;
}

/** `base` with every file of `run` replaced by the run's result (tests merged the same way). */
export function mergeReports(base: Report | undefined, run: Report): Report {
  return {
    ...(base ?? {}),
    ...run,
    files: { ...(base?.files ?? {}), ...run.files },
    testFiles: { ...(base?.testFiles ?? {}), ...(run.testFiles ?? {}) },
  };
}

export interface FileScore {
  readonly file: string;
  readonly killed: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly timeout: number;
  /** Mutants that do not compile or crash the runner: not counted in the score. */
  readonly invalid: number;
  /** Static mutants (ignoreStatic): not counted. */
  readonly ignored: number;
  /** Stryker's mutation score: detected (killed + timeout) over valid (detected + survived + no coverage), in %. */
  readonly score: number;
}

function score(file: string, mutants: FileResult["mutants"]): FileScore {
  const count = (...statuses: MutantStatus[]) => mutants.filter((m) => statuses.includes(m.status)).length;
  const killed = count("Killed");
  const timeout = count("Timeout");
  const survived = count("Survived");
  const noCoverage = count("NoCoverage");
  const valid = killed + timeout + survived + noCoverage;
  return { file, killed, survived, noCoverage, timeout, invalid: count("CompileError", "RuntimeError"), ignored: count("Ignored"), score: valid === 0 ? NaN : ((killed + timeout) / valid) * 100 };
}

/** Per-file scores and the total over every file of the report. */
export function scores(report: Report): { files: FileScore[]; total: FileScore } {
  const files = Object.entries(report.files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, result]) => score(file, result.mutants));
  return { files, total: score("total", Object.values(report.files).flatMap((f) => f.mutants)) };
}

const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;

/** The markdown table of BENCHMARKS.md. */
export function table(report: Report, runs: Record<string, Run>): string {
  const { files, total } = scores(report);
  const row = (s: FileScore, time: string, date: string) =>
    `| ${s.file === "total" ? "**all files**" : `\`${s.file}\``} | ${s.score.toFixed(2)} % | ${s.killed} | ${s.survived} | ${s.noCoverage} | ${s.timeout} | ${s.invalid} | ${s.ignored} | ${time} | ${date} |`;
  const totalSeconds = files.reduce((sum, f) => sum + (runs[f.file]?.seconds ?? 0), 0);
  return [
    "| file | score | killed | survived | no coverage | timeout | compile/runtime error | static (not scored) | wall time | measured |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...files.map((f) => row(f, runs[f.file] ? minutes(runs[f.file].seconds) : "", runs[f.file]?.date ?? "")),
    row(total, minutes(totalSeconds), ""),
  ].join("\n");
}

/** The module the synthesized app is built from (test/support/synth.ts synthesizes through it). */
export const SYNTH_ENTRY = "stacks/build-app.ts";

/** `entry` and every project file it imports, directly or not. */
export function reachableFrom(graph: ImportGraph, entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(graph.get(file) ?? []));
  }
  return seen;
}

/**
 * Whether every mutant of `files` synthesizes the same fixture fleet: true when none of them is
 * part of the synthesized app. Then the tests' `synthesize()` may synthesize once for the whole run
 * (OPENCLAW_SYNTH_CACHE_DIR) instead of once per mutant, which is what made bootstrap/policies.ts
 * (its tests check the policies against the synthesized stacks) take hours.
 */
export function synthIndependent(files: readonly string[], graph: ImportGraph): boolean {
  const app = reachableFrom(graph, SYNTH_ENTRY);
  return files.length > 0 && files.every((f) => !app.has(f));
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
}

function main(argv: string[]): number {
  const mergeOnly = argv[0] === "--merge-only";
  const args = mergeOnly ? [] : [...argv];
  const mutate = args.indexOf("--mutate") >= 0 ? args[args.indexOf("--mutate") + 1] : undefined;
  if (mutate && !args.includes("--incrementalFile")) {
    args.push("--incrementalFile", join("reports", "mutation", "incremental", `${mutate.replace(/[/\\]/g, "_")}.json`));
  }
  let seconds = 0;
  const started = Date.now();
  if (!mergeOnly) {
    const env = { ...process.env };
    if (mutate && synthIndependent(mutate.split(","), importGraph(ROOT))) {
      env.OPENCLAW_SYNTH_CACHE_DIR = join(mkdtempSync(join(tmpdir(), "mutation-synth-")), "fixtures");
      process.stdout.write(`mutation: ${mutate} is not part of the synthesized app; the fixtures are synthesized once for the run\n`);
    }
    const stryker = spawnSync("npx", ["stryker", "run", ...args], { cwd: ROOT, stdio: "inherit", env });
    seconds = (Date.now() - started) / 1000;
    if (stryker.status !== 0) return stryker.status ?? 2;
  }
  const run = readJson<Report>(LAST_RUN);
  if (!run) {
    process.stderr.write(`mutation: no ${LAST_RUN} to merge\n`);
    return 2;
  }
  mkdirSync(DIR, { recursive: true });
  writeFileSync(REPORT, `${JSON.stringify(mergeReports(readJson<Report>(REPORT), run))}\n`);
  const runs = readJson<Record<string, Run>>(RUNS) ?? {};
  if (!mergeOnly) {
    const files = Object.keys(run.files);
    // A run over several files shares its time among them by their mutant counts.
    const weight = (f: string) => run.files[f].mutants.filter((m) => m.status !== "Ignored").length;
    const all = files.reduce((sum, f) => sum + weight(f), 0) || 1;
    for (const f of files) runs[f] = { date: new Date(started).toISOString().slice(0, 16).replace("T", " "), command: `npm run test:mutation -- ${argv.join(" ")}`.trim(), seconds: (seconds * weight(f)) / all };
    writeFileSync(RUNS, `${JSON.stringify(runs, null, 2)}\n`);
  }
  process.stdout.write(`\n${table(readJson<Report>(REPORT)!, runs)}\n`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
