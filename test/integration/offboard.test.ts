/**
 * The offboarding job against a moto server: real S3 (versions, delete markers, checksums,
 * default encryption), KMS (key deletion dates) and ECS (task counts); a fake terraform
 * (test/pipeline/fake-terraform.ts) and a fake provisioner that keeps the Lambda's contract
 * (db/provisioner/provisioner.ts, proven on PostgreSQL in test/db/provisioner.test.ts): the
 * `export` operation writes to the archive with S3's SHA-256 and returns its receipt, once;
 * the offboarding delete drops on that export; a delete after the drop answers `absent`.
 * The invoker itself is unit-tested with aws-sdk-client-mock (test/pipeline/offboard.test.ts).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateAliasCommand, CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { main as offboardMain, offboardTenant, type AwsClients, type OffboardDeps, type OffboardTenant, type Progress } from "../../pipeline/offboard";
import type { OffboardingRecord } from "../../pipeline/lib/offboarding-record";
import { offboardingArchiveBucketName, stateKeyAlias, tenantBucketName } from "../../modules/naming";
import { FakeTerraform, type FakeResource } from "../pipeline/fake-terraform";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";
import { parseProvisionerEvent } from "../../db/contract";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const ENV = "production";
const STATE_BUCKET = "fixture-openclaw-tfstate-production";
const TENANT_BUCKET = tenantBucketName("acme", ACCOUNT, REGION);
const ARCHIVE_BUCKET = offboardingArchiveBucketName(ENV, REGION, ACCOUNT);
const CLUSTER = "openclaw-production-us-east-1-cluster";
const FUNCTION = "openclaw-production-us-east-1-db-provisioner";
const RUN_URL = "https://github.com/acme/openclaw-infra/actions/runs/4242";
const SETTINGS = { archiveRetentionDays: 2555, kmsDeletionWindowDays: 7, secretRecoveryWindowDays: 7, logGroup: "delete" as const };
/** The applied teardown form of the provisioner input (stacks/tenant-stack.ts while offboarding). */
const TEARDOWN_INPUT = { tenantId: "acme", environment: ENV, exportBucket: ARCHIVE_BUCKET, deletionMode: "drop", connectionLimit: 20, offboarding: true };
const EXPORT_SQL = "-- OpenClaw tenant export: tenant acme\nCOPY openclaw.leads (id, tenant_id, name) FROM stdin;\n1\tacme\tWile E.\n\\.\n";

let moto: MotoServer;
const savedEnv = { ...process.env };
let s3: S3Client;
let kms: KMSClient;
let ecs: ECSClient;
let cloudtrail: CloudTrailClient;

beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
  s3 = new S3Client({ region: REGION, forcePathStyle: true });
  kms = new KMSClient({ region: REGION });
  ecs = new ECSClient({ region: REGION });
  cloudtrail = new CloudTrailClient({ region: REGION, maxAttempts: 1 });
});
afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

interface World {
  tenantKeyId: string;
  terraform: FakeTerraform;
  invocations: Record<string, unknown>[];
  /** Makes the next AWS call matching the predicate throw (then behaves normally). */
  failOnce: (what: (command: { constructor: { name: string }; input: Record<string, unknown> }) => boolean, message?: string) => void;
  deps: OffboardDeps;
  job: OffboardTenant;
  /** Makes the next provisioner call of this kind time out (then behaves normally). */
  invokeFails?: "export" | "delete";
  /** The fake database side: live, exported (with its receipt) or gone. */
  database: { state: "live" | "exported" | "gone"; receipt?: Record<string, unknown>; uploads: number };
  /** What terraform destroy's own provisioner delete answered. */
  destroyDeletes: Record<string, unknown>[];
}

const EXPORT_KEY = "database-exports/acme/2026-12-01T22-00-03-000Z.sql";

/** A synthesized tenant stack in its teardown form: nothing carries prevent_destroy. */
function teardownStackDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tenant-acme-"));
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify({ resource: { aws_s3_bucket: { storage_bucket: { bucket: TENANT_BUCKET, lifecycle: { prevent_destroy: false } } } } }));
  return dir;
}

async function versioned(bucket: string) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
}

