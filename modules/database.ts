import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { serviceTrustPolicy } from "./iam-policy-document";
import { defaultMaxConnections, maxConnections } from "../aws/quotas";
import { databaseResourceNames } from "./naming";

export const DATABASE_PORT = 5432;
/** The instance metrics RDS publishes (dimension DBInstanceIdentifier) that the alarms and dashboards read. */
export const RDS_METRICS = { namespace: "AWS/RDS", connections: "DatabaseConnections", freeStorage: "FreeStorageSpace" } as const;

export function supportsPerformanceInsights(instanceClass: string): boolean {
  return !/\.(micro|small)$/.test(instanceClass);
}

export interface DatabaseProps {
  /** Instance identifier and name prefix, e.g. `openclaw-production-us-east-1`. */
  readonly identifier: string;
  readonly vpcId: string;
  /** Isolated subnets (no route out of the VPC), at least two zones. */
  readonly subnetIds: string[];
  /** Platform key: storage, Performance Insights and the RDS-managed master secret. */
  readonly kmsKeyArn: string;
  readonly instanceClass: string;
  /** PostgreSQL version, e.g. `16.4`; the major version picks the parameter group family. */
  readonly engineVersion: string;
  readonly allocatedStorageGiB: number;
  readonly multiAz: boolean;
  readonly backupRetentionDays: number;
  /**
   * Account of the database: the enhanced-monitoring role trusts RDS only when it acts for
   * this account (confused-deputy guard).
   */
  readonly accountId: string;
  /**
   * Permissions boundary of the module's IAM role (the platform's service-role boundary).
   * @default none: the role is unbounded, which the pipeline's deploy role refuses to create
   */
  readonly serviceRoleBoundaryArn?: string;
  /**
   * Seconds a client may take to authenticate. Until then a connection holds a backend slot,
   * and the per-role CONNECTION LIMIT and reserved slots apply only after authentication: a
   * tenant's task that opens sockets and never authenticates fills max_connections for this
   * long per socket (test/db/connection-slots.test.ts). PostgreSQL's default is 60.
   * @default 10
   */
  readonly authenticationTimeoutSeconds?: number;
  /**
   * Connection slots only rds_superuser members (the master user, i.e. the DB provisioner) may
   * take once the others are used (`rds.rds_superuser_reserved_connections`, RDS default 2):
   * the provisioner's invocations times two sessions each (working session and blocker guard).
   * Tenants never get these, and the capacity check leaves them out.
   * @default 10
   */
  readonly provisionerReservedConnections?: number;
  /** Temporary file space one session may use (`temp_file_limit`; tenants cannot raise it). @default 10% of allocatedStorageGiB */
  readonly tempFileLimitMiB?: number;
  /** Alarm topic for DatabaseConnections near the tenant limit and FreeStorageSpace low. */
  readonly alarmTopicArn: string;
  /** Alarm name per metric, e.g. (metric) => platformResourceName(env, region, `db-${metric}`). */
  readonly alarmName: (metric: string) => string;
  /** Percent of the admitted tenant connections at which the connections alarm fires. @default 80 */
  readonly connectionsAlarmPercent?: number;
  /** Percent of allocated storage left at which the storage alarm fires. @default 10 */
  readonly freeStorageAlarmPercent?: number;
  /**
   * Whether instance changes (class, Multi-AZ, storage) are applied by the apply that makes them
   * (`apply_immediately`), or wait for the weekly maintenance window. Always written explicitly.
   */
  readonly applyImmediately: boolean;
  /**
   * Days the exported PostgreSQL and upgrade logs are kept. They hold slow statements with their
   * literals (tenant data), so they are encrypted with `kmsKeyArn`, whose policy must let
   * CloudWatch Logs use it for `/aws/rds/instance/<identifier>/*`. @default 30
   */
  readonly logRetentionDays?: number;
}

/** Logs the instance exports to CloudWatch Logs (`enabled_cloudwatch_logs_exports`). */
export const DATABASE_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** The log group RDS writes an export to: `/aws/rds/instance/<identifier>/<log>`. */
export function databaseLogGroupName(identifier: string, log: string): string {
  return `/aws/rds/instance/${identifier}/${log}`;
}

/**
 * The shared PostgreSQL instance. Tenants connect as their own roles with IAM tokens; the
 * master password is generated and rotated by RDS in Secrets Manager, so it is never in state.
 *
 * Reachability: the database security group admits 5432 only from the `db-clients` group,
 * which has no ingress at all. Agent services attach `db-clients`, so onboarding a tenant
 * adds no rule to any platform security group (60 inbound rules per group would cap the fleet).
 */
