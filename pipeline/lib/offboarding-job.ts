/**
 * The offboarding job's orchestration (npm run offboard's work, without its command line):
 * the four steps per tenant, their checkpoint in the state bucket, and the checks between
 * them. AWS calls are in ./offboarding-aws.ts, the record's rendering in ./offboarding-record.ts,
 * the command line in pipeline/offboard.ts. Each step is recorded in a checkpoint, so a failed
 * run resumes where it stopped:
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
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { ECSClient } from "@aws-sdk/client-ecs";
import { KMSClient } from "@aws-sdk/client-kms";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { log, ToolFailure } from "./cli";
import { type Exec } from "./exec";
import { type LifecycleEnvironment, type OffboardingSettings } from "./environments";
import { type TenantLifecycleFields } from "./tenant-files";
import {
  bucketKmsKey,
  describeKey,
  describeServices,
  emptyBucket,
  listAllVersions,
  putVerified,
  readObject,
  verifyObject,
  withChecksums,
  type Encryption,
  type KeyDeletion,
  type ProvisionerInvoker,
  type ServiceCount,
  type StoredObject,
} from "./offboarding-aws";
import { plannedDeletes, stateResources, tenantInventory, type DestroyedResource, type TenantInventory } from "./terraform-state";
import { recordMarkdown, RECORD_SCHEMA, tombstoneEdit, type ArchivedObject, type DatabaseOutcome, type OffboardingRecord } from "./offboarding-record";
import { collectEvidence, elsewhereEvidence, evidenceProblems, type EvidenceTargets, type OffboardingEvidence } from "./offboarding-evidence";
import { databaseLogGroupName } from "../../modules/database";
import { deployRoleName, partitionOf } from "../../bootstrap/settings";
import {
  DATABASE_IDENTIFIER_SUFFIX,
  DB_PROVISIONER_FUNCTION_SUFFIX,
  OFFBOARDING_MANIFEST_FILE,
  offboardingArchiveBucketName,
  offboardingStatePrefix,
  platformLogGroupName,
  platformResourceName,
  stateKeyAlias,
  tenantStackName,
} from "../../modules/naming";
import { EXPORT_PREFIX, parseProvisionerEvent, type ExportEvent } from "../../db/contract";

export const STEPS = ["agents", "export", "destroy", "record"] as const;
export type Step = (typeof STEPS)[number];

export interface Progress {
  readonly version: 1;
  readonly tenantId: string;
  readonly environment: string;
  readonly region: string;
  readonly startedAt: string;
  /** Names the archive prefix and the record; fixed by the first run so retries overwrite, not scatter. */
  readonly stamp: string;
  runs: { url?: string; startedAt: string }[];
  inventory?: TenantInventory;
  /** The provisioner's answer to the `export` operation, kept the moment it arrives. */
  databaseExport?: Record<string, unknown>;
  /** The provisioner's answer to the offboarding delete (the drop), kept the moment it arrives: a drop happens once. */
  databaseDrop?: Record<string, unknown>;
  /** Every resource any destroy plan listed, so a partly failed destroy still names them all. */
  destroyPlanned?: DestroyedResource[];
  bucketEmptied?: { versionsDeleted: number; deleteMarkersDeleted: number };
  /**
   * When step 3 began its first irreversible act (the database drop or emptying the bucket),
   * saved before it. Until then everything done is a copy or a re-appliable change, and
   * `status: suspended` may still cancel the offboarding (offboardingCancellation in
   * pipeline/deploy-stacks.ts); from then on only finishing it is safe. It also opens the
   * evidence window: no CloudTrail event before it ever counts as proof of this destroy.
   */
  destroyStartedAt?: string;
  /** Set when a merged `status: suspended` cancelled this offboarding: the next one starts over. */
  cancelledAt?: string;
  /** When the provisioner's drop answer arrived. */
  databaseDroppedAt?: string;
  /** The CloudTrail evidence as last looked up (pipeline/lib/offboarding-evidence.ts). */
  evidence?: OffboardingEvidence;
  steps: {
    agents?: { completedAt: string; services: ServiceCount[] };
    export?: OffboardingRecord["export"];
    destroy?: { completedAt: string; kmsKey: KeyDeletion };
    record?: { completedAt: string; location: OffboardingRecord["location"] };
  };
  lastFailure?: { step: Step; at: string; message: string; runUrl?: string };
}

export interface AwsClients {
  readonly s3: S3Client;
  readonly ecs: ECSClient;
  readonly kms: KMSClient;
  readonly cloudtrail: CloudTrailClient;
  readonly invoke: ProvisionerInvoker;
}

