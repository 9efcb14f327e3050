// Enforces SECURITY.md C38 (the table "Enforcing tests" there lists this file).
/**
 * The pre-deploy image gate (pipeline/image-gate.ts) over a real synth of the example fleet, with
 * ECR and KMS mocked (aws-sdk-client-mock: moto's ECR has no scan findings API and no layer
 * download URLs). Signatures are real ECDSA P-256 signatures in cosign's format, made with a key
 * generated here in place of the KMS key.
 */
import { createHash, generateKeyPairSync, KeyObject, sign } from "node:crypto";
import { writeFileSync, readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  ECRClient,
} from "@aws-sdk/client-ecr";
import { GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { HELP, main } from "../../pipeline/image-gate";
import { imagesInSynth } from "../../pipeline/lib/image-gate";
import { readSynth } from "../../pipeline/lib/synth";
import { runMain } from "../../pipeline/lib/cli";
import { signatureArtifact, simpleSigningPayload } from "../../pipeline/lib/cosign";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";
import { synthesize } from "../support/synth";

const output = synthesize();
const CDKTF = FIXTURE_CDKTF_JSON;
const DIGEST: string = output.config.environments.production.agentImage;
const ecr = mockClient(ECRClient);
const kms = mockClient(KMSClient);
const keyPair = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const platformKey = keyPair();

function signed(region: string, digest: string, key: KeyObject = platformKey.privateKey, claimed = digest) {
  const payload = simpleSigningPayload(`111111111111.dkr.ecr.${region}.amazonaws.com/openclaw/agent`, claimed);
  return { ...signatureArtifact(payload, sign("sha256", payload, key).toString("base64")), payload };
}

let stderr = "";
type Signer = (region: string, digest: string) => ReturnType<typeof signed>;

function serve(options: { exists?: boolean; scan?: object | "none"; signature?: Signer | "none" } = {}) {
  const signature = options.signature ?? ((region: string, digest: string) => signed(region, digest));
  if (options.exists === false) ecr.on(DescribeImagesCommand).rejects(Object.assign(new Error("not found"), { name: "ImageNotFoundException" }));
  else ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST, imageTags: ["abc"] }] });
  if (options.scan === "none") ecr.on(DescribeImageScanFindingsCommand).rejects(Object.assign(new Error("no scan"), { name: "ScanNotFoundException" }));
  else ecr.on(DescribeImageScanFindingsCommand).resolves(options.scan ?? { imageScanStatus: { status: "COMPLETE" }, imageScanFindings: { findings: [] } });
  if (signature === "none") ecr.on(BatchGetImageCommand).resolves({ images: [], failures: [{ failureCode: "ImageNotFound" }] });
  else {
    // The client's region tells the two repositories apart, as in AWS.
    ecr.on(BatchGetImageCommand).callsFake(async (input, getClient) => {
      const region = await (getClient() as ECRClient).config.region();
      const digest = String(input.imageIds[0].imageTag).replace(/^sha256-/, "sha256:").replace(/\.sig$/, "");
      return { images: [{ imageManifest: signature(region, digest).manifest.toString("utf8") }] };
    });
  }
}

beforeEach(() => {
  ecr.reset();
  kms.reset();
  stderr = "";
  kms.on(GetPublicKeyCommand).resolves({ PublicKey: platformKey.publicKey.export({ format: "der", type: "spki" }), KeyUsage: "SIGN_VERIFY", KeySpec: "ECC_NIST_P256" });
  jest.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  jest.spyOn(globalThis, "fetch").mockImplementation(async () => {
    throw new Error("the gate downloads nothing");
  });
});
afterEach(() => jest.restoreAllMocks());

const gate = (...extra: string[]) => main(["--synth", output.outdir, "--environment", "production", "--cdktf", CDKTF, ...extra]);

test("passes a digest that exists, is scanned clean and signed with the environment's key, in each region", async () => {
  serve();
  expect(await gate()).toBe(0);
  // production runs tenants in us-east-1 (acme) and us-west-2 (globex, whose strategist pins
  // another digest): one check per region and digest.
  expect(stderr.match(/^passed: openclaw\/agent@sha256:[a-f0-9]{64} \((us-east-1|us-west-2)\)/gm)).toHaveLength(3);
  expect(kms.commandCalls(GetPublicKeyCommand)[0].args[0].input).toEqual({ KeyId: "alias/openclaw-production-image-signing" });
  expect(ecr.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input.imageIds![0].imageTag)).toContain(`${DIGEST.replace(":", "-")}.sig`);
  expect(ecr.commandCalls(BatchGetImageCommand)).toHaveLength(3);
});

