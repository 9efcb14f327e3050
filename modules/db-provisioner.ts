import { Construct } from "constructs";
import { AssetType, ITerraformDependable, TerraformAsset, Token } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { denyInsecurePublish, topicAdministration } from "./alarm-topic";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { ProvisionerBundle } from "../db/bundle";
import { EXPORT_PREFIX, MeasureEvent, MigrateEvent, PROVISIONER_ENV as ENV, PROVISIONER_RUNTIME, ReapEvent } from "../db/contract";
import { LOG_RETENTION_DAYS } from "../config/tenant-schema";
import { PolicyStatement, renderPolicy } from "./iam-policy-document";
import { dbProvisionerResourceNames } from "./naming";

/** What Lambda needs to attach a VPC function to its subnets (no resource-level scoping exists). */
export const VPC_FUNCTION_NETWORK_INTERFACE_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
] as const;

export interface DbProvisionerProps {
  /** Function name, e.g. platformResourceName(env, region, "db-provisioner"); at most 64 characters. */
  readonly functionName: string;
  /** Environment name; each invocation must carry the same value in its input. */
  readonly environment: string;
  readonly accountId: string;
  /**
   * Permissions boundary of the module's IAM role (the platform's service-role boundary).
   * @default none: the role is unbounded, which the pipeline's deploy role refuses to create
   */
  readonly serviceRoleBoundaryArn?: string;
  readonly region: string;
  /** The bundled handler from `bundleProvisioner()` (db/bundle.ts), built once per process by the caller. */
  readonly bundle: ProvisionerBundle;
  /** VPC of the database; the function's own security group is created in it. */
  readonly vpcId: string;
  /** Private subnets the function runs in (they reach the VPC endpoints and the database). */
  readonly subnetIds: string[];
  /**
   * Groups attached besides the function's own egress-only group; pass the platform's
   * `db-clients` group, which is what lets the function reach PostgreSQL.
   */
  readonly securityGroupIds: string[];
  /** Database host name (`aws_db_instance.address`, not `endpoint`, which includes the port). */
  readonly databaseAddress: string;
  /** Database port; a number or a token. */
  readonly databasePort: number | string;
  /** Database the tenants use (`aws_db_instance.db_name`). */
  readonly databaseName: string;
  /** ARN of the RDS-managed master user secret (`master_user_secret[0].secret_arn`). */
  readonly masterUserSecretArn: string;
  /** Platform KMS key: encrypts the master secret, the function's environment and its log group. */
  readonly kmsKeyArn: string;
  /**
   * Log group name; must match the platform key's CloudWatch Logs grant,
   * e.g. platformLogGroupName(env, region, "db-provisioner").
   */
  readonly logGroupName: string;
  /**
   * ARN pattern matching every tenant bucket, e.g.
   * `arn:aws:s3:::${tenantBucketName("*", accountId, region)}`. Exports are written
   * only below `database-exports/` in matching buckets of this account.
   */
  readonly exportBucketArnPattern: string;
  /**
   * ARN of the platform's offboarding archive bucket (OffboardingArchive): a tenant in
   * `offboarding` has its export written there, under `database-exports/`, encrypted with the
   * platform key (`kmsKeyArn`), because its own bucket and key are about to be destroyed.
   * @default exports go to tenant buckets only
   */
  readonly offboardingArchiveBucketArn?: string;
  /** Log retention. @default 365 (one year of provisioning history) */
  readonly logRetentionDays?: number;
  /**
   * Concurrent executions reserved for (and capping) the function. Tenant stacks deploy in
   * parallel and the handler serialises on a table lock anyway, so a few slots suffice.
   * Lambda refuses a reservation that leaves fewer than 100 unreserved executions in the
   * account and region, and new accounts often have a quota of 10: only set it where the
   * quota allows. @default no reservation (the function shares the account's unreserved pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /** Function timeout; a drop with export of a large tenant takes longest. @default 300 */
  readonly timeoutSeconds?: number;
  /** Memory; exports are built in memory. @default 512 */
  readonly memoryMiB?: number;
  /**
   * Invoke the function once after each deploy of a new bundle to apply pending
   * migrations, so a migration reaches the database with the platform deploy that ships
   * it. Without it, migrations wait for the next tenant create or update. @default true
   */
  readonly migrateOnDeploy?: boolean;
  /**
   * What the first migration run must wait for besides the function: the routes and VPC
   * endpoints it reaches Secrets Manager through, created in the same apply. @default nothing
   */
  readonly migrateAfter?: ITerraformDependable[];
  /**
   * Security-group rules, created as resources of their own, that open the function's paths:
   * 5432 to the database and 443 into the VPC endpoints. The function and its first migration
   * wait for them (and for the function's own egress rule); a group id alone does not order
   * anything after its rules. @default nothing
   */
  readonly networkRulesAfter?: ITerraformDependable[];
  /**
   * EventBridge schedule of the `reap` operation, which ends tenant sessions over their
   * statement, idle-in-transaction or transaction limit (a tenant can SET its own
   * timeouts off; see db/provisioner/limits.ts). `false` turns it off. @default "rate(1 minute)"
   */
  readonly reapSchedule?: string | false;
  /**
   * EventBridge schedule of the `measure` operation, which reports each tenant's database
   * storage as a CloudWatch metric (db/provisioner/storage.ts). `false` turns it off.
   * @default "rate(15 minutes)"
   */
  readonly measureSchedule?: string | false;
  /**
   * Where an alarm goes when a scheduled (asynchronous) run fails: Lambda retries an
   * asynchronous invocation twice and then drops it, so without a failure destination nobody
   * learns that tenants stopped being reaped or measured.
   */
  readonly alarmTopicArn: string;
}

