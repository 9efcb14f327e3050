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
import { readTenantDir, splitRemovedStacks, type TenantLifecycleFields } from "./lib/tenant-files";
import { tenantIdOfStackName } from "../modules/naming";
import { awaitsOffboarding } from "../config/tenant-lifecycle";

export const HELP = `Usage: npm run -s deploy-stacks -- --affected <file> --synth <dir> --environment <env> [options]

Deploys the changed and added stacks of one environment with \`cdktf deploy\`, one wave
at a time in the order \`affected\` computed (platform stacks before their tenants),
stacks within a wave in parallel. Stops at the first failed wave.

Removed stacks are never destroyed: when the environment lost stacks, the changed ones
are still deployed, then the tool says how to offboard and exits 1. A removed tenant
stack whose tenant file is an offboarded tombstone (--tenants) was destroyed by the
offboarding job: it is reported, not refused. The stack of a tenant in status
offboarding is never deployed here: the offboarding job (npm run offboard) applies its
teardown form and destroys it, so no deploy can recreate what offboarding removed.

Options:
  --affected <file>      output of \`npm run -s affected\`
  --synth <dir>          synth output to deploy (cdktf.out; deployed with --skip-synth)
  --environment <env>    only stacks whose provider default tag Environment is <env>
  --base-synth <dir>     base synth output, to tell which environment a removed stack was in
  --tenants <dir>        the deployed commit's tenant files (lifecycle status, read as data)
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
  /** The deployed commit's tenant files by id; without them no stack counts as offboarding or offboarded. */
  readonly tenants?: ReadonlyMap<string, TenantLifecycleFields>;
}

export interface DeployReport {
  readonly waves: { stacks: string[]; status: "deployed" | "failed" | "skipped" | "planned" }[];
  readonly removed: string[];
  /** Tenant stacks left to the offboarding job (status offboarding). */
  readonly offboarding: string[];
  /** Removed stacks whose tenant file is an offboarded tombstone. */
  readonly offboarded: string[];
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
    `To offboard instead (see .github/README.md, 'Offboarding a tenant'): restore the tenant file from ${baseRef},`,
    "set status: offboarding and merge; the deploy workflow's offboard job exports, destroys and records,",
    "then prints the tombstone edit (status: offboarded) to merge.",
  ].join("\n");
}

export async function deploy(opts: DeployOptions): Promise<DeployReport> {
  const inEnv = (s: string, synth: Synth | undefined) => synth?.stacks.get(s)?.environment === opts.environment;
  const statusOf = (stack: string) => {
    const id = tenantIdOfStackName(stack);
    return id === undefined ? undefined : opts.tenants?.get(id)?.status;
  };
  const offboarding = opts.affected.order.flat().filter((s) => inEnv(s, opts.head) && awaitsOffboarding(statusOf(s)));
  const waves = opts.affected.order.map((w) => w.filter((s) => inEnv(s, opts.head) && !offboarding.includes(s))).filter((w) => w.length > 0);
  const gone = opts.affected.removed.filter((s) => (opts.base ? inEnv(s, opts.base) : true));
  const { offboarded, needOffboarding: removed } = splitRemovedStacks(gone, (id) => opts.tenants?.get(id)?.status);
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
  if (offboarding.length) {
    log(`Offboarding, left to the offboard job (not deployed here): ${offboarding.join(", ")}`);
    md.push(`Offboarding (applied and destroyed by the offboard job, not deployed here): ${offboarding.map((s) => `\`${s}\``).join(", ")}.`, "");
  }
  if (offboarded.length) {
    log(`Removed stacks of offboarded tenants (destroyed by the offboarding job): ${offboarded.join(", ")}`);
    md.push(`Offboarded (tombstone; destroyed by the offboarding job): ${offboarded.map((s) => `\`${s}\``).join(", ")}.`, "");
  }
  if (removed.length) {
    md.push("> [!CAUTION]", `> Removed stacks were **not destroyed** and need offboarding: ${removed.map((s) => `\`${s}\``).join(", ")}.`);
    md.push("> See `.github/README.md`, section *Offboarding a tenant*.", "");
  }
  const exitCode = failed ? 2 : removed.length ? 1 : 0;
  return { waves: report, removed, offboarding, offboarded, exitCode, markdown: md.join("\n") };
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
    tenants: { type: "string" },
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
    tenants: values.tenants ? readTenants(values.tenants) : undefined,
  });
  if (values.summary) appendFileSync(values.summary, `${report.markdown}\n`);
  return report.exitCode;
}

function readTenants(dir: string): Map<string, TenantLifecycleFields> {
  try {
    return readTenantDir(dir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

if (require.main === module) run("deploy-stacks", HELP, main);