test("refuses a digest that is not in the repository, naming the image and who uses it", async () => {
  serve({ exists: false });
  expect(await gate()).toBe(1);
  expect(stderr).toContain(`refused: openclaw/agent@${DIGEST} (us-east-1): not in the repository: push it with the image workflow (.github/workflows/image.yml) (used by tenant-acme/openclaw-acme-butler, tenant-acme/openclaw-acme-scout, tenant-acme/openclaw-acme-writer)`);
});

test("refuses an unscanned digest and one whose scan has not finished", async () => {
  serve({ scan: "none" });
  expect(await gate()).toBe(1);
  expect(stderr).toContain("not scanned: scan status NOT_FOUND");
  ecr.reset();
  serve({ scan: { imageScanStatus: { status: "IN_PROGRESS" } } });
  expect(await gate()).toBe(1);
  expect(stderr).toContain("not scanned: scan status IN_PROGRESS");
});

test("refuses a finding at the threshold (HIGH by default), names it and its package, and lets lower ones pass", async () => {
  serve({
    scan: {
      imageScanStatus: { status: "COMPLETE" },
      imageScanFindings: {
        findings: [
          { name: "CVE-2025-0001", severity: "HIGH", attributes: [{ key: "package_name", value: "openssl" }] },
          { name: "CVE-2025-0002", severity: "MEDIUM" },
        ],
      },
    },
  });
  expect(await gate()).toBe(1);
  expect(stderr).toContain(`refused: openclaw/agent@${DIGEST} (us-east-1): scan finding CVE-2025-0001 severity HIGH in openssl (threshold HIGH)`);
  expect(stderr).not.toContain("CVE-2025-0002");
});

test("reads enhanced (Inspector) findings and every page", async () => {
  serve();
  ecr.on(DescribeImageScanFindingsCommand).callsFake((input) =>
    input.nextToken === "p2"
      ? { imageScanStatus: { status: "ACTIVE" }, imageScanFindings: { enhancedFindings: [{ severity: "CRITICAL", packageVulnerabilityDetails: { vulnerabilityId: "CVE-2025-9999", vulnerablePackages: [{ name: "libc6" }] } }] } }
      : { imageScanStatus: { status: "ACTIVE" }, imageScanFindings: { enhancedFindings: [] }, nextToken: "p2" },
  );
  expect(await gate()).toBe(1);
  expect(stderr).toContain("scan finding CVE-2025-9999 severity CRITICAL in libc6 (threshold HIGH)");
});

test("uses the environment's imageScanSeverityThreshold", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gate-cdktf-"));
  const cdktf = JSON.parse(readFileSync(CDKTF, "utf8"));
  cdktf.context.environments.production.imageScanSeverityThreshold = "CRITICAL";
  writeFileSync(join(dir, "cdktf.json"), JSON.stringify(cdktf));
  serve({ scan: { imageScanStatus: { status: "COMPLETE" }, imageScanFindings: { findings: [{ name: "CVE-2025-0001", severity: "HIGH" }] } } });
  expect(await main(["--synth", output.outdir, "--environment", "production", "--cdktf", join(dir, "cdktf.json")])).toBe(0);
});

test("refuses an unsigned digest", async () => {
  serve({ signature: "none" });
  expect(await gate()).toBe(1);
  expect(stderr).toContain(`refused: openclaw/agent@${DIGEST} (us-west-2): not signed: no cosign signature in the repository`);
});

test("refuses a signature made with another key (anyone with push rights but not the KMS key)", async () => {
  const otherKey = keyPair().privateKey;
  serve({ signature: (region, digest) => signed(region, digest, otherKey) });
  expect(await gate()).toBe(1);
  expect(stderr).toContain("signature refused: the signature does not verify with the signing key");
});

test("refuses a valid signature of another image copied to this digest's signature tag", async () => {
  serve({ signature: (region, digest) => signed(region, digest, platformKey.privateKey, `sha256:${"f".repeat(64)}`) });
  expect(await gate()).toBe(1);
  expect(stderr).toContain(`signature refused: the signed payload is not the one for 111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw/agent@${DIGEST} (another image or repository)`);
});

