/**
 * The image path on moto: image-push uploads an OCI layout through ECR's layer API, waits for the
 * scan, and signs with a real KMS ECC key (moto signs for real); image:resolve finds the digest;
 * the pre-deploy gate (pipeline/lib/image-gate.ts) then checks the same repositories. moto scans
 * only on StartImageScan (not on push) and its default result is one HIGH finding
 * (CVE-9999-9999 in moto_fake); a clean result is configured through its
 * /moto-api/static/ecr/scan-finding-results endpoint, as its docs describe.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, StartImageScanCommand } from "@aws-sdk/client-ecr";
import { CreateAliasCommand, CreateKeyCommand, GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { agentRuntimeConfig } from "../../images/build/agent-image";
import { buildImage, readLayout, writeLayout } from "../../images/build/oci";
import { putManifest, uploadBlobs } from "../../pipeline/lib/image-push";
import { main as push } from "../../pipeline/image-push";
import { main as resolve } from "../../pipeline/image-resolve";
import { publicKeyFromDer, signatureTag } from "../../pipeline/lib/cosign";
import { checkImage } from "../../pipeline/lib/image-gate";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";

const ACCOUNT = "123456789012";
const REGIONS = ["us-east-1", "us-west-2"];
const REPO = "openclaw/agent";
let moto: MotoServer;
let cdktf: string;
let stderr = "";
let stdout = "";

beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
  const dir = mkdtempSync(join(tmpdir(), "image-push-"));
  cdktf = join(dir, "cdktf.json");
  const region = { vpcCidr: "10.0.0.0/16", database: { instanceClass: "db.t4g.medium", allocatedStorageGiB: 20, multiAz: false, backupRetentionDays: 7 } };
  const production = {
    accountId: ACCOUNT,
    stateBucket: "state",
    stateRegion: "us-east-1",
    lockTable: "locks",
    costCenter: "cc",
    agentImage: `sha256:${"0".repeat(64)}`,
    // eu-west-1 has no platform stack yet, so no repository: skipped, not failed.
    regions: { "us-east-1": region, "us-west-2": { ...region, vpcCidr: "10.1.0.0/16" }, "eu-west-1": { ...region, vpcCidr: "10.2.0.0/16" } },
  };
  writeFileSync(cdktf, JSON.stringify({ context: { environments: { production } } }));
});

afterAll(async () => moto?.stop());

beforeEach(async () => {
  await moto.reset();
  stderr = "";
  stdout = "";
  jest.spyOn(process.stderr, "write").mockImplementation((c) => ((stderr += String(c)), true));
  jest.spyOn(process.stdout, "write").mockImplementation((c) => ((stdout += String(c)), true));
  for (const region of REGIONS) {
    await new ECRClient({ region }).send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } }));
  }
  const kms = new KMSClient({ region: "us-east-1" });
  const key = await kms.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }));
  await kms.send(new CreateAliasCommand({ AliasName: "alias/openclaw-production-image-signing", TargetKeyId: key.KeyMetadata!.KeyId }));
});
afterEach(() => jest.restoreAllMocks());

function layout(content: string): { dir: string; digest: string } {
  const entries = [{ path: "app/agent.js", type: "file" as const, mode: 0o644, uid: 0, gid: 0, mtime: 1764547200, data: Buffer.from(content) }];
  const image = buildImage([entries], agentRuntimeConfig(), new Date(1764547200_000));
  const dir = mkdtempSync(join(tmpdir(), "layout-"));
  writeLayout(image, dir, "test");
  return { dir, digest: image.digest };
}

/** Plays ECR's scan-on-push: once the image is in a repository, its scan completes with `findings`. */
async function scanWhenPushed(digest: string, findings: object[] | "moto default"): Promise<void> {
  const pending = new Set(REGIONS);
  for (let i = 0; i < 600 && pending.size > 0; i++) {
    for (const region of [...pending]) {
      const ecr = new ECRClient({ region });
      const found = await ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: digest }] })).catch(() => undefined);
      if (!found?.imageDetails?.length) continue;
      if (findings !== "moto default") {
        const result = { repositoryName: REPO, imageId: { imageDigest: digest }, imageScanStatus: { status: "COMPLETE" }, imageScanFindings: { findings } };
        const r = await fetch(`${moto.endpoint}/moto-api/static/ecr/scan-finding-results`, { method: "POST", body: JSON.stringify({ results: [result], region, account_id: ACCOUNT }) });
        expect(r.status).toBe(201);
      }
      await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: digest } }));
      pending.delete(region);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect([...pending]).toEqual([]);
}

