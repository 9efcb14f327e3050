import { Construct } from "constructs";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { PolicyStatement, renderPolicy } from "./iam-policy-document";
import { denyInsecureTransport, denyOtherAccounts, objectLockedBucket } from "./private-bucket";
import { requireInteger } from "./prop-checks";

export interface OffboardingArchiveProps {
  /** offboardingArchiveBucketName(environment, region, accountId). */
  readonly bucketName: string;
  readonly accountId: string;
  /** Platform KMS key: the archive outlives every tenant key, so it never uses one. */
  readonly kmsKeyArn: string;
  /**
   * Days each object is kept: Object Lock (governance mode) holds every version that long,
   * then a lifecycle rule expires it. From the environment's `offboarding.archiveRetentionDays`.
   */
  readonly retentionDays: number;
}

/**
 * Where offboarding puts what must outlive a tenant: its database export and the manifest of
 * its bucket, written before the tenant's bucket and key are destroyed. Owned by the platform
 * (one per account and region), encrypted with the platform key, versioned, TLS-only, no
 * public access, every version locked for the retention period.
 *
 * Governance rather than compliance mode: a person holding s3:BypassGovernanceRetention can
 * still remove an export early when the customer's contract demands deletion; nobody else can,
 * and neither can a lifecycle rule or a mistaken `aws s3 rm`.
 */
export class OffboardingArchive extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: OffboardingArchiveProps) {
    super(scope, id);
    requireInteger(`OffboardingArchive ${props.bucketName}`, "retentionDays", props.retentionDays, 1, 3650);

    const bucket = objectLockedBucket(this, { bucketName: props.bucketName, kmsKeyArn: props.kmsKeyArn, mode: "GOVERNANCE", retentionDays: props.retentionDays });

    const statements: PolicyStatement[] = [
      denyInsecureTransport(bucket.arn),
      denyOtherAccounts(bucket.arn, props.accountId),
      {
        // Objects encrypted with anything but the platform key would outlive a deleted tenant key unreadable.
        Sid: "DenyOtherEncryptionKeys",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${bucket.arn}/*`,
        Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": props.kmsKeyArn } },
      },
    ];
    new S3BucketPolicy(this, "policy", { bucket: bucket.id, policy: renderPolicy(statements) });

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
  }
}
