import { Construct } from "constructs";
import { SelfContainedStack } from "./self-contained-stack";
import { resolvedZoneIds } from "../config/availability-zones";
import type { EnvironmentConfig, RegionConfig } from "../config/environment-schema";
import { AccountCostAnomalyMonitor } from "../modules/account-cost-anomaly-monitor";
import { AuditQuery } from "../modules/audit-query";
import { AuditTrail } from "../modules/audit-trail";
import { AlarmSubscriptions } from "../modules/alarm-subscriptions";
import { ALARM_TOPIC_PUBLISHERS, AlarmTopic } from "../modules/alarm-topic";
import { Cluster } from "../modules/cluster";
import { CostAllocationTags } from "../modules/cost-allocation-tags";
import { ContainerRegistry } from "../modules/container-registry";
import type { ProvisionerBundle } from "../db/bundle";
import { Database, databaseLogGroupName } from "../modules/database";
import { DbProvisioner } from "../modules/db-provisioner";
import { EncryptionKey } from "../modules/encryption-key";
import { FleetDashboard } from "../modules/fleet-dashboard";
import { quotaInForce } from "../aws/quotas";
import {
  agentRepositoryName,
  AUDIT_TABLE_NAME,
  auditBucketName,
  auditDatabaseName,
  auditKeyAlias,
  auditQueryResultsBucketName,
  auditTrailArn,
  auditTrailName,
  auditWorkGroupName,
  DATABASE_IDENTIFIER_SUFFIX,
  DB_PROVISIONER_FUNCTION_SUFFIX,
  dbProvisionerResourceNames,
  accountAnomalyMonitorName,
  egressProxyName,
  egressProxyExecutionRoleName,
  egressProxyTaskRoleName,
  egressProxyNamespace,
  egressTenantsParameterPath,
  fleetDashboardName,
  offboardingArchiveBucketName,
  platformExecKeyAlias,
  platformKeyAlias,
  platformLogGroupName,
  platformNamePrefix,
  platformResourceName,
  platformStateKey,
  SERVICE_BOUNDARY_SUFFIX,
  TENANT_BOUNDARY_SUFFIX,
  tenantBucketArnPattern,
  tenantBucketArnPrefixes,
  tenantDashboardName,
  tenantEgressSecretArnPattern,
} from "../modules/naming";
import { EgressProxy } from "../modules/egress-proxy";
import { Network } from "../modules/network";
import { OffboardingArchive } from "../modules/offboarding-archive";
import { PlatformContract } from "../modules/platform-contract";
import { ServiceRoleBoundary } from "../modules/service-role-boundary";
import { StackSettings } from "../modules/stack-settings";
import { TENANT_RESOURCE_TAG, TenantPermissionsBoundary } from "../modules/tenant-permissions-boundary";
import { INTERFACE_ENDPOINT_SERVICES, TRACING_ENDPOINT_SERVICE, VpcEndpoints } from "../modules/vpc-endpoints";
import { environmentStackSettings } from "./environment-settings";

export interface PlatformStackProps {
  readonly environmentName: string;
  readonly region: string;
  readonly environment: EnvironmentConfig;
  readonly regionConfig: RegionConfig;
  /** The DB provisioner's Lambda bundle, built once for all platform stacks. */
  readonly provisionerBundle: ProvisionerBundle;
  /**
   * Whether this stack holds the account-wide resources (cost-allocation tags, the audit trail): exactly one
   * platform stack per environment (account) does, or two stacks would fight over them.
   */
  readonly ownsAccountResources: boolean;
}

/** What every part of the platform stack reads: the environment, the region and how names are built. */
interface PlatformContext {
  readonly env: string;
  readonly region: string;
  readonly environment: EnvironmentConfig;
  readonly regionConfig: RegionConfig;
  readonly accountId: string;
  readonly name: (suffix: string) => string;
  /** Spelled out (not the repository's token) so the boundary and the proxy's grant read the same. */
  readonly proxyRepositoryArn: string;
  /** Where the egress proxy finds the tenants' allowlists and credentials. */
  readonly egressTenants: { readonly tenantsParameterPath: string; readonly tenantSecretArnPattern: string };
}