/** A deployed tenant: bucket with history, key, two running services, state and archive buckets. */
async function world(): Promise<World> {
  await moto.reset();
  const stateKey = (await kms.send(new CreateKeyCommand({ Description: "state" }))).KeyMetadata!.KeyId!;
  await kms.send(new CreateAliasCommand({ AliasName: stateKeyAlias(ENV), TargetKeyId: stateKey }));
  const archiveKey = (await kms.send(new CreateKeyCommand({ Description: "platform archive" }))).KeyMetadata!;
  const tenantKey = (await kms.send(new CreateKeyCommand({ Description: "tenant acme" }))).KeyMetadata!;
  await versioned(STATE_BUCKET);
  await versioned(ARCHIVE_BUCKET);
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: ARCHIVE_BUCKET,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: archiveKey.Arn } }] },
    }),
  );
  await versioned(TENANT_BUCKET);
  await s3.send(new PutObjectCommand({ Bucket: TENANT_BUCKET, Key: "notes/a.txt", Body: "first draft", ChecksumAlgorithm: "SHA256" }));
  await s3.send(new PutObjectCommand({ Bucket: TENANT_BUCKET, Key: "notes/a.txt", Body: "second draft" }));
  await s3.send(new PutObjectCommand({ Bucket: TENANT_BUCKET, Key: "notes/b.txt", Body: "to be deleted" }));
  await s3.send(new DeleteObjectCommand({ Bucket: TENANT_BUCKET, Key: "notes/b.txt" }));

  const cluster = (await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))).cluster!.clusterArn!;
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "openclaw-acme-butler", containerDefinitions: [{ name: "agent", image: "agent", memory: 512 }] }));
  for (const name of ["acme-butler", "acme-scout"]) {
    await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: name, taskDefinition: "openclaw-acme-butler", desiredCount: 1 }));
  }

  const input = TEARDOWN_INPUT;
  const resources: FakeResource[] = [
    { address: "aws_s3_bucket.storage_bucket", type: "aws_s3_bucket", values: { bucket: TENANT_BUCKET, arn: `arn:aws:s3:::${TENANT_BUCKET}` } },
    { address: "aws_kms_key.key", type: "aws_kms_key", values: { key_id: tenantKey.KeyId, arn: tenantKey.Arn, deletion_window_in_days: 7 } },
    { address: "aws_ecs_service.butler", type: "aws_ecs_service", values: { name: "acme-butler", cluster, desired_count: 1 } },
    { address: "aws_ecs_service.scout", type: "aws_ecs_service", values: { name: "acme-scout", cluster, desired_count: 1 } },
    {
      address: "aws_lambda_invocation.database",
      type: "aws_lambda_invocation",
      values: { function_name: FUNCTION, qualifier: "$LATEST", terraform_key: "tf", input: JSON.stringify(input), result: '{"status":"active"}' },
    },
    {
      address: "aws_secretsmanager_secret.slack",
      type: "aws_secretsmanager_secret",
      values: { name: "/openclaw/production/acme/slack", arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/openclaw/production/acme/slack-AbCdEf`, recovery_window_in_days: 7 },
    },
    { address: "aws_cloudwatch_log_group.logs", type: "aws_cloudwatch_log_group", values: { name: "/openclaw/production/acme", arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/openclaw/production/acme`, skip_destroy: false } },
    { address: "aws_iam_role.execution", type: "aws_iam_role", values: { name: "openclaw-acme-execution", arn: `arn:aws:iam::${ACCOUNT}:role/openclaw-acme-execution` } },
  ];
  const terraform = new FakeTerraform({
    resources,
    onApply: async (rs) => {
      for (const r of rs.filter((x) => x.type === "aws_ecs_service")) await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: r.values.name as string, desiredCount: 0 }));
    },
    onDestroy: async () => {
      // terraform destroy deletes the aws_lambda_invocation: the provisioner gets the same delete again.
      w.destroyDeletes.push(await provisioner({ ...TEARDOWN_INPUT, tf: { action: "delete", prev_input: TEARDOWN_INPUT } }));
      // What the real destroy does to the two resources the record reports on; DeleteBucket
      // fails on a bucket that still has versions, so this also proves the emptying.
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: tenantKey.KeyId, PendingWindowInDays: 7 }));
      await s3.send(new DeleteBucketCommand({ Bucket: TENANT_BUCKET }));
    },
  });

  /** The provisioner's contract (db/provisioner/provisioner.ts) on a one-tenant database. */
  async function provisioner(payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    // The real Lambda's own check of what it receives (db/contract.ts): a stray or missing key fails here as it would in AWS.
    parseProvisionerEvent(payload);
    const db = w.database;
    const names = { tenantId: "acme", roleName: "tenant_acme", schemaName: "tenant_acme" };
    const storeExport = async (bucket: string) => {
      // The handler's PutObject: SSE-KMS with the bucket's default key, S3 keeps the SHA-256.
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: EXPORT_KEY, Body: EXPORT_SQL, ServerSideEncryption: "aws:kms", ChecksumAlgorithm: "SHA256", ChecksumSHA256: createHash("sha256").update(EXPORT_SQL).digest("base64") }));
      db.uploads++;
      return { exportLocation: `s3://${bucket}/${EXPORT_KEY}`, exportSha256: createHash("sha256").update(EXPORT_SQL).digest("hex"), exportBytes: Buffer.byteLength(EXPORT_SQL) };
    };
    if (payload.operation === "export") {
      if (db.state === "gone") throw new Error("tenant acme has no database role tenant_acme: nothing to export");
      if (db.receipt) return { status: "exported", ...names, ...db.receipt, reused: true };
      db.receipt = await storeExport(payload.exportBucket as string);
      db.state = "exported";
      return { status: "exported", ...names, ...db.receipt };
    }
    const tf = payload.tf as { action: string };
    if (tf.action !== "delete") return { ...names, status: "active", migrationsApplied: [] };
    if (payload.offboarding !== true) return { ...names, status: "kept", migrationsApplied: [] };
    if (db.state === "gone") return { ...names, status: "absent", migrationsApplied: [] };
    if (payload.deletionMode === "retain") return { ...names, status: "retired", migrationsApplied: [] };
    const receipt = db.receipt ?? (await storeExport(payload.exportBucket as string));
    db.state = "gone";
    delete db.receipt;
    return { ...names, status: "dropped", migrationsApplied: [], ...receipt };
  }

  let clock = Date.parse("2026-12-01T22:00:00.000Z");
  const w: World = {
    tenantKeyId: tenantKey.KeyId!,
    terraform,
    invocations: [],
    database: { state: "live", uploads: 0 },
    destroyDeletes: [],
    failOnce: () => undefined,
    deps: undefined as unknown as OffboardDeps,
    job: {
      tenant: { id: "acme", environment: ENV, region: REGION, status: "offboarding", databaseDeletion: "drop" },
      environment: { accountId: ACCOUNT, stateBucket: STATE_BUCKET, stateRegion: REGION, stateEncryption: "kms", offboarding: SETTINGS },
      stackDir: teardownStackDir(),
      run: { url: RUN_URL, commit: "0123456789abcdef0123456789abcdef01234567", triggeredBy: "alice", approvals: [{ user: "bob", environments: ["production"], state: "approved", comment: "customer contract ended, ticket OPS-12" }] },
      agentsTimeoutMs: 5_000,
      pollMs: 1,
    },
  };
  let pending: { what: (c: never) => boolean; message: string } | undefined;
  w.failOnce = (what, message = "injected failure") => (pending = { what: what as (c: never) => boolean, message });
  const wrap = <C extends { send: (...a: never[]) => unknown }>(client: C): C =>
    new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return async (command: never) => {
          if (pending?.what(command)) {
            const { message } = pending;
            pending = undefined;
            throw new Error(message);
          }
          return (target.send as (c: never) => Promise<unknown>)(command);
        };
      },
    });
  const clients = (): AwsClients => ({
    s3: wrap(s3),
    ecs: wrap(ecs),
    kms: wrap(kms),
    cloudtrail: wrap(cloudtrail),
    invoke: async (functionName, _qualifier, payload) => {
      w.invocations.push({ functionName, payload });
      if (w.invokeFails === (payload.operation === "export" ? "export" : "delete")) {
        w.invokeFails = undefined;
        throw new Error("provisioner timed out");
      }
      return provisioner(payload);
    },
  });
  w.deps = {
    exec: terraform.exec,
    terraform: "terraform",
    clients,
    now: () => new Date((clock += 1000)),
    sleep: async () => undefined,
    print: () => undefined,
  };
  return w;
}

