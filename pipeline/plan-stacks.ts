/**
 * plan-stacks: the shard runner. Plans many stacks with bounded parallelism and leaves
 * one directory per stack for plan-comment / drift-report.
 *
 *   npm run -s plan-stacks -- --synth <dir> --stacks "a b c" --out <dir> [--parallelism 4] [--detailed-exitcode]
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { EnvironmentsConfig } from "../config/environment-schema";
import { ConfigError, loadEnvironments } from "../config/loader";
import { checkStackNames, log, parse, run, splitList, UsageError } from "./lib/cli";
import { exec as realExec, mapLimit, type Exec, type ExecResult } from "./lib/exec";
import { redactPlanJson, redactText, sensitiveValues } from "./lib/redact";
import { credentialsFromEnvironment, encodedForms, serveCredentials, terraformEnvironment } from "./lib/terraform-env";
import { summarisePlan } from "./lib/plan";
import { checkSecrets, plannedSecretCreates, secretsManagerPerRegion, type SecretCheck } from "./lib/scheduled-secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { stackPolicyViolations } from "./lib/stack-policy";
import { readSynth } from "./lib/synth";

export const HELP = `Usage: npm run -s plan-stacks -- --synth <dir> --stacks "<a b c>" --out <dir> [options]

For each stack: its cdk.tf.json alone (nothing else of the synth directory: Terraform would load
every *.tf / *.tf.json beside it) is checked against the stack policy and written to a fresh
directory; only then terraform init, terraform plan -out, terraform show -json / -no-color run
there. The policy (pipeline/lib/stack-policy.ts) is an allow-list of what the project's stacks
contain: hashicorp/aws with the arguments StackSettings writes, the backend this checkout's
cdktf.json gives the stack name, aws_* resources, the project's data sources and functions, no
outputs, modules or provisioners. A pull request's synth output is untrusted data; a refused
stack fails with one line per reason in error.txt and is never given to terraform.
Writes <out>/<stack>/plan.json (sensitive values masked; state and variables dropped),
plan.txt (redacted), or error.txt when a step failed, and result.json:
  {"stack","status":"planned"|"failed","changes":true|false,"seconds"}
The binary plan file is deleted: it holds secrets in clear text.
Each secret the plan creates is looked up (DescribeSecret, the plan role's read): one whose name
is scheduled for deletion (an integration removed and re-added within the recovery window)
would fail the apply, and the plan comment says so with the fix. secrets.json holds the result:
  {"checked","recoveryWindowDays","scheduled":[{"address","name","arn","deletedDate"}],"error"?}
A failed lookup is recorded in "error" and never fails the plan.

The first stack runs alone so it fills TF_PLUGIN_CACHE_DIR (the plugin cache is not
safe for concurrent writers); the rest run --parallelism at a time.

Options:
  --synth <dir>          synth output (cdktf.out) holding stacks/<stack>/cdk.tf.json
  --cdktf-json <file>    cdktf.json whose environments decide the expected backends (default cdktf.json)
  --stacks <list>        stacks to plan, separated by spaces or commas
  --out <dir>            where the per-stack directories go
  --parallelism <n>      stacks planned at once (default 4)
  --detailed-exitcode    pass -detailed-exitcode: changes are drift, not failures
  --lock                 take the state lock (default: -lock=false; the plan role is read-only)
  --dry-run              print the commands per stack, run nothing
  --help                 show this help

Environment: TERRAFORM_BINARY (default: terraform).
Exit codes: 0 every stack planned, 1 bad input, 2 one or more stacks refused or failed, or an unexpected failure.`;

export interface PlanOptions {
  readonly synthDir: string;
  /** Environments of the trusted checkout's cdktf.json: the expected backend and account per stack. */
  readonly environments: EnvironmentsConfig;
  readonly stacks: readonly string[];
  readonly outDir: string;
  readonly parallelism: number;
  readonly detailedExitcode: boolean;
  readonly lock: boolean;
  readonly terraform: string;
  readonly exec: Exec;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Secrets Manager in a stack's region: with it, the secrets each plan creates are checked for a
   * pending deletion (secrets.json, shown by plan-comment). main() always passes one.
   */
  readonly secretsManager?: (region: string) => SecretsManagerClient;
}

