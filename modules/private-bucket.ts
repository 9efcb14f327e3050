import type { Construct } from "constructs";
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
