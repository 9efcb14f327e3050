/**
 * The AWS half of the offboarding job (pipeline/offboard.ts): S3 listing, verified
 * writes and emptying, ECS task counts, KMS key state, the DB provisioner's calls.
 * Every call names the expected bucket owner, so a same-named bucket in another
 * account never receives or loses tenant data.
 */
import { createHash } from "node:crypto";
import {
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DescribeServicesCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { DescribeKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { ToolFailure } from "./cli";

/**
 * Where the job's calls land, named so bootstrap's deploy role policy (bootstrap/policies.ts,
 * deployPolicies) and its test can resolve each to ARNs:
 * - stateRecords: `<state bucket>/offboarding/<tenant>/...` (progress, records, manifest copy);
 * - archiveBucket, archiveManifest (`<archive>/<tenant>/<stamp>/bucket-manifest.json`),
 *   archiveExport (`<archive>/database-exports/<tenant>/...`, written by the provisioner);
 * - archiveKeyThroughS3: the platform key, used by S3 for the archive (kms:ViaService s3);
 * - stateKeyThroughS3: the state bucket's key, when it has one;
 * - tenantBucket, tenantObjects: the offboarding tenant's bucket and its object versions;
 * - tenantService, tenantKey, provisioner;
 * - cloudTrailEventHistory: the account's CloudTrail event history in the tenant's region
 *   (LookupEvents, pipeline/lib/offboarding-evidence.ts), which has no resource ARN: "*".
 */
export type OffboardingTarget =
  | "stateRecords"
  | "stateKeyThroughS3"
  | "archiveBucket"
  | "archiveManifest"
  | "archiveExport"
  | "archiveKeyThroughS3"
  | "tenantBucket"
  | "tenantObjects"
  | "tenantService"
  | "tenantKey"
  | "provisioner"
  | "cloudTrailEventHistory";

export interface OffboardingCall {
  /** The SDK command (`new <command>Command(...)` in this file). */
  readonly command: string;
  /** IAM actions AWS authorizes the call as (AWS API Reference, each operation's Permissions). */
  readonly actions: readonly string[];
  readonly on: readonly OffboardingTarget[];
}

/**
 * Every AWS call the offboarding job makes, as IAM sees it: the deploy role must allow each, and
 * test/bootstrap/offboard-role.test.ts fails when this file sends a command not listed here.
 * - GetObjectAttributes: s3:GetObject + s3:GetObjectAttributes, or with a version id
 *   s3:GetObjectVersion + s3:GetObjectVersionAttributes (API Reference, GetObjectAttributes,
 *   Permissions). Metadata only, and needs no KMS call.
 * - PutObject with SSE-KMS: kms:GenerateDataKey on the key, which S3 calls for the caller
 *   (kms:ViaService s3.<region>.amazonaws.com); no kms:Decrypt for a single-part upload
 *   (S3 User Guide, "Using server-side encryption with AWS KMS keys", Permissions).
 * - DeleteObjects: s3:DeleteObject, and s3:DeleteObjectVersion for each entry with a version id
 *   (API Reference, DeleteObjects, Permissions).
 */
export const OFFBOARDING_AWS_CALLS: readonly OffboardingCall[] = [
  { command: "ListObjectVersions", actions: ["s3:ListBucketVersions"], on: ["tenantBucket"] },
  {
    command: "GetObjectAttributes",
    actions: ["s3:GetObject", "s3:GetObjectAttributes", "s3:GetObjectVersion", "s3:GetObjectVersionAttributes"],
    on: ["tenantObjects", "archiveManifest", "archiveExport"],
  },
  { command: "GetObject", actions: ["s3:GetObject"], on: ["stateRecords"] },
  // Only state-bucket objects are ever read (progress, the manifest copy, records).
  { command: "GetObject", actions: ["kms:Decrypt"], on: ["stateKeyThroughS3"] },
  { command: "GetBucketEncryption", actions: ["s3:GetEncryptionConfiguration"], on: ["archiveBucket"] },
  { command: "PutObject", actions: ["s3:PutObject"], on: ["stateRecords", "archiveManifest"] },
  { command: "PutObject", actions: ["kms:GenerateDataKey"], on: ["stateKeyThroughS3", "archiveKeyThroughS3"] },
  { command: "DeleteObjects", actions: ["s3:DeleteObject", "s3:DeleteObjectVersion"], on: ["tenantObjects"] },
  { command: "DescribeServices", actions: ["ecs:DescribeServices"], on: ["tenantService"] },
  { command: "DescribeKey", actions: ["kms:DescribeKey"], on: ["tenantKey"] },
  { command: "Invoke", actions: ["lambda:InvokeFunction"], on: ["provisioner"] },
  // The record's evidence (pipeline/lib/offboarding-evidence.ts): management-event metadata only.
  { command: "LookupEvents", actions: ["cloudtrail:LookupEvents"], on: ["cloudTrailEventHistory"] },
];

export const sha256Hex = (body: Uint8Array | string) => createHash("sha256").update(body).digest("hex");
const hexToBase64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

export interface ObjectVersion {
  readonly key: string;
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: string;
  readonly storageClass?: string;
  /** The checksum S3 stores for the version, when it was uploaded with one. */
  readonly checksum?: { readonly algorithm: string; readonly value: string };
}

export interface DeleteMarker {
  readonly key: string;
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly lastModified: string;
}

export interface BucketListing {
  readonly versions: ObjectVersion[];
  readonly deleteMarkers: DeleteMarker[];
}

/** Every object version and delete marker of a bucket (or of a prefix), all pages. */
export async function listAllVersions(s3: S3Client, bucket: string, owner: string, prefix?: string): Promise<BucketListing> {
  const versions: ObjectVersion[] = [];
  const deleteMarkers: DeleteMarker[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker, ExpectedBucketOwner: owner }),
    );
    for (const v of page.Versions ?? []) {
      versions.push({
        key: v.Key!,
        versionId: v.VersionId ?? "null",
        isLatest: v.IsLatest ?? false,
        size: v.Size ?? 0,
        etag: (v.ETag ?? "").replace(/"/g, ""),
        lastModified: (v.LastModified ?? new Date(0)).toISOString(),
        ...(v.StorageClass ? { storageClass: v.StorageClass } : {}),
      });
    }
    for (const m of page.DeleteMarkers ?? []) {
      deleteMarkers.push({ key: m.Key!, versionId: m.VersionId ?? "null", isLatest: m.IsLatest ?? false, lastModified: (m.LastModified ?? new Date(0)).toISOString() });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined || versionIdMarker !== undefined);
  return { versions, deleteMarkers };
}

const CHECKSUM_FIELDS = [
  ["SHA256", "ChecksumSHA256"],
  ["SHA1", "ChecksumSHA1"],
  ["CRC64NVME", "ChecksumCRC64NVME"],
  ["CRC32C", "ChecksumCRC32C"],
  ["CRC32", "ChecksumCRC32"],
] as const;

/**
 * Adds S3's stored checksum to each version, a few at a time. GetObjectAttributes, not
 * GetObject: it returns metadata only. AWS's API reference (GetObjectAttributes, Permissions)
 * asks for s3:GetObjectVersion plus s3:GetObjectVersionAttributes when a version id is given;
 * what keeps the contents out of the job's reach is KMS: the deploy role has no kms:Decrypt on
 * the tenant key, which encrypts every object, and metadata calls need none.
 */
export async function withChecksums(s3: S3Client, bucket: string, owner: string, versions: readonly ObjectVersion[], parallelism = 8): Promise<ObjectVersion[]> {
  const out: ObjectVersion[] = new Array(versions.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallelism, versions.length) }, async () => {
      while (next < versions.length) {
        const i = next++;
        const v = versions[i];
        const attributes = await s3.send(
          new GetObjectAttributesCommand({
            Bucket: bucket,
            Key: v.key,
            VersionId: v.versionId === "null" ? undefined : v.versionId,
            ObjectAttributes: ["Checksum"],
            ExpectedBucketOwner: owner,
          }),
        );
        const checksum = attributes.Checksum ?? {};
        const found = CHECKSUM_FIELDS.find(([, field]) => typeof checksum[field] === "string");
        out[i] = found ? { ...v, checksum: { algorithm: found[0], value: checksum[found[1]] as string } } : v;
      }
    }),
  );
  return out;
}

