/**
 * offboard: the offboarding job. For every tenant whose file says `status: offboarding`,
 * in order, each step recorded in a checkpoint so a failed run resumes where it stopped:
 *
 *   1. agents   apply the stack's teardown form (0 tasks, destroy protection lifted),
 *               then wait until ECS reports no running or pending task
 *   2. export   drop mode: the provisioner's `export` operation writes the database rows
 *               straight to the platform's offboarding archive (platform key) and returns
 *               their SHA-256; the job checks S3's stored checksum and size against it.
 *               A manifest of every object version in the tenant bucket (ListObjectVersions,
 *               GetObjectAttributes: no tenant object is read) goes to the archive too.
 *   3. destroy  re-verify the archive, plan the destroy, drop the database side (the
 *               provisioner's offboarding delete, which drops on the verified export and
 *               never exports again), empty the tenant bucket (all versions and delete
 *               markers), `terraform destroy` the stack (its provisioner delete then finds
 *               nothing: `absent`), check the KMS key's deletion date
 *   4. record   JSON + Markdown offboarding record in the state bucket, run summary,
 *               and the one-line tombstone edit to merge
 *
 *   npm run -s offboard -- --tenants <dir> --synth <dir> --environment <env> [options]
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { ECSClient } from "@aws-sdk/client-ecs";
import { KMSClient } from "@aws-sdk/client-kms";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { log, parse, run, UsageError } from "./lib/cli";
import { exec as realExec } from "./lib/exec";
import { readEnvironments } from "./lib/environments";
import { envKey } from "./lib/synth";
import { readTenantDir, type TenantLifecycleFields } from "./lib/tenant-files";
import { lambdaInvoker } from "./lib/offboarding-aws";
import type { Approval, OffboardingRecord } from "./lib/offboarding-record";
import { tenantStackName } from "../modules/naming";
import { awaitsOffboarding, isOffboardingOrOffboarded } from "../config/tenant-lifecycle";
import { STEPS, evidenceOnly, hasPendingEvidence, locations, offboardTenant, type AwsClients, type OffboardDeps, type OffboardTenant, type TenantOutcome } from "./lib/offboarding-job";

// What tests and other tools use from the job, under the names they had here.
export { cancelOffboarding, destroyStartedAt, evidenceOnly, locations, offboardTenant, protectedResources, readOffboardingProgress, STEPS, teardownProblems, type AwsClients, type OffboardDeps, type OffboardTenant, type Progress, type Step, type TenantOutcome } from "./lib/offboarding-job";

export const HELP = `Usage: npm run -s offboard -- --tenants <dir> --synth <dir> --environment <env> [options]
       npm run -s offboard -- --evidence-only --tenants <dir> --environment <env> [--tenant <id>]
       npm run -s offboard -- --list --tenants <dir> [--github-output <file>]

Offboards every tenant of <env> whose tenant file says status: offboarding, step by step:
  1 agents   terraform apply of the stack's teardown form, then wait for 0 ECS tasks
  2 export   drop mode: database export by the provisioner straight into the offboarding
             archive; a manifest of every object version of the tenant bucket; both verified
             by the SHA-256 and size S3 stored (retain mode: the rows stay, no export)
  3 destroy  re-verify the archive, plan the destroy, drop the database side (once, on the
             verified export), empty the tenant bucket, terraform destroy, check the KMS
             key's deletion date
  4 record   offboarding record (JSON + Markdown) in the state bucket under offboarding/<tenant>/,
             with the CloudTrail event (id, time, principal) of each destructive step, or
             "pending": CloudTrail delivers management events within about 5 minutes, typically
Progress is kept in s3://<state bucket>/offboarding/<tenant>/progress.json: a failed step
stops that tenant, leaves everything after it in place, and the next run resumes there.
A finished tenant prints its tombstone edit again and changes nothing, except that its record's
pending evidence is looked up again (the record is rewritten in place; nothing else is touched).

Options:
  --tenants <dir>          tenant files of the deployed commit (read as data)
  --synth <dir>            synth output of that commit (the stacks' teardown form)
  --environment <env>      only tenants of this environment (one deploy role)
  --tenant <id>            only this tenant
  --cdktf-json <file>      environments: account, state bucket (default cdktf.json)
  --run-url <url>          this workflow run, named in the record
  --approvals <file>       JSON list of the run's environment approvals (.github/scripts/run-approvals.js)
  --agents-timeout <s>     how long to wait for running tasks to stop (default 600)
  --summary <file>         append the records' Markdown (e.g. "$GITHUB_STEP_SUMMARY")
  --evidence-wait <s>      after the last tenant, look pending evidence up again every 60 s for
                           up to <s> seconds (default 0; CloudTrail's usual delay is ~5 minutes)
  --evidence-only          only look up pending evidence of tenants already offboarded (status
                           offboarding or offboarded) and rewrite their records; destroys nothing,
                           needs no --synth
  --list                   print the environments that have offboarding tenants, as a matrix
  --github-output <file>   with --list: write matrix= and count= for GitHub Actions
  --dry-run                print the steps each tenant would run, touch nothing
  --help                   show this help

Environment: TERRAFORM_BINARY (default terraform), GITHUB_SHA and GITHUB_ACTOR (named in the record).
Exit codes: 0 every tenant offboarded (or none), 1 bad input, 2 a step failed (see its message).`;

export function readApprovals(file: string | undefined): Approval[] {
  if (!file) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${file}: cannot read approvals JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new UsageError(`${file}: expected a JSON list of approvals`);
  return raw.map((a: Record<string, unknown>) => ({
    user: String(a.user ?? ""),
    environments: Array.isArray(a.environments) ? a.environments.map(String) : [],
    state: String(a.state ?? ""),
    comment: String(a.comment ?? ""),
  }));
}

/** Tenants to offboard, and the GitHub matrix of environments that have any. */
export function offboardingTenants(tenants: ReadonlyMap<string, TenantLifecycleFields>, environment?: string, only?: string): TenantLifecycleFields[] {
  return [...tenants.values()].filter((t) => awaitsOffboarding(t.status) && (!environment || t.environment === environment) && (!only || t.id === only));
}

