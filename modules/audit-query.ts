import { Construct } from "constructs";
import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { renderPolicy } from "./iam-policy-document";
import { abortIncompleteUploadsRule, denyInsecureTransport, denyOtherAccounts, expireAfterRule, privateBucketBaseline } from "./private-bucket";
import { requireInteger } from "./prop-checks";

/**
 * The columns of a CloudTrail log record, as the Athena documentation's CloudTrail table declares
 * them (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html).
 * Nested objects whose shape varies per API (requestParameters, responseElements ...) are strings
 * holding JSON: the JSON SerDe hands a nested object to a string column as its JSON text.
 */
export const CLOUDTRAIL_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["eventversion", "string"],
  [
    "useridentity",
    "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string," +
      "onbehalfof:struct<userid:string,identitystorearn:string>," +
      "sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>," +
      "sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>," +
      "ec2roledelivery:string,webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>>",
  ],
  ["eventtime", "string"],
  ["eventsource", "string"],
  ["eventname", "string"],
  ["awsregion", "string"],
  ["sourceipaddress", "string"],
  ["useragent", "string"],
  ["errorcode", "string"],
  ["errormessage", "string"],
  ["requestparameters", "string"],
  ["responseelements", "string"],
  ["additionaleventdata", "string"],
  ["requestid", "string"],
  ["eventid", "string"],
  ["readonly", "string"],
  ["resources", "array<struct<arn:string,accountid:string,type:string>>"],
  ["eventtype", "string"],
  ["apiversion", "string"],
  ["recipientaccountid", "string"],
  ["serviceeventdetails", "string"],
  ["sharedeventid", "string"],
  ["vpcendpointid", "string"],
  ["vpcendpointaccountid", "string"],
  ["eventcategory", "string"],
  ["sessioncredentialfromconsole", "string"],
  ["edgedevicedetails", "string"],
  ["tlsdetails", "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>"],
];

/** The two partition columns the table projects: the log file's region folder and its day folder (yyyy/MM/dd). */
export const AUDIT_PARTITIONS = { region: "region", day: "day" } as const;

export interface AuditQueryProps {
  /** auditDatabaseName(environment). */
  readonly databaseName: string;
  /** AUDIT_TABLE_NAME. */
  readonly tableName: string;
  /** auditWorkGroupName(environment). */
  readonly workGroupName: string;
  /** The audit trail's bucket (read by queries, never written). */
  readonly trailBucketName: string;
  readonly accountId: string;
  /** Regions the `region` partition enumerates: the environment's regions, where its tenants live. */
  readonly regions: readonly string[];
  /** auditQueryResultsBucketName(environment, region, accountId). */
  readonly resultsBucketName: string;
  /** The audit key: query results are copies of trail rows and get the same protection. */
  readonly kmsKeyArn: string;
  /** Days query results are kept; from `audit.queryResultsDays`. */
  readonly resultsRetentionDays: number;
  /** Most bytes one query may scan before Athena cancels it. @default 10 GiB */
  readonly bytesScannedCutoffPerQuery?: number;
}

/**
 * The query path over the audit trail: a Glue table over the trail's log files whose partitions
 * (region, day) are projected from the S3 layout CloudTrail writes
 * (`AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/`), so no crawler or MSCK REPAIR is ever
 * needed and a query that names its days reads only those folders; and an Athena workgroup whose
 * settings (results location, KMS encryption, engine, scan limit) override whatever the caller asks.
 * Results go to a bucket of their own: the trail's bucket admits no writer but CloudTrail.
 */
export class AuditQuery extends Construct {
  public readonly databaseName: string;
  public readonly tableName: string;
  public readonly workGroupName: string;
  public readonly resultsBucketArn: string;