/** The platform's keys and the boundary every platform role carries. */
interface PlatformKeys {
  readonly key: EncryptionKey;
  readonly execKey: EncryptionKey;
  readonly serviceBoundary: ServiceRoleBoundary;
}

/** The VPC and its endpoints. */
interface PlatformNetwork {
  readonly network: Network;
  readonly endpoints: VpcEndpoints;
}

/** Where tenants' agents run and where their images come from. */
interface PlatformCompute {
  readonly cluster: Cluster;
  readonly registry: ContainerRegistry;
}

/** Shared infrastructure of one environment (account) and region, used by all its tenants. */
export class PlatformStack extends SelfContainedStack {
  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { environmentName: env, region, environment } = props;
    const accountId = environment.accountId;
    const ctx: PlatformContext = {
      env,
      region,
      environment,
      regionConfig: props.regionConfig,
      accountId,
      name: (suffix: string) => platformResourceName(env, region, suffix),
      proxyRepositoryArn: `arn:aws:ecr:${region}:${accountId}:repository/${agentRepositoryName()}`,
      egressTenants: { tenantsParameterPath: egressTenantsParameterPath(env, region), tenantSecretArnPattern: tenantEgressSecretArnPattern(env, region, accountId) },
    };

    this.settings(id, ctx);
    const keys = this.keysAndBoundary(ctx);
    const net = this.networkAndEndpoints(ctx, keys);
    const compute = this.clusterAndRegistry(ctx, keys);
    const alarms = this.alarmTopic(ctx, keys.key);
    const database = this.database(ctx, keys, net.network, alarms);
    const boundary = this.tenantBoundary(ctx, keys.execKey, compute.registry, database);
    const egress = this.egressProxy(ctx, keys, net.network, compute, alarms);
    const provisioner = this.provisioner(ctx, props.provisionerBundle, keys, net, database, egress, alarms);
    if (props.ownsAccountResources) this.accountResources(ctx, alarms);

    new PlatformContract(this, "contract", {
      environment: env,
      region,
      values: {
        vpcId: net.network.vpcId,
        privateSubnetIds: net.network.privateSubnetIds,
        clusterArn: compute.cluster.clusterArn,
        clusterName: compute.cluster.clusterName,
        databaseAddress: database.address,
        databasePort: String(database.port),
        databaseName: database.databaseName,
        databaseResourceId: database.resourceId,
        databaseClientsSecurityGroupId: database.clientsSecurityGroupId,
        vpcEndpointsSecurityGroupId: net.endpoints.securityGroupId,
        execKmsKeyArn: keys.execKey.keyArn,
        repositoryArn: compute.registry.repositoryArn,
        repositoryUrl: compute.registry.repositoryUrl,
        permissionsBoundaryArn: boundary.policyArn,
        alarmTopicArn: alarms.topicArn,
        databaseProvisionerFunctionName: provisioner.functionName,
        egressProxySecurityGroupId: egress.securityGroupId,
        s3PrefixListId: net.endpoints.s3PrefixListId,
      },
    });