export class Database extends Construct {
  public readonly address: string;
  public readonly port: number;
  public readonly databaseName: string;
  public readonly resourceId: string;
  public readonly instanceArn: string;
  public readonly masterUserSecretArn: string;
  public readonly clientsSecurityGroupId: string;
  /** Connections tenant roles may hold in all (max_connections less the reserved slots), when the class is known. */
  public readonly tenantConnections: number | undefined;
  /**
   * The two rules that open 5432 from `db-clients` members to the database. They are separate
   * resources, created after the groups, so a client that must connect in the same apply (the
   * provisioner's first migration) depends on them explicitly.
   */
  public readonly accessRules: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    if (props.subnetIds.length < 2) {
      throw new Error(`Database ${props.identifier}: subnetIds must span at least 2 availability zones, got ${props.subnetIds.length}`);
    }
    const major = props.engineVersion.split(".")[0];
    const authenticationTimeout = props.authenticationTimeoutSeconds ?? 10;
    const reserved = props.provisionerReservedConnections ?? 10;
    const tempFileLimitMiB = props.tempFileLimitMiB ?? Math.floor((props.allocatedStorageGiB * 1024) / 10);
    const connectionsPercent = props.connectionsAlarmPercent ?? 80;
    const storagePercent = props.freeStorageAlarmPercent ?? 10;
    const fail = (message: string): never => {
      throw new Error(`Database ${props.identifier}: ${message}`);
    };
    // RDS allows authentication_timeout 1-3600 s (PostgreSQL's own range).
    if (!Number.isInteger(authenticationTimeout) || authenticationTimeout < 1 || authenticationTimeout > 3600) fail(`authenticationTimeoutSeconds must be an integer from 1 to 3600 (got ${authenticationTimeout})`);
    if (!Number.isInteger(tempFileLimitMiB) || tempFileLimitMiB < 1) fail(`tempFileLimitMiB must be a positive integer (got ${tempFileLimitMiB})`);
    if (!(connectionsPercent > 0 && connectionsPercent <= 100)) fail(`connectionsAlarmPercent must be in (0, 100] (got ${connectionsPercent})`);
    if (!(storagePercent > 0 && storagePercent < 100)) fail(`freeStorageAlarmPercent must be in (0, 100) (got ${storagePercent})`);
    const classMax = defaultMaxConnections(props.instanceClass);
    const admitted = maxConnections(props.instanceClass, reserved);
    if (!Number.isInteger(reserved) || reserved < 2 || (admitted !== undefined && admitted < 1)) {
      fail(`provisionerReservedConnections must be an integer of at least 2 that leaves tenants connections on ${props.instanceClass} (max_connections ${classMax}) (got ${reserved})`);
    }

