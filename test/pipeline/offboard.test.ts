/**
 * Unit tests of the offboarding job: the provisioner invoker (aws-sdk-client-mock), state
 * and plan parsing, the record, the CLI, and the whole job over in-memory AWS clients for
 * the cases the moto suite (test/integration/offboard.test.ts) does not cover.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CloudTrailClient, LookupEventsCommand, type Event as TrailEvent } from "@aws-sdk/client-cloudtrail";
import { deleteBucket, deleteSecret, scheduleKey } from "./cloudtrail-events";
import * as offboard from "../../pipeline/offboard";
import { lambdaInvoker } from "../../pipeline/lib/offboarding-aws";
import { plannedDeletes, stateResources, tenantInventory } from "../../pipeline/lib/terraform-state";
import { recordMarkdown, tombstoneEdit, type OffboardingRecord } from "../../pipeline/lib/offboarding-record";
import { parseRecordPointer, TombstoneSchema } from "../../config/tenant-schema";
import { offboardingArchiveBucketName } from "../../modules/naming";
import { FakeTerraform } from "./fake-terraform";
import { runCli } from "./cli-helper";
import { parseProvisionerEvent } from "../../db/contract";

const ARCHIVE = offboardingArchiveBucketName("production", "us-east-1", "123456789012");
const EXPORT = "COPY openclaw.leads FROM stdin;\n\\.\n";
const FIXTURE_RECORD = JSON.parse(readFileSync(join(__dirname, "fixtures", "offboarding", "record.json"), "utf8")) as OffboardingRecord;

describe("provisioner invoker", () => {
  const lambda = new LambdaClient({ region: "us-east-1" });
  const mock = mockClient(lambda);
  afterEach(() => mock.reset());

  test("sends the payload synchronously and returns the parsed answer", async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from('{"status":"dropped","exportLocation":"s3://b/k"}') as never });
    const answer = await lambdaInvoker(lambda)("fn", "$LATEST", { tenantId: "acme" });
    expect(answer).toEqual({ status: "dropped", exportLocation: "s3://b/k" });
    const sent = mock.commandCalls(InvokeCommand)[0].args[0].input;
    expect(sent).toMatchObject({ FunctionName: "fn", Qualifier: "$LATEST", InvocationType: "RequestResponse" });
    expect(JSON.parse(Buffer.from(sent.Payload as Uint8Array).toString())).toEqual({ tenantId: "acme" });
  });

  test("fails with the function's error message when the handler threw", async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: Buffer.from('{"errorMessage":"input.environment is staging"}') as never });
    await expect(lambdaInvoker(lambda)("fn", undefined, {})).rejects.toThrow('provisioner fn failed (Unhandled): {"errorMessage":"input.environment is staging"}');
  });

  test("fails when the answer is not a JSON object", async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from("null") as never });
    await expect(lambdaInvoker(lambda)("fn", undefined, {})).rejects.toThrow(/answered null, expected an object/);
  });
});

describe("terraform state and plan", () => {
  const show = (resources: object[], child: object[] = []) => JSON.stringify({ values: { root_module: { resources, child_modules: [{ resources: child }] } } });

  test("reads managed resources of every module, not data sources", () => {
    const rs = stateResources(show([{ address: "data.aws_ssm_parameter.p", mode: "data", type: "aws_ssm_parameter" }, { address: "aws_s3_bucket.b", mode: "managed", type: "aws_s3_bucket", values: { bucket: "x" } }], [{ address: "module.m.aws_iam_role.r", mode: "managed", type: "aws_iam_role", values: {} }]));
    expect(rs.map((r) => r.address)).toEqual(["aws_s3_bucket.b", "module.m.aws_iam_role.r"]);
    expect(stateResources("")).toEqual([]);
  });

  test("fails naming the stack when the state is not a tenant stack's", () => {
    expect(() => tenantInventory([], "tenant-acme")).toThrow("tenant-acme: state holds 0 bucket(s) and 0 KMS key(s); a tenant stack has exactly one of each");
  });

  test("lists what a destroy plan deletes, with an identifying attribute and nothing else", () => {
    const plan = JSON.stringify({
      resource_changes: [
        { address: "aws_secretsmanager_secret.s", mode: "managed", type: "aws_secretsmanager_secret", change: { actions: ["delete"], before: { arn: "arn:s", secret_string: "never" } } },
        { address: "data.aws_caller_identity.me", mode: "data", type: "aws_caller_identity", change: { actions: ["delete"], before: {} } },
        { address: "aws_s3_bucket.b", mode: "managed", type: "aws_s3_bucket", change: { actions: ["no-op"], before: { bucket: "b" } } },
      ],
    });
    expect(plannedDeletes(plan)).toEqual([{ address: "aws_secretsmanager_secret.s", type: "aws_secretsmanager_secret", id: "arn:s" }]);
  });
});

describe("offboarding record", () => {
  test("the tombstone edit the job prints passes the pull request check's tombstone rules", () => {
    const edit = tombstoneEdit(FIXTURE_RECORD);
    const m = /^tenants\/acme\.yaml: set status: offboarded, offboardedAt: "([^"]+)", offboardingRecord: (\S+)$/.exec(edit)!;
    expect(m).not.toBeNull();
    expect(TombstoneSchema.shape.offboardedAt.safeParse(m[1]).success).toBe(true);
    expect(parseRecordPointer(m[2])).toEqual({ bucket: "fixture-openclaw-tfstate-production", key: expect.stringMatching(/^offboarding\/acme\/record-.*\.json$/), tenantId: "acme" });
  });

  test("the Markdown names every destroyed resource, every export object with its checksum, the key deletion date, run and approver", () => {
    const md = recordMarkdown(FIXTURE_RECORD);
    for (const d of FIXTURE_RECORD.destroy.resourcesDestroyed) expect(md).toContain(`\`${d.address}\``);
    for (const o of FIXTURE_RECORD.export.objects) expect(md).toContain(`| \`${o.key}\` | ${o.contents} | ${o.bytes} | \`${o.sha256}\` |`);
    expect(md).toContain(`deleted on ${FIXTURE_RECORD.kmsKey.deletionDate}`);
    expect(md).toContain(FIXTURE_RECORD.workflowRun.url!);
    expect(md).toContain("**Approved by:** @bob (production");
  });
});

/** In-memory S3 (versions), ECS and KMS behind the SDK clients, enough for the job. */
function memoryAws() {
  type V = { key: string; versionId: string; body?: Buffer; marker?: boolean; sha?: string };
  const buckets = new Map<string, V[]>();
  let n = 0;
  const s3 = new S3Client({ region: "us-east-1" });
  const m = mockClient(s3);
  const list = (b: string) => buckets.get(b) ?? (buckets.set(b, []), buckets.get(b)!);
  m.on(PutObjectCommand).callsFake(async (i) => {
    const versionId = `v${++n}`;
    list(i.Bucket).push({ key: i.Key, versionId, body: Buffer.from(i.Body), sha: i.ChecksumSHA256 });
    return { VersionId: versionId, ServerSideEncryption: i.ServerSideEncryption };
  });
  m.on(GetObjectCommand).callsFake(async (i) => {
    const vs = list(i.Bucket).filter((v) => v.key === i.Key && (!i.VersionId || v.versionId === i.VersionId));
    const v = vs[vs.length - 1];
    if (!v || v.marker) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
    return { VersionId: v.versionId, ChecksumSHA256: v.sha, Body: { transformToByteArray: async () => new Uint8Array(v.body!) } as never };
  });
  m.on(GetObjectAttributesCommand).callsFake(async (i) => {
    const vs = list(i.Bucket).filter((v) => v.key === i.Key && (!i.VersionId || v.versionId === i.VersionId));
    const v = vs[vs.length - 1];
    if (!v || v.marker) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
    return { VersionId: v.versionId, ObjectSize: v.body!.length, ...(v.sha ? { Checksum: { ChecksumSHA256: v.sha } } : {}) };
  });
  m.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:archive-key" } }] } });
  m.on(ListObjectVersionsCommand).callsFake(async (i) => {
    const vs = list(i.Bucket).filter((v) => !i.Prefix || v.key.startsWith(i.Prefix));
    const latest = (v: V) => vs.filter((x) => x.key === v.key).pop() === v;
    return {
      Versions: vs.filter((v) => !v.marker).map((v) => ({ Key: v.key, VersionId: v.versionId, IsLatest: latest(v), Size: v.body!.length, ETag: '"e"', LastModified: new Date(0) })),
      DeleteMarkers: vs.filter((v) => v.marker).map((v) => ({ Key: v.key, VersionId: v.versionId, IsLatest: latest(v), LastModified: new Date(0) })),
    };
  });
  m.on(DeleteObjectsCommand).callsFake(async (i) => {
    const gone = new Set(i.Delete.Objects.map((o: { Key: string; VersionId: string }) => `${o.Key}@${o.VersionId}`));
    buckets.set(i.Bucket, list(i.Bucket).filter((v) => !gone.has(`${v.key}@${v.versionId}`)));
    return {};
  });
  const ecs = new ECSClient({ region: "us-east-1" });
  mockClient(ecs).on(DescribeServicesCommand).callsFake(async (i) => ({ services: i.services.map((s: string) => ({ serviceName: s, desiredCount: 0, runningCount: 0, pendingCount: 0, status: "ACTIVE" })) }));
  const kms = new KMSClient({ region: "us-east-1" });
  mockClient(kms).on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k1", Arn: "arn:aws:kms:us-east-1:123456789012:key/k1", KeyState: "PendingDeletion", DeletionDate: new Date("2026-12-31T00:00:00Z"), AWSAccountId: "123456789012" } });
  // CloudTrail's event history: `trail` holds what was called, `delivered` what LookupEvents shows yet.
  const trail: TrailEvent[] = [];
  const delivery = { delivered: true };
  const cloudtrail = new CloudTrailClient({ region: "us-east-1" });
  mockClient(cloudtrail)
    .on(LookupEventsCommand)
    .callsFake(async (i) => ({
      Events: delivery.delivered ? trail.filter((e) => e.EventName === i.LookupAttributes[0].AttributeValue && e.EventTime! >= i.StartTime && e.EventTime! <= i.EndTime) : [],
    }));
  return { s3, ecs, kms, cloudtrail, trail, delivery, buckets, put: (b: string, key: string, body: string, sha?: string) => list(b).push({ key, versionId: `v${++n}`, body: Buffer.from(body), sha }) };
}

