import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { PolicyStatement, renderPolicy, TENANT_PRINCIPAL_TAG } from "./iam-policy-document";
import { abortIncompleteUploadsRule, denyInsecureTransport, denyOtherAccounts, privateBucketBaseline } from "./private-bucket";
import { requireInteger } from "./prop-checks";

export interface TenantStorageProps {
  /** Tenant id, already validated by the config loader. */
  readonly tenantId: string;
  readonly bucketName: string;
  readonly accountId: string;
  /** The tenant's KMS key: every object is encrypted with it (SSE-KMS, bucket key on). */
  readonly kmsKeyArn: string;
  /** Days before noncurrent object versions expire. @default 90 */
  readonly noncurrentVersionDays?: number;
  /** Days before incomplete multipart uploads are aborted. @default 7 */
  readonly abortIncompleteUploadDays?: number;
  /**
   * `prevent_destroy` on the bucket. Only a tenant in `offboarding` turns it off, so the
   * offboarding job's `terraform destroy` can remove the bucket; `force_destroy` stays off
   * either way, so the destroy fails on a bucket the job has not emptied (which it does only
   * after the export is verified). @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * The tenant's dedicated bucket. Beyond encryption and public-access blocks, its policy denies
 * every principal that is neither tagged for this tenant nor an account administrator, so a
 * role of another tenant is refused even if its own policies were wrong.
 */
export class TenantStorage extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: TenantStorageProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionDays ?? 90;
    const abortDays = props.abortIncompleteUploadDays ?? 7;
    requireInteger(`TenantStorage ${props.tenantId}`, "noncurrentVersionDays", noncurrentDays, 1);
    requireInteger(`TenantStorage ${props.tenantId}`, "abortIncompleteUploadDays", abortDays, 1);

    const bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: false, // emptying is the offboarding job's step, after the export is verified
      lifecycle: { preventDestroy: props.preventDestroy ?? true }, // tenant data outlives a deleted YAML file
    });
    privateBucketBaseline(this, bucket.id, props.kmsKeyArn);
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
        },
        abortIncompleteUploadsRule(abortDays),
      ],
    });

    const statements: PolicyStatement[] = [
      denyInsecureTransport(bucket.arn),
      {
        // ABAC: a principal tagged for any other tenant is refused whatever its own policies say.
        // Untagged principals of this account (administrators, the deploy role, the DB
        // provisioner) are not matched, so operators are never locked out.
        Sid: "DenyOtherTenants",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.arn, `${bucket.arn}/*`],
        Condition: {
          StringNotEquals: { [`aws:PrincipalTag/${TENANT_PRINCIPAL_TAG}`]: props.tenantId },
          Null: { [`aws:PrincipalTag/${TENANT_PRINCIPAL_TAG}`]: "false" },
        },
      },
      denyOtherAccounts(bucket.arn, props.accountId),
      // Every object under the tenant key: a write that asks for other encryption (SSE-S3's
      // AES256, another KMS key) is refused; one that asks for none gets the bucket default. So
      // nothing here is readable without kms:Decrypt on the tenant key, which the pipeline roles
      // lack (the offboarding job reads object metadata: bootstrap/policies.ts DenyDecryptThroughS3).
      // Conditions present only when the header is sent: S3 condition keys for PutObject
      // (Service Authorization Reference, Amazon S3, s3:x-amz-server-side-encryption[-aws-kms-key-id]).
      {
        Sid: "DenyOtherEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${bucket.arn}/*`,
        Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
      },
      {
        Sid: "DenyOtherEncryptionKeys",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${bucket.arn}/*`,
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": props.kmsKeyArn },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        },
      },
    ];
    new S3BucketPolicy(this, "policy", { bucket: bucket.id, policy: renderPolicy(statements) });

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
  }

  /** Object read/write in this bucket only, for the tenant's task roles. */
  public readWriteStatements(): PolicyStatement[] {
    return [
      { Sid: "ListOwnBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: this.bucketArn },
      {
        Sid: "ReadWriteOwnObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: `${this.bucketArn}/*`,
      },
    ];
  }
}