export interface StackResult {
  readonly stack: string;
  /** `refused`: the stack policy kept it from terraform (reasons in error.txt). */
  readonly status: "planned" | "failed" | "refused";
  /** The plan proposes changes (with --detailed-exitcode: exit code 2). */
  readonly changes: boolean;
  readonly seconds: number;
}

/** The commands for one stack, in order; `{plan}` stands for the saved plan file. */
export function commands(opts: Pick<PlanOptions, "detailedExitcode" | "lock">): { step: string; args: string[] }[] {
  const plan = ["plan", "-input=false", "-no-color", `-lock=${opts.lock}`, "-out={plan}"];
  if (opts.detailedExitcode) plan.push("-detailed-exitcode");
  return [
    { step: "init", args: ["init", "-input=false", "-no-color"] },
    { step: "plan", args: plan },
    { step: "show -json", args: ["show", "-json", "{plan}"] },
    { step: "show", args: ["show", "-no-color", "{plan}"] },
  ];
}

function tail(text: string, lines = 150): string {
  const all = text.trimEnd().split("\n");
  return all.length > lines ? [`… (${all.length - lines} earlier lines cut)`, ...all.slice(-lines)].join("\n") : all.join("\n");
}

/**
 * Reads `<synth>/stacks/<stack>/cdk.tf.json` alone, ignoring manifest paths and every other file
 * of the untrusted synth output, and returns the parsed config or why it cannot be used.
 */
export function readStackConfig(synthDir: string, stack: string): { config?: Record<string, unknown>; problem?: string } {
  const file = join(synthDir, "stacks", stack, "cdk.tf.json");
  try {
    // A symlink could point the policy at one file and terraform at another.
    if (!lstatSync(file).isFile()) return { problem: `stacks/${stack}/cdk.tf.json is not a regular file` };
    return { config: JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> };
  } catch (err) {
    return { problem: `cannot read stacks/${stack}/cdk.tf.json: ${(err as Error).message}` };
  }
}

/**
 * A fresh directory (named after the stack, as terraform's working directory) holding only the
 * checked config, re-serialized from what the policy read: duplicate keys or other files in the
 * artifact never reach terraform.
 */
function cleanWorkingDirectory(stack: string, config: unknown): string {
  const dir = join(mkdtempSync(join(tmpdir(), "openclaw-plan-")), stack);
  mkdirSync(dir);
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(config, null, 2));
  return dir;
}

/** What terraform runs with (pipeline/lib/terraform-env.ts), and what must never be printed. */
interface TerraformJob {
  readonly env: Record<string, string>;
  /** Credential values and every encoded form of them, scrubbed from all output. */
  readonly secrets: readonly string[];
}