function stackDir(protectBucket: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "tenant-acme-"));
  const bucket = { bucket: "openclaw-acme-123456789012-us-east-1", ...(protectBucket ? { lifecycle: { prevent_destroy: true } } : {}) };
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify({ resource: { aws_s3_bucket: { storage_bucket_1A2B: bucket } } }));
  return dir;
}

describe("offboarding job (in-memory AWS)", () => {
  beforeEach(() => jest.spyOn(process.stderr, "write").mockImplementation(() => true));
  afterEach(() => jest.restoreAllMocks());

  function job(deletionMode: "retain" | "drop", logGroupSkipDestroy: boolean, extraInput: Record<string, unknown> = {}) {
    const aws = memoryAws();
    aws.put("openclaw-acme-123456789012-us-east-1", "a.txt", "hello");
    const input = { tenantId: "acme", environment: "production", exportBucket: ARCHIVE, deletionMode, connectionLimit: 20, offboarding: true, ...extraInput };
    const terraform = new FakeTerraform({
      resources: [
        { address: "aws_s3_bucket.b", type: "aws_s3_bucket", values: { bucket: "openclaw-acme-123456789012-us-east-1" } },
        { address: "aws_kms_key.k", type: "aws_kms_key", values: { key_id: "k1", arn: "arn:k1" } },
        { address: "aws_ecs_service.butler", type: "aws_ecs_service", values: { name: "acme-butler", cluster: "c", desired_count: 1 } },
        { address: "aws_lambda_invocation.db", type: "aws_lambda_invocation", values: { function_name: "fn", input: JSON.stringify(input) } },
        { address: "aws_cloudwatch_log_group.logs", type: "aws_cloudwatch_log_group", values: { name: "/openclaw/production/acme", skip_destroy: logGroupSkipDestroy } },
      ],
    });
    // The provisioner's contract: `export` writes to the archive (with S3's SHA-256) and returns
    // the receipt; the offboarding delete drops on that same export.
    const receipt = { exportLocation: `s3://${ARCHIVE}/database-exports/acme/x.sql`, exportSha256: createHash("sha256").update(EXPORT).digest("hex"), exportBytes: EXPORT.length };
    const invoke = jest.fn(async (_fn: string, _q: string | undefined, payload: Record<string, unknown>): Promise<Record<string, unknown>> => {
      parseProvisionerEvent(payload); // the real Lambda's check of what it receives (a stray key throws)
      if (payload.operation === "export") {
        aws.put(ARCHIVE, "database-exports/acme/x.sql", EXPORT, createHash("sha256").update(EXPORT).digest("base64"));
        return { status: "exported", ...receipt };
      }
      return { status: "dropped", ...receipt };
    });
    let t = Date.parse("2026-12-01T22:00:00Z");
    const deps: offboard.OffboardDeps = {
      exec: terraform.exec,
      terraform: "terraform",
      clients: () => ({ s3: aws.s3, ecs: aws.ecs, kms: aws.kms, cloudtrail: aws.cloudtrail, invoke }),
      now: () => new Date((t += 1000)),
      sleep: async () => undefined,
      print: () => undefined,
    };
    const tenant: offboard.OffboardTenant = {
      tenant: { id: "acme", environment: "production", region: "us-east-1", status: "offboarding", databaseDeletion: deletionMode },
      environment: { accountId: "123456789012", stateBucket: "state", stateRegion: "us-east-1", stateEncryption: "aes256" },
      stackDir: stackDir(false),
      run: { approvals: [] },
      agentsTimeoutMs: 1000,
    };
    return { aws, terraform, invoke, deps, tenant };
  }

  test("with databaseDeletion retain, never calls the provisioner and records the rows as retained", async () => {
    const { deps, tenant, invoke } = job("retain", false);
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out).toMatchObject({ ok: true, ran: ["agents", "export", "destroy", "record"] });
    expect(invoke).not.toHaveBeenCalled();
    expect(out.record!.export.database).toMatchObject({ deletionMode: "retain", status: "retained" });
    expect(out.record!.export.objects.map((o) => o.contents)).toEqual(["bucket manifest"]);
  });

  test("a log group kept by skip_destroy is recorded as retained, not destroyed", async () => {
    const { deps, tenant } = job("retain", true);
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out.record!.destroy.resourcesRetained.map((r) => r.address)).toEqual(["aws_cloudwatch_log_group.logs"]);
    expect(out.record!.destroy.resourcesDestroyed.map((r) => r.address)).not.toContain("aws_cloudwatch_log_group.logs");
  });

  test("refuses to go on when the applied stack still asks for tasks (not the teardown form)", async () => {
    const { deps, tenant, terraform } = job("drop", false);
    const exec: typeof deps.exec = async (c, args, o) => {
      const r = await terraform.exec(c, args, o);
      if (args[0] === "apply" && args.length === 4) for (const x of terraform.resources) if (x.type === "aws_ecs_service") x.values.desired_count = 2;
      return r;
    };
    const out = await offboard.offboardTenant(tenant, { ...deps, exec });
    expect(out).toMatchObject({ ok: false, failedStep: "agents", message: expect.stringContaining("tenant-acme is not in its teardown form: services still ask for tasks (acme-butler: 2)") });
  });

  test("never sends the provisioner an event its own parser rejects (both sides use db/contract.ts)", async () => {
    // Mutation tried: a stray key in the export event built by pipeline/offboard.ts; the old
    // fake accepted any payload, the Lambda would not. Here the applied input carries one.
    const { deps, tenant, invoke } = job("drop", false, { deletionMod: "drop" });
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out).toMatchObject({ ok: false, failedStep: "destroy", message: expect.stringContaining("refusing to invoke the provisioner with an event it would reject") });
    expect(out.message).toContain("deletionMod: unknown field");
    expect(invoke.mock.calls.map((c) => c[2].operation ?? "delete")).toEqual(["export"]);
  });

  test("resumes at the failed step and then only prints the tombstone again", async () => {
    const { deps, tenant, terraform, invoke } = job("drop", false);
    terraform.failNext = ["apply", "-input=false", "-no-color", "offboard-destroy.tfplan"];
    const first = await offboard.offboardTenant(tenant, deps);
    expect(first).toMatchObject({ ok: false, failedStep: "destroy", ran: ["agents", "export"] });
    const second = await offboard.offboardTenant(tenant, deps);
    expect(second).toMatchObject({ ok: true, ran: ["destroy", "record"] });
    expect(second.record!.destroy.resourcesDestroyed).toHaveLength(5);
    const third = await offboard.offboardTenant(tenant, deps);
    expect(third).toMatchObject({ ok: true, ran: [], tombstone: second.tombstone });
    expect(invoke.mock.calls.map((c) => (c[2].operation === "export" ? "export" : (c[2].tf as { action: string }).action))).toEqual(["export", "delete"]);
    expect(terraform.commands.filter((c) => c === "apply")).toHaveLength(1); // the teardown form is applied once
  });

  test("touches nothing while the synth still protects a resource from destroy (not the teardown form)", async () => {
    const { deps, tenant, terraform, invoke } = job("drop", false);
    const out = await offboard.offboardTenant({ ...tenant, stackDir: stackDir(true) }, deps);
    expect(out).toMatchObject({ ok: false, failedStep: "agents", message: expect.stringContaining("tenant-acme still protects aws_s3_bucket.storage_bucket_1A2B with prevent_destroy") });
    expect(terraform.commands).toEqual(["init"]);
    expect(invoke).not.toHaveBeenCalled();
  });

  test("stops before any data is touched when the applied teardown disagrees with the tenant file or the offboarding settings", async () => {
    const { deps, tenant, invoke } = job("drop", false);
    const settings = { archiveRetentionDays: 365, kmsDeletionWindowDays: 30, secretRecoveryWindowDays: 7, logGroup: "retain" as const };
    const out = await offboard.offboardTenant({ ...tenant, tenant: { ...tenant.tenant, databaseDeletion: "retain" }, environment: { ...tenant.environment, offboarding: settings } }, deps);
    expect(out.ok).toBe(false);
    expect(out.message).toContain("the applied provisioner input says deletionMode drop, the tenant file databaseDeletion retain");
    expect(out.message).toContain("log group /openclaw/production/acme would be deleted, offboarding.logGroup retain");
    expect(invoke).not.toHaveBeenCalled();
  });

  test("refuses an export location outside the archive's export prefix for the tenant", async () => {
    const { deps, tenant, invoke } = job("drop", false);
    invoke.mockResolvedValueOnce({ status: "exported", exportLocation: "s3://someone-else/database-exports/acme/x.sql", exportSha256: "a".repeat(64), exportBytes: 1 });
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out).toMatchObject({ ok: false, failedStep: "export", message: expect.stringContaining(`is not under s3://${ARCHIVE}/database-exports/acme/`) });
  });

  test("refuses an export whose stored SHA-256 differs from the provisioner's, before anything is dropped or deleted", async () => {
    const { deps, tenant, invoke, aws } = job("drop", false);
    invoke.mockImplementationOnce(async () => {
      aws.put(ARCHIVE, "database-exports/acme/x.sql", EXPORT, createHash("sha256").update("something else").digest("base64"));
      return { status: "exported", exportLocation: `s3://${ARCHIVE}/database-exports/acme/x.sql`, exportSha256: createHash("sha256").update(EXPORT).digest("hex"), exportBytes: EXPORT.length };
    });
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out).toMatchObject({ ok: false, failedStep: "export", message: expect.stringMatching(/database-exports\/acme\/x\.sql.*S3 holds sha256 \S+ \(base64\), expected/) });
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(aws.buckets.get("openclaw-acme-123456789012-us-east-1")!.map((v) => v.key)).toEqual(["a.txt"]);
  });

  test("refuses a drop that did not use the verified export, and deletes nothing", async () => {
    const { deps, tenant, invoke, aws } = job("drop", false);
    invoke.mockImplementation(async (_f, _q, payload) => {
      if (payload.operation === "export") {
        aws.put(ARCHIVE, "database-exports/acme/x.sql", EXPORT, createHash("sha256").update(EXPORT).digest("base64"));
        return { status: "exported", exportLocation: `s3://${ARCHIVE}/database-exports/acme/x.sql`, exportSha256: createHash("sha256").update(EXPORT).digest("hex"), exportBytes: EXPORT.length };
      }
      return { status: "dropped", exportLocation: `s3://${ARCHIVE}/database-exports/acme/second.sql`, exportSha256: "b".repeat(64), exportBytes: 3 };
    });
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out).toMatchObject({ ok: false, failedStep: "destroy", message: expect.stringContaining("expected status dropped on the verified export") });
    expect(aws.buckets.get("openclaw-acme-123456789012-us-east-1")!.map((v) => v.key)).toEqual(["a.txt"]);
  });

  test("marks the point of no return in its progress: cancellable after the export, not once the first deletion began (#27)", async () => {
    const { deps, tenant, terraform, aws } = job("drop", false);
    const progress = () => offboard.readOffboardingProgress(aws.s3, tenant.environment, tenant.tenant);
    terraform.failNext = ["plan", "-destroy", "-input=false", "-no-color", "-out=offboard-destroy.tfplan"];
    expect(await offboard.offboardTenant(tenant, deps)).toMatchObject({ ok: false, failedStep: "destroy", ran: ["agents", "export"] });
    const exported = (await progress())!;
    expect(exported.steps.export).toBeDefined();
    expect(offboard.destroyStartedAt(exported)).toBeUndefined(); // only copies were made: suspended may still win
    terraform.failNext = ["apply", "-input=false", "-no-color", "offboard-destroy.tfplan"];
    expect(await offboard.offboardTenant(tenant, deps)).toMatchObject({ ok: false, failedStep: "destroy" });
    const destroying = (await progress())!;
    expect(destroying.destroyStartedAt).toEqual(expect.any(String));
    expect(offboard.destroyStartedAt(destroying)).toBe(destroying.destroyStartedAt);
  });

  test("a cancelled offboarding starts over: a new export, never the old one", async () => {
    const { deps, tenant, terraform, aws, invoke } = job("drop", false);
    terraform.failNext = ["plan", "-destroy", "-input=false", "-no-color", "-out=offboard-destroy.tfplan"];
    await offboard.offboardTenant(tenant, deps);
    const first = (await offboard.readOffboardingProgress(aws.s3, tenant.environment, tenant.tenant))!;
    await offboard.cancelOffboarding(aws.s3, tenant.environment, tenant.tenant, first, new Date("2026-12-02T08:00:00Z"));
    expect(await offboard.readOffboardingProgress(aws.s3, tenant.environment, tenant.tenant)).toMatchObject({ cancelledAt: "2026-12-02T08:00:00.000Z" });
    const again = await offboard.offboardTenant(tenant, deps);
    expect(again).toMatchObject({ ok: true, ran: ["agents", "export", "destroy", "record"] });
    expect(again.record!.export.prefix).not.toBe(first.steps.export!.prefix);
    expect(invoke.mock.calls.filter((c) => c[2].operation === "export")).toHaveLength(2);
  });

  test("refuses an applied provisioner input that is not the teardown form (no offboarding flag, export not aimed at the archive)", async () => {
    const { deps, tenant, terraform, invoke } = job("drop", false);
    const db = terraform.resources.find((r) => r.type === "aws_lambda_invocation")!;
    db.values.input = JSON.stringify({ tenantId: "acme", environment: "production", exportBucket: "openclaw-acme-123456789012-us-east-1", deletionMode: "drop", connectionLimit: 20 });
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out.message).toContain("the applied provisioner input does not say offboarding: true");
    expect(out.message).toContain(`the applied provisioner input exports to openclaw-acme-123456789012-us-east-1, not the offboarding archive ${ARCHIVE}`);
    expect(invoke).not.toHaveBeenCalled();
  });

  const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/k1";
  const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:/openclaw/production/acme/slack-AbCdEf";
  const TENANT_BUCKET = "openclaw-acme-123456789012-us-east-1";

  /** The job with a secret, where terraform's destroy leaves in CloudTrail what the real one does (and a few lookalikes). */
  function evidenceJob() {
    const w = job("drop", false);
    w.terraform.resources.push({ address: "aws_secretsmanager_secret.slack", type: "aws_secretsmanager_secret", values: { name: "/openclaw/production/acme/slack", arn: SECRET_ARN } });
    const at = () => w.deps.now().toISOString();
    const exec: typeof w.deps.exec = async (c, args, o) => {
      if (args[0] === "apply" && args[2] === "-auto-approve") {
        // During step 1, before the destroy: a DeleteBucket of this very bucket name must not count.
        w.aws.trail.push(deleteBucket(TENANT_BUCKET, { time: at() }));
      }
      if (args[0] === "apply" && args[3] === "offboard-destroy.tfplan") {
        w.aws.trail.push(
          deleteBucket(`openclaw-acme2-123456789012-us-east-1`, { time: at() }),
          deleteBucket(TENANT_BUCKET, { time: at(), error: "BucketNotEmpty" }),
          deleteSecret(SECRET_ARN, { time: at() }),
          scheduleKey(KEY_ARN, { time: at() }),
          deleteBucket(TENANT_BUCKET, { time: at() }),
        );
      }
      return w.terraform.exec(c, args, o);
    };
    return { ...w, deps: { ...w.deps, exec } };
  }
  const idOf = (e: TrailEvent) => e.EventId!;

  test("the record cites each destructive step's CloudTrail event inside the destroy window, and says where the rest is", async () => {
    const { deps, tenant, aws } = evidenceJob();
    const out = await offboard.offboardTenant(tenant, deps);
    expect(out.ok).toBe(true);
    const e = out.record!.evidence!;
    const [early, acme2, failed, secret, key, bucket] = aws.trail;
    expect(e.window.from > early.EventTime!.toISOString()).toBe(true);
    expect(e.steps.map((x) => [x.step, x.resource, x.status, x.event?.eventId])).toEqual([
      ["bucket-emptied", TENANT_BUCKET, "elsewhere", undefined],
      ["bucket-deleted", TENANT_BUCKET, "found", idOf(bucket)],
      ["key-deletion-scheduled", KEY_ARN, "found", idOf(key)],
      ["secret-deleted", SECRET_ARN, "found", idOf(secret)],
      ["database-dropped", "tenant acme", "elsewhere", undefined],
    ]);
    expect([idOf(early), idOf(acme2), idOf(failed)]).not.toContain(e.steps[1].event!.eventId);
    expect(e.pending).toEqual([]);
    expect(e.steps[1].event).toMatchObject({ principalArn: "arn:aws:iam::123456789012:role/openclaw-production-github-deploy", byPipelineRole: true });
    expect(e.steps[0].where).toEqual([`npm run audit:trail -- acme --since ${e.window.from} --until ${e.window.to}`]);
    expect(e.steps[4].where).toEqual([
      '/openclaw/production/us-east-1/platform/db-provisioner: "tenant database provisioned", action delete, status dropped, tenantId acme',
      "/aws/rds/instance/openclaw-production-us-east-1-db/postgresql: DROP ROLE <the tenant's role> (log_statement = ddl; kept for the log group's retention)",
    ]);
    expect(out.markdown).toContain(`- **bucket deleted** \`${TENANT_BUCKET}\`: DeleteBucket \`${idOf(bucket)}\``);
    expect(out.markdown).toContain("3 of 3 management events found.");
  });

  test("right after the destroy the evidence is pending; a re-run fills it in and rewrites only the record's evidence, touching nothing else", async () => {
    const { deps, tenant, aws, terraform, invoke } = evidenceJob();
    aws.delivery.delivered = false;
    const first = await offboard.offboardTenant(tenant, deps);
    expect(first.record!.evidence!.pending).toEqual([`bucket-deleted ${TENANT_BUCKET}`, `key-deletion-scheduled ${KEY_ARN}`, `secret-deleted ${SECRET_ARN}`]);
    expect(first.markdown).toContain("**pending**: no matching DeleteBucket event yet");
    expect(first.markdown).not.toContain("management events found.");
    const commands = [...terraform.commands];
    const invoked = invoke.mock.calls.length;
    aws.delivery.delivered = true;
    const second = await offboard.offboardTenant(tenant, deps);
    expect(second).toMatchObject({ ok: true, ran: [], evidenceChecked: true, tombstone: first.tombstone });
    expect(second.record!.evidence!.pending).toEqual([]);
    const { evidence: _a, ...before } = first.record!;
    const { evidence: _b, ...after } = second.record!;
    expect(after).toEqual(before);
    expect(terraform.commands).toEqual(commands);
    expect(invoke.mock.calls.length).toBe(invoked);
    // Rewritten in place: the record's key holds a second version, the evidence found.
    const versions = aws.buckets.get("state")!.filter((v) => second.record!.location.json.endsWith(v.key));
    expect(versions).toHaveLength(2);
    expect(JSON.parse(versions[1].body!.toString()).evidence.pending).toEqual([]);
    // Nothing pending any more: a third run does nothing at all.
    const third = await offboard.offboardTenant(tenant, deps);
    expect(third).toMatchObject({ ok: true, ran: [] });
    expect(third.evidenceChecked).toBeUndefined();
  });

  /** A repository whose tenant file is `status` (a tombstone pointing at `record` when offboarded). */
  function cliRepo(status: "offboarding" | "offboarded", record?: string) {
    const dir = mkdtempSync(join(tmpdir(), "offboard-evidence-"));
    mkdirSync(join(dir, "tenants"));
    const tombstone = status === "offboarded" ? `offboardedAt: "2026-12-01T22:01:00Z"\nofboardingRecord: ${record}\n`.replace("ofboarding", "offboarding") : "";
    writeFileSync(join(dir, "tenants", "acme.yaml"), `id: acme\ndisplayName: A\nenvironment: production\nregion: us-east-1\nstatus: ${status}\n${tombstone || "databaseDeletion: drop\n"}`);
    writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ context: { environments: { production: { accountId: "123456789012", stateBucket: "state", stateRegion: "us-east-1" } } } }));
    return dir;
  }

  test("--evidence-only fills in a tombstoned tenant's pending evidence: no terraform, no provisioner, no tenant resource", async () => {
    const w = evidenceJob();
    w.aws.delivery.delivered = false;
    const first = await offboard.offboardTenant(w.tenant, w.deps);
    const dir = cliRepo("offboarded", first.record!.location.json);
    w.aws.delivery.delivered = true;
    const commands = [...w.terraform.commands];
    const lines: string[] = [];
    const exec = jest.fn(w.deps.exec);
    const code = await offboard.main(["--evidence-only", "--tenants", join(dir, "tenants"), "--environment", "production", "--cdktf-json", join(dir, "cdktf.json")], { ...w.deps, exec, print: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines).toEqual([`acme: evidence complete (${first.record!.location.json})`]);
    expect(exec).not.toHaveBeenCalled();
    expect(w.terraform.commands).toEqual(commands);
    expect(w.invoke).toHaveBeenCalledTimes(2); // export and drop, both in the first run
  });

  test("--evidence-wait looks again after the last tenant until CloudTrail shows the events", async () => {
    const w = evidenceJob();
    w.aws.delivery.delivered = false;
    const dir = cliRepo("offboarding");
    mkdirSync(join(dir, "stacks", "tenant-acme"), { recursive: true });
    writeFileSync(join(dir, "stacks", "tenant-acme", "cdk.tf.json"), readFileSync(join(w.tenant.stackDir, "cdk.tf.json")));
    const summary = join(dir, "summary.md");
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      if (ms === 60_000) w.aws.delivery.delivered = true; // delivered during the first wait
    };
    const code = await offboard.main(
      ["--tenants", join(dir, "tenants"), "--synth", dir, "--environment", "production", "--cdktf-json", join(dir, "cdktf.json"), "--evidence-wait", "600", "--summary", summary],
      { ...w.deps, sleep },
    );
    expect(code).toBe(0);
    expect(slept.filter((ms) => ms === 60_000)).toHaveLength(1);
    const md = readFileSync(summary, "utf8");
    expect(md).toContain("3 of 3 management events found.");
    expect(md).not.toContain("**pending**");
  });

  test("a record whose evidence would claim a step without its event is never written", async () => {
    const { deps, tenant, aws } = evidenceJob();
    // CloudTrail answers with the secret's event re-labelled as this bucket's deletion: the matcher
    // rejects it (event name), so the step stays pending rather than citing the wrong event.
    aws.delivery.delivered = true;
    const out = await offboard.offboardTenant(tenant, {
      ...deps,
      exec: async (c, args, o) => {
        const r = await deps.exec(c, args, o);
        if (args[0] === "apply" && args[3] === "offboard-destroy.tfplan") {
          aws.trail.splice(0, aws.trail.length, ...aws.trail.filter((e) => e.EventName === "DeleteSecret").map((e) => ({ ...e, EventName: "DeleteBucket" })));
        }
        return r;
      },
    });
    expect(out.record!.evidence!.steps.find((x) => x.step === "bucket-deleted")).toEqual({ step: "bucket-deleted", resource: TENANT_BUCKET, status: "pending" });
  });
});

