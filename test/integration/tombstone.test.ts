/**
 * Issue 24, item 3, on moto: the deploy believes an `offboarded` tombstone only after reading
 * the offboarding record from the state bucket (pipeline/lib/tombstone-verification.ts). A
 * forged pointer, a record of another tenant or of an unfinished destroy, and a state that
 * still holds resources are each refused with the tenant named; the real thing passes, and so
 * does `deploy` with it.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { RECORD_SCHEMA } from "../../pipeline/lib/offboarding-record";
import type { TenantLifecycleFields } from "../../pipeline/lib/tenant-files";
import { s3TombstoneVerifier } from "../../pipeline/lib/tombstone-verification";
import { deploy } from "../../pipeline/deploy-stacks";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const STATE_BUCKET = "fixture-openclaw-tfstate-production";
const ENVIRONMENTS = { production: { stateBucket: STATE_BUCKET, stateRegion: REGION, accountId: ACCOUNT } };

let moto: MotoServer;
const savedEnv = { ...process.env };
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
  s3 = new S3Client({ region: REGION, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: "attacker-bucket" }));
});
afterAll(async () => {
  await moto?.stop();
  process.env = savedEnv;
});

const put = (bucket: string, key: string, body: unknown) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body) }));
const pointer = (tenant: string, name = "2026-12-01T22-10-00Z.json", bucket = STATE_BUCKET) => `s3://${bucket}/offboarding/${tenant}/${name}`;
const tombstone = (id: string, offboardingRecord: string): TenantLifecycleFields => ({
  id,
  environment: "production",
  region: REGION,
  status: "offboarded",
  databaseDeletion: "drop",
  offboardedAt: "2026-12-01T22:10:00Z",
  offboardingRecord,
});
/** The fields of a record the offboarding job writes (pipeline/offboard.ts buildRecord). */
const record = (tenant: string, location: string, destroy: unknown = { completedAt: "2026-12-01T22:09:00.000Z", resourcesDestroyed: [{ address: "aws_s3_bucket.b", id: "b" }], resourcesRetained: [] }) => ({
  schema: RECORD_SCHEMA,
  tenantId: tenant,
  environment: "production",
  region: REGION,
  accountId: ACCOUNT,
  stack: `tenant-${tenant}`,
  completedAt: "2026-12-01T22:10:00.000Z",
  destroy,
  location: { json: location, markdown: location.replace(/\.json$/, ".md") },
});
const verify = (t: TenantLifecycleFields) => s3TombstoneVerifier(ENVIRONMENTS, () => s3)([t]);

describe("tombstone verification against the state bucket", () => {
  it("accepts a tombstone whose record names the tenant and a finished destroy, with an emptied state", async () => {
    await put(STATE_BUCKET, "offboarding/acme/2026-12-01T22-10-00Z.json", record("acme", pointer("acme")));
    await put(STATE_BUCKET, "tenants/acme.tfstate", { version: 4, resources: [] });
    expect(await verify(tombstone("acme", pointer("acme")))).toEqual({ verified: ["acme"], problems: [] });
  });

  it("refuses a made-up pointer (the attack: no offboarding ever ran)", async () => {
    expect(await verify(tombstone("initech", pointer("initech", "forged.json")))).toEqual({
      verified: [],
      problems: [`tenant initech: tombstone refused: cannot read the offboarding record ${pointer("initech", "forged.json")}: no such object`],
    });
  });

  it("refuses another tenant's record, a record elsewhere, and an unfinished destroy", async () => {
    await put(STATE_BUCKET, "offboarding/globex/copied.json", record("acme", pointer("acme")));
    expect((await verify(tombstone("globex", pointer("globex", "copied.json")))).problems).toEqual([
      'tenant globex: tombstone refused: the offboarding record\'s tenantId is "acme", expected "globex"',
    ]);
    expect((await verify(tombstone("globex", pointer("acme")))).problems).toEqual(["tenant globex: tombstone refused: offboardingRecord is under offboarding/acme/, not offboarding/globex/"]);
    await put("attacker-bucket", "offboarding/globex/r.json", record("globex", pointer("globex", "r.json", "attacker-bucket")));
    expect((await verify(tombstone("globex", pointer("globex", "r.json", "attacker-bucket")))).problems).toEqual([
      `tenant globex: tombstone refused: offboardingRecord is in bucket attacker-bucket, not the production state bucket ${STATE_BUCKET}`,
    ]);
    await put(STATE_BUCKET, "offboarding/globex/halfway.json", record("globex", pointer("globex", "halfway.json"), { resourcesDestroyed: [] }));
    expect((await verify(tombstone("globex", pointer("globex", "halfway.json")))).problems).toEqual([
      "tenant globex: tombstone refused: the offboarding record shows no finished destroy (destroy.completedAt, destroy.resourcesDestroyed)",
    ]);
  });

  it("refuses while the tenant's state still holds resources", async () => {
    await put(STATE_BUCKET, "offboarding/umbrella/r.json", record("umbrella", pointer("umbrella", "r.json")));
    await put(STATE_BUCKET, "tenants/umbrella.tfstate", {
      version: 4,
      resources: [
        { mode: "managed", type: "aws_s3_bucket", name: "storage_bucket_6AF501AE", instances: [{ attributes: { id: "openclaw-umbrella" } }] },
        { mode: "managed", type: "aws_kms_key", name: "tenant-key_89C5F438", instances: [{ attributes: {} }] },
      ],
    });
    expect((await verify(tombstone("umbrella", pointer("umbrella", "r.json")))).problems).toEqual([
      `tenant umbrella: tombstone refused: its state s3://${STATE_BUCKET}/tenants/umbrella.tfstate still holds 2 resource(s) (aws_s3_bucket.storage_bucket_6AF501AE, aws_kms_key.tenant-key_89C5F438)`,
    ]);
  });

  it("deploy reports a verified tombstone as offboarded and a forged one as a removed stack that needs offboarding", async () => {
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const tenants = new Map([
      ["acme", tombstone("acme", pointer("acme"))],
      ["initech", tombstone("initech", pointer("initech", "forged.json"))],
    ]);
    const stack = (name: string) => ({ name, dependencies: [], environment: "production", accountId: ACCOUNT, region: REGION, stateRegion: REGION, workingDirectory: `stacks/${name}`, fingerprint: "x" });
    const base = { dir: "/nonexistent", stacks: new Map([["tenant-acme", stack("tenant-acme")], ["tenant-initech", stack("tenant-initech")]]) };
    const report = await deploy({
      affected: { changed: [], added: [], removed: ["tenant-acme", "tenant-initech"], unchanged: [], order: [] } as never,
      head: { dir: "/nonexistent", stacks: new Map() },
      base,
      environment: "production",
      parallelism: 1,
      dryRun: false,
      terraform: "terraform", // no stack to apply: only removed stacks
      print: () => undefined,
      tenants,
      verifyTombstones: s3TombstoneVerifier(ENVIRONMENTS, () => s3),
    });
    stderr.mockRestore();
    expect(report).toMatchObject({ offboarded: ["tenant-acme"], removed: ["tenant-initech"], exitCode: 1 });
  });
});
