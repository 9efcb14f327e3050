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
  egressProxyName,
  EGRESS_PROXY_EXECUTION_ROLE_SUFFIX,
  EGRESS_PROXY_TASK_ROLE_SUFFIX,
  egressProxyNamespace,
  egressTenantsParameterPath,
  fleetDashboardName,
  NAME_PREFIX,
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

/** Shared infrastructure of one environment (account) and region, used by all its tenants. */
export class PlatformStack extends SelfContainedStack {
  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { environmentName: env, region, environment, regionConfig } = props;
    const accountId = environment.accountId;
    const name = (suffix: string) => platformResourceName(env, region, suffix);
    // Spelled out (not the repository's token) so the boundary and the proxy's grant read the same.
    const proxyRepositoryArn = `arn:aws:ecr:${region}:${accountId}:repository/${agentRepositoryName()}`;
    const egressTenants = { tenantsParameterPath: egressTenantsParameterPath(env, region), tenantSecretArnPattern: tenantEgressSecretArnPattern(env, region, accountId) };

    new StackSettings(
      this,
      "settings",
      environmentStackSettings(env, environment, {
        region,
        stateKey: platformStateKey(env, region),
        defaultTags: { CostCenter: environment.costCenter, Stack: id },
      }),
    );

    const key = new EncryptionKey(this, "platform-key", {
      accountId,
      region,
      alias: platformKeyAlias(env, region),
      description: `OpenClaw platform ${env} ${region}: database, logs, images, alarms`,
      // The platform's own groups and the database's exports (RDS names those).
      logGroupNamePattern: [`/${NAME_PREFIX}/${env}/${region}/platform/*`, databaseLogGroupName(name("db"), "*")],
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
      // The provisioner's dead-letter topic (DbProvisioner names it <function>-failed).
      deadLetterTopicArns: [`arn:aws:sns:${region}:${accountId}:${name("db-provisioner")}-failed`],
      egressProxy: { repositoryArn: proxyRepositoryArn, ...egressTenants },
    });

    const network = new Network(this, "network", {
      accountId,
      serviceRoleBoundaryArn: serviceBoundary.policyArn,
      namePrefix: platformNamePrefix(env, region),
      vpcCidr: regionConfig.vpcCidr,
      availabilityZoneIds: resolvedZoneIds(region, regionConfig),
      natGateways: regionConfig.natGateways,
      kmsKeyArn: key.keyArn,
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
      interfaceServices: [...INTERFACE_ENDPOINT_SERVICES, ...(environment.tracing.enabled ? [TRACING_ENDPOINT_SERVICE] : [])],
      s3ResourceAccountId: accountId,
      principalAccountId: accountId,
    });
    const cluster = new Cluster(this, "cluster", {
      clusterName: name("agents"),
      kmsKeyArn: execKey.keyArn,
    });
    const registry = new ContainerRegistry(this, "registry", { repositoryName: agentRepositoryName(), kmsKeyArn: key.keyArn });
    const alarms = new AlarmTopic(this, "alarms", { topicName: name("alarms"), accountId, kmsKeyArn: key.keyArn });
    new AlarmSubscriptions(this, "alarm-routing", { topicArn: alarms.topicArn, subscribers: environment.alarmSubscriptions });
    const database = new Database(this, "database", {
      accountId,
      serviceRoleBoundaryArn: serviceBoundary.policyArn,
      identifier: name(DATABASE_IDENTIFIER_SUFFIX),
      vpcId: network.vpcId,
      subnetIds: network.isolatedSubnetIds,
      kmsKeyArn: key.keyArn,
      instanceClass: regionConfig.database.instanceClass,
      engineVersion: regionConfig.database.engineVersion,
      allocatedStorageGiB: regionConfig.database.allocatedStorageGiB,
      multiAz: regionConfig.database.multiAz,
      backupRetentionDays: regionConfig.database.backupRetentionDays,
      applyImmediately: regionConfig.database.applyImmediately,
      logRetentionDays: regionConfig.database.logRetentionDays,
      alarmTopicArn: alarms.topicArn,
      alarmName: (metric) => name(`db-${metric}`),
    });
    const boundary = new TenantPermissionsBoundary(this, "tenant-boundary", {
      policyName: name(TENANT_BOUNDARY_SUFFIX),
      environment: env,
      region,
      accountId,
      repositoryArn: registry.repositoryArn,
      execKmsKeyArn: execKey.keyArn,
      databaseResourceId: database.resourceId,
      tracing: environment.tracing.enabled,
    });

