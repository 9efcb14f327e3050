/**
 * `npm run scan`: the security gate. Synthesizes every stack of every example tenant, runs
 * checkov (terraform_json) once per cdk.tf.json, and fails on any finding that
 * scan/accepted-findings.yaml does not accept, on any file checkov could not parse, on any
 * check that crashed; accepted entries that match nothing are reported for removal. checkov's
 * own exit code is not trusted: it exits 0 on a file it could not parse.
 *
 * Exit codes: 0 gate passed; 1 gate failed; 2 could not scan (bad arguments, checkov missing
 * or not the pinned version, synth failed).
 */
import { cpus } from "node:os";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { ConfigError } from "../config/loader";
import { classify, parseAccepted } from "./accepted";
import { checkovVersion, CheckovFileResult, pinnedCheckovVersion, resolveCheckovBin, runCheckov, writeCheckovCopy } from "./checkov";
import { readSynthDir, REPO_ROOT, SynthesizedStack, synthApp } from "./synth-app";
import { formatSummary, ScanSummary, summarize } from "./summary";

const HELP = `Usage: npm run scan -- [options]

Runs checkov (pinned in requirements-dev.txt) over every synthesized stack and fails on any
finding not accepted in scan/accepted-findings.yaml, on parsing errors and on crashed checks.
Needs Python: python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt

Options:
  --synth-dir DIR   scan an existing synth output (e.g. cdktf.out) instead of synthesizing
  --tenants DIR     tenants directory to synthesize (default: tenants/)
  --accepted FILE   accepted findings (default: scan/accepted-findings.yaml)
  --report FILE     also write the summary as JSON
  --jobs N          checkov processes at a time (default: number of CPUs, at most 4)
  --keep            keep the synth output and checkov's input copies (temp dirs) for inspection
  --help            this text

Environment:
  CHECKOV_BIN       checkov executable (default: .venv-scan/bin/checkov, then .venv/bin/checkov)

Exit codes: 0 passed, 1 gate failed, 2 could not scan.`;

interface Args {
  synthDir?: string;
  tenantsDir?: string;
  accepted: string;
  report?: string;
  jobs: number;
  keep: boolean;
  help: boolean;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { accepted: join(REPO_ROOT, "scan", "accepted-findings.yaml"), jobs: Math.max(1, Math.min(4, cpus().length)), keep: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--synth-dir":
        args.synthDir = resolve(value());
        break;
      case "--tenants":
        args.tenantsDir = resolve(value());
        break;
      case "--accepted":
        args.accepted = resolve(value());
        break;
      case "--report":
        args.report = resolve(value());
        break;
      case "--jobs": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs must be a positive integer, got ${argv[i]}`);
        args.jobs = n;
        break;
      }
      case "--keep":
        args.keep = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown argument ${flag} (see --help)`);
    }
  }
  if (args.synthDir && args.tenantsDir) throw new UsageError("--synth-dir and --tenants exclude each other");
  return args;
}

class UsageError extends Error {}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const log = (line: string) => process.stderr.write(`[scan] ${line}\n`);

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`scan: ${(err as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }

  const { bin, tried } = resolveCheckovBin(REPO_ROOT);
  const version = bin ? await checkovVersion(bin) : undefined;
  if (!bin || !version) {
    process.stderr.write(
      `scan: checkov not found (tried ${tried.join(", ")}).\n` +
        `The scan needs Python 3 and checkov: python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt\n` +
        `or point CHECKOV_BIN at a checkov executable.\n`,
    );
    return 2;
  }
  const pinned = pinnedCheckovVersion(readFileSync(join(REPO_ROOT, "requirements-dev.txt"), "utf8"));
  if (pinned && version !== pinned) {
    process.stderr.write(`scan: ${bin} is checkov ${version}, requirements-dev.txt pins ${pinned}; reinstall: .venv/bin/pip install -r requirements-dev.txt\n`);
    return 2;
  }

  let accepted;
  try {
    accepted = parseAccepted(readFileSync(args.accepted, "utf8"), relative(REPO_ROOT, args.accepted) || args.accepted);
  } catch (err) {
    process.stderr.write(`scan: ${(err as Error).message}\n`);
    return 2;
  }

  let stacks: SynthesizedStack[];
  let synthDir: string | undefined; // ours to delete; a --synth-dir is the caller's
  try {
    if (args.synthDir) {
      if (!existsSync(join(args.synthDir, "stacks"))) throw new UsageError(`${args.synthDir} has no stacks/ directory; run npm run synth first`);
      stacks = readSynthDir(args.synthDir);
      log(`read ${stacks.length} stacks from ${args.synthDir}`);
    } else {
      const synthesis = synthApp({ tenantsDir: args.tenantsDir });
      stacks = synthesis.stacks;
      synthDir = synthesis.outdir;
      log(`synthesized ${stacks.length} stacks (${synthesis.config.tenants.length} tenants) into ${synthesis.outdir}`);
    }
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.problems.join("\n")}\n`);
    else process.stderr.write(`scan: synth failed: ${(err as Error).message}\n`);
    return 2;
  }
  if (stacks.length === 0) {
    process.stderr.write("scan: no stacks to scan\n");
    return 2;
  }

  const workDir = mkdtempSync(join(tmpdir(), "openclaw-checkov-"));
  const dropped = new Set<string>();
  const files = stacks.map((s) => {
    const copy = writeCheckovCopy(join(workDir, "files"), s.name, s.json);
    copy.dropped.forEach((d) => dropped.add(d));
    return { stack: s.name, path: copy.path };
  });
  if (dropped.size > 0) log(`checkov reads copies without ${[...dropped].join(", ")} (its terraform_json parser cannot read plain values in the terraform block; no check looks there)`);
  log(`checkov ${version} (${relative(REPO_ROOT, bin) || bin}): ${files.length} files, ${args.jobs} at a time`);

  const started = Date.now();
  const results: CheckovFileResult[] = await mapLimit(files, args.jobs, async (f) => {
    const result = await runCheckov(bin, f.stack, f.path, workDir);
    log(`${f.stack}: ${result.passed} passed, ${result.failed.length} failed${result.runErrors.length ? `, ${result.runErrors.length} run error(s)` : ""}`);
    return result;
  });
  log(`checkov took ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const classified = classify(
    results.flatMap((r) => r.failed.map((finding) => ({ stack: r.stack, finding }))),
    accepted,
  );
  const summary: ScanSummary = summarize(version, results, classified, accepted);
  process.stdout.write(formatSummary(summary));
  if (args.report) writeFileSync(args.report, `${JSON.stringify(summary, null, 2)}\n`);
  if (args.keep) log(`kept ${[synthDir, workDir].filter(Boolean).join(" and ")}`);
  else for (const dir of [synthDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  return summary.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`scan: unexpected failure: ${(err as Error).stack ?? err}\n`);
      process.exit(2);
    },
  );
}