test("refuses the other region's signature (another repository) copied over", async () => {
  serve({ signature: (region, digest) => signed(region === "us-east-1" ? "us-west-2" : "us-east-1", digest) });
  expect(await gate()).toBe(1);
  expect(stderr.match(/signature refused: the signed payload is not the one for/g)).toHaveLength(3);
});

test("passes when one of several signatures verifies", async () => {
  serve({
    signature: (region, digest) => {
      const good = signed(region, digest);
      const bad = signed(region, digest, keyPair().privateKey);
      const manifest = JSON.parse(good.manifest.toString());
      manifest.layers = [JSON.parse(bad.manifest.toString()).layers[0], manifest.layers[0]];
      return { ...good, manifest: Buffer.from(JSON.stringify(manifest)) };
    },
  });
  expect(await gate()).toBe(0);
});

test("with --affected, checks only the changed and added stacks' images", async () => {
  serve();
  const affected = join(mkdtempSync(join(tmpdir(), "gate-")), "affected.json");
  writeFileSync(affected, JSON.stringify({ changed: ["tenant-globex"], added: [], removed: [], order: [["tenant-globex"]] }));
  expect(await gate("--affected", affected)).toBe(0);
  expect(stderr).toMatch(/passed: openclaw\/agent@\S+ \(us-west-2\)/);
  expect(stderr).not.toContain("us-east-1");
});

test("leaves the egress proxy (#31, the platform's own image by tag) out: a platform-only change is not refused", async () => {
  serve();
  const platform = Object.keys(output.stacks).filter((name) => name.startsWith("platform-production-"));
  expect(platform.length).toBeGreaterThan(0);
  for (const name of platform) expect(readFileSync(join(output.outdir, "stacks", name, "cdk.tf.json"), "utf8")).toContain("-egress-proxy");
  const affected = join(mkdtempSync(join(tmpdir(), "gate-")), "affected.json");
  writeFileSync(affected, JSON.stringify({ changed: platform, added: [], removed: [], order: [platform] }));
  expect(await gate("--affected", affected)).toBe(0);
  expect(stderr).not.toContain("egress-proxy");
  expect(stderr).toContain("0 refused");
  expect(stderr).not.toMatch(/refused:/);
});

test("refuses a task definition whose image is a tag (a synth that bypassed the loader)", async () => {
  serve();
  const file = join(output.outdir, "stacks", "tenant-globex", "cdk.tf.json");
  const original = readFileSync(file, "utf8");
  try {
    writeFileSync(file, original.replace(`@${DIGEST}`, ":latest"));
    expect(await gate()).toBe(1);
    expect(stderr).toMatch(/refused: tenant-globex\/openclaw-globex-\w+: image \S+:latest is not referenced by digest/);
  } finally {
    writeFileSync(file, original);
  }
});

test("fails with exit 2 and the next step when the signing key cannot be read", async () => {
  serve();
  kms.on(GetPublicKeyCommand).rejects(Object.assign(new Error("Alias not found"), { name: "NotFoundException" }));
  expect(await runMain("image-gate", HELP, main, ["--synth", output.outdir, "--environment", "production", "--cdktf", CDKTF])).toBe(2);
  expect(stderr).toContain("image-gate: checking images of production: NotFoundException: Alias not found. Is alias/openclaw-production-image-signing created (npm run bootstrap)");
});

test("the payload signed is cosign's simple signing JSON for the digest", () => {
  const payload = JSON.parse(simpleSigningPayload("r", DIGEST).toString());
  expect(payload).toEqual({ critical: { identity: { "docker-reference": "r" }, image: { "docker-manifest-digest": DIGEST }, type: "cosign container image signature" }, optional: null });
  expect(createHash("sha256").update(signed("us-east-1", DIGEST).payload).digest("hex")).toHaveLength(64);
});

// The tracing collector (#29) is copied into the platform repository and pinned by digest: the
// gate checks it like the agent image, so a copy nobody scanned and signed never runs.
test("gates the tracing collector's digest with the agent's in an environment that traces", () => {
  const { uses } = imagesInSynth(readSynth(output.outdir), "staging");
  const collector: string = output.config.environments.staging.tracing.collectorImage!;
  expect(uses.map((u) => u.digest).sort()).toEqual([output.config.environments.staging.agentImage, collector].sort());
  expect(uses.find((u) => u.digest === collector)!.usedBy.length).toBeGreaterThan(0);
});
