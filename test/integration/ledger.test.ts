/**
 * The deploy ledger in S3 (the state bucket's `deploy-ledger/` prefix) against moto: entries
 * written per stack, listed across pages, read back by a resumed deploy and by
 * `npm run fleet -- status`.
 */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { deploy } from "../../pipeline/deploy-stacks";
import * as fleet from "../../pipeline/fleet";
import { runMain } from "../../pipeline/lib/cli";
import { openLedger, S3Ledger } from "../../pipeline/lib/ledger";
import { readSynth } from "../../pipeline/lib/synth";
import { FAKE_TERRAFORM, FakeFleetTerraform } from "../support/fake-terraform-fleet";
import { gitHistory } from "../support/git-history";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";
import { gitCompare } from "../../pipeline/lib/ledger";

const ACCOUNT = "111111111111";
const REGION = "us-east-1";
const BUCKET = "ledger-test-tfstate";
let moto: MotoServer;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
  process.env.AWS_REGION = REGION;
  s3 = new S3Client({ region: REGION, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await moto?.stop();
});

const SYNTH = join(mkdtempSync(join(tmpdir(), "ledger-s3-synth-")), "head");
cpSync(join(__dirname, "..", "pipeline", "fixtures", "synth", "head"), SYNTH, { recursive: true });
const { repo, commits } = gitHistory(2);

test("entries are JSON objects under <prefix>/<environment>/<stack>.json, listed across pages", async () => {
  const ledger = new S3Ledger(s3, BUCKET, "paging", 2);
  for (let i = 0; i < 5; i++) await ledger.put({ environment: "production", stack: `tenant-t${i}`, commit: commits[0], status: "deployed", attempts: 1, failuresInARow: 0, deployedCommit: commits[0] });
  await ledger.put({ environment: "staging", stack: "tenant-s", commit: commits[0], status: "failed", attempts: 3, failuresInARow: 1 });
  expect((await ledger.list("production")).map((e) => e.stack)).toEqual(["tenant-t0", "tenant-t1", "tenant-t2", "tenant-t3", "tenant-t4"]);
  expect((await ledger.list()).length).toBe(6);
  const raw = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "paging/staging/tenant-s.json" }));
  expect(JSON.parse(await raw.Body!.transformToString())).toMatchObject({ stack: "tenant-s", status: "failed", attempts: 3 });
  expect(await ledger.get("production", "tenant-nope")).toBeUndefined();
});

test("a deploy records into s3://bucket/deploy-ledger, a re-run resumes from it, fleet status reads it", async () => {
  const ledger = openLedger(`s3://${BUCKET}/deploy-ledger`);
  const affected = { changed: ["platform-production-us-east-1", "tenant-acme", "tenant-globex"], added: [], removed: [], order: [["platform-production-us-east-1"], ["tenant-acme", "tenant-globex"]] };
  const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  const once = (fake: FakeFleetTerraform) =>
    deploy({ affected, head: readSynth(SYNTH), environment: "production", parallelism: 4, dryRun: false, terraform: FAKE_TERRAFORM, env: { PATH: process.env.PATH ?? "", ...fake.env }, print: () => undefined, ledger, commit: commits[1], compare: gitCompare(repo) });
  const first = new FakeFleetTerraform().configure("tenant-globex", { fail: "apply" });
  expect((await once(first)).exitCode).toBe(2);
  const second = new FakeFleetTerraform();
  expect((await once(second)).exitCode).toBe(0);
  spy.mockRestore();
  expect(second.calls().filter((c) => c.args[0] === "apply").map((c) => c.stack)).toEqual(["tenant-globex"]);

  const out: string[] = [];
  const o = jest.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const code = await runMain("fleet", fleet.HELP, fleet.main, ["status", "--ledger", `s3://${BUCKET}/deploy-ledger`, "--json"]);
  o.mockRestore();
  expect(code).toBe(0);
  const entries = JSON.parse(out.join(""));
  expect(entries.map((e: { stack: string; status: string; deployedCommit: string }) => [e.stack, e.status, e.deployedCommit])).toEqual([
    ["platform-production-us-east-1", "deployed", commits[1]],
    ["tenant-acme", "deployed", commits[1]],
    ["tenant-globex", "deployed", commits[1]],
  ]);
});