export async function readObject(s3: S3Client, bucket: string, key: string, owner: string, versionId?: string): Promise<{ body: Uint8Array; versionId?: string; checksumSHA256?: string; sse?: string }> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ChecksumMode: "ENABLED", ExpectedBucketOwner: owner }));
  const body = await r.Body!.transformToByteArray();
  return { body, versionId: r.VersionId, checksumSHA256: r.ChecksumSHA256, sse: r.ServerSideEncryption };
}

export type Encryption = { readonly algorithm: "aws:kms"; readonly kmsKeyId: string } | { readonly algorithm: "AES256" };

/** The archive's default key: exports are written with it explicitly, never with S3's own keys. */
export async function bucketKmsKey(s3: S3Client, bucket: string, owner: string): Promise<string> {
  const r = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
  const rule = r.ServerSideEncryptionConfiguration?.Rules?.find((x) => x.ApplyServerSideEncryptionByDefault?.SSEAlgorithm === "aws:kms");
  const key = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  if (!key) throw new ToolFailure(`archive bucket ${bucket} does not encrypt with a KMS key by default; deploy the platform stack that owns it first`);
  return key;
}

export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Writes an object with its SHA-256 (S3 rejects the upload if the bytes it received differ)
 * and the given encryption, then checks what S3 stored (verifyObject).
 */
