/**
 * plan-stacks: the shard runner. Plans many stacks with bounded parallelism and leaves
 * one directory per stack for plan-comment / drift-report.
 *
 *   npm run -s plan-stacks -- --synth <dir> --stacks "a b c" --out <dir> [--parallelism 4] [--detailed-exitcode]
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkStackNames, log, parse, run, splitList, UsageError } from "./lib/cli";
import { exec as realExec, mapLimit, type Exec, type ExecResult } from "./lib/exec";
import { redactPlanJson, redactText, sensitiveValues } from "./lib/redact";
import { summarisePlan } from "./lib/plan";
import { stackPolicyViolations } from "./lib/stack-policy";
import { readSynth } from "./lib/synth";

export const HELP = `Usage: npm run -s plan-stacks -- --synth <dir> --stacks "<a b c>" --out <dir> [options]

For each stack: a policy check of its cdk.tf.json (only the hashicorp/aws provider and aws_*
resources and data sources, no modules or provisioners: a pull request's synth output is
untrusted), then terraform init, terraform plan -out, terraform show -json / -no-color.
Writes <out>/<stack>/plan.json (sensitive values masked; state and variables dropped),
plan.txt (redacted), or error.txt when a step failed, and result.json:
  {"stack","status":"planned"|"failed","changes":true|false,"seconds"}
The binary plan file is deleted: it holds secrets in clear text.

The first stack runs alone so it fills TF_PLUGIN_CACHE_DIR (the plugin cache is not
safe for concurrent writers); the rest run --parallelism at a time.

Options:
  --synth <dir>          synth output (cdktf.out) holding stacks/<stack>/cdk.tf.json
  --stacks <list>        stacks to plan, separated by spaces or commas
  --out <dir>            where the per-stack directories go
  --parallelism <n>      stacks planned at once (default 4)
  --detailed-exitcode    pass -detailed-exitcode: changes are drift, not failures
  --lock                 take the state lock (default: -lock=false; the plan role is read-only)
  --dry-run              print the commands per stack, run nothing
  --help                 show this help

Environment: TERRAFORM_BINARY (default: terraform).
Exit codes: 0 every stack planned, 1 bad input, 2 one or more plans failed or unexpected failure.`;

export interface PlanOptions {
  readonly synthDir: string;
  readonly stacks: readonly string[];
  readonly outDir: string;
  readonly parallelism: number;
  readonly detailedExitcode: boolean;
  readonly lock: boolean;
  readonly terraform: string;
  readonly exec: Exec;
  readonly env?: NodeJS.ProcessEnv;
}

export interface StackResult {
  readonly stack: string;
  readonly status: "planned" | "failed";
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

export async function planStack(stack: string, cwd: string, opts: PlanOptions): Promise<StackResult> {
  const started = Date.now();
  const dir = join(opts.outDir, stack);
  mkdirSync(dir, { recursive: true });
  const planFile = resolve(dir, "tfplan");
  const env = { ...(opts.env ?? process.env), TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  const outputs: Record<string, ExecResult> = {};
  let changes = false;
  const finish = (status: StackResult["status"]): StackResult => {
    rmSync(planFile, { force: true }); // holds sensitive values in clear text
    const result = { stack, status, changes, seconds: Math.round((Date.now() - started) / 1000) };
    writeFileSync(join(dir, "result.json"), `${JSON.stringify(result)}\n`);
    return result;
  };
  let violations: string[];
  try {
    violations = stackPolicyViolations(JSON.parse(readFileSync(join(cwd, "cdk.tf.json"), "utf8")));
  } catch (err) {
    violations = [`cannot read cdk.tf.json: ${(err as Error).message}`];
  }
  if (violations.length > 0) {
    // Refused before `terraform init`, which would download and run what the stack names.
    writeFileSync(join(dir, "error.txt"), `refused by the stack policy, not planned:\n${violations.map((v) => `- ${v}`).join("\n")}\n`);
    return finish("failed");
  }
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
      writeFileSync(join(dir, "error.txt"), redactText(`terraform ${step} failed (exit ${r.code})\n\n${tail(`${r.stderr}\n${r.stdout}`)}\n`));
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
  writeFileSync(join(dir, "plan.json"), `${JSON.stringify(redactPlanJson(plan))}\n`);
  writeFileSync(join(dir, "plan.txt"), redactText(outputs.show.stdout, sensitiveValues(plan)));
  if (!opts.detailedExitcode) {
    const s = summarisePlan(stack, plan, "");
    changes = s.add + s.change + s.destroy + s.replace + s.outputsChanged > 0;
  }
  return finish("planned");
}

export async function planStacks(opts: PlanOptions): Promise<StackResult[]> {
  const synth = readSynth(opts.synthDir);
  const missing = opts.stacks.filter((s) => !synth.stacks.has(s));
  if (missing.length) throw new UsageError(`not in ${opts.synthDir}: ${missing.join(", ")}`);
  const total = opts.stacks.length;
  let done = 0;
  const one = async (stack: string): Promise<StackResult> => {
    const info = synth.stacks.get(stack);
    const r = await planStack(stack, resolve(opts.synthDir, info?.workingDirectory ?? `stacks/${stack}`), opts);
    done += 1;
    const what = r.status === "failed" ? "FAILED (see error.txt)" : r.changes ? "changes" : "no changes";
    log(`[${done}/${total}] ${stack}: ${what} (${r.seconds} s)`);
    return r;
  };
  if (total === 0) return [];
  const first = await one(opts.stacks[0]);
  const rest = await mapLimit(opts.stacks.slice(1), opts.parallelism, one);
  return [first, ...rest];
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    synth: { type: "string" },
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
  const opts: PlanOptions = {
    synthDir: values.synth,
    stacks,
    outDir: values.out,
    parallelism,
    detailedExitcode: values["detailed-exitcode"] ?? false,
    lock: values.lock ?? false,
    terraform: process.env.TERRAFORM_BINARY || "terraform",
    exec: realExec,
  };
  if (values["dry-run"]) {
    const synth = readSynth(opts.synthDir);
    for (const s of stacks) {
      if (!synth.stacks.has(s)) throw new UsageError(`not in ${opts.synthDir}: ${s}`);
      for (const c of commands(opts)) {
        process.stdout.write(`${s}: (cd ${join(opts.synthDir, synth.stacks.get(s)?.workingDirectory ?? "")} && ${opts.terraform} ${c.args.join(" ").replace("{plan}", `${opts.outDir}/${s}/tfplan`)})\n`);
      }
    }
    return 0;
  }
  const results = await planStacks(opts);
  const failed = results.filter((r) => r.status === "failed").map((r) => r.stack);
  const changed = results.filter((r) => r.changes).length;
  log(`plan-stacks: ${results.length} planned, ${changed} with changes, ${failed.length} failed${failed.length ? `: ${failed.join(", ")}` : ""}`);
  return failed.length ? 2 : 0;
}

if (require.main === module) run("plan-stacks", HELP, main);
