/**
 * Synth benchmark: `npm run bench:synth -- [--tenants 1,100,1000] [--mode stock,previous,new] [--runs R]`.
 *
 * For each tenant count, generates that many three-agent tenants in a temporary directory
 * (spread over the example environments' regions) and runs each way of synthesizing them,
 * one after the other, printing wall time and the peak resident memory summed over the whole
 * process tree (the cdktf CLI runs the app as a child; the app may run workers), then a table
 * with the ratios.
 *
 * Ways:
 *   stock     the stock cdktf TypeScript template's way: `cdktf synth` with `npx ts-node main.ts`
 *             and the provider imported from the package root (`import { s3Bucket } from
 *             "@cdktf/provider-aws"`), cdktf's defaults (token stack traces, cross-stack
 *             preparation), one App. Generated into a temp dir from this project's modules and
 *             stacks, so it builds the same resources from the same tenants.
 *   previous  this project as it was before the fleet synth (commit PREVIOUS_COMMIT: deep
 *             imports, tsx, one App, 16 SSM contract reads per tenant), through `cdktf synth`.
 *   new       exactly what `npm run synth` runs in this repository: synth/launcher.ts runs
 *             cdktf.json's app as `cdktf synth` would, without the CLI around it.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fleetSizedCdktfJson, generateTenants } from "./fleet";

const ROOT = join(__dirname, "..");
/** The last commit before the fleet synth and the JSON platform contract. */
const PREVIOUS_COMMIT = "e3eafe340ec042c8c773804de74716e8df59d105";

type Mode = "stock" | "previous" | "new";
const MODES: Mode[] = ["stock", "previous", "new"];

