/**
 * Image signatures in cosign's format, made with a KMS key and checked in-process.
 *
 * Why cosign with KMS rather than AWS Signer with Notation: the private key never leaves KMS and
 * only the push role may use it (kms:Sign), the deploy side needs nothing but the public key
 * (kms:GetPublicKey) and a few lines of node:crypto, so no notation binary, plugin or trust
 * policy file runs in the deploy job, and the whole path is testable offline. The signature is
 * stored next to the image in the same ECR repository under cosign's tag convention
 * (`sha256-<hex>.sig`), so `cosign verify --key awskms:///<alias>` can check it too. AWS Signer
 * would add certificate lifetimes and revocation, which a single-organisation pipeline with
 * immutable repositories gets from KMS key policy and key disabling.
 *
 * Format (sigstore/cosign, pkg/oci and specs/SIGNATURE_SPEC.md): an OCI manifest whose single
 * layer is the "simple signing" payload (media type application/vnd.dev.cosign.simplesigning.v1+json)
 * and whose layer annotation `dev.cosignproject.cosign/signature` holds the base64 signature of
 * that payload (ECDSA P-256 over its SHA-256).
 */
import { createHash, createPublicKey, KeyObject, verify } from "node:crypto";
import { KMSClient, SignCommand } from "@aws-sdk/client-kms";

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** cosign's tag for the signatures of `digest`: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(":", "-")}.sig`;
}

/** The payload cosign signs: which image (digest) under which repository name. */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { "docker-reference": dockerReference }, image: { "docker-manifest-digest": digest }, type: "cosign container image signature" },
      optional: null,
    }),
  );
}

export interface SignatureArtifact {
  readonly manifest: Buffer;
  readonly config: Buffer;
  readonly payload: Buffer;
}

/** The signature image: config, payload layer and manifest bytes, ready to push. */
export function signatureArtifact(payload: Buffer, signatureBase64: string): SignatureArtifact {
  const config = Buffer.from(
    JSON.stringify({ architecture: "", os: "", config: {}, rootfs: { type: "layers", diff_ids: [sha256(payload)] }, created: "0001-01-01T00:00:00Z" }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, size: config.length, digest: sha256(config) },
      layers: [{ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, size: payload.length, digest: sha256(payload), annotations: { [SIGNATURE_ANNOTATION]: signatureBase64 } }],
    }),
  );
  return { manifest, config, payload };
}

/** KMS signs RAW messages up to 4,096 bytes itself (hashing them with SHA-256 first). */
const KMS_RAW_MESSAGE_LIMIT = 4096;

/**
 * Signs with the KMS key: ECDSA_SHA_256 over the payload, RAW (KMS hashes it, the same
 * signature cosign's DIGEST mode gives, and the mode moto implements); returns base64 DER.
 */
export async function signWithKms(kms: KMSClient, keyId: string, payload: Buffer): Promise<string> {
  if (payload.length > KMS_RAW_MESSAGE_LIMIT) throw new Error(`signature payload of ${payload.length} bytes exceeds KMS's ${KMS_RAW_MESSAGE_LIMIT}-byte RAW message limit`);
  const out = await kms.send(new SignCommand({ KeyId: keyId, Message: payload, MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_256" }));
  if (!out.Signature) throw new Error(`KMS Sign with ${keyId} returned no signature`);
  return Buffer.from(out.Signature).toString("base64");
}

/** A KMS public key (GetPublicKey's DER SubjectPublicKeyInfo) as a node key. */
export function publicKeyFromDer(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
}

interface ManifestLayer {
  mediaType?: string;
  digest?: string;
  annotations?: Record<string, string>;
}

/** The simple-signing layers of a signature manifest (there may be several signatures). */
export function signatureLayers(manifestJson: string): { digest: string; signature: string }[] {
  let parsed: { layers?: ManifestLayer[] };
  try {
    parsed = JSON.parse(manifestJson);
  } catch {
    return [];
  }
  return (parsed.layers ?? [])
    .filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE && typeof l.digest === "string" && typeof l.annotations?.[SIGNATURE_ANNOTATION] === "string")
    .map((l) => ({ digest: l.digest as string, signature: l.annotations![SIGNATURE_ANNOTATION] }));
}

/**
 * Why a signature layer does not vouch for `dockerReference@digest` (empty when it does). The
 * payload is rebuilt here rather than downloaded: the deploy side never reads blobs from ECR
 * (layer downloads stay denied to it), and a layer whose digest is not that of the expected
 * payload signs something else, whatever its bytes are.
 */
export function signatureProblems(layer: { digest: string; signature: string }, dockerReference: string, digest: string, key: KeyObject): string[] {
  const payload = simpleSigningPayload(dockerReference, digest);
  if (sha256(payload) !== layer.digest) return [`the signed payload is not the one for ${dockerReference}@${digest} (another image or repository)`];
  if (!verify("sha256", payload, key, Buffer.from(layer.signature, "base64"))) return ["the signature does not verify with the signing key"];
  return [];
}
