/**
 * The push side's edge cases that moto cannot produce (test/integration/image-push.test.ts covers
 * the happy and vulnerable paths on moto): a tag that names another image, a failed or endless
 * scan, an invalid signature already under the immutable signature tag, regions disagreeing on a
 * tag. ECR and KMS mocked with aws-sdk-client-mock.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  ECRClient,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { main as resolve } from "../../pipeline/image-resolve";
import { signatureArtifact, simpleSigningPayload } from "../../pipeline/lib/cosign";
import { blockingFindings, putManifest, signImage, uploadBlobs, waitForScan } from "../../pipeline/lib/image-push";

const ecrMock = mockClient(ECRClient);
const kmsMock = mockClient(KMSClient);
const ecr = new ECRClient({ region: "us-east-1" });
const kms = new KMSClient({ region: "us-east-1" });
const DIGEST = `sha256:${"a".repeat(64)}`;
const REF = "111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw/agent";
const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const error = (name: string) => Object.assign(new Error(name), { name });

beforeEach(() => {
  ecrMock.reset();
  kmsMock.reset();
});

test("a tag that already names another image is an error that says to push under a new tag", async () => {
  ecrMock.on(PutImageCommand).rejects(error("ImageTagAlreadyExistsException"));
  await expect(putManifest(ecr, "openclaw/agent", { digest: DIGEST, manifest: Buffer.from("{}"), manifestMediaType: "m" }, "v1")).rejects.toThrow(
    "openclaw/agent: tag v1 already names another image (tags are immutable); push under a new tag",
  );
});

test("an identical image already there is accepted (a re-run)", async () => {
  ecrMock.on(PutImageCommand).rejects(error("ImageAlreadyExistsException"));
  expect(await putManifest(ecr, "openclaw/agent", { digest: DIGEST, manifest: Buffer.from("{}"), manifestMediaType: "m" }, "v1")).toBe("exists");
});

test("blobs the repository has are not uploaded again", async () => {
  ecrMock.on(BatchCheckLayerAvailabilityCommand).resolves({ layers: [{ layerDigest: DIGEST, layerAvailability: "AVAILABLE" }] });
  expect(await uploadBlobs(ecr, "openclaw/agent", [{ digest: DIGEST, data: Buffer.from("x") }])).toBe(0);
});

test("waiting for the scan fails on FAILED and at the deadline, naming the image", async () => {
  ecrMock.on(DescribeImageScanFindingsCommand).resolves({ imageScanStatus: { status: "FAILED", description: "UnsupportedImageError" } });
  await expect(waitForScan(ecr, "openclaw/agent", DIGEST, { timeoutSeconds: 60, intervalSeconds: 1, sleep: async () => {} })).rejects.toThrow(
    `openclaw/agent@${DIGEST}: scan FAILED: UnsupportedImageError`,
  );
  ecrMock.on(DescribeImageScanFindingsCommand).resolves({ imageScanStatus: { status: "IN_PROGRESS" } });
  let t = 0;
  await expect(waitForScan(ecr, "openclaw/agent", DIGEST, { timeoutSeconds: 60, intervalSeconds: 10, sleep: async (ms) => void (t += ms), now: () => t })).rejects.toThrow(
    `scan still IN_PROGRESS after 60 s`,
  );
});

test("findings block at and above the threshold only", () => {
  const scan = { status: "COMPLETE", findings: [{ id: "A", severity: "CRITICAL" }, { id: "B", severity: "HIGH", package: "openssl" }, { id: "C", severity: "MEDIUM" }, { id: "D", severity: "UNDEFINED" }] };
  expect(blockingFindings(scan, "HIGH")).toEqual(["A severity CRITICAL", "B severity HIGH in openssl"]);
  expect(blockingFindings(scan, "CRITICAL")).toEqual(["A severity CRITICAL"]);
});

describe("signing", () => {
  const options = { repositoryName: "openclaw/agent", dockerReference: REF, digest: DIGEST, keyId: "alias/openclaw-production-image-signing", publicKey: keys.publicKey };
  const existing = (key = keys.privateKey) => {
    const payload = simpleSigningPayload(REF, DIGEST);
    return signatureArtifact(payload, sign("sha256", payload, key).toString("base64")).manifest.toString();
  };

  test("a valid signature already there is kept, not signed again", async () => {
    ecrMock.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: existing() }] });
    expect(await signImage(ecr, kms, options)).toBe("already signed");
    expect(kmsMock.commandCalls(SignCommand)).toHaveLength(0);
  });

  test("an invalid signature under the immutable tag stops the run with what to do", async () => {
    ecrMock.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: existing(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey) }] });
    await expect(signImage(ecr, kms, options)).rejects.toThrow(`openclaw/agent: ${DIGEST.replace(":", "-")}.sig exists but holds no valid signature by alias/openclaw-production-image-signing; delete that tag's image and run again`);
  });

  test("a KMS signature that does not verify with the key is never published", async () => {
    ecrMock.on(BatchGetImageCommand).resolves({ images: [] });
    kmsMock.on(SignCommand).resolves({ Signature: sign("sha256", Buffer.from("something else"), keys.privateKey) });
    await expect(signImage(ecr, kms, options)).rejects.toThrow("the new signature does not verify");
    expect(ecrMock.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  test("signs the RAW payload with ECDSA_SHA_256 (what the push role's kms:Sign condition allows) and publishes it under cosign's tag", async () => {
    ecrMock.on(BatchGetImageCommand).resolves({ images: [] });
    ecrMock.on(BatchCheckLayerAvailabilityCommand).callsFake((input) => ({ layers: input.layerDigests.map((layerDigest: string) => ({ layerDigest, layerAvailability: "AVAILABLE" })) }));
    kmsMock.on(SignCommand).callsFake((input) => ({ Signature: sign("sha256", Buffer.from(input.Message), keys.privateKey) }));
    ecrMock.on(PutImageCommand).resolves({});
    expect(await signImage(ecr, kms, options)).toBe("signed");
    expect(kmsMock.commandCalls(SignCommand)[0].args[0].input).toMatchObject({ MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_256", KeyId: options.keyId });
    expect(ecrMock.commandCalls(PutImageCommand)[0].args[0].input).toMatchObject({ repositoryName: "openclaw/agent", imageTag: `${DIGEST.replace(":", "-")}.sig` });
  });
});

test("image:resolve refuses a tag that names different images in different regions", async () => {
  const dir = mkdtempSync(join(tmpdir(), "resolve-"));
  writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ context: { environments: { production: { agentImage: "1.0", regions: { "us-east-1": {}, "us-west-2": {} } } } } }));
  ecrMock.on(DescribeImagesCommand).callsFake(async (_input, getClient) => {
    const region = await (getClient() as ECRClient).config.region();
    return { imageDetails: [{ imageDigest: region === "us-east-1" ? DIGEST : `sha256:${"b".repeat(64)}` }] };
  });
  jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  await expect(resolve(["--environment", "production", "--tag", "v1", "--cdktf", join(dir, "cdktf.json")])).rejects.toThrow(/tag v1 names different images by region: us-east-1 sha256:a+, us-west-2 sha256:b+/);
});