export async function putVerified(s3: S3Client, bucket: string, key: string, body: Uint8Array | string, owner: string, encryption: Encryption, contentType: string): Promise<StoredObject> {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const sha256 = sha256Hex(bytes);
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: bytes,
      ContentType: contentType,
      // Both: the algorithm makes S3 keep the checksum for GetObjectAttributes, the value makes
      // it reject a body that differs from what was hashed here.
      ChecksumAlgorithm: "SHA256",
      ChecksumSHA256: hexToBase64(sha256),
      ServerSideEncryption: encryption.algorithm,
      ...(encryption.algorithm === "aws:kms" ? { SSEKMSKeyId: encryption.kmsKeyId } : {}),
      ExpectedBucketOwner: owner,
    }),
  );
  if (put.ServerSideEncryption !== undefined && put.ServerSideEncryption !== encryption.algorithm) {
    throw new ToolFailure(`s3://${bucket}/${key} was stored with ${put.ServerSideEncryption}, not ${encryption.algorithm}`);
  }
  return verifyObject(s3, { bucket, key, versionId: put.VersionId, bytes: bytes.length, sha256 }, owner);
}

/**
 * Checks the SHA-256 S3 keeps for a stored object against the expected one. S3 rejects an
 * upload whose body does not match the checksum sent with it and keeps that checksum, so an
 * equal SHA-256 means the same bytes (and so the same size).
 * GetObjectAttributes, not GetObject: verifying the archive needs no kms:Decrypt on the
 * platform key and never transfers the export's contents.
 */
export async function verifyObject(s3: S3Client, expected: StoredObject, owner: string): Promise<StoredObject> {
  const where = `s3://${expected.bucket}/${expected.key}${expected.versionId ? ` (version ${expected.versionId})` : ""}`;
  let r;
  try {
    r = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: expected.bucket,
        Key: expected.key,
        VersionId: expected.versionId,
        ObjectAttributes: ["Checksum"],
        ExpectedBucketOwner: owner,
      }),
    );
  } catch (err) {
    throw new ToolFailure(`${where}: cannot read its attributes (${(err as Error).name}: ${(err as Error).message})`);
  }
  const stored = r.Checksum?.ChecksumSHA256;
  if (stored !== hexToBase64(expected.sha256)) {
    throw new ToolFailure(`${where}: S3 holds sha256 ${stored ?? "(none stored)"} (base64), expected ${hexToBase64(expected.sha256)} (${expected.bytes} bytes)`);
  }
  return { ...expected, versionId: expected.versionId ?? r.VersionId };
}