/**
 * The DB provisioner Lambda of one platform stack: creates, updates and deletes each
 * tenant's database role, schema and registry row when a tenant stack's
 * `aws_lambda_invocation` (see TenantDatabase) asks. Connects as the RDS master user,
 * whose credentials it reads from the RDS-managed secret at each invocation; nothing
 * secret is in its configuration or in Terraform state.
 */
export class DbProvisioner extends Construct {
  public readonly functionName: string;
  public readonly functionArn: string;
  public readonly roleArn: string;
  public readonly roleName: string;
  public readonly securityGroupId: string;
  public readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: DbProvisionerProps) {
    super(scope, id);
    const settings = validatedSettings(props);
    const names = dbProvisionerResourceNames(props.functionName);

    // Construct ids, scopes and creation order are the synthesized Terraform's: every
    // resource below is created with `this` as its scope, in the order it always was.
    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: props.logGroupName,
      retentionInDays: settings.retention,
      kmsKeyId: props.kmsKeyArn,
    });
    const { securityGroup, httpsEgress } = this.createSecurityGroup(props, names);
    // What the function and its first migration wait for: the function's own egress rule,
    // then the caller's rules into the database and the VPC endpoints.
    const networkRules: ITerraformDependable[] = [httpsEgress, ...(props.networkRulesAfter ?? [])];
    const role = this.createRole(props, names);
    const failures = this.createFailureTopic(props, names);
    const policy = new IamRolePolicy(this, "policy", {
      name: "db-provisioner",
      role: role.id,
      policy: renderPolicy([...executionStatements(props, logGroup.arn), ...failureRecordStatements(props, failures.arn)]),
    });
    const fn = this.createFunction(props, settings, { role, policy, logGroup, securityGroup, failures, networkRules });
    this.createFailureAlarm(props, names, failures);
    if (props.migrateOnDeploy ?? true) this.migrateOnDeploy(props, fn, networkRules);
    this.scheduleOperations(props, names, fn);

    this.functionName = fn.functionName;
    this.functionArn = fn.arn;
    this.roleArn = role.arn;
    this.roleName = role.name;
    this.securityGroupId = securityGroup.id;
    this.logGroupName = logGroup.name;
  }

  /**
   * Egress-only: HTTPS to Secrets Manager, S3 and X-Ray through the VPC endpoints (S3's
   * gateway endpoint is a prefix list of public addresses, hence 0.0.0.0/0 on 443 only).
   * PostgreSQL is reached through the db-clients group passed in securityGroupIds.
   */
  private createSecurityGroup(props: DbProvisionerProps, names: DbProvisionerNames) {
    const securityGroup = new SecurityGroup(this, "security-group", {
      name: names.securityGroup,
      description: "DB provisioner Lambda: egress to AWS APIs only, no ingress",
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
    });
    const httpsEgress = new VpcSecurityGroupEgressRule(this, "https-egress", {
      securityGroupId: securityGroup.id,
      description: "HTTPS to AWS APIs (VPC endpoints, S3 gateway)",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    return { securityGroup, httpsEgress };
  }

  /** The execution role, assumable by Lambda on behalf of this account only; its policy is attached separately. */
  private createRole(props: DbProvisionerProps, names: DbProvisionerNames): IamRole {
    return new IamRole(this, "role", {
      name: names.role,
      description: "DB provisioner Lambda execution role",
      permissionsBoundary: props.serviceRoleBoundaryArn,
      assumeRolePolicy: renderPolicy([
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        },
      ]),
    });
  }

  /**
   * Failed asynchronous invocations (the schedules): after Lambda's two retries the
   * event goes to this topic (the function's dead-letter target, with the error code and
   * message as attributes) instead of being dropped, and an alarm on it reaches people.
   * Encrypted with the platform key.
   */
  private createFailureTopic(props: DbProvisionerProps, names: DbProvisionerNames): SnsTopic {
    const failures = new SnsTopic(this, "failed-invocations", {
      name: names.failureTopic,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    new SnsTopicPolicy(this, "failed-invocations-policy", {
      arn: failures.arn,
      policy: renderPolicy([
        topicAdministration(failures.arn, props.accountId),
        denyInsecurePublish(failures.arn),
      ]),
    });
    return failures;
  }

  /** The code asset and the VPC function that runs it, configured to reach the database. */
  private createFunction(props: DbProvisionerProps, settings: FunctionSettings, parts: FunctionParts): LambdaFunction {
    // The zip is built once per process (db/bundle.ts) and copied into each platform
    // stack; its hash names it, so the path in the JSON changes exactly with the code.
    const asset = new TerraformAsset(this, "code", {
      path: props.bundle.archivePath,
      type: AssetType.FILE,
      assetHash: props.bundle.hash.slice(0, 32).toUpperCase(),
    });

    return new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: "Creates, updates and deletes tenant database roles and schemas (invoked by tenant stacks)",
      role: parts.role.arn,
      runtime: PROVISIONER_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      // base64 sha256 of the deterministic zip: equal to what Lambda reports, so no perpetual diff.
      sourceCodeHash: props.bundle.sourceCodeHash,
      timeout: settings.timeout,
      memorySize: settings.memory,
      ...(settings.concurrency !== undefined && { reservedConcurrentExecutions: settings.concurrency }),
      kmsKeyArn: props.kmsKeyArn,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: parts.logGroup.name },
      // Asynchronous invocations that still fail after Lambda's two retries (the schedules).
      deadLetterConfig: { targetArn: parts.failures.arn },
      vpcConfig: { subnetIds: props.subnetIds, securityGroupIds: [parts.securityGroup.id, ...props.securityGroupIds] },
      environment: {
        variables: {
          [ENV.host]: props.databaseAddress,
          [ENV.port]: String(props.databasePort),
          [ENV.database]: props.databaseName,
          [ENV.secretArn]: props.masterUserSecretArn,
          [ENV.environment]: props.environment,
          // Amazon's CA bundle (includes the RDS CAs) that Node 20+ runtimes no longer load by default.
          NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
        },
      },
      // The role needs its ENI permissions before Lambda attaches the function to the VPC, and
      // the function its network paths before anything invokes it.
      dependsOn: [parts.policy, parts.logGroup, ...parts.networkRules],
    });
  }

  /** Reaches people when the failure topic receives a dead-lettered scheduled run. */
  private createFailureAlarm(props: DbProvisionerProps, names: DbProvisionerNames, failures: SnsTopic): void {
    new CloudwatchMetricAlarm(this, "failed-invocations-alarm", {
      alarmName: names.failureAlarm,
      alarmDescription: `A scheduled run of ${props.functionName} (reap or measure) failed after Lambda's retries: see the function's log`,
      namespace: "AWS/SNS",
      metricName: "NumberOfMessagesPublished",
      dimensions: { TopicName: failures.name },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [props.alarmTopicArn],
      okActions: [props.alarmTopicArn],
    });
  }

  /** Applies pending migrations once per new bundle, so a migration ships with the deploy that brings it. */
  private migrateOnDeploy(props: DbProvisionerProps, fn: LambdaFunction, networkRules: ITerraformDependable[]): void {
    const migrate: MigrateEvent = { operation: "migrate", environment: props.environment };
    new LambdaInvocation(this, "migrate", {
      functionName: fn.functionName,
      input: JSON.stringify(migrate),
      // Re-invoked whenever the code (and so possibly the set of migrations) changes.
      triggers: { bundle: props.bundle.hash },
      dependsOn: [...(props.migrateAfter ?? []), ...networkRules],
    });
  }

  /**
   * Scheduled platform operations: reap (ends tenant sessions over their limits) and
   * measure (per-tenant storage metrics, which read every shared row: less often).
   */
  private scheduleOperations(props: DbProvisionerProps, names: DbProvisionerNames, fn: LambdaFunction): void {
    const schedules: Array<[string, string | false, ReapEvent | MeasureEvent, string]> = [
      ["reap", props.reapSchedule ?? "rate(1 minute)", { operation: "reap", environment: props.environment }, "Ends tenant database sessions that stay over their time limits"],
      ["measure", props.measureSchedule ?? "rate(15 minutes)", { operation: "measure", environment: props.environment }, "Reports each tenant's database storage as a metric"],
    ];
    for (const [operation, schedule, event, description] of schedules) {
      if (schedule === false) continue;
      if (!/^(rate|cron)\(.+\)$/.test(schedule)) fail(props, `${operation}Schedule must be an EventBridge rate(...) or cron(...) expression, or false (got ${schedule})`);
      const rule = new CloudwatchEventRule(this, `${operation}-schedule`, {
        name: names.scheduleRule(operation),
        description,
        scheduleExpression: schedule,
      });
      new CloudwatchEventTarget(this, `${operation}-target`, { rule: rule.name, arn: fn.arn, input: JSON.stringify(event) });
      new LambdaPermission(this, `${operation}-permission`, {
        statementId: `${operation[0].toUpperCase()}${operation.slice(1)}Schedule`,
        action: "lambda:InvokeFunction",
        // The literal name (known at synth), so the deploy role's scoping can be checked; dependsOn orders it after the function.
        functionName: props.functionName,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
        dependsOn: [fn],
      });
    }
  }
}

