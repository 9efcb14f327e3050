/**
 * Synth benchmark: `npm run bench:synth -- --tenants N [--mode cli|direct|stock[,...]] [--runs R]`.
 *
 * Generates N three-agent tenants in a temporary directory (spread over the example
 * environments' regions), runs the real synth against them and prints wall time and the peak
 * resident memory summed over the whole process tree (the cdktf CLI runs the app as a child).
 *
 * Modes:
 *   cli     `cdktf synth` with this repository's app command (tsx): what `npm run synth` does
 *   direct  the app run with tsx, no CLI around it
 *   stock   `cdktf synth` with `npx ts-node main.ts`, the stock cdktf TypeScript template's command
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fleetSizedCdktfJson, generateTenants } from "./fleet";

const ROOT = join(__dirname, "..");

type Mode = "cli" | "direct" | "stock";

interface Options {
  tenants: number;
  /** Modes measured one after the other on the same generated tenants. */
  modes: Mode[];
  runs: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tenants: 100, modes: ["cli"], runs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--tenants") options.tenants = Number(value);
    else if (arg === "--mode") options.modes = (value ?? "").split(",") as Mode[];
    else if (arg === "--runs") options.runs = Number(value);
    else if (arg === "--help") {
      process.stdout.write("usage: npm run bench:synth -- --tenants N [--mode cli|direct|stock[,...]] [--runs R]\n");
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${arg}\n`);
      process.exit(1);
    }
    i++;
  }
  if (!Number.isInteger(options.tenants) || options.tenants < 1) {
    process.stderr.write(`--tenants must be a positive integer, got ${options.tenants}\n`);
    process.exit(1);
  }
  const unknown = options.modes.filter((m) => !["cli", "direct", "stock"].includes(m));
  if (unknown.length > 0 || options.modes.length === 0) {
    process.stderr.write(`--mode must be cli, direct or stock (or a comma-separated list), got ${unknown.join(",")}\n`);
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

async function run(mode: Mode, tenantsDir: string, cdktfJsonPath: string): Promise<{ seconds: number; peakMiB: number; stacks: number }> {
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-bench-out-"));
  const env = { ...process.env, OPENCLAW_TENANTS_DIR: tenantsDir, OPENCLAW_CDKTF_JSON: cdktfJsonPath, CHECKPOINT_DISABLE: "1", CI: "1" };
  const cdktf = join(ROOT, "node_modules", ".bin", "cdktf");
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const [command, args] =
    mode === "direct"
      ? [tsx, ["main.ts"]]
      : mode === "stock"
        ? [cdktf, ["synth", "--app", "npx ts-node main.ts", "--output", outdir]]
        : [cdktf, ["synth", "--output", outdir]];
  if (mode === "direct") (env as Record<string, string>).CDKTF_OUTDIR = outdir;

  const started = process.hrtime.bigint();
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRssKiB(child.pid!))), 100);
  const code: number = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) {
    process.stderr.write(stderr);
    throw new Error(`synth exited ${code}`);
  }
  const stacks = readdirSync(join(outdir, "stacks")).length;
  rmSync(outdir, { recursive: true, force: true });
  return { seconds, peakMiB: peak / 1024, stacks };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const tenantsDir = generateTenants(options.tenants);
  const cdktfJsonPath = fleetSizedCdktfJson();
  try {
    for (let r = 0; r < options.runs; r++) {
      for (const mode of options.modes) {
        const result = await run(mode, tenantsDir, cdktfJsonPath);
        process.stdout.write(
          `tenants=${options.tenants} mode=${mode} stacks=${result.stacks} wall=${result.seconds.toFixed(1)}s peak_rss=${Math.round(result.peakMiB)}MiB\n`,
        );
      }
    }
  } finally {
    rmSync(tenantsDir, { recursive: true, force: true });
    rmSync(dirname(cdktfJsonPath), { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench:synth failed: ${(err as Error).message}\n`);
  process.exit(2);
});
