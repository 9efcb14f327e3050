/**
 * deploy-stacks: `cdktf deploy` of one environment's affected stacks, wave by wave.
 *
 *   npm run -s deploy-stacks -- --affected <file> --synth <dir> --environment <env> [--base-synth <dir>] [--parallelism 8]
 */
import { appendFileSync } from "node:fs";
import { log, parse, run, UsageError } from "./lib/cli";
import { readAffected, type AffectedFile } from "./lib/affected-file";
import { exec as realExec, type Exec } from "./lib/exec";
import { readSynth, type Synth } from "./lib/synth";

export const HELP = `Usage: npm run -s deploy-stacks -- --affected <file> --synth <dir> --environment <env> [options]

Deploys the changed and added stacks of one environment with \`cdktf deploy\`, one wave
at a time in the order \`affected\` computed (platform stacks before their tenants),
stacks within a wave in parallel. Stops at the first failed wave.

Removed stacks are never destroyed: when the environment lost stacks, the changed ones
are still deployed, then the tool prints the offboarding steps and exits 1.

Options:
  --affected <file>      output of \`npm run -s affected\`
  --synth <dir>          synth output to deploy (cdktf.out; deployed with --skip-synth)
  --environment <env>    only stacks whose provider default tag Environment is <env>
  --base-synth <dir>     base synth output, to tell which environment a removed stack was in
  --parallelism <n>      stacks deployed at once within a wave (default 8)
  --summary <file>       append a Markdown report (e.g. "$GITHUB_STEP_SUMMARY")
  --base-ref <sha>       the compared base commit, named in the offboarding steps
  --dry-run              print the cdktf commands, run nothing
  --help                 show this help

Environment: CDKTF_BINARY (default: node_modules/.bin/cdktf).
Exit codes: 0 deployed, 1 bad input or removed stacks refused, 2 a deploy failed or
unexpected failure.`;

export interface DeployOptions {
  readonly affected: AffectedFile;
  readonly head: Synth;
  readonly base?: Synth;
  readonly environment: string;
  readonly parallelism: number;
  readonly dryRun: boolean;
  readonly cdktf: string;
  readonly exec: Exec;
  readonly print: (line: string) => void;
  /** Commit that still had the removed stacks, named in the offboarding steps. */
  readonly baseRef?: string;
}

export interface DeployReport {
  readonly waves: { stacks: string[]; status: "deployed" | "failed" | "skipped" | "planned" }[];
  readonly removed: string[];
  readonly exitCode: number;
  readonly markdown: string;
}

export function deployArgs(stacks: readonly string[], synthDir: string, parallelism: number): string[] {
  return [
    "deploy",
    ...stacks,
    "--auto-approve",
    "--skip-synth", // deploy exactly what affected compared
    "--output",
    synthDir,
    "--parallelism",
    String(parallelism),
    // tenants of an unchanged platform are deployed without it; the order between
    // affected stacks comes from our waves
    "--ignore-missing-stack-dependencies",
    "--no-color",
  ];
}

export function offboardingSteps(removed: readonly string[], environment: string, baseRef = "<base commit>"): string {
  return [
    `Refusing to destroy removed stack(s) in ${environment}: ${removed.join(", ")}.`,
    "The pipeline never destroys a stack whose definition disappeared: the tenant's bucket, KMS key,",
    "secrets and database schema would go with it. Its AWS resources and state are untouched.",
    "To offboard, for each stack (see .github/README.md, 'Offboarding a tenant'):",
    "  1. Confirm the removal was intended; export or hand over the tenant's data.",
    `  2. git checkout ${baseRef} && npm ci && npm run synth   (the last revision that still had the stack)`,
    "  3. With the deploy role: terraform -chdir=cdktf.out/stacks/<stack> init, then plan -destroy and review;",
    "     stateful resources carry prevent_destroy, so keep them (terraform state rm) or delete them deliberately.",
    "  4. terraform apply the reviewed destroy plan and record it in the offboarding issue.",
    "Nothing to re-run afterwards: later deploys only compare newer commits.",
  ].join("\n");
}