type DbProvisionerNames = ReturnType<typeof dbProvisionerResourceNames>;

/** The function's sizing and log retention, with defaults applied and checked. */
interface FunctionSettings {
  readonly retention: number;
  readonly concurrency: number | undefined;
  readonly timeout: number;
  readonly memory: number;
}

/** What the function is wired to, created before it. */
interface FunctionParts {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  readonly logGroup: CloudwatchLogGroup;
  readonly securityGroup: SecurityGroup;
  readonly failures: SnsTopic;
  readonly networkRules: ITerraformDependable[];
}

function fail(props: DbProvisionerProps, message: string): never {
  throw new Error(`DbProvisioner ${props.functionName}: ${message}`);
}

/**
 * Refuses props AWS or the handler would reject later (at apply, or at the first
 * invocation), and applies the defaults. The schedules are checked where they are created.
 */
function validatedSettings(props: DbProvisionerProps): FunctionSettings {
  const retention = props.logRetentionDays ?? 365;
  const concurrency = props.reservedConcurrentExecutions;
  const timeout = props.timeoutSeconds ?? 300;
  const memory = props.memoryMiB ?? 512;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(props.functionName)) fail(props, `functionName must be 1-64 letters, digits, - or _ (got ${props.functionName})`);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) fail(props, `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")} (got ${retention})`);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)) {
    fail(props, `reservedConcurrentExecutions must be an integer from 1 to 1000 (got ${concurrency})`);
  }
  if (!Number.isInteger(timeout) || timeout < 30 || timeout > 900) fail(props, `timeoutSeconds must be an integer from 30 to 900 (got ${timeout})`);
  if (!Number.isInteger(memory) || memory < 256 || memory > 10240) fail(props, `memoryMiB must be an integer from 256 to 10240 (got ${memory})`);
  if (!Token.isUnresolved(props.subnetIds) && props.subnetIds.length === 0) fail(props, "subnetIds must list at least one subnet");
  if (!Token.isUnresolved(props.securityGroupIds) && props.securityGroupIds.length === 0) fail(props, "securityGroupIds must include the db-clients group");
  if (!/^[a-f0-9]{64}$/.test(props.bundle.hash)) fail(props, `bundle.hash must be the sha256 from bundleProvisioner() (got ${props.bundle.hash})`);
  if (!props.exportBucketArnPattern.startsWith("arn:aws:s3:::")) fail(props, `exportBucketArnPattern must be an S3 bucket ARN pattern (got ${props.exportBucketArnPattern})`);
  return { retention, concurrency, timeout, memory };
}

