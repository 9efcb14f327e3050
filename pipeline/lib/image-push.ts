/**
 * Pushing an OCI image layout to ECR through the API (no docker, no registry login), waiting for
 * its scan, and signing it: the steps of the image workflow for one repository. Every step is
 * idempotent, so a re-run after a failure resumes: blobs ECR has are not uploaded again, an image
 * already there is accepted, and a signature already there is checked rather than replaced (tags
 * are immutable).
 */
import { createHash, KeyObject } from "node:crypto";
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  ECRClient,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import type { KMSClient } from "@aws-sdk/client-kms";
import { reachesThreshold, ScanSeverity } from "../../config/image-reference";
import { signatureArtifact, signatureLayers, signatureProblems, signatureTag, signWithKms, simpleSigningPayload } from "./cosign";
import { imageScan, ImageScan, signatureManifest } from "./ecr-images";

export interface PushableImage {
  readonly digest: string;
  readonly manifest: Buffer;
  readonly manifestMediaType: string;
  /** Config and layers, each with its digest. */
  readonly blobs: readonly { readonly digest: string; readonly data: Buffer }[];
}

const errorName = (err: unknown) => (err as { name?: string }).name ?? "";

/** Uploads the blobs the repository lacks; returns how many were uploaded. */
export async function uploadBlobs(ecr: ECRClient, repositoryName: string, blobs: PushableImage["blobs"]): Promise<number> {
  const check = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: blobs.map((b) => b.digest) }));
  const present = new Set((check.layers ?? []).filter((l) => l.layerAvailability === "AVAILABLE").map((l) => l.layerDigest));
  let uploaded = 0;
  for (const blob of blobs.filter((b) => !present.has(b.digest))) {
    const { uploadId, partSize } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    const size = partSize && partSize > 0 ? partSize : 10 * 1024 * 1024;
    for (let first = 0; first < blob.data.length; first += size) {
      const part = blob.data.subarray(first, Math.min(first + size, blob.data.length));
      await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: first, partLastByte: first + part.length - 1, layerPartBlob: part }));
    }
    const done = await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [blob.digest] }));
    if (done.layerDigest !== blob.digest) throw new Error(`${repositoryName}: ECR computed ${done.layerDigest} for blob ${blob.digest}`);
    uploaded++;
  }
  return uploaded;
}

/** Puts the manifest (by digest, with `tag` if given); an identical image already there is fine. */
export async function putManifest(ecr: ECRClient, repositoryName: string, image: Pick<PushableImage, "digest" | "manifest" | "manifestMediaType">, tag?: string): Promise<"pushed" | "exists"> {
  try {
    const out = await ecr.send(
      new PutImageCommand({
        repositoryName,
        imageManifest: image.manifest.toString("utf8"),
        imageManifestMediaType: image.manifestMediaType,
        imageDigest: image.digest,
        ...(tag ? { imageTag: tag } : {}),
      }),
    );
    const digest = out.image?.imageId?.imageDigest;
    if (digest && digest !== image.digest) throw new Error(`${repositoryName}: ECR stored the manifest as ${digest}, not ${image.digest}`);
    return "pushed";
  } catch (err) {
    if (errorName(err) === "ImageAlreadyExistsException") return "exists";
    if (errorName(err) === "ImageTagAlreadyExistsException") {
      throw new Error(`${repositoryName}: tag ${tag} already names another image (tags are immutable); push under a new tag`);
    }
    throw err;
  }
}

/** Polls the scan until it is complete (basic) or active (enhanced); FAILED or the deadline throws. */
export async function waitForScan(
  ecr: ECRClient,
  repositoryName: string,
  digest: string,
  options: { timeoutSeconds: number; intervalSeconds: number; sleep?: (ms: number) => Promise<void>; now?: () => number },
): Promise<ImageScan> {
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutSeconds * 1000;
  for (;;) {
    const scan = await imageScan(ecr, repositoryName, digest);
    if (scan.status === "COMPLETE" || scan.status === "ACTIVE") return scan;
    if (scan.status === "FAILED" || scan.status === "UNSUPPORTED_IMAGE") {
      throw new Error(`${repositoryName}@${digest}: scan ${scan.status}${scan.description ? `: ${scan.description}` : ""}`);
    }
    if (now() >= deadline) throw new Error(`${repositoryName}@${digest}: scan still ${scan.status} after ${options.timeoutSeconds} s`);
    await sleep(options.intervalSeconds * 1000);
  }
}

/** Findings at or above the threshold, as lines naming each. */
export function blockingFindings(scan: ImageScan, threshold: ScanSeverity): string[] {
  return scan.findings.filter((f) => reachesThreshold(f.severity, threshold)).map((f) => `${f.id} severity ${f.severity}${f.package ? ` in ${f.package}` : ""}`);
}

/**
 * Signs `digest` in this repository unless a valid signature is already there. Returns what it
 * did; a signature tag holding an invalid signature throws (immutable: a human removes it).
 */
export async function signImage(
  ecr: ECRClient,
  kms: KMSClient,
  options: { repositoryName: string; dockerReference: string; digest: string; keyId: string; publicKey: KeyObject },
): Promise<"signed" | "already signed"> {
  const { repositoryName, dockerReference, digest, publicKey } = options;
  const existing = await signatureManifest(ecr, repositoryName, digest);
  if (existing) {
    const valid = signatureLayers(existing).some((l) => signatureProblems(l, dockerReference, digest, publicKey).length === 0);
    if (valid) return "already signed";
    throw new Error(`${repositoryName}: ${signatureTag(digest)} exists but holds no valid signature by ${options.keyId}; delete that tag's image and run again`);
  }
  const payload = simpleSigningPayload(dockerReference, digest);
  const artifact = signatureArtifact(payload, await signWithKms(kms, options.keyId, payload));
  const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
  // Check what KMS returned before it is published.
  const layer = signatureLayers(artifact.manifest.toString("utf8"))[0];
  const problems = signatureProblems(layer, dockerReference, digest, publicKey);
  if (problems.length > 0) throw new Error(`${repositoryName}: the new signature does not verify: ${problems.join("; ")}`);
  await uploadBlobs(ecr, repositoryName, [
    { digest: sha(artifact.config), data: artifact.config },
    { digest: sha(artifact.payload), data: artifact.payload },
  ]);
  await putManifest(ecr, repositoryName, { digest: sha(artifact.manifest), manifest: artifact.manifest, manifestMediaType: "application/vnd.oci.image.manifest.v1+json" }, signatureTag(digest));
  return "signed";
}