interface Options {
  tenants: number[];
  /** Ways measured one after the other on the same generated tenants. */
  modes: Mode[];
  runs: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tenants: [1, 100, 1000], modes: [...MODES], runs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1] ?? "";
    if (arg === "--tenants") options.tenants = value.split(",").map(Number);
    else if (arg === "--mode") options.modes = value.split(",") as Mode[];
    else if (arg === "--runs") options.runs = Number(value);
    else if (arg === "--help") {
      process.stdout.write("usage: npm run bench:synth -- [--tenants 1,100,1000] [--mode stock,previous,new] [--runs R]\n");
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${arg}\n`);
      process.exit(1);
    }
    i++;
  }
  if (options.tenants.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write(`--tenants must be positive integers, got ${options.tenants.join(",")}\n`);
    process.exit(1);
  }
  const unknown = options.modes.filter((m) => !MODES.includes(m));
  if (unknown.length > 0 || options.modes.length === 0) {
    process.stderr.write(`--mode must be stock, previous or new (or a comma-separated list), got ${unknown.join(",")}\n`);
    process.exit(1);
  }
  return options;
}

function treeRssKiB(rootPid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      rss.set(Number(entry), kib);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    total += rss.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** A temp dir whose node_modules is this repository's (same cdktf, provider, tsx, ts-node). */
function appDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** This project at PREVIOUS_COMMIT, from git. */
function previousApp(): string {
  const dir = appDir("openclaw-bench-previous-");
  const archive = execFileSync("git", ["-C", ROOT, "archive", "--format=tar", PREVIOUS_COMMIT], { maxBuffer: 1 << 30 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  return dir;
}

/**
 * The stock template's app over this project's stacks and modules: every deep provider import
 * rewritten to the package root (`import { s3Bucket } from "@cdktf/provider-aws"; import S3Bucket =
 * s3Bucket.S3Bucket;`), cdktf's own TerraformStack behaviour, a main.ts that builds one App and
 * calls app.synth(), and `npx ts-node main.ts` (type-checking, as the template runs it).
 */
function stockApp(): string {
  const dir = appDir("openclaw-bench-stock-");
  for (const sub of ["config", "modules", "stacks", "db", "capacity", "toolchain", "package.json", "package-lock.json"]) cpSync(join(ROOT, sub), join(dir, sub), { recursive: true });
  const index = readFileSync(join(ROOT, "node_modules/@cdktf/provider-aws/lib/index.d.ts"), "utf8");
  const namespaceOf = new Map([...index.matchAll(/export \* as (\w+) from '\.\/([a-z0-9-]+)';/g)].map(([, ns, path]) => [path, ns]));
  const rewrite = (file: string) => {
    const text = readFileSync(file, "utf8").replace(
      /import (type )?\{([^}]*)\} from "@cdktf\/provider-aws\/lib\/([a-z0-9-]+)";/g,
      (_, _type, names: string, path: string) => {
        const ns = namespaceOf.get(path);
        if (!ns) throw new Error(`stock app: no root export for @cdktf/provider-aws/lib/${path}`);
        const aliases = names.split(",").map((n) => n.trim()).filter(Boolean).map((n) => {
          const [name, alias] = n.split(/\s+as\s+/);
          return `import ${alias ?? name} = ${ns}.${name};`;
        });
        return `import { ${ns} } from "@cdktf/provider-aws";\n${aliases.join("\n")}`;
      },
    );
    writeFileSync(file, text);
  };
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) rewrite(path);
    }
  };
  walk(dir);
  writeFileSync(join(dir, "stacks", "self-contained-stack.ts"), 'import { TerraformStack } from "cdktf";\n\nexport abstract class SelfContainedStack extends TerraformStack {}\n');
  writeFileSync(
    join(dir, "main.ts"),
    [
      'import { App } from "cdktf";',
      'import { loadConfig } from "./config/loader";',
      'import { buildApp } from "./stacks/build-app";',
      "",
      "const config = loadConfig({ cdktfJsonPath: process.env.OPENCLAW_CDKTF_JSON!, tenantsDir: process.env.OPENCLAW_TENANTS_DIR! });",
      "const app = new App();",
      "buildApp(app, config);",
      "app.synth();",
      "",
    ].join("\n"),
  );
  const tsconfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8"));
  tsconfig.compilerOptions = { ...tsconfig.compilerOptions, types: ["node"], noEmit: undefined, inlineSourceMap: true, inlineSources: true };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app: "npx ts-node main.ts", output: "cdktf.out", terraformProviders: [], terraformModules: [] }, null, 2));
  return dir;
}

interface Measurement {
  seconds: number;
  peakMiB: number;
  stacks: number;
}

async function run(mode: Mode, cwd: string, tenantsDir: string, cdktfJsonPath: string): Promise<Measurement> {
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-bench-out-"));
  const env = { ...process.env, OPENCLAW_TENANTS_DIR: tenantsDir, OPENCLAW_CDKTF_JSON: cdktfJsonPath, CHECKPOINT_DISABLE: "1", CI: "1" };
  // new: the command line of `npm run synth` itself (its environment included), without npm
  // around it; stock and previous: their own `cdktf synth` as their cdktf.json sets it up.
  const command = mode === "new" ? JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.synth : "CHECKPOINT_DISABLE=1 cdktf synth";
  const started = process.hrtime.bigint();
  const child = spawn("sh", ["-c", `PATH="${join(ROOT, "node_modules", ".bin")}:$PATH"; ${command} --output "${outdir}"`], { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRssKiB(child.pid!))), 100);
  const code: number = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) {
    process.stderr.write(stderr);
    throw new Error(`${mode} synth exited ${code}`);
  }
  const stacks = readdirSync(join(outdir, "stacks")).length;
  rmSync(outdir, { recursive: true, force: true });
  return { seconds, peakMiB: peak / 1024, stacks };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const cdktfJsonPath = fleetSizedCdktfJson();
  const dirs: Partial<Record<Mode, string>> = {};
  if (options.modes.includes("stock")) dirs.stock = stockApp();
  if (options.modes.includes("previous")) dirs.previous = previousApp();
  dirs.new = ROOT;
  const rows: string[] = [];
  try {
    for (const count of options.tenants) {
      const tenantsDir = generateTenants(count);
      try {
        for (let r = 0; r < options.runs; r++) {
          const results: Partial<Record<Mode, Measurement>> = {};
          for (const mode of options.modes) {
            const result = await run(mode, dirs[mode]!, tenantsDir, cdktfJsonPath);
            results[mode] = result;
            process.stdout.write(`tenants=${count} mode=${mode} stacks=${result.stacks} wall=${result.seconds.toFixed(1)}s peak_rss=${Math.round(result.peakMiB)}MiB load=${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}\n`);
          }
          const cell = (m: Mode) => (results[m] ? `${results[m]!.seconds.toFixed(1)} s, ${Math.round(results[m]!.peakMiB)} MiB` : "—");
          const ratio = (m: Mode) => (results[m] && results.new ? `${(results[m]!.seconds / results.new.seconds).toFixed(1)}×` : "—");
          rows.push(`| ${count.toLocaleString("en-US")} | ${Object.values(results)[0]!.stacks} | ${cell("stock")} | ${cell("previous")} | ${cell("new")} | ${ratio("stock")} | ${ratio("previous")} |`);
        }
      } finally {
        rmSync(tenantsDir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(dirname(cdktfJsonPath), { recursive: true, force: true });
    for (const mode of ["stock", "previous"] as const) if (dirs[mode]) rmSync(dirs[mode]!, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      "",
      "| tenants | stacks | stock template (ts-node, root import) | previous (tsx, one App) | new (`npm run synth`) | stock ÷ new | previous ÷ new |",
      "| ---: | ---: | --- | --- | --- | ---: | ---: |",
      ...rows,
      "",
    ].join("\n"),
  );
}

main().catch((err) => {
  process.stderr.write(`bench:synth failed: ${(err as Error).message}\n`);
  process.exit(2);
});