  constructor(scope: Construct, id: string, props: AuditQueryProps) {
    super(scope, id);
    requireInteger(`AuditQuery ${props.workGroupName}`, "resultsRetentionDays", props.resultsRetentionDays, 1, 90);
    if (props.regions.length === 0) throw new Error(`AuditQuery ${props.workGroupName}: regions must name at least one region`);
    // Athena's minimum cutoff is 10 MB (botocore: BytesScannedCutoffValue min 10000000).
    const cutoff = props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3;
    requireInteger(`AuditQuery ${props.workGroupName}`, "bytesScannedCutoffPerQuery", cutoff, 10_000_000, Number.MAX_SAFE_INTEGER);

    const results = new S3Bucket(this, "results-bucket", { bucket: props.resultsBucketName, forceDestroy: false, lifecycle: { preventDestroy: true } });
    const versioning = privateBucketBaseline(this, results.id, props.kmsKeyArn);
    new S3BucketLifecycleConfiguration(this, "results-lifecycle", {
      bucket: results.id,
      rule: [expireAfterRule("expire-query-results", props.resultsRetentionDays), abortIncompleteUploadsRule(1)],
      dependsOn: [versioning],
    });
    new S3BucketPolicy(this, "results-policy", { bucket: results.id, policy: renderPolicy([denyInsecureTransport(results.arn), denyOtherAccounts(results.arn, props.accountId)]) });

    const database = new GlueCatalogDatabase(this, "database", {
      name: props.databaseName,
      description: "OpenClaw access audit trail (CloudTrail), queried through Athena",
    });
    const logs = `s3://${props.trailBucketName}/AWSLogs/${props.accountId}/CloudTrail`;
    const table = new GlueCatalogTable(this, "table", {
      name: props.tableName,
      databaseName: database.name,
      tableType: "EXTERNAL_TABLE",
      description: "CloudTrail log records of the environment's trail",
      parameters: {
        EXTERNAL: "TRUE",
        classification: "cloudtrail",
        // Partition projection: https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
        "projection.enabled": "true",
        [`projection.${AUDIT_PARTITIONS.region}.type`]: "enum",
        [`projection.${AUDIT_PARTITIONS.region}.values`]: [...props.regions].sort().join(","),
        [`projection.${AUDIT_PARTITIONS.day}.type`]: "date",
        [`projection.${AUDIT_PARTITIONS.day}.format`]: "yyyy/MM/dd",
        [`projection.${AUDIT_PARTITIONS.day}.range`]: "2020/01/01,NOW",
        [`projection.${AUDIT_PARTITIONS.day}.interval`]: "1",
        [`projection.${AUDIT_PARTITIONS.day}.interval.unit`]: "DAYS",
        // `$${`: Terraform would read `${region}` as an interpolation; Athena must get it literally.
        "storage.location.template": `${logs}/$\${${AUDIT_PARTITIONS.region}}/$\${${AUDIT_PARTITIONS.day}}`,
      },
      partitionKeys: [
        { name: AUDIT_PARTITIONS.region, type: "string" },
        { name: AUDIT_PARTITIONS.day, type: "string" },
      ],
      storageDescriptor: {
        location: `${logs}/`,
        inputFormat: "com.amazon.emr.cloudtrail.CloudTrailInputFormat",
        outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        serDeInfo: { serializationLibrary: "org.apache.hive.hcatalog.data.JsonSerDe" },
        columns: CLOUDTRAIL_COLUMNS.map(([name, type]) => ({ name, type })),
      },
    });

    const workGroup = new AthenaWorkgroup(this, "workgroup", {
      name: props.workGroupName,
      description: "Audit trail queries (npm run audit:trail)",
      state: "ENABLED",
      forceDestroy: false,
      configuration: {
        // The workgroup's results location and encryption win over the caller's.
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        engineVersion: { selectedEngineVersion: "Athena engine version 3" },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucketName}/results/`,
          expectedBucketOwner: props.accountId,
          encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: props.kmsKeyArn },
        },
      },
    });

    this.databaseName = database.name;
    this.tableName = table.name;
    this.workGroupName = workGroup.name;
    this.resultsBucketArn = results.arn;
  }
}