    this.tenantConnections = admitted;
    const names = databaseResourceNames(props.identifier);
    const databaseSecurityGroup = new SecurityGroup(this, "security-group", {
      name: names.securityGroup,
      description: "PostgreSQL, reachable only from members of the db-clients group",
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
    });
    const clientsSecurityGroup = new SecurityGroup(this, "clients-security-group", {
      name: names.clientsSecurityGroup,
      description: "Membership grants reach to PostgreSQL; admits no traffic itself",
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
    });
    const fromClients = new VpcSecurityGroupIngressRule(this, "postgres-from-clients", {
      securityGroupId: databaseSecurityGroup.id,
      description: "PostgreSQL from db-clients members",
      ipProtocol: "tcp",
      fromPort: DATABASE_PORT,
      toPort: DATABASE_PORT,
      referencedSecurityGroupId: clientsSecurityGroup.id,
    });
    const toPostgres = new VpcSecurityGroupEgressRule(this, "clients-to-postgres", {
      securityGroupId: clientsSecurityGroup.id,
      description: "PostgreSQL to the database",
      ipProtocol: "tcp",
      fromPort: DATABASE_PORT,
      toPort: DATABASE_PORT,
      referencedSecurityGroupId: databaseSecurityGroup.id,
    });

    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: names.subnetGroup,
      subnetIds: props.subnetIds,
      description: "Isolated subnets: no route to or from the internet",
    });
    const parameters = new DbParameterGroup(this, "parameters", {
      // name, family and description are ForceNew (rds/parameter_group.go): with
      // create_before_destroy the replacement must not take the old group's name, or
      // CreateDBParameterGroup fails with DBParameterGroupAlreadyExists. A prefix gets a unique suffix.
      namePrefix: `${names.parameterGroup(major)}-`,
      family: `postgres${major}`,
      description: "TLS only, connection and DDL logging, tenant availability limits",
      parameter: [
        { name: "rds.force_ssl", value: "1" },
        // log_connections also logs the source address of connections that never authenticate.
        { name: "log_connections", value: "1" },
        { name: "log_disconnections", value: "1" },
        { name: "log_statement", value: "ddl" },
        { name: "log_min_duration_statement", value: "1000" },
        // Who blocked whom, when a lock wait passes deadlock_timeout.
        { name: "log_lock_waits", value: "1" },
        // Dynamic (sighup) parameters: applied without a reboot.
        { name: "authentication_timeout", value: String(authenticationTimeout) },
        // kB; superuser-only to change, so a tenant cannot raise it in its session.
        { name: "temp_file_limit", value: String(tempFileLimitMiB * 1024) },
        // Static: RDS applies it at the next reboot, hence pending-reboot (immediate is refused for static parameters).
        { name: "rds.rds_superuser_reserved_connections", value: String(reserved), applyMethod: "pending-reboot" },
      ],
      lifecycle: { createBeforeDestroy: true },
    });
    const monitoringRole = new IamRole(this, "monitoring-role", {
      name: names.monitoringRole,
      assumeRolePolicy: serviceTrustPolicy("monitoring.rds.amazonaws.com", props.accountId),
      permissionsBoundary: props.serviceRoleBoundaryArn,
    });
    const monitoringPolicy = new IamRolePolicyAttachment(this, "monitoring-policy", {
      role: monitoringRole.name,
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    });

    // RDS creates the export log groups itself, without a key and kept forever, unless they
    // exist before the instance starts exporting: declared here, encrypted and with a retention.
    const logRetentionDays = props.logRetentionDays ?? 30;
    const logGroups = DATABASE_LOG_EXPORTS.map(
      (log) =>
        new CloudwatchLogGroup(this, `${log}-log-group`, {
          name: databaseLogGroupName(props.identifier, log),
          kmsKeyId: props.kmsKeyArn,
          retentionInDays: logRetentionDays,
        }),
    );

    const instance = new DbInstance(this, "instance", {
      identifier: props.identifier,
      engine: "postgres",
      engineVersion: props.engineVersion,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.allocatedStorageGiB * 4,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      dbName: "openclaw",
      username: "openclaw_admin",
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [databaseSecurityGroup.id],
      publiclyAccessible: false,
      parameterGroupName: parameters.name,
      multiAz: props.multiAz,
      backupRetentionPeriod: props.backupRetentionDays,
      copyTagsToSnapshot: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: names.finalSnapshot,
      autoMinorVersionUpgrade: true,
      enabledCloudwatchLogsExports: [...DATABASE_LOG_EXPORTS],
      // Explicit either way: whether a class, Multi-AZ or storage change waits for the maintenance window.
      applyImmediately: props.applyImmediately,
      monitoringInterval: 60,
      monitoringRoleArn: monitoringRole.arn,
      // Performance Insights does not run on the micro and small classes (their plans would fail).
      ...(supportsPerformanceInsights(props.instanceClass) && {
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: props.kmsKeyArn,
        performanceInsightsRetentionPeriod: 7,
      }),
      lifecycle: { preventDestroy: true },
      // RDS checks the monitoring role's permissions at create ("does not include the required
      // permissions for: ENHANCED_MONITORING"); the role ARN alone does not wait for them.
      // ... and the export log groups must exist first, or RDS creates them unencrypted.
      dependsOn: [monitoringPolicy, ...logGroups],
    });

    // DatabaseConnections counts every client connection, also those still authenticating:
    // a flood of unauthenticated sockets and a fleet outgrowing the instance both show here.
    if (admitted !== undefined) {
      new CloudwatchMetricAlarm(this, "connections-high", {
        alarmName: props.alarmName("connections-high"),
        alarmDescription: `DatabaseConnections of ${props.identifier} above ${connectionsPercent}% of the ${admitted} connections tenants are admitted (max_connections ${classMax})`,
        namespace: RDS_METRICS.namespace,
        metricName: RDS_METRICS.connections,
        dimensions: { DBInstanceIdentifier: instance.identifier },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 2,
        threshold: Math.floor((admitted * connectionsPercent) / 100),
        comparisonOperator: "GreaterThanThreshold",
        alarmActions: [props.alarmTopicArn],
        okActions: [props.alarmTopicArn],
      });
    }
    new CloudwatchMetricAlarm(this, "free-storage-low", {
      alarmName: props.alarmName("free-storage-low"),
      alarmDescription: `FreeStorageSpace of ${props.identifier} below ${storagePercent}% of ${props.allocatedStorageGiB} GiB (a tenant filling its schema or temp files)`,
      namespace: RDS_METRICS.namespace,
      metricName: RDS_METRICS.freeStorage,
      dimensions: { DBInstanceIdentifier: instance.identifier },
      statistic: "Minimum",
      period: 300,
      evaluationPeriods: 1,
      threshold: Math.floor((props.allocatedStorageGiB * 1024 ** 3 * storagePercent) / 100),
      comparisonOperator: "LessThanThreshold",
      alarmActions: [props.alarmTopicArn],
      okActions: [props.alarmTopicArn],
    });

    this.address = instance.address;
    this.port = DATABASE_PORT;
    this.databaseName = "openclaw";
    this.resourceId = instance.resourceId;
    this.instanceArn = instance.arn;
    this.masterUserSecretArn = instance.masterUserSecret.get(0).secretArn;
    this.clientsSecurityGroupId = clientsSecurityGroup.id;
    this.accessRules = [fromClients, toPostgres];
  }
}