export interface OffboardDeps {
  readonly exec: Exec;
  readonly terraform: string;
  /** Clients for one region (tenant resources live in the tenant's region, state in stateRegion). */
  readonly clients: (region: string) => AwsClients;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly print: (line: string) => void;
}

export interface OffboardTenant {
  readonly tenant: TenantLifecycleFields;
  readonly environment: LifecycleEnvironment;
  /** The stack's synth directory (cdk.tf.json), where terraform runs. */
  readonly stackDir: string;
  readonly run: OffboardingRecord["workflowRun"];
  readonly agentsTimeoutMs: number;
  readonly pollMs?: number;
}

export interface TenantOutcome {
  readonly tenantId: string;
  readonly ok: boolean;
  /** Steps this run executed, in order ("(already done)" steps excluded). */
  readonly ran: Step[];
  readonly failedStep?: Step;
  readonly message?: string;
  readonly record?: OffboardingRecord;
  readonly markdown?: string;
  readonly tombstone?: string;
  /** The record's CloudTrail evidence was looked up again in this run (it had pending steps). */
  readonly evidenceChecked?: boolean;
}

const stampOf = (d: Date) => d.toISOString().replace(/[:.]/g, "-");

/**
 * When the job began destroying (the point after which `offboarding → suspended` is refused), or
 * undefined while it has only copied data and applied the teardown form. A progress file written
 * before the marker existed counts as started once anything was dropped, emptied or destroyed.
 */
export function destroyStartedAt(p: Progress): string | undefined {
  if (p.destroyStartedAt) return p.destroyStartedAt;
  if (p.steps.destroy || p.steps.record || p.bucketEmptied || p.databaseDrop) return p.steps.destroy?.completedAt ?? p.runs[p.runs.length - 1]?.startedAt ?? p.startedAt;
  return undefined;
}

/** The state bucket object that holds one tenant's offboarding progress, and how it is encrypted. */
function progressLocation(environment: LifecycleEnvironment, tenant: { readonly id: string; readonly environment: string }) {
  return {
    bucket: environment.stateBucket,
    key: `${offboardingStatePrefix(tenant.id)}progress.json`,
    encryption: (environment.stateEncryption === "kms" ? { algorithm: "aws:kms", kmsKeyId: stateKeyAlias(tenant.environment) } : { algorithm: "AES256" }) as Encryption,
  };
}