export async function deploy(opts: DeployOptions): Promise<DeployReport> {
  const inEnv = (s: string, synth: Synth | undefined) => synth?.stacks.get(s)?.environment === opts.environment;
  const waves = opts.affected.order.map((w) => w.filter((s) => inEnv(s, opts.head))).filter((w) => w.length > 0);
  const removed = opts.affected.removed.filter((s) => (opts.base ? inEnv(s, opts.base) : true));
  const report: DeployReport["waves"] = [];
  let failed = false;
  for (const [i, stacks] of waves.entries()) {
    if (failed) {
      report.push({ stacks, status: "skipped" });
      continue;
    }
    const args = deployArgs(stacks, opts.head.dir, opts.parallelism);
    log(`[wave ${i + 1}/${waves.length}] ${opts.environment}: cdktf deploy ${stacks.length} stack(s): ${stacks.join(" ")}`);
    if (opts.dryRun) {
      opts.print(`${opts.cdktf} ${args.join(" ")}`);
      report.push({ stacks, status: "planned" });
      continue;
    }
    // Live output: a long apply shows progress, and a timed-out job still has its log.
    // Terraform prints sensitive values as "(sensitive value)"; GitHub masks registered secrets.
    const r = await opts.exec(opts.cdktf, args, { env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "true" }, stream: true });
    const ok = r.code === 0;
    report.push({ stacks, status: ok ? "deployed" : "failed" });
    if (!ok) {
      failed = true;
      log(`::error::cdktf deploy failed in wave ${i + 1} (${opts.environment}): ${stacks.join(", ")}; later waves skipped`);
    }
  }
  if (removed.length) {
    for (const line of offboardingSteps(removed, opts.environment, opts.baseRef).split("\n")) log(line);
    log(`::error::Removed stacks need offboarding (not destroyed): ${removed.join(", ")}`);
  }

  const md: string[] = [`### Deploy ${opts.environment}${opts.dryRun ? " (dry run)" : ""}`, ""];
  if (waves.length === 0) md.push("No changed or added stacks in this environment.", "");
  else {
    md.push("| Wave | Stacks | Result |", "|--:|---|---|");
    report.forEach((w, i) => md.push(`| ${i + 1} | ${w.stacks.map((s) => `\`${s}\``).join(" ")} | ${w.status} |`));
    md.push("");
  }
  if (removed.length) {
    md.push("> [!CAUTION]", `> Removed stacks were **not destroyed** and need offboarding: ${removed.map((s) => `\`${s}\``).join(", ")}.`);
    md.push("> See `.github/README.md`, section *Offboarding a tenant*.", "");
  }
  const exitCode = failed ? 2 : removed.length ? 1 : 0;
  return { waves: report, removed, exitCode, markdown: md.join("\n") };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    affected: { type: "string" },
    synth: { type: "string" },
    "base-synth": { type: "string" },
    environment: { type: "string" },
    parallelism: { type: "string" },
    summary: { type: "string" },
    "base-ref": { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (!values.affected || !values.synth || !values.environment) throw new UsageError("--affected, --synth and --environment are required");
  const parallelism = values.parallelism === undefined ? 8 : Number(values.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 64) {
    throw new UsageError(`--parallelism must be an integer from 1 to 64, got ${values.parallelism}`);
  }
  const affected = readAffected(values.affected);
  const head = readSynth(values.synth);
  const unknown = affected.order.flat().filter((s) => !head.stacks.has(s));
  if (unknown.length) throw new UsageError(`${values.affected} names stacks not in ${values.synth}: ${unknown.join(", ")}`);
  const report = await deploy({
    affected,
    head,
    // only needed to place removed stacks in an environment (a full deploy has no base)
    base: values["base-synth"] && affected.removed.length ? readSynth(values["base-synth"]) : undefined,
    environment: values.environment,
    parallelism,
    dryRun: values["dry-run"] ?? false,
    cdktf: process.env.CDKTF_BINARY || "node_modules/.bin/cdktf",
    exec: realExec,
    print: (line) => process.stdout.write(`${line}\n`),
    baseRef: values["base-ref"] || undefined,
  });
  if (values.summary) appendFileSync(values.summary, `${report.markdown}\n`);
  return report.exitCode;
}

if (require.main === module) run("deploy-stacks", HELP, main);
