import { Construct } from "constructs";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { EncryptionKey } from "./encryption-key";
import { PolicyStatement, renderPolicy } from "./iam-policy-document";
import { denyInsecureTransport, denyOtherAccounts, objectLockedBucket } from "./private-bucket";
import { requireInteger } from "./prop-checks";

export interface AuditTrailProps {
  /** auditTrailName(environment). */
  readonly trailName: string;
  /** auditTrailArn(environment, region, accountId): the bucket and key policies name it before it exists. */
  readonly trailArn: string;
  /** auditBucketName(environment, region, accountId). */
  readonly bucketName: string;
  /** auditKeyAlias(environment, region). */
  readonly keyAlias: string;
  readonly accountId: string;
  /** The trail's home region (the platform stack that owns the account-wide resources). */
  readonly region: string;
  /** Days every log file is locked (compliance mode) and then expired; from `audit.retentionDays`. */
  readonly retentionDays: number;
  /**
   * ARN prefixes (CloudTrail StartsWith) of the S3 objects whose reads and writes are data events:
   * the tenant buckets (tenantBucketArnPrefixes). Management events, GetSecretValue among them,
   * are always logged.
   */
  readonly dataEventObjectArnPrefixes: readonly string[];
}

/**
 * The environment's access audit trail (SECURITY.md G2): one multi-region CloudTrail trail with
 * log file validation and global service events, logging every management event (read and
 * write: a tenant secret read, GetSecretValue, is a management read event: Secrets Manager has no
 * data-event resource type) and the object-level data events of the tenant buckets, delivered to
 * a bucket of its own, encrypted with a key of its own.
 *
 * Compliance rather than governance mode (unlike the offboarding archive): the trail is the
 * evidence against the account's own privileged principals, the pipeline's deploy role and an
 * administrator included, and in governance mode anyone allowed s3:BypassGovernanceRetention
 * (which `s3:*` grants) could delete it. Nobody can shorten a compliance lock, so the retention
 * is bounded (1-3650 days) and comes from cdktf.json.
 */
export class AuditTrail extends Construct {
  public readonly trailArn: string;
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly keyArn: string;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    requireInteger(`AuditTrail ${props.trailName}`, "retentionDays", props.retentionDays, 1, 3650);
    if (props.dataEventObjectArnPrefixes.length === 0 || props.dataEventObjectArnPrefixes.some((p) => !p.startsWith("arn:aws:s3:::"))) {
      throw new Error(`AuditTrail ${props.trailName}: dataEventObjectArnPrefixes must be S3 ARN prefixes (arn:aws:s3:::...), got ${JSON.stringify(props.dataEventObjectArnPrefixes)}`);
    }
    const trailArn = props.trailArn;
    // Both keys, as the CloudTrail key and bucket policy pages show: the trail, in this account.
    const fromTrail = { "aws:SourceArn": trailArn, "aws:SourceAccount": props.accountId };

    const key = new EncryptionKey(this, "key", {
      accountId: props.accountId,
      region: props.region,
      alias: props.keyAlias,
      description: `OpenClaw audit trail ${props.trailName}: log files and query results`,
      additionalStatements: [
        {
          // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
          Sid: "CloudTrailEncryptsThisTrailsLogs",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:GenerateDataKey*",
          Resource: "*",
          Condition: {
            StringEquals: fromTrail,
            StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${props.accountId}:trail/${props.trailName}` },
          },
        },
        { Sid: "CloudTrailDescribesKey", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:DescribeKey", Resource: "*", Condition: { StringEquals: fromTrail } },
      ],
    });

    const bucket = objectLockedBucket(this, { bucketName: props.bucketName, kmsKeyArn: key.keyArn, mode: "COMPLIANCE", retentionDays: props.retentionDays });
    const logFiles = `${bucket.arn}/AWSLogs/${props.accountId}/*`;
    const otherAccounts = denyOtherAccounts(bucket.arn, props.accountId);
    const statements: PolicyStatement[] = [
      denyInsecureTransport(bucket.arn),
      // CloudTrail calls as a service principal, which has no account of its own to compare.
      { ...otherAccounts, Condition: { ...otherAccounts.Condition, Bool: { "aws:PrincipalIsAWSService": "false" } } },
      // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
      { Sid: "CloudTrailChecksAcl", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: bucket.arn, Condition: { StringEquals: fromTrail } },
      {
        Sid: "CloudTrailWritesThisTrailsLogs",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: logFiles,
        Condition: { StringEquals: { ...fromTrail, "s3:x-amz-acl": "bucket-owner-full-control" } },
      },
      {
        // aws:SourceArn is set only by a service acting for a resource: no role or user, the
        // deploy role and the account root included, can write a log file or overwrite one.
        Sid: "DenyWritesButThisTrail",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${bucket.arn}/*`,
        Condition: { StringNotEquals: { "aws:SourceArn": trailArn } },
      },
      {
        // Compliance mode already keeps every version; this also refuses delete markers that would
        // hide a log file from readers, and any change of a version's lock.
        Sid: "DenyDeletesAndLockChanges",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention"],
        Resource: `${bucket.arn}/*`,
      },
    ];
    const policy = new S3BucketPolicy(this, "policy", { bucket: bucket.id, policy: renderPolicy(statements) });

    const trail = new Cloudtrail(this, "trail", {
      name: props.trailName,
      s3BucketName: bucket.id,
      kmsKeyId: key.keyArn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      advancedEventSelector: [
        // Every management event, read and write: IAM, KMS, Secrets Manager (GetSecretValue),
        // bucket configuration. The first copy of management events costs nothing.
        { name: "management-events", fieldSelector: [{ field: "eventCategory", equalTo: ["Management"] }] },
        {
          name: "tenant-bucket-objects",
          fieldSelector: [
            { field: "eventCategory", equalTo: ["Data"] },
            { field: "resources.type", equalTo: ["AWS::S3::Object"] },
            { field: "resources.ARN", startsWith: [...props.dataEventObjectArnPrefixes] },
          ],
        },
        {
          // Who read the evidence. Reads only: the trail's own deliveries (writes) would log themselves.
          name: "audit-bucket-reads",
          fieldSelector: [
            { field: "eventCategory", equalTo: ["Data"] },
            { field: "resources.type", equalTo: ["AWS::S3::Object"] },
            { field: "readOnly", equalTo: ["true"] },
            { field: "resources.ARN", startsWith: [`arn:aws:s3:::${props.bucketName}/`] },
          ],
        },
      ],
      // CreateTrail checks that the bucket policy lets CloudTrail write.
      dependsOn: [policy],
    });

    this.trailArn = trail.arn;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = key.keyArn;
  }
}