export async function planStack(stack: string, opts: PlanOptions, job: TerraformJob = { env: terraformEnvironment(opts.env ?? process.env), secrets: [] }): Promise<StackResult> {
  const started = Date.now();
  const dir = join(opts.outDir, stack);
  mkdirSync(dir, { recursive: true });
  const planFile = resolve(dir, "tfplan");
  const env = { ...job.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  const outputs: Record<string, ExecResult> = {};
  let changes = false;
  let cwd: string | undefined;
  const finish = (status: StackResult["status"]): StackResult => {
    rmSync(planFile, { force: true }); // holds sensitive values in clear text
    if (cwd) rmSync(resolve(cwd, ".."), { recursive: true, force: true });
    const result = { stack, status, changes, seconds: Math.round((Date.now() - started) / 1000) };
    writeFileSync(join(dir, "result.json"), `${JSON.stringify(result)}\n`);
    return result;
  };
  const { config, problem } = readStackConfig(opts.synthDir, stack);
  const violations = problem ? [problem] : stackPolicyViolations(stack, config!, opts.environments);
  if (violations.length > 0) {
    // Refused before `terraform init`, which would download and run what the stack names.
    writeFileSync(join(dir, "error.txt"), `refused by the stack policy, not planned:\n${violations.map((v) => `- ${v}`).join("\n")}\n`);
    for (const v of violations) log(`${stack}: refused: ${v}`);
    return finish("refused");
  }
  cwd = cleanWorkingDirectory(stack, config);
  for (const { step, args } of commands(opts)) {
    const r = await opts.exec(
      opts.terraform,
      args.map((a) => a.replace("{plan}", planFile)),
      { cwd, env },
    );
    outputs[step] = r;
    const ok = r.code === 0 || (step === "plan" && opts.detailedExitcode && r.code === 2);
    if (step === "plan" && opts.detailedExitcode && r.code === 2) changes = true;
    if (!ok) {
      writeFileSync(join(dir, "error.txt"), redactText(`terraform ${step} failed (exit ${r.code})\n\n${tail(`${r.stderr}\n${r.stdout}`)}\n`, job.secrets));
      return finish("failed");
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(outputs["show -json"].stdout);
  } catch (err) {
    writeFileSync(join(dir, "error.txt"), `terraform show -json printed invalid JSON: ${(err as Error).message}\n`);
    return finish("failed");
  }
  const plan = raw as Parameters<typeof redactPlanJson>[0];
  writeFileSync(join(dir, "plan.json"), `${JSON.stringify(redactPlanJson(plan, job.secrets))}\n`);
  writeFileSync(join(dir, "plan.txt"), redactText(outputs.show.stdout, [...sensitiveValues(plan), ...job.secrets]));
  if (!opts.detailedExitcode) {
    const s = summarisePlan(stack, plan, "");
    changes = s.add + s.change + s.destroy + s.replace + s.outputsChanged > 0;
  }
  if (opts.secretsManager) await recordSecretCheck(dir, config as ProviderConfig, raw, opts);
  return finish("planned");
}

type ProviderConfig = { provider?: { aws?: { region?: string; default_tags?: { tags?: { Environment?: string } }[] }[] } };

/**
 * secrets.json: the secrets this plan creates whose name is scheduled for deletion (#26 finding 7).
 * Only creates count (a secret the state holds and the plan keeps is never re-created); a failed
 * lookup is written as `error`, so the comment says the check did not happen instead of failing.
 */
async function recordSecretCheck(dir: string, config: ProviderConfig, plan: unknown, opts: PlanOptions): Promise<void> {
  const creates = plannedSecretCreates(plan as Record<string, unknown>);
  if (creates.length === 0 || !opts.secretsManager) return;
  const provider = config.provider?.aws?.[0];
  const environment = provider?.default_tags?.[0]?.tags?.Environment ?? "";
  const recoveryWindowDays = opts.environments[environment]?.offboarding.secretRecoveryWindowDays ?? 30;
  let check: SecretCheck;
  try {
    check = await checkSecrets(opts.secretsManager(provider?.region ?? ""), creates);
  } catch (err) {
    check = { checked: creates.length, scheduled: [], error: (err as Error).message };
  }
  const scheduled = check.scheduled.map((d) => ({ address: d.address, name: d.name, ...(d.arn ? { arn: d.arn } : {}), deletedDate: d.deletedDate.toISOString() }));
  writeFileSync(join(dir, "secrets.json"), `${JSON.stringify({ checked: check.checked, recoveryWindowDays, scheduled, ...(check.error ? { error: check.error } : {}) })}\n`);
}

export async function planStacks(opts: PlanOptions): Promise<StackResult[]> {
  const synth = readSynth(opts.synthDir);
  const missing = opts.stacks.filter((s) => !synth.stacks.has(s));
  if (missing.length) throw new UsageError(`not in ${opts.synthDir}: ${missing.join(", ")}`);
  const total = opts.stacks.length;
  let done = 0;
  const parent = opts.env ?? process.env;
  const credentials = credentialsFromEnvironment(parent);
  const endpoint = credentials ? await serveCredentials(credentials) : undefined;
  const job: TerraformJob = {
    env: terraformEnvironment(parent, endpoint?.env),
    secrets: [credentials?.accessKeyId, credentials?.secretAccessKey, credentials?.sessionToken, endpoint?.env.AWS_CONTAINER_AUTHORIZATION_TOKEN, parent.ACTIONS_ID_TOKEN_REQUEST_TOKEN, parent.ACTIONS_RUNTIME_TOKEN, parent.GITHUB_TOKEN]
      .filter((v): v is string => typeof v === "string" && v.length >= 8)
      .flatMap(encodedForms),
  };
  const one = async (stack: string): Promise<StackResult> => {
    const r = await planStack(stack, opts, job);
    done += 1;
    const what = r.status === "refused" ? "REFUSED by the stack policy (see error.txt)" : r.status === "failed" ? "FAILED (see error.txt)" : r.changes ? "changes" : "no changes";
    log(`[${done}/${total}] ${stack}: ${what} (${r.seconds} s)`);
    return r;
  };
  try {
    if (total === 0) return [];
    const first = await one(opts.stacks[0]);
    const rest = await mapLimit(opts.stacks.slice(1), opts.parallelism, one);
    return [first, ...rest];
  } finally {
    await endpoint?.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    synth: { type: "string" },
    "cdktf-json": { type: "string" },
    stacks: { type: "string" },
    out: { type: "string" },
    parallelism: { type: "string" },
    "detailed-exitcode": { type: "boolean" },
    lock: { type: "boolean" },
    "dry-run": { type: "boolean" },
  });
  if (!values.synth || !values.out || values.stacks === undefined) throw new UsageError("--synth, --stacks and --out are required");
  const stacks = [...new Set(splitList(values.stacks))];
  checkStackNames(stacks, "--stacks");
  const parallelism = values.parallelism === undefined ? 4 : Number(values.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 32) {
    throw new UsageError(`--parallelism must be an integer from 1 to 32, got ${values.parallelism}`);
  }
  let environments: EnvironmentsConfig;
  try {
    environments = loadEnvironments(resolve(values["cdktf-json"] ?? "cdktf.json"));
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`--cdktf-json: ${err.message}`);
    throw err;
  }
  const opts: PlanOptions = {
    synthDir: values.synth,
    environments,
    stacks,
    outDir: values.out,
    parallelism,
    detailedExitcode: values["detailed-exitcode"] ?? false,
    lock: values.lock ?? false,
    terraform: process.env.TERRAFORM_BINARY || "terraform",
    exec: realExec,
    secretsManager: secretsManagerPerRegion(),
  };
  if (values["dry-run"]) {
    const synth = readSynth(opts.synthDir);
    for (const s of stacks) {
      if (!synth.stacks.has(s)) throw new UsageError(`not in ${opts.synthDir}: ${s}`);
      for (const c of commands(opts)) {
        process.stdout.write(`${s}: (cd <fresh directory holding only ${join(opts.synthDir, "stacks", s, "cdk.tf.json")}> && ${opts.terraform} ${c.args.join(" ").replace("{plan}", `${opts.outDir}/${s}/tfplan`)})\n`);
      }
    }
    return 0;
  }
  const results = await planStacks(opts);
  const failed = results.filter((r) => r.status !== "planned").map((r) => r.stack);
  const changed = results.filter((r) => r.changes).length;
  log(`plan-stacks: ${results.length} planned, ${changed} with changes, ${failed.length} failed${failed.length ? `: ${failed.join(", ")}` : ""}`);
  return failed.length ? 2 : 0;
}

if (require.main === module) run("plan-stacks", HELP, main);
