import type { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import type { PolicyStatement } from "./iam-policy-document";

/**
 * The baseline every bucket of this project gets, added to `scope` under fixed construct ids
 * (ownership, versioning, encryption, public-access-block, notifications), so the Terraform
 * addresses of the buckets that already use it never change: no ACLs, versioning, SSE-KMS with
 * the given key (bucket key on), all public access blocked, object events to EventBridge. Returns the resource versioning creates, which
 * an Object Lock configuration must wait for.
 */
export function privateBucketBaseline(scope: Construct, bucketId: string, kmsKeyArn: string): S3BucketVersioningA {
  new S3BucketOwnershipControls(scope, "ownership", {
    bucket: bucketId,
    rule: { objectOwnership: "BucketOwnerEnforced" }, // no ACLs: the bucket policy is the only grant
  });
  const versioning = new S3BucketVersioningA(scope, "versioning", {
    bucket: bucketId,
    versioningConfiguration: { status: "Enabled" },
  });
  new S3BucketServerSideEncryptionConfigurationA(scope, "encryption", {
    bucket: bucketId,
    rule: [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
        bucketKeyEnabled: true, // one KMS call per bucket key instead of per object
      },
    ],
  });
  new S3BucketPublicAccessBlock(scope, "public-access-block", {
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  // Every object-level event goes to the account's default EventBridge bus, so detections
  // (mass deletes, unexpected writers, a governance bypass) can be added as rules without
  // touching the bucket.
  new S3BucketNotification(scope, "notifications", { bucket: bucketId, eventbridge: true });
  return versioning;
}

/** An Object Lock bucket: which lock, and for how long every version is held. */
export interface ObjectLockedBucketProps {
  readonly bucketName: string;
  readonly kmsKeyArn: string;
  /**
   * GOVERNANCE: a principal holding s3:BypassGovernanceRetention can still delete early.
   * COMPLIANCE: nobody can, the account root included, until the retention ends.
   */
  readonly mode: "GOVERNANCE" | "COMPLIANCE";
  /** Days each version is locked from its creation, then expired by the lifecycle rule. */
  readonly retentionDays: number;
}

/**
 * A bucket whose every version is locked for `retentionDays` and expired afterwards, on top of
 * privateBucketBaseline, under fixed construct ids in `scope` (bucket, object-lock, lifecycle and
 * the baseline's), so the buckets that use it keep their Terraform addresses. The caller adds
 * the bucket policy.
 */
export function objectLockedBucket(scope: Construct, props: ObjectLockedBucketProps): S3Bucket {
  const bucket = new S3Bucket(scope, "bucket", {
    bucket: props.bucketName,
    forceDestroy: false,
    // Object Lock can only be turned on when the bucket is created (ForceNew in the provider).
    objectLockEnabled: true,
    lifecycle: { preventDestroy: true }, // evidence
  });
  const versioning = privateBucketBaseline(scope, bucket.id, props.kmsKeyArn);
  new S3BucketObjectLockConfigurationA(scope, "object-lock", {
    bucket: bucket.id,
    rule: { defaultRetention: { mode: props.mode, days: props.retentionDays } },
    dependsOn: [versioning],
  });
  new S3BucketLifecycleConfiguration(scope, "lifecycle", {
    bucket: bucket.id,
    rule: [
      // A version is locked for retentionDays from its creation; expiring the current
      // version then leaves a delete marker, and the noncurrent version goes a day later.
      expireAfterRule("expire-after-retention", props.retentionDays),
      abortIncompleteUploadsRule(7),
    ],
    dependsOn: [versioning],
  });
  return bucket;
}

/** Lifecycle rule expiring every object `days` after its creation, and a noncurrent version a day after that. */
export function expireAfterRule(id: string, days: number) {
  return { id, status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days }], noncurrentVersionExpiration: [{ noncurrentDays: 1 }] };
}

/** Lifecycle rule aborting multipart uploads left incomplete for `days`. */
export function abortIncompleteUploadsRule(days: number) {
  return { id: "abort-incomplete-uploads", status: "Enabled", filter: [{ prefix: "" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: days }] };
}

/** Denies every principal outside the bucket's account, whatever its own policies say. */
export function denyOtherAccounts(bucketArn: string, accountId: string): PolicyStatement {
  return {
    Sid: "DenyOtherAccounts",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { StringNotEquals: { "aws:PrincipalAccount": accountId } },
  };
}

/** Denies every request that does not use TLS, on the bucket and its objects. */
export function denyInsecureTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