/** The execution role's grants for its own work: the master secret, its logs, exports, the VPC and tracing. */
function executionStatements(props: DbProvisionerProps, logGroupArn: string): PolicyStatement[] {
  return [
    { Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: props.masterUserSecretArn },
    // The platform key decrypts the master secret and the function's environment variables.
    { Sid: "DecryptWithPlatformKey", Effect: "Allow", Action: "kms:Decrypt", Resource: props.kmsKeyArn },
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroupArn}:*`,
    },
    {
      Sid: "WriteExportsToTenantBuckets",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: `${props.exportBucketArnPattern}/${EXPORT_PREFIX}/*`,
      Condition: { StringEquals: { "s3:ResourceAccount": props.accountId } },
    },
    {
      // Tenant buckets encrypt with their tenant's key; S3 asks KMS for the data key on the
      // function's behalf. Tenant buckets and the export upload use an S3 Bucket Key, so the
      // encryption context S3 sends is the BUCKET's ARN, not the object's
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html): a condition
      // on the export prefix would never match. The s3:PutObject grant above keeps writes
      // below the export prefix.
      Sid: "EncryptExportsWithTenantKeys",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: `arn:aws:kms:${props.region}:${props.accountId}:key/*`,
      Condition: {
        StringEquals: { "kms:ViaService": `s3.${props.region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": props.exportBucketArnPattern },
      },
    },
    ...(props.offboardingArchiveBucketArn ? archiveExportStatements(props.offboardingArchiveBucketArn, props.kmsKeyArn, props.region) : []),
    {
      // ENI management for VPC functions; these EC2 actions support no resource-level scoping.
      Sid: "ManageVpcNetworkInterfaces",
      Effect: "Allow",
      Action: [...VPC_FUNCTION_NETWORK_INTERFACE_ACTIONS],
      Resource: "*",
    },
    // X-Ray accepts no resource-level scoping either.
    { Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
  ];
}

/** Dead-lettering a failed scheduled run into the failure topic, which the platform key encrypts. */
function failureRecordStatements(props: DbProvisionerProps, failureTopicArn: string): PolicyStatement[] {
  return [
    { Sid: "RecordFailedAsyncInvocations", Effect: "Allow", Action: "sns:Publish", Resource: failureTopicArn },
    {
      // SNS encrypts the failure records with the platform key on the function role's behalf.
      Sid: "EncryptFailureRecordsWithPlatformKey",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: props.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `sns.${props.region}.amazonaws.com` } },
    },
  ];
}

/** Writing offboarding exports into the platform's archive, encrypted with the platform key through S3. */
function archiveExportStatements(archiveBucketArn: string, platformKeyArn: string, region: string): PolicyStatement[] {
  return [
    { Sid: "WriteExportsToOffboardingArchive", Effect: "Allow", Action: "s3:PutObject", Resource: `${archiveBucketArn}/${EXPORT_PREFIX}/*` },
    {
      Sid: "EncryptArchiveExportsWithPlatformKey",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: platformKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    },
  ];
}