/** A tenant's offboarding progress as the job left it (cancelled ones included), or undefined when none was ever started. */
export async function readOffboardingProgress(s3: S3Client, environment: LifecycleEnvironment, tenant: { readonly id: string; readonly environment: string }): Promise<Progress | undefined> {
  const where = progressLocation(environment, tenant);
  try {
    const { body } = await readObject(s3, where.bucket, where.key, environment.accountId);
    return JSON.parse(Buffer.from(body).toString("utf8")) as Progress;
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

/**
 * Marks an offboarding cancelled (a merged `status: suspended` before the job started destroying):
 * the progress stays for the record, and the next offboarding of the tenant starts over with a new
 * export instead of resuming from one that no longer holds what the tenant wrote since.
 */
export async function cancelOffboarding(s3: S3Client, environment: LifecycleEnvironment, tenant: { readonly id: string; readonly environment: string }, p: Progress, now: Date): Promise<void> {
  const started = destroyStartedAt(p);
  if (started) throw new ToolFailure(`offboarding of ${tenant.id} started destroying at ${started}: it cannot be cancelled`);
  const where = progressLocation(environment, tenant);
  await putVerified(s3, where.bucket, where.key, `${JSON.stringify({ ...p, cancelledAt: now.toISOString() }, null, 2)}\n`, environment.accountId, where.encryption, "application/json");
}

/** Where a tenant's checkpoint, record and archive live. */
export function locations(t: OffboardTenant) {
  const { tenant, environment } = t;
  const statePrefix = offboardingStatePrefix(tenant.id);
  const progress = progressLocation(environment, tenant);
  return {
    stateBucket: environment.stateBucket,
    progressKey: progress.key,
    recordKey: (stamp: string, ext: "json" | "md") => `${statePrefix}record-${stamp}.${ext}`,
    manifestKey: (stamp: string) => `${statePrefix}bucket-manifest-${stamp}.json`,
    archiveBucket: offboardingArchiveBucketName(tenant.environment, tenant.region, environment.accountId),
    archivePrefix: (stamp: string) => `${tenant.id}/${stamp}/`,
    stateEncryption: progress.encryption,
  };
}

/** The progress to resume from; a cancelled offboarding is not resumed (it starts over). */
async function loadProgress(s3: S3Client, t: OffboardTenant): Promise<Progress | undefined> {
  const p = await readOffboardingProgress(s3, t.environment, t.tenant);
  return p?.cancelledAt ? undefined : p;
}

async function saveProgress(s3: S3Client, t: OffboardTenant, p: Progress): Promise<void> {
  const where = locations(t);
  await putVerified(s3, where.stateBucket, where.progressKey, `${JSON.stringify(p, null, 2)}\n`, t.environment.accountId, where.stateEncryption, "application/json");
}

/** Runs the remaining steps of one tenant; never throws (a failure is the outcome). */
export async function offboardTenant(t: OffboardTenant, deps: OffboardDeps): Promise<TenantOutcome> {
  const { tenant, environment } = t;
  const owner = environment.accountId;
  const stack = tenantStackName(tenant.id);
  const state = deps.clients(environment.stateRegion);
  const aws = deps.clients(tenant.region);
  const where = locations(t);
  const ran: Step[] = [];
  let progress: Progress | undefined;
  let current: Step = "agents";
  const say = (step: Step, line: string) => log(`[${STEPS.indexOf(step) + 1}/${STEPS.length}] ${tenant.id} ${step}: ${line}`);

  const tf = async (args: string[], stream = false): Promise<string> => {
    const r = await deps.exec(deps.terraform, args, { cwd: t.stackDir, env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" }, stream });
    if (r.code !== 0) throw new ToolFailure(`terraform ${args[0]} in ${t.stackDir} exited ${r.code}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`);
    return r.stdout;
  };

  try {
    progress = await loadProgress(state.s3, t);
    const startedAt = deps.now().toISOString();
    progress ??= { version: 1, tenantId: tenant.id, environment: tenant.environment, region: tenant.region, startedAt, stamp: stampOf(deps.now()), runs: [], steps: {} };
    const p = progress;
    if (p.steps.record) {
      const existing = await readRecord(state.s3, t, p);
      if (!hasPendingEvidence(existing)) {
        log(`${tenant.id}: offboarded already (${p.steps.record.location.json}); nothing to do`);
        return { tenantId: tenant.id, ok: true, ran, record: existing, markdown: recordMarkdown(existing), tombstone: tombstoneEdit(existing) };
      }
      const record = await refreshEvidence(t, p, existing, aws, state, deps);
      return { tenantId: tenant.id, ok: true, ran, record, markdown: recordMarkdown(record), tombstone: tombstoneEdit(record), evidenceChecked: true };
    }
    p.runs.push({ ...(t.run.url ? { url: t.run.url } : {}), startedAt });
    await saveProgress(state.s3, t, p);
    if (!p.steps.destroy) await tf(["init", "-input=false", "-no-color"]);

    // 1. agents
    current = "agents";
    if (!p.steps.agents) {
      // Nothing is applied, exported or dropped unless the synth really is the teardown form.
      const guarded = protectedResources(readStackJson(t.stackDir));
      if (guarded.length) {
        throw new ToolFailure(`${stack} still protects ${guarded.join(", ")} with prevent_destroy; the synth of an offboarding tenant lifts it (is the tenant file's status offboarding in this commit?)`);
      }
      say("agents", "terraform apply of the teardown form");
      await tf(["apply", "-input=false", "-auto-approve", "-no-color"], true);
      const inventory = tenantInventory(stateResources(await tf(["show", "-json", "-no-color"])), stack);
      const problems = teardownProblems(inventory, tenant, environment.offboarding, where.archiveBucket);
      if (problems.length) throw new ToolFailure(`${stack} is not in its teardown form: ${problems.join("; ")}`);
      p.inventory = inventory;
      const services = await waitForNoTasks(aws.ecs, inventory.services, t, deps);
      p.steps.agents = { completedAt: deps.now().toISOString(), services };
      await saveProgress(state.s3, t, p);
      ran.push("agents");
      say("agents", `${services.length} service(s) at 0 tasks`);
    }
    const inventory = p.inventory!;

    // 2. export
    current = "export";
    if (!p.steps.export) {
      p.steps.export = await exportTenant(t, p, aws, state, deps);
      await saveProgress(state.s3, t, p);
      ran.push("export");
      say("export", `${p.steps.export.objects.length} object(s) in s3://${where.archiveBucket}/${p.steps.export.prefix}, verified`);
    }
    const exported = p.steps.export;

    // 3. destroy
    current = "destroy";
    if (!p.steps.destroy) {
      // The archive is what makes deleting safe: check it again, right before deleting.
      for (const o of exported.objects) await verifyObject(aws.s3, o, owner);
      const unlisted = await versionsNotInManifest(aws.s3, state.s3, t, inventory.bucket, p.stamp);
      if (unlisted.length) {
        delete p.steps.export; // the next run exports again, manifest included
        throw new ToolFailure(
          `s3://${inventory.bucket} has ${unlisted.length} version(s) written after the export (e.g. ${unlisted[0]}); nothing was deleted. ` +
            "Find out what still writes to it; the next run exports again",
        );
      }
      // Plan first: a stack Terraform refuses to destroy fails here, before any object is deleted.
      const planFile = "offboard-destroy.tfplan";
      await tf(["plan", "-destroy", "-input=false", "-no-color", `-out=${planFile}`]);
      const planned = plannedDeletes(await tf(["show", "-json", "-no-color", planFile]));
      const known = new Map((p.destroyPlanned ?? []).map((d) => [d.address, d]));
      for (const d of planned) if (!known.has(d.address)) known.set(d.address, d);
      p.destroyPlanned = [...known.values()];
      // The point of no return, recorded before the first deletion: from here `status: suspended`
      // is refused, and CloudTrail events count as this destroy's evidence.
      p.destroyStartedAt ??= deps.now().toISOString();
      await saveProgress(state.s3, t, p);
      if (exported.database.deletionMode === "drop" && exported.database.status === "exported") {
        const database = await dropDatabase(t, p, aws, state, deps);
        p.steps.export = { ...exported, database };
        await saveProgress(state.s3, t, p);
        say("destroy", `database side dropped on the export ${database.exportLocation}`);
      }
      say("destroy", `archive re-verified; emptying s3://${inventory.bucket}`);
      const emptied = await emptyBucket(aws.s3, inventory.bucket, owner);
      p.bucketEmptied = {
        versionsDeleted: (p.bucketEmptied?.versionsDeleted ?? 0) + emptied.versionsDeleted,
        deleteMarkersDeleted: (p.bucketEmptied?.deleteMarkersDeleted ?? 0) + emptied.deleteMarkersDeleted,
      };
      await saveProgress(state.s3, t, p);
      say("destroy", `terraform destroy of ${planned.length} resource(s)`);
      await tf(["apply", "-input=false", "-no-color", planFile], true);
      const left = (await tf(["state", "list"])).trim();
      if (left) throw new ToolFailure(`${stack}: resources are still in state after the destroy: ${left.split("\n").join(", ")}`);
      const key = await describeKey(aws.kms, inventory.kmsKey.keyId);
      if (key.keyState !== "PendingDeletion" || !key.deletionDate) {
        throw new ToolFailure(`KMS key ${key.keyId} is ${key.keyState}, not scheduled for deletion; schedule it (kms schedule-key-deletion) and re-run`);
      }
      p.steps.destroy = { completedAt: deps.now().toISOString(), kmsKey: key };
      await saveProgress(state.s3, t, p);
      ran.push("destroy");
      say("destroy", `stack destroyed; KMS key ${key.keyId} deleted on ${key.deletionDate}`);
    }

    // 4. record
    current = "record";
    // Evidence right after the destroy: usually still pending (CloudTrail's delivery lag); a
    // later run fills it in. A failed lookup never stops the record.
    p.evidence = await collectEvidence(aws.cloudtrail, evidenceTargets(t, p), p.evidence, deps);
    await saveProgress(state.s3, t, p);
    const completedAt = deps.now().toISOString();
    const location = { json: `s3://${where.stateBucket}/${where.recordKey(p.stamp, "json")}`, markdown: `s3://${where.stateBucket}/${where.recordKey(p.stamp, "md")}` };
    const record = checkedRecord(buildRecord(t, p, completedAt, location));
    const markdown = recordMarkdown(record);
    await putVerified(state.s3, where.stateBucket, where.recordKey(p.stamp, "json"), `${JSON.stringify(record, null, 2)}\n`, owner, where.stateEncryption, "application/json");
    await putVerified(state.s3, where.stateBucket, where.recordKey(p.stamp, "md"), markdown, owner, where.stateEncryption, "text/markdown");
    p.steps.record = { completedAt, location };
    delete p.lastFailure;
    await saveProgress(state.s3, t, p);
    ran.push("record");
    say("record", location.json);
    return { tenantId: tenant.id, ok: true, ran, record, markdown, tombstone: tombstoneEdit(record) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`::error::offboarding ${tenant.id} stopped at step ${current}: ${message}. Everything after it is untouched; re-run the deploy workflow to resume.`);
    if (progress) {
      progress.lastFailure = { step: current, at: deps.now().toISOString(), message: message.slice(0, 2000), ...(t.run.url ? { runUrl: t.run.url } : {}) };
      await saveProgress(state.s3, t, progress).catch((e: Error) => log(`${tenant.id}: could not save progress: ${e.message}`));
    }
    return { tenantId: tenant.id, ok: false, ran, failedStep: current, message };
  }
}

function readStackJson(stackDir: string): unknown {
  const file = join(stackDir, "cdk.tf.json");
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ToolFailure(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Resources of a synthesized stack that Terraform would refuse to destroy. */
export function protectedResources(stackJson: unknown): string[] {
  const resources = ((stackJson as { resource?: Record<string, Record<string, { lifecycle?: { prevent_destroy?: unknown } }>> })?.resource ?? {});
  return Object.entries(resources).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([, r]) => r.lifecycle?.prevent_destroy === true)
      .map(([name]) => `${type}.${name}`),
  );
}

/** What the applied state must show for an offboarding tenant before any data is touched. */
export function teardownProblems(inventory: TenantInventory, tenant: TenantLifecycleFields, settings: OffboardingSettings | undefined, archiveBucket: string): string[] {
  const problems: string[] = [];
  const asking = inventory.services.filter((s) => s.desiredCount !== 0);
  if (asking.length) problems.push(`services still ask for tasks (${asking.map((s) => `${s.name}: ${s.desiredCount}`).join(", ")})`);
  const input = inventory.provisioner?.input;
  if (input) {
    if (input.deletionMode !== tenant.databaseDeletion) problems.push(`the applied provisioner input says deletionMode ${String(input.deletionMode)}, the tenant file databaseDeletion ${tenant.databaseDeletion}`);
    // Without `offboarding: true` the provisioner ignores the delete (db/provisioner/provisioner.ts).
    if (input.offboarding !== true) problems.push("the applied provisioner input does not say offboarding: true");
    if (input.exportBucket !== archiveBucket) problems.push(`the applied provisioner input exports to ${String(input.exportBucket)}, not the offboarding archive ${archiveBucket}`);
  }
  if (settings) {
    const window = inventory.kmsKey.deletionWindowInDays;
    if (window !== undefined && window !== settings.kmsDeletionWindowDays) problems.push(`KMS deletion window is ${window} days, offboarding.kmsDeletionWindowDays ${settings.kmsDeletionWindowDays}`);
    for (const s of inventory.secrets) {
      if (s.recoveryWindowInDays !== undefined && s.recoveryWindowInDays !== settings.secretRecoveryWindowDays) {
        problems.push(`secret ${s.name} has a ${s.recoveryWindowInDays}-day recovery window, offboarding.secretRecoveryWindowDays ${settings.secretRecoveryWindowDays}`);
      }
    }
    for (const g of inventory.logGroups) {
      if (g.retained !== (settings.logGroup === "retain")) problems.push(`log group ${g.name} would be ${g.retained ? "kept" : "deleted"}, offboarding.logGroup ${settings.logGroup}`);
    }
  }
  return problems;
}

async function waitForNoTasks(ecs: ECSClient, services: TenantInventory["services"], t: OffboardTenant, deps: OffboardDeps): Promise<ServiceCount[]> {
  const deadline = deps.now().getTime() + t.agentsTimeoutMs;
  for (;;) {
    const counts = await describeServices(ecs, services);
    const busy = counts.filter((c) => c.runningCount > 0 || c.pendingCount > 0 || c.desiredCount > 0);
    if (busy.length === 0) return counts;
    if (deps.now().getTime() >= deadline) {
      throw new ToolFailure(`tasks still running after ${t.agentsTimeoutMs / 1000}s: ${busy.map((b) => `${b.name} (desired ${b.desiredCount}, running ${b.runningCount}, pending ${b.pendingCount})`).join(", ")}`);
    }
    await deps.sleep(t.pollMs ?? 10_000);
  }
}

async function exportTenant(t: OffboardTenant, p: Progress, aws: AwsClients, state: AwsClients, deps: OffboardDeps): Promise<OffboardingRecord["export"]> {
  const owner = t.environment.accountId;
  const where = locations(t);
  const inventory = p.inventory!;
  const prefix = where.archivePrefix(p.stamp);
  const encryption: Encryption = { algorithm: "aws:kms", kmsKeyId: await bucketKmsKey(aws.s3, where.archiveBucket, owner) };
  const objects: ArchivedObject[] = [];

  // Database rows: drop mode exports them, through the provisioner, straight into the archive
  // (the provisioner writes with the platform key; the job never holds the rows). Retain mode
  // keeps them in the platform database, so there is nothing to export.
  let database: DatabaseOutcome;
  const provisioner = inventory.provisioner;
  if (!provisioner) {
    database = { deletionMode: "none", status: "none", note: "the stack has no database side" };
  } else if (provisioner.input.deletionMode !== "drop") {
    database = { deletionMode: "retain", status: "retained", note: "databaseDeletion is retain: the destroy revokes the role's login; schema and rows stay in the platform database" };
  } else {
    if (!p.databaseExport) {
      // Checked with the provisioner's own parser before it is sent: what the Lambda would refuse never leaves the job.
      const event = sendable({ operation: "export", environment: t.tenant.environment, tenantId: t.tenant.id, exportBucket: where.archiveBucket } satisfies ExportEvent);
      log(`[2/4] ${t.tenant.id} export: provisioner ${provisioner.functionName}: retire the login, export to s3://${where.archiveBucket}/${EXPORT_PREFIX}/${t.tenant.id}/`);
      p.databaseExport = await aws.invoke(provisioner.functionName, provisioner.qualifier, event);
      await saveProgress(state.s3, t, p);
    }
    const receipt = exportReceipt(p.databaseExport, where.archiveBucket, t.tenant.id);
    const stored = await verifyObject(aws.s3, receipt, owner);
    objects.push({ ...stored, contents: "database export" });
    database = { deletionMode: "drop", status: "exported", exportLocation: `s3://${receipt.bucket}/${receipt.key}` };
  }

  // A manifest of every object version: names, sizes and S3's checksums, never the contents.
  const listing = await listAllVersions(aws.s3, inventory.bucket, owner);
  const versions = await withChecksums(aws.s3, inventory.bucket, owner, listing.versions);
  const bytes = versions.reduce((n, v) => n + v.size, 0);
  const manifest = {
    schema: "openclaw.bucket-manifest/v1",
    tenantId: t.tenant.id,
    bucket: inventory.bucket,
    takenAt: deps.now().toISOString(),
    objectVersions: versions.length,
    deleteMarkers: listing.deleteMarkers.length,
    bytes,
    versions,
    deleteMarkerList: listing.deleteMarkers,
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const stored = await putVerified(aws.s3, where.archiveBucket, `${prefix}${OFFBOARDING_MANIFEST_FILE}`, text, owner, encryption, "application/json");
  objects.push({ ...stored, contents: "bucket manifest" });
  // A copy next to the record: step 3 compares the bucket with it (reading the state bucket,
  // not the archive, so the job needs no decrypt on the platform key).
  await putVerified(state.s3, where.stateBucket, where.manifestKey(p.stamp), text, owner, where.stateEncryption, "application/json");

  return {
    verifiedAt: deps.now().toISOString(),
    archiveBucket: where.archiveBucket,
    prefix,
    objects,
    database,
    tenantBucket: { name: inventory.bucket, objectVersions: versions.length, deleteMarkers: listing.deleteMarkers.length, bytes },
  };
}

/** `event` when the provisioner's parser accepts it (db/contract.ts), else a failure naming every problem. */
function sendable(event: Record<string, unknown>): Record<string, unknown> {
  try {
    parseProvisionerEvent(event);
  } catch (err) {
    throw new ToolFailure(`refusing to invoke the provisioner with an event it would reject: ${(err as Error).message}`);
  }
  return event;
}

/** The provisioner's export answer as the object it claims to have stored, or why it is not acceptable. */
function exportReceipt(answer: Record<string, unknown>, archiveBucket: string, tenantId: string): StoredObject {
  const location = typeof answer.exportLocation === "string" ? answer.exportLocation : "";
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  const sha256 = answer.exportSha256;
  const bytes = answer.exportBytes;
  if (answer.status !== "exported" || !m || typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256) || typeof bytes !== "number") {
    throw new ToolFailure(`provisioner answered ${JSON.stringify(answer).slice(0, 300)}, expected status exported with exportLocation, exportSha256 and exportBytes`);
  }
  if (m[1] !== archiveBucket || !m[2].startsWith(`${EXPORT_PREFIX}/${tenantId}/`)) {
    throw new ToolFailure(`export location ${location} is not under s3://${archiveBucket}/${EXPORT_PREFIX}/${tenantId}/`);
  }
  return { bucket: m[1], key: m[2], bytes, sha256 };
}

/**
 * The offboarding delete, exactly what Terraform's destroy of the aws_lambda_invocation sends
 * (lifecycle_scope CRUD): the applied input plus {tf: {action: "delete", prev_input: <applied
 * input>}} (terraform-provider-aws internal/service/lambda/invocation.go, buildInput). The
 * provisioner drops on the export it stored (never a second one); the destroy's own delete
 * later finds nothing and answers `absent`.
 */
async function dropDatabase(t: OffboardTenant, p: Progress, aws: AwsClients, state: AwsClients, deps: Pick<OffboardDeps, "now">): Promise<DatabaseOutcome> {
  const provisioner = p.inventory!.provisioner!;
  const exported = p.steps.export!.database;
  if (!p.databaseDrop) {
    const payload = sendable({ ...provisioner.input, [provisioner.terraformKey]: { action: "delete", prev_input: provisioner.input } });
    log(`[3/4] ${t.tenant.id} destroy: provisioner ${provisioner.functionName}: drop the database side (export already verified)`);
    p.databaseDrop = await aws.invoke(provisioner.functionName, provisioner.qualifier, payload);
    p.databaseDroppedAt = deps.now().toISOString();
    await saveProgress(state.s3, t, p);
  }
  const answer = p.databaseDrop;
  const exportedObject = p.steps.export!.objects.find((o) => o.contents === "database export")!;
  if (answer.status !== "dropped" || answer.exportLocation !== exported.exportLocation || answer.exportSha256 !== exportedObject.sha256) {
    delete p.databaseDrop;
    delete p.databaseDroppedAt;
    throw new ToolFailure(
      `provisioner answered the drop with ${JSON.stringify(answer).slice(0, 300)}; expected status dropped on the verified export ${exported.exportLocation} (sha256 ${exportedObject.sha256})`,
    );
  }
  return { ...exported, status: "dropped" };
}

/** Versions (and delete markers) in the bucket that the manifest (its copy in the state bucket) does not list. */
async function versionsNotInManifest(s3: S3Client, state: S3Client, t: OffboardTenant, bucket: string, stamp: string): Promise<string[]> {
  const where = locations(t);
  const { body } = await readObject(state, where.stateBucket, where.manifestKey(stamp), t.environment.accountId);
  const manifest = JSON.parse(Buffer.from(body).toString("utf8")) as { versions: { key: string; versionId: string }[]; deleteMarkerList: { key: string; versionId: string }[] };
  const listed = new Set([...manifest.versions, ...manifest.deleteMarkerList].map((v) => `${v.key}\0${v.versionId}`));
  const now = await listAllVersions(s3, bucket, t.environment.accountId);
  return [...now.versions, ...now.deleteMarkers].filter((v) => !listed.has(`${v.key}\0${v.versionId}`)).map((v) => v.key);
}

function buildRecord(t: OffboardTenant, p: Progress, completedAt: string, location: OffboardingRecord["location"]): OffboardingRecord {
  const inventory = p.inventory!;
  const retainedLogGroups = new Set(inventory.logGroups.filter((g) => g.retained).map((g) => g.name));
  const destroyed: DestroyedResource[] = [];
  const retained: OffboardingRecord["destroy"]["resourcesRetained"] = [];
  for (const d of p.destroyPlanned ?? []) {
    if (d.type === "aws_cloudwatch_log_group" && d.id !== undefined && [...retainedLogGroups].some((n) => d.id === n || d.id!.endsWith(`:log-group:${n}`))) {
      retained.push({ ...d, reason: "log group kept (offboarding.logGroup: retain); it expires with its retention" });
    } else destroyed.push(d);
  }
  return {
    schema: RECORD_SCHEMA,
    tenantId: t.tenant.id,
    environment: t.tenant.environment,
    region: t.tenant.region,
    accountId: t.environment.accountId,
    stack: tenantStackName(t.tenant.id),
    startedAt: p.startedAt,
    completedAt,
    workflowRun: t.run,
    agents: { verifiedAt: p.steps.agents!.completedAt, services: p.steps.agents!.services },
    export: p.steps.export!,
    destroy: {
      completedAt: p.steps.destroy!.completedAt,
      bucketEmptied: p.bucketEmptied ?? { versionsDeleted: 0, deleteMarkersDeleted: 0 },
      resourcesDestroyed: destroyed,
      resourcesRetained: retained,
    },
    kmsKey: p.steps.destroy!.kmsKey,
    secrets: inventory.secrets,
    ...(p.evidence ? { evidence: p.evidence } : {}),
    ...(t.environment.offboarding ? { settings: t.environment.offboarding } : {}),
    location,
  };
}

/**
 * `--evidence-only`: looks up the pending evidence of a tenant the job already offboarded
 * (status offboarding or an offboarded tombstone) and rewrites its record. Reads the progress
 * and the record from the state bucket and calls CloudTrail; never terraform, never a tenant
 * resource, never the provisioner.
 */
export async function evidenceOnly(t: OffboardTenant, deps: OffboardDeps): Promise<TenantOutcome> {
  const state = deps.clients(t.environment.stateRegion);
  const aws = deps.clients(t.tenant.region);
  try {
    const p = await loadProgress(state.s3, t);
    if (!p?.steps.record) return { tenantId: t.tenant.id, ok: true, ran: [], message: "no offboarding record yet: the offboarding itself has not finished" };
    const existing = await readRecord(state.s3, t, p);
    const record = hasPendingEvidence(existing) ? await refreshEvidence(t, p, existing, aws, state, deps) : existing;
    return { tenantId: t.tenant.id, ok: true, ran: [], record, markdown: recordMarkdown(record), tombstone: tombstoneEdit(record), evidenceChecked: record !== existing };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`::error::offboarding evidence of ${t.tenant.id}: ${message}`);
    return { tenantId: t.tenant.id, ok: false, ran: [], message };
  }
}

/** A record whose evidence claims more than it shows is never written (evidenceProblems). */
function checkedRecord(record: OffboardingRecord): OffboardingRecord {
  const problems = record.evidence ? evidenceProblems(record.evidence) : [];
  if (problems.length) throw new ToolFailure(`refusing to write the offboarding record of ${record.tenantId}: its evidence ${problems.join("; ")}`);
  return record;
}

/** A record written before evidence existed has all of it to look up. */
export const hasPendingEvidence = (r: OffboardingRecord) => !r.evidence || r.evidence.pending.length > 0;

/** What the evidence lookup matches, from what the job observed and kept in its progress. */
export function evidenceTargets(t: OffboardTenant, p: Progress): EvidenceTargets {
  const inventory = p.inventory!;
  const destroyed = p.steps.destroy!;
  const { environment, region } = t.tenant;
  // A progress file from before destroyStartedAt was kept: the offboarding's start, earlier but still after any use.
  const window = { from: p.destroyStartedAt ?? p.startedAt, to: destroyed.completedAt };
  return {
    tenantId: t.tenant.id,
    accountId: t.environment.accountId,
    region: t.tenant.region,
    pipelineRoleArn: `arn:${partitionOf(t.tenant.region)}:iam::${t.environment.accountId}:role/${deployRoleName(t.tenant.environment)}`,
    window,
    bucket: inventory.bucket,
    keyArn: destroyed.kmsKey.arn,
    secrets: inventory.secrets.map((s) => ({ name: s.name, ...(s.arn ? { arn: s.arn } : {}) })),
    elsewhere: elsewhereEvidence({
      tenantId: t.tenant.id,
      environment,
      region,
      bucket: inventory.bucket,
      window,
      bucketEmptied: p.bucketEmptied ?? { versionsDeleted: 0, deleteMarkersDeleted: 0 },
      database: p.steps.export!.database,
      ...(p.databaseDrop ? { databaseAnswer: p.databaseDrop } : {}),
      ...(p.databaseDroppedAt ? { databaseAnsweredAt: p.databaseDroppedAt } : {}),
      provisionerLogGroup: platformLogGroupName(environment, region, DB_PROVISIONER_FUNCTION_SUFFIX),
      postgresLogGroup: databaseLogGroupName(platformResourceName(environment, region, DATABASE_IDENTIFIER_SUFFIX), "postgresql"),
    }),
  };
}

/**
 * Looks up the record's pending evidence again and rewrites the record in place (same keys, a
 * new version in the versioned state bucket): everything but `evidence` stays as first written,
 * so the tombstone's pointer and offboardedAt stay true. Touches no tenant resource.
 */
export async function refreshEvidence(t: OffboardTenant, p: Progress, existing: OffboardingRecord, aws: AwsClients, state: AwsClients, deps: Pick<OffboardDeps, "now" | "sleep">): Promise<OffboardingRecord> {
  const where = locations(t);
  const previous = existing.evidence ?? p.evidence;
  const evidence = await collectEvidence(aws.cloudtrail, evidenceTargets(t, p), previous, deps);
  const record = checkedRecord({ ...existing, evidence });
  const jsonKey = record.location.json.replace(`s3://${where.stateBucket}/`, "");
  const mdKey = record.location.markdown.replace(`s3://${where.stateBucket}/`, "");
  await putVerified(state.s3, where.stateBucket, jsonKey, `${JSON.stringify(record, null, 2)}\n`, t.environment.accountId, where.stateEncryption, "application/json");
  await putVerified(state.s3, where.stateBucket, mdKey, recordMarkdown(record), t.environment.accountId, where.stateEncryption, "text/markdown");
  p.evidence = evidence;
  await saveProgress(state.s3, t, p);
  log(`${t.tenant.id} evidence: ${evidence.pending.length ? `${evidence.pending.length} still pending (${evidence.pending.join(", ")})` : "complete"}; ${record.location.json} rewritten`);
  return record;
}

async function readRecord(s3: S3Client, t: OffboardTenant, p: Progress): Promise<OffboardingRecord> {
  const key = p.steps.record!.location.json.replace(`s3://${t.environment.stateBucket}/`, "");
  const { body } = await readObject(s3, t.environment.stateBucket, key, t.environment.accountId);
  return JSON.parse(Buffer.from(body).toString("utf8")) as OffboardingRecord;
}

/** Reduces the approvals JSON (.github/scripts/run-approvals.js output) to what the record keeps. */