    // Last: its alarm widget lists every alarm declared above.
    this.fleetDashboard(ctx, compute.cluster, database);
  }

  private settings(id: string, { env, region, environment }: PlatformContext): void {
    new StackSettings(
      this,
      "settings",
      environmentStackSettings(env, environment, {
        region,
        stateKey: platformStateKey(env, region),
        defaultTags: { CostCenter: environment.costCenter, Stack: id },
      }),
    );
  }

  private keysAndBoundary(ctx: PlatformContext): PlatformKeys {
    const { env, region, accountId, name } = ctx;
    const key = new EncryptionKey(this, "platform-key", {
      accountId,
      region,
      alias: platformKeyAlias(env, region),
      description: `OpenClaw platform ${env} ${region}: database, logs, images, alarms`,
      // The platform's own groups and the database's exports (RDS names those).
      logGroupNamePattern: [platformLogGroupName(env, region, "*"), databaseLogGroupName(name("db"), "*")],
      additionalStatements: [
        // The alarm topic is encrypted: whoever publishes to it needs the data key.
        ...ALARM_TOPIC_PUBLISHERS.map(([sid, service]) => ({
          Sid: `${sid.replace(/OfThisAccount$/, "")}ToEncryptedTopic`,
          Effect: "Allow" as const,
          Principal: { Service: service },
          Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        })),
      ],
    });
    // A separate key for ECS Exec, because every tenant's tasks must be able to decrypt with it.
    const execKey = new EncryptionKey(this, "exec-key", {
      accountId,
      region,
      alias: platformExecKeyAlias(env, region),
      description: `OpenClaw platform ${env} ${region}: ECS Exec sessions`,
    });

    // Every platform role carries it: the deploy role creates no role without a boundary.
    const serviceBoundary = new ServiceRoleBoundary(this, "service-boundary", {
      policyName: name(SERVICE_BOUNDARY_SUFFIX),
      region,
      accountId,
      platformLogGroupPrefix: platformLogGroupName(env, region, ""),
      platformKeyArn: key.keyArn,
      // Tenant buckets, and the offboarding archive that receives an offboarding tenant's export.
      exportBucketArnPatterns: [tenantBucketArnPattern(accountId, region), `arn:aws:s3:::${offboardingArchiveBucketName(env, region, accountId)}`],
      // The provisioner's dead-letter topic.
      deadLetterTopicArns: [`arn:aws:sns:${region}:${accountId}:${dbProvisionerResourceNames(name(DB_PROVISIONER_FUNCTION_SUFFIX)).failureTopic}`],
      egressProxy: { repositoryArn: ctx.proxyRepositoryArn, ...ctx.egressTenants },
    });
    return { key, execKey, serviceBoundary };
  }

  private networkAndEndpoints(ctx: PlatformContext, keys: PlatformKeys): PlatformNetwork {
    const { env, region, accountId, regionConfig } = ctx;
    const network = new Network(this, "network", {
      accountId,
      serviceRoleBoundaryArn: keys.serviceBoundary.policyArn,
      namePrefix: platformNamePrefix(env, region),
      vpcCidr: regionConfig.vpcCidr,
      availabilityZoneIds: resolvedZoneIds(region, regionConfig),
      natGateways: regionConfig.natGateways,
      kmsKeyArn: keys.key.keyArn,
      flowLogGroupName: platformLogGroupName(env, region, "vpc-flow-logs"),
    });
    const endpoints = new VpcEndpoints(this, "endpoints", {
      namePrefix: platformNamePrefix(env, region),
      region,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.privateSubnetIds,
      subnetAvailabilityZones: network.privateSubnetZones,
      routeTableIds: network.internalRouteTableIds,
      interfaceServices: [...INTERFACE_ENDPOINT_SERVICES, ...(ctx.environment.tracing.enabled ? [TRACING_ENDPOINT_SERVICE] : [])],
      s3ResourceAccountId: accountId,
      principalAccountId: accountId,
    });
    return { network, endpoints };
  }

  private clusterAndRegistry(ctx: PlatformContext, keys: PlatformKeys): PlatformCompute {
    const cluster = new Cluster(this, "cluster", {
      clusterName: ctx.name("agents"),
      kmsKeyArn: keys.execKey.keyArn,
    });
    const registry = new ContainerRegistry(this, "registry", { repositoryName: agentRepositoryName(), kmsKeyArn: keys.key.keyArn });
    return { cluster, registry };
  }

  /** The topic every platform and tenant alarm notifies, and the environment's subscribers to it. */
  private alarmTopic(ctx: PlatformContext, key: EncryptionKey): AlarmTopic {
    const alarms = new AlarmTopic(this, "alarms", { topicName: ctx.name("alarms"), accountId: ctx.accountId, kmsKeyArn: key.keyArn });
    new AlarmSubscriptions(this, "alarm-routing", { topicArn: alarms.topicArn, subscribers: ctx.environment.alarmSubscriptions });
    return alarms;
  }

  private database(ctx: PlatformContext, keys: PlatformKeys, network: Network, alarms: AlarmTopic): Database {
    const { name } = ctx;
    const config = ctx.regionConfig.database;
    return new Database(this, "database", {
      accountId: ctx.accountId,
      serviceRoleBoundaryArn: keys.serviceBoundary.policyArn,
      identifier: name(DATABASE_IDENTIFIER_SUFFIX),
      vpcId: network.vpcId,
      subnetIds: network.isolatedSubnetIds,
      kmsKeyArn: keys.key.keyArn,
      instanceClass: config.instanceClass,
      engineVersion: config.engineVersion,
      allocatedStorageGiB: config.allocatedStorageGiB,
      multiAz: config.multiAz,
      backupRetentionDays: config.backupRetentionDays,
      applyImmediately: config.applyImmediately,
      logRetentionDays: config.logRetentionDays,
      alarmTopicArn: alarms.topicArn,
      alarmName: (metric) => name(`db-${metric}`),
    });
  }

  /** The boundary every tenant role carries. */
  private tenantBoundary(ctx: PlatformContext, execKey: EncryptionKey, registry: ContainerRegistry, database: Database): TenantPermissionsBoundary {
    return new TenantPermissionsBoundary(this, "tenant-boundary", {
      policyName: ctx.name(TENANT_BOUNDARY_SUFFIX),
      environment: ctx.env,
      region: ctx.region,
      accountId: ctx.accountId,
      repositoryArn: registry.repositoryArn,
      execKmsKeyArn: execKey.keyArn,
      databaseResourceId: database.resourceId,
      tracing: ctx.environment.tracing.enabled,
    });
  }

  private egressProxy(ctx: PlatformContext, keys: PlatformKeys, network: Network, compute: PlatformCompute, alarms: AlarmTopic): EgressProxy {
    const { env, region } = ctx;
    const proxyConfig = ctx.regionConfig.egressProxy;
    return new EgressProxy(this, "egress-proxy", {
      name: egressProxyName(env, region),
      executionRoleName: egressProxyExecutionRoleName(env, region),
      taskRoleName: egressProxyTaskRoleName(env, region),
      region,
      accountId: ctx.accountId,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.privateSubnetIds,
      clusterArn: compute.cluster.clusterArn,
      namespaceName: egressProxyNamespace(env, region),
      image: `${compute.registry.repositoryUrl}${proxyConfig.image.startsWith("sha256:") ? "@" : ":"}${proxyConfig.image}`,
      repositoryArn: ctx.proxyRepositoryArn,
      desiredCount: proxyConfig.tasks,
      cpu: proxyConfig.cpu,
      memoryMiB: proxyConfig.memory,
      logGroupName: platformLogGroupName(env, region, "egress-proxy"),
      // A year, like the platform's other logs: who was refused what is evidence (CKV_AWS_338).
      logRetentionDays: 365,
      kmsKeyArn: keys.key.keyArn,
      serviceRoleBoundaryArn: keys.serviceBoundary.policyArn,
      alarmTopicArn: alarms.topicArn,
      refusedAlarmThreshold: proxyConfig.refusedAlarmThreshold,
      ...ctx.egressTenants,
    });
  }

  /** The offboarding archive and the Lambda that provisions, exports and drops tenant databases. */
  private provisioner(
    ctx: PlatformContext,
    bundle: ProvisionerBundle,
    keys: PlatformKeys,
    { network, endpoints }: PlatformNetwork,
    database: Database,
    egress: EgressProxy,
    alarms: AlarmTopic,
  ): DbProvisioner {
    const { env, region, accountId, environment } = ctx;
    const archive = new OffboardingArchive(this, "offboarding-archive", {
      bucketName: offboardingArchiveBucketName(env, region, accountId),
      accountId,
      kmsKeyArn: keys.key.keyArn,
      retentionDays: environment.offboarding.archiveRetentionDays,
    });

    return new DbProvisioner(this, "db-provisioner", {
      functionName: ctx.name(DB_PROVISIONER_FUNCTION_SUFFIX),
      environment: env,
      accountId,
      serviceRoleBoundaryArn: keys.serviceBoundary.policyArn,
      region,
      bundle,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      securityGroupIds: [database.clientsSecurityGroupId],
      databaseAddress: database.address,
      databasePort: database.port,
      databaseName: database.databaseName,
      masterUserSecretArn: database.masterUserSecretArn,
      kmsKeyArn: keys.key.keyArn,
      logGroupName: platformLogGroupName(env, region, "db-provisioner"),
      exportBucketArnPattern: tenantBucketArnPattern(accountId, region),
      reservedConcurrentExecutions: environment.provisionerReservedConcurrency,
      offboardingArchiveBucketArn: archive.bucketArn,
      migrateAfter: [...network.privateEgressRoutes, ...endpoints.endpoints],
      networkRulesAfter: [...database.accessRules, ...endpoints.ingressRules, ...egress.networkRules],
      alarmTopicArn: alarms.topicArn,
    });
  }

  /** What exists once per account: cost-allocation tags, the account's anomaly monitor, the audit trail. */
  private accountResources(ctx: PlatformContext, alarms: AlarmTopic): void {
    const { env, environment } = ctx;
    if (environment.activateCostAllocationTags) {
      new CostAllocationTags(this, "cost-allocation-tags", { tagKeys: [TENANT_RESOURCE_TAG, "CostCenter", "Environment"] });
    }
    if (environment.costAnomalies.monitors === "account") {
      new AccountCostAnomalyMonitor(this, "cost-anomalies", {
        name: accountAnomalyMonitorName(env),
        alarmTopicArn: alarms.topicArn,
        thresholdUsd: environment.costAnomalies.accountThresholdUsd,
        existingMonitorArn: environment.costAnomalies.existingServicesMonitorArn,
      });
    }
    // One trail per account: it is multi-region, so a second platform stack would log everything twice.
    this.auditTrail(ctx);
  }

  /** The account's trail and the Athena query path over it. */
  private auditTrail({ env, region, accountId, environment }: PlatformContext): void {
    const trail = new AuditTrail(this, "audit-trail", {
      trailName: auditTrailName(env),
      trailArn: auditTrailArn(env, region, accountId),
      bucketName: auditBucketName(env, region, accountId),
      keyAlias: auditKeyAlias(env, region),
      accountId,
      region,
      retentionDays: environment.audit.retentionDays,
      dataEventObjectArnPrefixes: tenantBucketArnPrefixes(),
    });
    new AuditQuery(this, "audit-query", {
      databaseName: auditDatabaseName(env),
      tableName: AUDIT_TABLE_NAME,
      workGroupName: auditWorkGroupName(env),
      trailBucketName: auditBucketName(env, region, accountId),
      accountId,
      regions: Object.keys(environment.regions),
      resultsBucketName: auditQueryResultsBucketName(env, region, accountId),
      kmsKeyArn: trail.keyArn,
      resultsRetentionDays: environment.audit.queryResultsDays,
    });
  }

  /** The environment-and-region dashboard, with the quotas in force as its limits. */
  private fleetDashboard(ctx: PlatformContext, cluster: Cluster, database: Database): void {
    const { env, region, environment } = ctx;
    const quota = (name: "fargateOnDemandVcpu" | "fargateSpotVcpu" | "ecsServicesPerCluster") => quotaInForce(environment.quotas, name);
    new FleetDashboard(this, "fleet-dashboard", {
      dashboardName: fleetDashboardName(env, region),
      environment: env,
      region,
      clusterName: cluster.clusterName,
      databaseIdentifier: ctx.name(DATABASE_IDENTIFIER_SUFFIX),
      tenantDashboardPrefix: tenantDashboardName(""),
      limits: {
        fargateOnDemandVcpu: quota("fargateOnDemandVcpu"),
        fargateSpotVcpu: quota("fargateSpotVcpu"),
        servicesPerCluster: quota("ecsServicesPerCluster"),
        databaseConnections: database.tenantConnections,
      },
    });
  }
}