export function defaultClients(region: string): AwsClients {
  const lambda = new LambdaClient({ region });
  return { s3: new S3Client({ region }), ecs: new ECSClient({ region }), kms: new KMSClient({ region }), cloudtrail: new CloudTrailClient({ region }), invoke: lambdaInvoker(lambda) };
}

export async function main(argv: string[], deps?: Partial<OffboardDeps>): Promise<number> {
  const { values } = parse(argv, {
    tenants: { type: "string" },
    synth: { type: "string" },
    environment: { type: "string" },
    tenant: { type: "string" },
    "cdktf-json": { type: "string" },
    "run-url": { type: "string" },
    approvals: { type: "string" },
    "agents-timeout": { type: "string" },
    summary: { type: "string" },
    list: { type: "boolean" },
    "github-output": { type: "string" },
    "dry-run": { type: "boolean" },
    "evidence-only": { type: "boolean" },
    "evidence-wait": { type: "string" },
  });
  if (!values.tenants) throw new UsageError("--tenants is required");
  let tenants: Map<string, TenantLifecycleFields>;
  try {
    tenants = readTenantDir(values.tenants);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const environments = readEnvironments(values["cdktf-json"] ?? "cdktf.json");
  const print = deps?.print ?? ((line: string) => process.stdout.write(`${line}\n`));

  if (values.list) {
    const envs = [...new Set(offboardingTenants(tenants).map((t) => t.environment))].sort();
    const include = envs.map((e) => {
      const env = environments.get(e);
      if (!env) throw new UsageError(`tenant environment ${e} is not declared in cdktf.json`);
      return { environment: e, envKey: envKey(e), region: env.stateRegion };
    });
    const matrix = JSON.stringify({ include });
    print(matrix);
    if (values["github-output"]) appendFileSync(values["github-output"], `matrix=${matrix}\ncount=${include.length}\n`);
    return 0;
  }

  if (!values.environment || (!values.synth && !values["evidence-only"])) throw new UsageError("--synth and --environment are required (or --list; --evidence-only needs only --environment)");
  const environment = environments.get(values.environment);
  if (!environment) throw new UsageError(`environment ${values.environment} is not declared in cdktf.json`);
  const evidenceWait = values["evidence-wait"] === undefined ? 0 : Number(values["evidence-wait"]);
  if (!Number.isInteger(evidenceWait) || evidenceWait < 0 || evidenceWait > 3600) throw new UsageError(`--evidence-wait must be seconds from 0 to 3600 (got ${values["evidence-wait"]})`);
  const timeout = values["agents-timeout"] === undefined ? 600 : Number(values["agents-timeout"]);
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 3600) throw new UsageError(`--agents-timeout must be seconds from 0 to 3600 (got ${values["agents-timeout"]})`);
  if (values.tenant && !tenants.has(values.tenant)) throw new UsageError(`--tenant ${values.tenant}: no tenants/${values.tenant}.yaml`);
  const full = (): OffboardDeps => ({
    exec: deps?.exec ?? realExec,
    terraform: deps?.terraform ?? (process.env.TERRAFORM_BINARY || "terraform"),
    clients: deps?.clients ?? defaultClients,
    now: deps?.now ?? (() => new Date()),
    sleep: deps?.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    print,
  });
  if (values["evidence-only"]) return evidenceOnlyRun(tenants, values.environment, values.tenant, environment, full(), values.summary);
  const selected = offboardingTenants(tenants, values.environment, values.tenant);
  const runInfo: OffboardingRecord["workflowRun"] = {
    ...(values["run-url"] ? { url: values["run-url"] } : {}),
    ...(process.env.GITHUB_SHA ? { commit: process.env.GITHUB_SHA } : {}),
    ...(process.env.GITHUB_ACTOR ? { triggeredBy: process.env.GITHUB_ACTOR } : {}),
    approvals: readApprovals(values.approvals),
  };
  const jobs: OffboardTenant[] = selected.map((tenant) => {
    const stackDir = join(values.synth!, "stacks", tenantStackName(tenant.id));
    return { tenant, environment, stackDir, run: runInfo, agentsTimeoutMs: timeout * 1000 };
  });
  const missing = jobs.filter((j) => {
    try {
      readFileSync(join(j.stackDir, "cdk.tf.json"));
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) throw new UsageError(`no synthesized stack for ${missing.map((m) => m.stackDir).join(", ")}; an offboarding tenant keeps its stack until the tombstone`);
  if (jobs.length === 0) {
    log(`offboard: no tenant of ${values.environment} is offboarding`);
    return 0;
  }
  if (values["dry-run"]) {
    for (const j of jobs) print(`${j.tenant.id} (${j.tenant.region}): ${STEPS.join(" -> ")} in ${j.stackDir}; progress at s3://${environment.stateBucket}/${locations(j).progressKey}`);
    return 0;
  }
  const d = full();
  const outcomes = new Map<OffboardTenant, TenantOutcome>();
  for (const job of jobs) {
    const outcome = await offboardTenant(job, d);
    outcomes.set(job, outcome);
    if (outcome.ok) print(outcome.tombstone!);
  }
  await waitForEvidence(outcomes, evidenceWait, d);
  let failed = 0;
  const md: string[] = [];
  for (const [job, outcome] of outcomes) {
    if (outcome.ok) {
      md.push(outcome.markdown!, `**Merge the tombstone:** \`${outcome.tombstone}\``, "");
    } else {
      failed++;
      md.push(`### Offboarding ${job.tenant.id}: stopped at step ${outcome.failedStep}`, "", `${outcome.message}`, "", "Everything after this step is untouched; re-run the workflow to resume.", "");
    }
  }
  if (values.summary) appendFileSync(values.summary, `${md.join("\n")}\n`);
  return failed ? 2 : 0;
}

const stillPending = (o: TenantOutcome) => o.ok && o.record !== undefined && hasPendingEvidence(o.record);

/**
 * CloudTrail usually shows an event within about 5 minutes: instead of leaving every record
 * pending, look again every 60 s until nothing is pending or `seconds` have passed (one wait
 * for all tenants of the run, after the last one).
 */
async function waitForEvidence(outcomes: Map<OffboardTenant, TenantOutcome>, seconds: number, deps: OffboardDeps): Promise<void> {
  const deadline = deps.now().getTime() + seconds * 1000;
  for (;;) {
    const pending = [...outcomes].filter(([, o]) => stillPending(o));
    const left = deadline - deps.now().getTime();
    if (pending.length === 0 || left <= 0) return;
    log(`offboard: ${pending.length} record(s) with pending CloudTrail evidence; looking again in ${Math.ceil(Math.min(60_000, left) / 1000)} s`);
    await deps.sleep(Math.min(60_000, left));
    for (const [job] of pending) {
      const again = await evidenceOnly(job, deps);
      if (again.ok) outcomes.set(job, { ...outcomes.get(job)!, record: again.record, markdown: again.markdown, evidenceChecked: true });
    }
  }
}

/** --evidence-only: tenants of the environment the job has offboarded or is offboarding; nothing but evidence. */
async function evidenceOnlyRun(
  tenants: ReadonlyMap<string, TenantLifecycleFields>,
  environmentName: string,
  only: string | undefined,
  environment: OffboardTenant["environment"],
  deps: OffboardDeps,
  summary: string | undefined,
): Promise<number> {
  const selected = [...tenants.values()].filter((t) => isOffboardingOrOffboarded(t.status) && t.environment === environmentName && (!only || t.id === only));
  if (selected.length === 0) {
    log(`offboard --evidence-only: no tenant of ${environmentName} is offboarding or offboarded`);
    return 0;
  }
  let failed = 0;
  const md: string[] = [];
  for (const tenant of selected) {
    const outcome = await evidenceOnly({ tenant, environment, stackDir: "", run: { approvals: [] }, agentsTimeoutMs: 0 }, deps);
    if (!outcome.ok) failed++;
    const e = outcome.record?.evidence;
    deps.print(
      `${tenant.id}: ${
        !outcome.ok ? `failed: ${outcome.message}` : !outcome.record ? (outcome.message ?? "no record") : e!.pending.length ? `${e!.pending.length} evidence step(s) still pending: ${e!.pending.join(", ")}` : "evidence complete"
      }${outcome.record ? ` (${outcome.record.location.json})` : ""}`,
    );
    if (outcome.markdown) md.push(outcome.markdown, "");
  }
  if (summary) appendFileSync(summary, `${md.join("\n")}\n`);
  return failed ? 2 : 0;
}

if (require.main === module) run("offboard", HELP, (argv) => main(argv));