const pushArgs = (dir: string, tag: string) => ["--layout", dir, "--environment", "production", "--tag", tag, "--cdktf", cdktf, "--scan-poll-seconds", "1", "--scan-timeout-minutes", "2"];

async function gate(digest: string, region: string) {
  const key = await new KMSClient({ region: "us-east-1" }).send(new GetPublicKeyCommand({ KeyId: "alias/openclaw-production-image-signing" }));
  return checkImage(
    { region, accountId: ACCOUNT, digest, usedBy: ["tenant-acme/openclaw-acme-butler"] },
    { repositoryName: REPO, threshold: "HIGH", publicKey: publicKeyFromDer(key.PublicKey!), ecr: (r) => new ECRClient({ region: r }) },
  );
}

test("a clean image is pushed by digest to every region that has the repository, signed, resolvable by tag, and passes the gate", async () => {
  const { dir, digest } = layout("clean");
  const [code] = await Promise.all([push(pushArgs(dir, "git-clean")), scanWhenPushed(digest, [{ name: "CVE-2025-1", severity: "LOW" }])]);
  expect(code).toBe(0);
  expect(stdout.trim()).toBe(digest);
  expect(stderr).toMatch(/eu-west-1 openclaw\/agent@sha256:\S+: skipped, no repository/);
  expect(stderr.match(/scan COMPLETE \(1 finding\(s\) below HIGH\), signed/g)).toHaveLength(2);
  for (const region of REGIONS) {
    const images = await new ECRClient({ region }).send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: digest }, { imageTag: signatureTag(digest) }] }));
    expect(images.imageDetails?.map((d) => d.imageTags?.[0]).sort()).toEqual(["git-clean", signatureTag(digest)].sort());
    expect(await gate(digest, region)).toEqual({ image: `${REPO}@${digest} (${region})`, usedBy: ["tenant-acme/openclaw-acme-butler"], problems: [] });
  }

  stdout = "";
  expect(await resolve(["--environment", "production", "--tag", "git-clean", "--cdktf", cdktf])).toBe(0);
  expect(stdout.trim()).toBe(digest);

  // A re-run (the workflow retried) pushes and signs nothing again: tags are immutable.
  stderr = "";
  expect(await push(pushArgs(dir, "git-clean"))).toBe(0);
  expect(stderr.match(/: already there/g)).toHaveLength(2);
  expect(stderr.match(/already signed/g)).toHaveLength(2);
});

test("a vulnerable image is pushed and scanned but left unsigned, and the gate refuses it naming the finding", async () => {
  const { dir, digest } = layout("vulnerable");
  const [code] = await Promise.all([push(pushArgs(dir, "git-vuln")), scanWhenPushed(digest, "moto default")]);
  expect(code).toBe(1);
  expect(stderr).toContain("scan finding CVE-9999-9999 severity HIGH in moto_fake (threshold HIGH): not signed");
  const result = await gate(digest, "us-east-1");
  expect(result.problems).toEqual(["scan finding CVE-9999-9999 severity HIGH in moto_fake (threshold HIGH)", "not signed: no cosign signature in the repository"]);
});

test("an image that was never pushed, and one never scanned, are refused by the gate", async () => {
  const { digest } = layout("never pushed");
  expect((await gate(digest, "us-east-1")).problems).toEqual(["not in the repository: push it with the image workflow (.github/workflows/image.yml)"]);
  // Pushed by hand, around the workflow (no scan, no signature): both are reported.
  const { dir, digest: unscanned } = layout("unscanned");
  const image = readLayout(dir);
  const ecr = new ECRClient({ region: "us-east-1" });
  await uploadBlobs(ecr, REPO, [image.config, ...image.layers].map((b) => ({ digest: b.descriptor.digest, data: b.data })));
  expect(await putManifest(ecr, REPO, { digest: unscanned, manifest: image.manifest.data, manifestMediaType: image.manifest.descriptor.mediaType })).toBe("pushed");
  const result = await gate(unscanned, "us-east-1");
  expect(result.problems).toEqual(["not scanned: scan status NOT_FOUND", "not signed: no cosign signature in the repository"]);
});

test("image:resolve fails for a tag no repository has", async () => {
  await expect(resolve(["--environment", "production", "--tag", "nope", "--cdktf", cdktf])).rejects.toThrow("tag nope is in no openclaw/agent repository of production");
});