    const proxyConfig = regionConfig.egressProxy;
    const egress = new EgressProxy(this, "egress-proxy", {
      name: egressProxyName(env, region),
      executionRoleName: platformResourceName(env, region, EGRESS_PROXY_EXECUTION_ROLE_SUFFIX),
      taskRoleName: platformResourceName(env, region, EGRESS_PROXY_TASK_ROLE_SUFFIX),
      region,
      accountId,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.privateSubnetIds,
      clusterArn: cluster.clusterArn,
      namespaceName: egressProxyNamespace(env, region),
      image: `${registry.repositoryUrl}${proxyConfig.image.startsWith("sha256:") ? "@" : ":"}${proxyConfig.image}`,
      repositoryArn: proxyRepositoryArn,
      desiredCount: proxyConfig.tasks,
      cpu: proxyConfig.cpu,
      memoryMiB: proxyConfig.memory,
      logGroupName: platformLogGroupName(env, region, "egress-proxy"),
      // A year, like the platform's other logs: who was refused what is evidence (CKV_AWS_338).
      logRetentionDays: 365,
      kmsKeyArn: key.keyArn,
      serviceRoleBoundaryArn: serviceBoundary.policyArn,
      alarmTopicArn: alarms.topicArn,
      refusedAlarmThreshold: proxyConfig.refusedAlarmThreshold,
      ...egressTenants,
    });

    const archive = new OffboardingArchive(this, "offboarding-archive", {
      bucketName: offboardingArchiveBucketName(env, region, accountId),
      accountId,
      kmsKeyArn: key.keyArn,
      retentionDays: environment.offboarding.archiveRetentionDays,
    });

    const provisioner = new DbProvisioner(this, "db-provisioner", {
      functionName: name(DB_PROVISIONER_FUNCTION_SUFFIX),
      environment: env,
      accountId,
      serviceRoleBoundaryArn: serviceBoundary.policyArn,
      region,
      bundle: props.provisionerBundle,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      securityGroupIds: [database.clientsSecurityGroupId],
      databaseAddress: database.address,
      databasePort: database.port,
      databaseName: database.databaseName,
      masterUserSecretArn: database.masterUserSecretArn,
      kmsKeyArn: key.keyArn,
      logGroupName: platformLogGroupName(env, region, "db-provisioner"),
      exportBucketArnPattern: tenantBucketArnPattern(accountId, region),
      reservedConcurrentExecutions: environment.provisionerReservedConcurrency,
      offboardingArchiveBucketArn: archive.bucketArn,
      migrateAfter: [...network.privateEgressRoutes, ...endpoints.endpoints],
      networkRulesAfter: [...database.accessRules, ...endpoints.ingressRules, ...egress.networkRules],
      alarmTopicArn: alarms.topicArn,
    });

    if (props.ownsAccountResources && environment.activateCostAllocationTags) {
      new CostAllocationTags(this, "cost-allocation-tags", { tagKeys: [TENANT_RESOURCE_TAG, "CostCenter", "Environment"] });
    }
    if (props.ownsAccountResources && environment.costAnomalies.monitors === "account") {
      new AccountCostAnomalyMonitor(this, "cost-anomalies", {
        name: `${NAME_PREFIX}-${env}-services`,
        alarmTopicArn: alarms.topicArn,
        thresholdUsd: environment.costAnomalies.accountThresholdUsd,
        existingMonitorArn: environment.costAnomalies.existingServicesMonitorArn,
      });
    }

    if (props.ownsAccountResources) {
      // One trail per account: it is multi-region, so a second platform stack would log everything twice.
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

    new PlatformContract(this, "contract", {
      environment: env,
      region,
      values: {
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        clusterArn: cluster.clusterArn,
        clusterName: cluster.clusterName,
        databaseAddress: database.address,
        databasePort: String(database.port),
        databaseName: database.databaseName,
        databaseResourceId: database.resourceId,
        databaseClientsSecurityGroupId: database.clientsSecurityGroupId,
        vpcEndpointsSecurityGroupId: endpoints.securityGroupId,
        execKmsKeyArn: execKey.keyArn,
        repositoryArn: registry.repositoryArn,
        repositoryUrl: registry.repositoryUrl,
        permissionsBoundaryArn: boundary.policyArn,
        alarmTopicArn: alarms.topicArn,
        databaseProvisionerFunctionName: provisioner.functionName,
        egressProxySecurityGroupId: egress.securityGroupId,
        s3PrefixListId: endpoints.s3PrefixListId,
      },
    });

    // Last: its alarm widget lists every alarm declared above.
    const quota = (name: "fargateOnDemandVcpu" | "fargateSpotVcpu" | "ecsServicesPerCluster") => quotaInForce(environment.quotas, name);
    new FleetDashboard(this, "fleet-dashboard", {
      dashboardName: fleetDashboardName(env, region),
      environment: env,
      region,
      clusterName: cluster.clusterName,
      databaseIdentifier: name(DATABASE_IDENTIFIER_SUFFIX),
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