async function progress(): Promise<Progress> {
  const r = await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: "offboarding/acme/progress.json" }));
  return JSON.parse(await r.Body!.transformToString()) as Progress;
}

async function keys(bucket: string): Promise<string[]> {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].map((v) => v.Key!).sort();
}

const silence = () => jest.spyOn(process.stderr, "write").mockImplementation(() => true);

describe("offboarding job against moto", () => {
  beforeEach(() => silence());
  afterEach(() => jest.restoreAllMocks());

  test("runs agents, export, destroy and record in order and writes a record checked field by field", async () => {
    const w = await world();
    const outcome = await offboardTenant(w.job, w.deps);
    expect(outcome).toMatchObject({ ok: true, ran: ["agents", "export", "destroy", "record"] });
    expect(w.terraform.commands).toEqual(["init", "apply", "show", "plan -destroy", "show offboard-destroy.tfplan", "apply offboard-destroy.tfplan", "state list"]);
    // One export into the archive, then one drop with exactly Terraform's CRUD delete payload;
    // terraform destroy's own delete afterwards finds nothing and succeeds.
    const input = TEARDOWN_INPUT;
    expect(w.invocations).toEqual([
      { functionName: FUNCTION, payload: { operation: "export", environment: ENV, tenantId: "acme", exportBucket: ARCHIVE_BUCKET } },
      { functionName: FUNCTION, payload: { ...input, tf: { action: "delete", prev_input: input } } },
    ]);
    expect(w.database.uploads).toBe(1);
    expect(w.destroyDeletes).toEqual([expect.objectContaining({ status: "absent" })]);

    const r = outcome.record!;
    expect(r.schema).toBe("openclaw.offboarding-record/v1");
    expect([r.tenantId, r.environment, r.region, r.accountId, r.stack]).toEqual(["acme", ENV, REGION, ACCOUNT, "tenant-acme"]);
    expect(r.workflowRun).toEqual(w.job.run);
    expect(r.agents.services.map((s) => [s.name, s.desiredCount, s.runningCount, s.pendingCount])).toEqual([
      ["acme-butler", 0, 0, 0],
      ["acme-scout", 0, 0, 0],
    ]);
    expect(r.export.archiveBucket).toBe(ARCHIVE_BUCKET);
    expect(r.export.prefix).toMatch(/^acme\/2026-12-01T22-00-\d\d-000Z\/$/);
    const sha = require("node:crypto").createHash("sha256").update(EXPORT_SQL).digest("hex");
    expect(r.export.objects.map((o) => [o.contents, o.key.replace(r.export.prefix, ""), o.bucket])).toEqual([
      ["database export", EXPORT_KEY, ARCHIVE_BUCKET],
      ["bucket manifest", "bucket-manifest.json", ARCHIVE_BUCKET],
    ]);
    expect(r.export.objects[0]).toMatchObject({ sha256: sha, bytes: Buffer.byteLength(EXPORT_SQL) });
    expect(r.export.objects.every((o) => /^[0-9a-f]{64}$/.test(o.sha256) && o.versionId)).toBe(true);
    expect(r.export.database).toEqual({ deletionMode: "drop", status: "dropped", exportLocation: `s3://${ARCHIVE_BUCKET}/${EXPORT_KEY}` });
    // 3 versions of notes/ (the export never touches the tenant bucket); one delete marker.
    expect(r.export.tenantBucket).toEqual({ name: TENANT_BUCKET, objectVersions: 3, deleteMarkers: 1, bytes: 11 + 12 + 13 });
    expect(r.destroy.bucketEmptied).toEqual({ versionsDeleted: 3, deleteMarkersDeleted: 1 });
    expect(r.destroy.resourcesDestroyed.map((d) => [d.address, d.id])).toEqual([
      ["aws_s3_bucket.storage_bucket", `arn:aws:s3:::${TENANT_BUCKET}`],
      ["aws_kms_key.key", expect.stringMatching(/^arn:aws:kms:us-east-1:123456789012:key\//)],
      ["aws_ecs_service.butler", "acme-butler"],
      ["aws_ecs_service.scout", "acme-scout"],
      ["aws_lambda_invocation.database", undefined],
      ["aws_secretsmanager_secret.slack", expect.stringContaining(":secret:/openclaw/production/acme/slack")],
      ["aws_cloudwatch_log_group.logs", expect.stringContaining(":log-group:/openclaw/production/acme")],
      ["aws_iam_role.execution", `arn:aws:iam::${ACCOUNT}:role/openclaw-acme-execution`],
    ]);
    expect(r.destroy.resourcesRetained).toEqual([]);
    expect(r.kmsKey).toMatchObject({ keyId: w.tenantKeyId, keyState: "PendingDeletion" });
    expect(Date.parse(r.kmsKey.deletionDate!)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(r.secrets).toEqual([{ name: "/openclaw/production/acme/slack", arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/openclaw/production/acme/slack-AbCdEf`, recoveryWindowInDays: 7 }]);
    // moto 5.2 does not implement CloudTrail's LookupEvents (moto/cloudtrail/responses.py): every
    // management-event step stays pending with the lookup's error, and the record is still written.
    expect(r.evidence!.steps.map((s) => [s.step, s.status])).toEqual([
      ["bucket-emptied", "elsewhere"],
      ["bucket-deleted", "pending"],
      ["key-deletion-scheduled", "pending"],
      ["secret-deleted", "pending"],
      ["database-dropped", "elsewhere"],
    ]);
    expect(r.evidence!.steps.filter((s) => s.status === "pending").every((s) => typeof s.lookupError === "string" && s.lookupError.length > 0)).toBe(true);
    expect(r.settings).toEqual(SETTINGS);
    expect(r.location.json).toMatch(new RegExp(`^s3://${STATE_BUCKET}/offboarding/acme/record-2026-12-01T22-00-\\d\\d-000Z\\.json$`));
    expect(r.location.markdown).toBe(r.location.json.replace(/\.json$/, ".md"));
    expect(outcome.tombstone).toBe(`tenants/acme.yaml: set status: offboarded, offboardedAt: "${r.completedAt}", offboardingRecord: ${r.location.json}`);

    // Stored where the record says, encrypted with the state key; the archive with its own key.
    const stored = await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: r.location.json.replace(`s3://${STATE_BUCKET}/`, "") }));
    expect(stored.ServerSideEncryption).toBe("aws:kms");
    expect(JSON.parse(await stored.Body!.transformToString())).toEqual(r);
    const md = await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: r.location.markdown.replace(`s3://${STATE_BUCKET}/`, "") }));
    expect(await md.Body!.transformToString()).toContain("**Approved by:** @bob (production");
    const archived = await s3.send(new GetObjectCommand({ Bucket: ARCHIVE_BUCKET, Key: r.export.objects[0].key, ChecksumMode: "ENABLED" }));
    expect(archived.ServerSideEncryption).toBe("aws:kms");
    expect(await archived.Body!.transformToString()).toBe(EXPORT_SQL);
    const manifest = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: ARCHIVE_BUCKET, Key: r.export.objects[1].key }))).Body!.transformToString());
    expect(manifest.versions.map((v: { key: string }) => v.key).sort()).toEqual(["notes/a.txt", "notes/a.txt", "notes/b.txt"]);
    // S3's stored checksums per version: SHA-256 where the upload asked for it, the SDK's default CRC32 otherwise.
    const aVersions = manifest.versions.filter((v: { key: string }) => v.key === "notes/a.txt");
    expect(aVersions.map((v: { checksum: { algorithm: string; value: string } }) => v.checksum).sort((x: { algorithm: string }, y: { algorithm: string }) => x.algorithm.localeCompare(y.algorithm))).toEqual([
      { algorithm: "CRC32", value: expect.any(String) },
      { algorithm: "SHA256", value: require("node:crypto").createHash("sha256").update("first draft").digest("base64") },
    ]);
    expect(aVersions.every((v: { size: number; etag: string; versionId: string }) => v.size > 0 && v.etag.length > 0 && v.versionId.length > 0)).toBe(true);
    expect(manifest.deleteMarkerList.map((m: { key: string }) => m.key)).toEqual(["notes/b.txt"]);

    // The record the closing note quotes (docs/pipeline evidence): refreshed with SAVE_OFFBOARDING_RECORD=1.
    if (process.env.SAVE_OFFBOARDING_RECORD) {
      const dir = join(__dirname, "..", "pipeline", "fixtures", "offboarding");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "record.json"), `${JSON.stringify(r, null, 2)}\n`);
      writeFileSync(join(dir, "record.md"), outcome.markdown!);
    }

    // A later run changes nothing and prints the same tombstone edit.
    const again = await offboardTenant(w.job, w.deps);
    expect(again).toMatchObject({ ok: true, ran: [], tombstone: outcome.tombstone });
    expect(w.invocations).toHaveLength(2);
  });

  type Injection = { step: string; inject: (w: World) => void; untouched: (w: World) => Promise<void> };
  const tenantDataIntact = async () => expect(await keys(TENANT_BUCKET)).toEqual(expect.arrayContaining(["notes/a.txt", "notes/b.txt"]));
  const injections: Injection[] = [
    {
      step: "agents",
      inject: (w) => (w.terraform.failNext = ["apply"]),
      untouched: async (w) => {
        expect(w.invocations).toEqual([]);
        expect(await keys(ARCHIVE_BUCKET)).toEqual([]);
        await tenantDataIntact();
      },
    },
    {
      step: "export",
      inject: (w) => (w.invokeFails = "export"),
      untouched: async () => {
        expect(await keys(ARCHIVE_BUCKET)).toEqual([]);
        await tenantDataIntact();
      },
    },
    {
      step: "export",
      // after the database export: the archive refuses the manifest; the retry must not export again
      inject: (w) => w.failOnce((c) => c.constructor.name === "PutObjectCommand" && c.input.Bucket === ARCHIVE_BUCKET, "AccessDenied on the archive"),
      untouched: async (w) => {
        expect(w.invocations).toHaveLength(1);
        expect(w.database.state).toBe("exported");
        await tenantDataIntact();
      },
    },
    {
      step: "destroy",
      // Terraform refuses the destroy plan: nothing is dropped, the bucket is not emptied
      inject: (w) => (w.terraform.failNext = ["plan"]),
      untouched: async (w) => {
        expect(await keys(ARCHIVE_BUCKET)).toHaveLength(2);
        expect(w.database.state).toBe("exported");
        await tenantDataIntact();
      },
    },
    {
      step: "destroy",
      // The drop call times out: the bucket is not emptied; the retry drops on the same export
      inject: (w) => (w.invokeFails = "delete"),
      untouched: async (w) => {
        expect(w.database.state).toBe("exported");
        await tenantDataIntact();
      },
    },
    {
      step: "destroy",
      inject: (w) => (w.terraform.failNext = ["apply", "-input=false", "-no-color", "offboard-destroy.tfplan"]),
      untouched: async (w) => {
        expect(w.terraform.resources.length).toBe(8);
        expect(await keys(ARCHIVE_BUCKET)).toHaveLength(2);
      },
    },
    {
      step: "record",
      inject: (w) => w.failOnce((c) => c.constructor.name === "PutObjectCommand" && String(c.input.Key).includes("/record-"), "SlowDown"),
      untouched: async (w) => expect(w.terraform.resources).toEqual([]),
    },
  ];

  test.each(injections.map((i, n) => [`${i.step} (${n + 1})`, i] as const))("resumes after a failure at step %s", async (_name, injection) => {
    const w = await world();
    injection.inject(w);
    const first = await offboardTenant(w.job, w.deps);
    expect(first).toMatchObject({ ok: false, failedStep: injection.step });
    await injection.untouched(w);
    expect((await progress()).lastFailure).toMatchObject({ step: injection.step, runUrl: RUN_URL });

    const second = await offboardTenant(w.job, w.deps);
    expect(second.ok).toBe(true);
    const order = ["agents", "export", "destroy", "record"];
    expect([...first.ran, ...second.ran]).toEqual(order);
    expect(second.ran[0]).toBe(injection.step);
    // Exported once, dropped once, and terraform destroy's delete found nothing left.
    expect(w.database).toMatchObject({ state: "gone", uploads: 1 });
    expect(w.destroyDeletes).toEqual([expect.objectContaining({ status: "absent" })]);
    const record = second.record as OffboardingRecord;
    expect(record.destroy.resourcesDestroyed).toHaveLength(8);
    expect(record.export.database.status).toBe("dropped");
    expect((await progress()).lastFailure).toBeUndefined();
  });

  test("refuses to empty a bucket that gained objects after the export, and exports again next time", async () => {
    const w = await world();
    // Stop the first run at its first delete: nothing is deleted.
    w.failOnce((c) => c.constructor.name === "DeleteObjectsCommand", "network");
    expect(await offboardTenant(w.job, w.deps)).toMatchObject({ ok: false, failedStep: "destroy" });
    await s3.send(new PutObjectCommand({ Bucket: TENANT_BUCKET, Key: "late/upload.bin", Body: "late" }));

    const second = await offboardTenant(w.job, w.deps);
    expect(second).toMatchObject({ ok: false, failedStep: "destroy" });
    expect(second.message).toMatch(/written after the export \(e\.g\. late\/upload\.bin\); nothing was deleted/);
    expect(await keys(TENANT_BUCKET)).toContain("late/upload.bin");

    const third = await offboardTenant(w.job, w.deps);
    expect(third).toMatchObject({ ok: true, ran: ["export", "destroy", "record"] });
    expect(third.record!.export.tenantBucket.objectVersions).toBe(4);
    expect(w.invocations).toHaveLength(2);
    expect(w.database).toMatchObject({ state: "gone", uploads: 1 });
  });

  test("the CLI offboards the environment's offboarding tenants, prints the tombstone and writes the run summary", async () => {
    const w = await world();
    const dir = mkdtempSync(join(tmpdir(), "offboard-cli-"));
    mkdirSync(join(dir, "tenants"));
    mkdirSync(join(dir, "synth", "stacks"), { recursive: true });
    writeFileSync(join(dir, "tenants", "acme.yaml"), `id: acme\ndisplayName: ACME\nenvironment: ${ENV}\nregion: ${REGION}\nstatus: offboarding\ndatabaseDeletion: drop\n`);
    writeFileSync(join(dir, "tenants", "globex.yaml"), `id: globex\ndisplayName: G\nenvironment: ${ENV}\nregion: ${REGION}\nstatus: active\n`);
    require("node:fs").cpSync(w.job.stackDir, join(dir, "synth", "stacks", "tenant-acme"), { recursive: true });
    const offboarding = { archiveRetentionDays: 2555, kmsDeletionWindowDays: 7, secretRecoveryWindowDays: 7, logGroup: "delete" };
    const envs = { [ENV]: { accountId: ACCOUNT, stateBucket: STATE_BUCKET, stateRegion: REGION, lockTable: "t", costCenter: "c", offboarding, regions: {} } };
    writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ context: { environments: envs } }));
    writeFileSync(join(dir, "approvals.json"), JSON.stringify([{ user: "carol", environments: ["production"], state: "approved", comment: "" }]));
    const summary = join(dir, "summary.md");
    const printed: string[] = [];
    const code = await offboardMain(
      ["--tenants", join(dir, "tenants"), "--synth", join(dir, "synth"), "--environment", ENV, "--cdktf-json", join(dir, "cdktf.json"), "--run-url", RUN_URL, "--approvals", join(dir, "approvals.json"), "--summary", summary],
      { ...w.deps, print: (l) => printed.push(l) },
    );
    expect(code).toBe(0);
    expect(printed).toEqual([expect.stringMatching(/^tenants\/acme\.yaml: set status: offboarded, offboardedAt: "[^"]+", offboardingRecord: s3:\/\/fixture-openclaw-tfstate-production\/offboarding\/acme\/record-[^ ]+\.json$/)]);
    const md = require("node:fs").readFileSync(summary, "utf8");
    expect(md).toContain("### Offboarding record: tenant `acme`");
    expect(md).toContain("@carol (production)");
    expect(md).toContain(", kept 2555 days:");
    expect(md).toContain(`**Merge the tombstone:** \`${printed[0]}\``);
  });

  test("stops at step agents when tasks keep running past the bound", async () => {
    const w = await world();
    w.terraform = new FakeTerraform({ resources: w.terraform.resources }); // apply does not reach ECS
    const deps = { ...w.deps, exec: w.terraform.exec };
    const r = await offboardTenant(w.job, deps);
    expect(r).toMatchObject({ ok: false, failedStep: "agents" });
    expect(r.message).toMatch(/^tasks still running after 5s: acme-butler \(desired 1, running 0, pending 1\)/);
  });
});