/** Deletes every version and delete marker, 1,000 per request, until a listing comes back empty. */
export async function emptyBucket(s3: S3Client, bucket: string, owner: string): Promise<{ versionsDeleted: number; deleteMarkersDeleted: number }> {
  let versionsDeleted = 0;
  let deleteMarkersDeleted = 0;
  for (let round = 0; round < 100; round++) {
    const listing = await listAllVersions(s3, bucket, owner);
    const targets = [...listing.versions, ...listing.deleteMarkers].map((o) => ({ Key: o.key, VersionId: o.versionId }));
    if (targets.length === 0) return { versionsDeleted, deleteMarkersDeleted };
    for (let i = 0; i < targets.length; i += 1000) {
      const batch = targets.slice(i, i + 1000);
      const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true }, ExpectedBucketOwner: owner }));
      if (r.Errors?.length) {
        const first = r.Errors[0];
        throw new ToolFailure(`emptying s3://${bucket}: ${r.Errors.length} object(s) not deleted, e.g. ${first.Key} (${first.VersionId}): ${first.Code} ${first.Message}`);
      }
    }
    versionsDeleted += listing.versions.length;
    deleteMarkersDeleted += listing.deleteMarkers.length;
  }
  throw new ToolFailure(`s3://${bucket} is still not empty after 100 rounds of deletes; something keeps writing to it`);
}

export interface ServiceCount {
  readonly cluster: string;
  readonly name: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
  readonly status: string;
}

/** Task counts of ECS services (10 per request, the API's limit); a service that no longer exists counts as 0. */
export async function describeServices(ecs: ECSClient, services: readonly { cluster: string; name: string }[]): Promise<ServiceCount[]> {
  const out: ServiceCount[] = [];
  const byCluster = new Map<string, string[]>();
  for (const s of services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s.name]);
  for (const [cluster, names] of byCluster) {
    for (let i = 0; i < names.length; i += 10) {
      const batch = names.slice(i, i + 10);
      const r = await ecs.send(new DescribeServicesCommand({ cluster, services: batch }));
      for (const name of batch) {
        const s = r.services?.find((x) => x.serviceName === name || x.serviceArn?.endsWith(`/${name}`));
        out.push(
          s
            ? { cluster, name, desiredCount: s.desiredCount ?? 0, runningCount: s.runningCount ?? 0, pendingCount: s.pendingCount ?? 0, status: s.status ?? "UNKNOWN" }
            : { cluster, name, desiredCount: 0, runningCount: 0, pendingCount: 0, status: "MISSING" },
        );
      }
    }
  }
  return out;
}

export interface KeyDeletion {
  readonly keyId: string;
  readonly arn: string;
  readonly keyState: string;
  readonly deletionDate?: string;
  readonly pendingDeletionWindowInDays?: number;
}

export async function describeKey(kms: KMSClient, keyId: string): Promise<KeyDeletion> {
  const r = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  const m = r.KeyMetadata!;
  return {
    keyId: m.KeyId!,
    arn: m.Arn!,
    keyState: m.KeyState ?? "Unknown",
    ...(m.DeletionDate ? { deletionDate: m.DeletionDate.toISOString() } : {}),
    ...(m.PendingDeletionWindowInDays !== undefined ? { pendingDeletionWindowInDays: m.PendingDeletionWindowInDays } : {}),
  };
}

/** Calls the provisioner synchronously and returns its parsed answer; a function error is a ToolFailure. */
export type ProvisionerInvoker = (functionName: string, qualifier: string | undefined, payload: Record<string, unknown>) => Promise<Record<string, unknown>>;

export function lambdaInvoker(lambda: LambdaClient): ProvisionerInvoker {
  return async (functionName, qualifier, payload) => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    const text = r.Payload ? Buffer.from(r.Payload).toString("utf8") : "";
    // The handler's error messages name tenants and objects, never secrets (db/contract.ts).
    if (r.FunctionError) throw new ToolFailure(`provisioner ${functionName} failed (${r.FunctionError}): ${text.slice(0, 2000)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ToolFailure(`provisioner ${functionName} answered with something that is not JSON: ${text.slice(0, 200)}`);
    }
    if (typeof parsed !== "object" || parsed === null) throw new ToolFailure(`provisioner ${functionName} answered ${text.slice(0, 200)}, expected an object`);
    return parsed as Record<string, unknown>;
  };
}