describe("offboard CLI", () => {
  function repo(status: string) {
    const dir = mkdtempSync(join(tmpdir(), "offboard-cli-"));
    mkdirSync(join(dir, "tenants"));
    writeFileSync(join(dir, "tenants", "acme.yaml"), `id: acme\ndisplayName: A\nenvironment: production\nregion: us-west-2\nstatus: ${status}\n`);
    writeFileSync(join(dir, "tenants", "beta.yaml"), "id: beta\ndisplayName: B\nenvironment: staging\nregion: us-east-1\nstatus: active\n");
    const envs = { production: { accountId: "111111111111", stateBucket: "s-prod", stateRegion: "us-east-1" }, staging: { accountId: "222222222222", stateBucket: "s-stg", stateRegion: "eu-west-1" } };
    writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ context: { environments: envs } }));
    return dir;
  }

  test("--list gives one matrix entry per environment with offboarding tenants", async () => {
    const dir = repo("offboarding");
    const out = join(dir, "gh-output");
    const r = await runCli("offboard", offboard, ["--list", "--tenants", join(dir, "tenants"), "--cdktf-json", join(dir, "cdktf.json"), "--github-output", out]);
    expect(r.status).toBe(0);
    expect(readFileSync(out, "utf8")).toBe('matrix={"include":[{"environment":"production","envKey":"PRODUCTION","region":"us-east-1"}]}\ncount=1\n');
  });

  test("does nothing when no tenant is offboarding", async () => {
    const dir = repo("active");
    const r = await runCli("offboard", offboard, ["--tenants", join(dir, "tenants"), "--synth", dir, "--environment", "production", "--cdktf-json", join(dir, "cdktf.json")]);
    expect(r).toMatchObject({ status: 0 });
    expect(r.stderr).toContain("no tenant of production is offboarding");
  });

  test("fails with exit 1 when the offboarding tenant has no synthesized stack", async () => {
    const dir = repo("offboarding");
    const r = await runCli("offboard", offboard, ["--tenants", join(dir, "tenants"), "--synth", dir, "--environment", "production", "--cdktf-json", join(dir, "cdktf.json")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no synthesized stack for");
  });

  test("--dry-run names the steps and the checkpoint, touching nothing", async () => {
    const dir = repo("offboarding");
    mkdirSync(join(dir, "stacks", "tenant-acme"), { recursive: true });
    writeFileSync(join(dir, "stacks", "tenant-acme", "cdk.tf.json"), "{}");
    const r = await runCli("offboard", offboard, ["--tenants", join(dir, "tenants"), "--synth", dir, "--environment", "production", "--cdktf-json", join(dir, "cdktf.json"), "--dry-run"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("acme (us-west-2): agents -> export -> destroy -> record");
    expect(r.stdout).toContain("s3://s-prod/offboarding/acme/progress.json");
  });
});
