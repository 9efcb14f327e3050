import { Construct } from "constructs";
import type { ITerraformDependable, TerraformStack } from "cdktf";
import { SelfContainedStack } from "./self-contained-stack";
import type { EnvironmentConfig } from "../config/environment-schema";
import { awaitsOffboarding, runsTasks } from "../config/tenant-lifecycle";
import type { TenantConfig } from "../config/tenant-schema";
import { MAX_CONNECTION_LIMIT } from "../db/contract";
import { databaseRoleName } from "../db/names";
import { AgentAlarms } from "../modules/agent-alarms";
import { AlarmSubscriptions } from "../modules/alarm-subscriptions";
import { activeWeeklyCopyHours, customMetricNamespace, effectiveTarget, initialCopies, peakCopies } from "../config/agent-scaling";
import { AgentScaling } from "../modules/agent-scaling";
import { resolveModel, ResolvedModel } from "../config/bedrock-models";
import { AgentIam, customMetricStatements, databaseConnectStatements, ecsExecStatements, imagePullStatements } from "../modules/agent-iam";
import { TenantDatabaseAlarm } from "../modules/tenant-database-alarm";
import { TenantDashboard } from "../modules/tenant-dashboard";
import { AgentService } from "../modules/agent-service";
import { tracingStatements } from "../modules/agent-tracing";
import { EncryptionKey, keyUsersStatement } from "../modules/encryption-key";
import {
  agentAlarmName,
  agentScalingName,
  agentServiceName,
  agentTaskFamily,
  agentTaskRoleName,
  DATABASE_IDENTIFIER_SUFFIX,
  egressProxyTaskRoleName,
  offboardingArchiveBucketName,
  platformResourceName,
  tenantAnomalyMonitorName,
  tenantBucketName,
  tenantBudgetName,
  tenantDashboardName,
  tenantEgressParameterName,
  tenantEgressSecretArnPattern,
  tenantEgressSecretName,
  tenantErrorFilterName,
  tenantExecutionRoleName,
  tenantInferenceProfileName,
  tenantKeyAlias,
  tenantLogGroupName,
  tenantSecretName,
  tenantSecurityGroupName,
  tenantSpendStopPolicyName,
  tenantStateKey,
} from "../modules/naming";
import { PlatformContractReader, type PlatformContractValues } from "../modules/platform-contract";
import { StackSettings } from "../modules/stack-settings";
import { TenantBudget } from "../modules/tenant-budget";
import { TenantCostAnomalyMonitor } from "../modules/tenant-cost-anomaly-monitor";
import { TenantDatabase } from "../modules/tenant-database";
import { TenantInferenceProfiles } from "../modules/tenant-inference-profiles";
import { TenantLogging } from "../modules/tenant-logging";
import { TENANT_RESOURCE_TAG } from "../modules/tenant-permissions-boundary";
import { TenantSecrets } from "../modules/tenant-secrets";
import { TenantSecurityGroup } from "../modules/tenant-security-group";
import { egressAllowlist } from "../config/egress";
import { EGRESS_PROXY_PORT } from "../modules/egress-proxy";
import { egressProxyKeyStatement, noProxyList, TenantEgress } from "../modules/tenant-egress";
import { budgetsTrustStatement, TenantSpendStop } from "../modules/tenant-spend-stop";
import { TenantStorage } from "../modules/tenant-storage";
import { environmentStackSettings } from "./environment-settings";

export interface TenantStackProps {
  readonly tenant: TenantConfig;
  readonly environment: EnvironmentConfig;
  /** The platform stack of the tenant's environment and region; deployed first. */
  readonly platform: TerraformStack;
}

type AgentConfig = TenantConfig["agents"][string];

/** What every part of the tenant stack reads: the tenant, its environment and the platform contract. */
interface TenantContext {
  readonly tenant: TenantConfig;
  readonly environment: EnvironmentConfig;
  readonly env: string;
  readonly region: string;
  readonly accountId: string;
  /** The tenant's agents, sorted by name so construct order does not follow the YAML's. */
  readonly agents: [string, AgentConfig][];
  /** The PostgreSQL role TenantDatabase creates; task roles are tagged with it before it exists. */
  readonly databaseUser: string;
  /**
   * The teardown form: destroy protection lifted for this stack alone, deletion windows from the
   * environment, the database export aimed at the platform's archive. The offboarding job
   * destroys the stack only after this form is applied.
   */
  readonly offboarding: boolean;
  readonly teardown: EnvironmentConfig["offboarding"];
  readonly platform: PlatformContractValues;
}

/** The tenant's key and roles, which every other part encrypts with or grants to. */
interface TenantIdentity {
  readonly iam: AgentIam;
  readonly key: EncryptionKey;
}

/** What the tenant keeps: its bucket, integration secrets and log group. */
interface TenantData {
  readonly storage: TenantStorage;
  readonly secrets: TenantSecrets;
  readonly logging: TenantLogging;
}

/** The tenant's schema on the platform database and the connections its agents may hold. */
interface TenantDatabaseParts {
  readonly database: TenantDatabase;
  readonly connectionLimit: number;
}

/** The tenant's network: its security group and its allowlisted egress through the platform proxy. */
interface TenantNetwork {
  readonly securityGroup: TenantSecurityGroup;
  readonly egress: TenantEgress;
  readonly egressAlarmName: string;
}

/** Everything an agent's service needs from the rest of the stack. */
interface AgentDependencies extends TenantIdentity, TenantData, TenantNetwork {
  readonly database: TenantDatabase;
  readonly models: TenantInferenceProfiles;
  /** Grants the tasks must wait for: the execution role's and the spend stop's (if any). */
  readonly executionGrant: ITerraformDependable;
  readonly spendStopGrant?: ITerraformDependable;
}

/** Everything one customer owns, in its own state; platform values come from the SSM contract. */
export class TenantStack extends SelfContainedStack {
  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id);
    const { tenant, environment } = props;
    this.addDependency(props.platform);
    this.settings(id, tenant, environment);
    const platform = new PlatformContractReader(this, "platform", { environment: tenant.environment, region: tenant.region }).values;
    const ctx: TenantContext = {
      tenant,
      environment,
      env: tenant.environment,
      region: tenant.region,
      accountId: environment.accountId,
      agents: Object.entries(tenant.agents).sort(([a], [b]) => a.localeCompare(b)),
      databaseUser: databaseRoleName(tenant.id),
      offboarding: awaitsOffboarding(tenant.status),
      teardown: environment.offboarding,
      platform,
    };

    const identity = this.identityAndKeys(ctx);
    const data = this.storageAndSecrets(ctx, identity.key);
    const { database, connectionLimit } = this.database(ctx, data.storage, identity.key);
    const models = this.inferenceProfiles(ctx);
    const network = this.network(ctx, identity.key);
    const executionGrant = identity.iam.grantExecution([
      ...imagePullStatements(platform.repositoryArn),
      ...data.logging.writeStatements(),
      ...data.secrets.readStatements(),
      ...network.egress.readStatements(),
      ...identity.key.decryptStatements(),
    ]);
    const { budget, spendStopGrant } = this.spend(ctx, identity.iam);
    const agents = this.agents(ctx, {
      ...identity,
      ...data,
      ...network,
      database,
      models,
      executionGrant,
      spendStopGrant,
    });
    this.observability(ctx, { ...agents, egressAlarmName: network.egressAlarmName, logging: data.logging, models, budget, connectionLimit });
  }

  private settings(id: string, tenant: TenantConfig, environment: EnvironmentConfig): void {
    new StackSettings(
      this,
      "settings",
      environmentStackSettings(tenant.environment, environment, {
        region: tenant.region,
        stateKey: tenantStateKey(tenant.id),
        defaultTags: { [TENANT_RESOURCE_TAG]: tenant.id, CostCenter: tenant.costCenter ?? environment.costCenter, Stack: id },
      }),
    );
  }

  private identityAndKeys(ctx: TenantContext): TenantIdentity {
    const { tenant, env, region, accountId, platform } = ctx;
    const iam = new AgentIam(this, "iam", {
      tenantId: tenant.id,
      accountId,
      region,
      executionRoleName: tenantExecutionRoleName(tenant.id),
      taskRoleNames: Object.fromEntries(ctx.agents.map(([agent]) => [agent, agentTaskRoleName(tenant.id, agent)])),
      permissionsBoundaryArn: platform.permissionsBoundaryArn,
      databaseUser: ctx.databaseUser,
      executionRoleExtraTrust: tenant.budget.stopAtPercent !== "off" ? [budgetsTrustStatement(accountId, tenantBudgetName(env, tenant.id))] : [],
    });
    const key = new EncryptionKey(this, "tenant-key", {
      accountId,
      region,
      alias: tenantKeyAlias(env, tenant.id),
      description: `OpenClaw tenant ${tenant.id} (${env}): bucket, secrets, logs`,
      logGroupNamePattern: tenantLogGroupName(env, tenant.id),
      additionalStatements: [
        keyUsersStatement(iam.allRoleArns),
        // The platform's egress proxy writes this tenant's proxy credential (modules/tenant-egress.ts).
        egressProxyKeyStatement(`arn:aws:iam::${accountId}:role/${egressProxyTaskRoleName(env, region)}`, tenantEgressSecretArnPattern(env, region, accountId, tenant.id), region),
      ],
      ...(ctx.offboarding ? { preventDestroy: false, deletionWindowDays: ctx.teardown.kmsDeletionWindowDays } : {}),
    });
    return { iam, key };
  }

  private storageAndSecrets(ctx: TenantContext, key: EncryptionKey): TenantData {
    const { tenant, env, region, accountId, offboarding, teardown } = ctx;
    const storage = new TenantStorage(this, "storage", {
      tenantId: tenant.id,
      bucketName: tenantBucketName(tenant.id, accountId, region),
      accountId,
      kmsKeyArn: key.keyArn,
      ...(offboarding ? { preventDestroy: false } : {}),
    });
    const secrets = new TenantSecrets(this, "secrets", {
      tenantId: tenant.id,
      secretNames: Object.fromEntries(tenant.integrations.map((i) => [i, tenantSecretName(env, tenant.id, i)])),
      kmsKeyArn: key.keyArn,
      ...(offboarding ? { recoveryWindowDays: teardown.secretRecoveryWindowDays } : {}),
    });
    const logging = new TenantLogging(this, "logging", {
      logGroupName: tenantLogGroupName(env, tenant.id),
      kmsKeyArn: key.keyArn,
      retentionDays: tenant.logRetentionDays,
      errorMetric: { tenantId: tenant.id, filterName: tenantErrorFilterName(tenant.id) },
      ...(offboarding && teardown.logGroup === "retain" ? { retainOnDestroy: true } : {}),
    });
    return { storage, secrets, logging };
  }

  private database(ctx: TenantContext, storage: TenantStorage, key: EncryptionKey): TenantDatabaseParts {
    const { tenant, env, region, accountId, offboarding } = ctx;
    // Old and new tasks of a rolling deployment both hold their pools for a while; the
    // provisioner caps a role at MAX_CONNECTION_LIMIT, which capacity planning already bounds.
    const connectionLimit = Math.min(
      MAX_CONNECTION_LIMIT,
      2 * ctx.agents.reduce((sum, [, agent]) => sum + agent.dbConnections * Math.max(peakCopies(agent), 1), 0),
    );
    const database = new TenantDatabase(this, "database", {
      tenantId: tenant.id,
      environment: env,
      provisionerFunctionName: ctx.platform.databaseProvisionerFunctionName,
      // The tenant bucket goes with the stack, so an offboarding export goes to the archive,
      // under the archive's own encryption.
      exportBucketName: offboarding ? offboardingArchiveBucketName(env, region, accountId) : storage.bucketName,
      exportKmsKeyArn: offboarding ? undefined : key.keyArn,
      deletionMode: tenant.databaseDeletion,
      offboarding,
      connectionLimit,
    });
    return { database, connectionLimit };
  }

  private inferenceProfiles(ctx: TenantContext): TenantInferenceProfiles {
    const { tenant, region, accountId } = ctx;
    return new TenantInferenceProfiles(this, "bedrock", {
      tenantId: tenant.id,
      models: tenant.bedrockModels.map((model) => {
        const resolved = resolveModel(model, region, accountId, tenant.bedrockRouting);
        // The loader rejected unusable models already; this guards callers that skip it.
        if (typeof resolved === "string") throw new Error(`TenantStack ${tenant.id}: ${resolved}`);
        return resolved satisfies ResolvedModel;
      }),
      profileName: (shortName, revision) => tenantInferenceProfileName(tenant.id, shortName, revision),
    });
  }

  private network(ctx: TenantContext, key: EncryptionKey): TenantNetwork {
    const { tenant, env, region, platform } = ctx;
    const securityGroup = new TenantSecurityGroup(this, "network", {
      name: tenantSecurityGroupName(tenant.id),
      tenantId: tenant.id,
      vpcId: platform.vpcId,
      vpcEndpointsSecurityGroupId: platform.vpcEndpointsSecurityGroupId,
      s3PrefixListId: platform.s3PrefixListId,
      egressProxySecurityGroupId: platform.egressProxySecurityGroupId,
      egressProxyPort: EGRESS_PROXY_PORT,
    });
    const egressAlarmName = agentAlarmName(tenant.id, "egress", "refused-spike");
    const egress = new TenantEgress(this, "egress", {
      tenantId: tenant.id,
      domains: egressAllowlist(tenant),
      parameterName: tenantEgressParameterName(env, region, tenant.id),
      secretName: tenantEgressSecretName(env, tenant.id),
      kmsKeyArn: key.keyArn,
      alarmName: egressAlarmName,
      alarmTopicArn: platform.alarmTopicArn,
      ...(ctx.offboarding ? { recoveryWindowDays: ctx.teardown.secretRecoveryWindowDays } : {}),
    });
    return { securityGroup, egress, egressAlarmName };
  }

  /** The budget, its optional anomaly monitor and spend stop; returns the grant tasks wait for. */
  private spend(ctx: TenantContext, iam: AgentIam): { budget: TenantBudget; spendStopGrant?: ITerraformDependable } {
    const { tenant, env, environment, platform } = ctx;
    const stopAtPercent = tenant.budget.stopAtPercent;
    const budget = new TenantBudget(this, "budget", {
      budgetName: tenantBudgetName(env, tenant.id),
      tenantId: tenant.id,
      monthlyUsd: tenant.budget.monthlyUsd,
      alertEmails: tenant.budget.alertEmails,
    });
    if (environment.costAnomalies.monitors === "per-tenant") {
      new TenantCostAnomalyMonitor(this, "cost-anomalies", {
        tenantId: tenant.id,
        monitorName: tenantAnomalyMonitorName(env, tenant.id),
        alarmTopicArn: platform.alarmTopicArn,
        monthlyBudgetUsd: tenant.budget.monthlyUsd,
      });
    }
    if (stopAtPercent === "off") return { budget };
    const spendStop = new TenantSpendStop(this, "spend-stop", {
      tenantId: tenant.id,
      budgetName: budget.budgetName,
      thresholdPercent: stopAtPercent,
      policyName: tenantSpendStopPolicyName(tenant.id),
      executionRole: { id: iam.executionRoleName, arn: iam.executionRoleArn },
      taskRoles: ctx.agents.map(([agent]) => ({ name: iam.taskRoleNameRefs[agent], arn: iam.taskRoleArns[agent] })),
      notifyEmails: tenant.budget.alertEmails,
    });
    // Roles go before the spend-stop policy on destroy, detaching it if the stop fired.
    iam.taskRolesOutlivedBy(spendStop.policy);
    return { budget, spendStopGrant: spendStop.executionRoleGrant };
  }

  /** Each agent's service, scaling and alarms; returns what the dashboard and alarm routing list. */
  private agents(ctx: TenantContext, deps: AgentDependencies): { alarmNames: string[]; serviceNames: Record<string, string> } {
    const alarmNames: string[] = [];
    const serviceNames: Record<string, string> = {};
    for (const [agent, agentConfig] of ctx.agents) {
      const service = this.agentService(ctx, agent, agentConfig, deps);
      serviceNames[agent] = service.serviceName;
      if (agentConfig.scaling) this.agentScaling(ctx, agent, agentConfig.scaling, service);
      const agentAlarms = new AgentAlarms(this, `agent-${agent}-alarms`, {
        clusterName: ctx.platform.clusterName,
        serviceName: service.serviceName,
        alarmName: (metric) => agentAlarmName(ctx.tenant.id, agent, metric),
        alarmTopicArn: ctx.platform.alarmTopicArn,
      });
      alarmNames.push(...agentAlarms.alarmNames);
    }
    return { alarmNames, serviceNames };
  }

  /** The agent's task role grant and its ECS service. */
  private agentService(ctx: TenantContext, agent: string, agentConfig: AgentConfig, deps: AgentDependencies): AgentService {
    const { tenant, environment, region, accountId, platform, databaseUser } = ctx;
    const { storage, key, models, logging, secrets, egress } = deps;
    const tracing = environment.tracing;
    const scaling = agentConfig.scaling;
    const running = runsTasks(tenant.status);
    const taskGrant = deps.iam.grantTask(agent, [
      ...(scaling && effectiveTarget(scaling)?.metric === "custom" ? customMetricStatements(customMetricNamespace(tenant.id)) : []),
      ...storage.readWriteStatements(),
      ...key.useStatements(),
      ...models.invokeStatements(),
      ...databaseConnectStatements(region, accountId, platform.databaseResourceId, databaseUser),
      ...ecsExecStatements(platform.execKmsKeyArn, logging.logGroupArn, region, accountId),
      ...(tracing.enabled ? tracingStatements() : []),
    ]);
    const image = agentConfig.image ?? environment.agentImage;
    return new AgentService(this, `agent-${agent}`, {
      tenantId: tenant.id,
      agent,
      serviceName: agentServiceName(tenant.id, agent),
      taskFamily: agentTaskFamily(tenant.id, agent),
      region,
      clusterArn: platform.clusterArn,
      cpu: agentConfig.cpu,
      memoryMiB: agentConfig.memory,
      // Only an active tenant runs tasks (provisioning: secrets without values; suspended:
      // paused; offboarding: being exported and destroyed).
      desiredCount: running ? initialCopies(agentConfig) : 0,
      // What activation would start, for the cost estimate's "when active"; kept through
      // offboarding so its teardown form changes nothing but the teardown settings.
      desiredCountWhenActive: running ? undefined : initialCopies(agentConfig),
      weeklyCopyHoursWhenActive: running || !scaling?.schedule ? undefined : activeWeeklyCopyHours(agentConfig).min,
      // Stopped statuses set 0 through Terraform itself (the offboarding job reads desired_count
      // from state); running, the autoscaler owns the count.
      autoscaled: scaling !== undefined && running,
      spot: agentConfig.spot,
      image: `${platform.repositoryUrl}@${image}`,
      executionRoleArn: deps.iam.executionRoleArn,
      taskRoleArn: deps.iam.taskRoleArns[agent],
      logGroupName: logging.logGroupName,
      subnetIds: platform.privateSubnetIds,
      securityGroupIds: [deps.securityGroup.securityGroupId, platform.databaseClientsSecurityGroupId],
      environment: {
        TENANT_ID: tenant.id,
        AGENT: agent,
        AWS_REGION: region,
        TENANT_BUCKET: storage.bucketName,
        DB_HOST: platform.databaseAddress,
        DB_PORT: platform.databasePort,
        DB_NAME: platform.databaseName,
        DB_USER: databaseUser,
        DB_POOL_SIZE: String(agentConfig.dbConnections),
        NO_PROXY: noProxyList(platform.databaseAddress),
        ...models.environmentVariables(),
      },
      startAfter: [deps.database.provisioned, deps.executionGrant, taskGrant, ...(deps.spendStopGrant ? [deps.spendStopGrant] : [])],
      ...(tracing.enabled && tracing.collectorImage ? { tracing: { image: `${platform.repositoryUrl}@${tracing.collectorImage}`, samplingRate: tracing.samplingRate } } : {}),
      secrets: {
        ...Object.fromEntries(
          Object.entries(secrets.secretArns).map(([integration, arn]) => [`${integration.toUpperCase().replace(/-/g, "_")}_CREDENTIALS`, arn]),
        ),
        ...egress.proxyEnvironmentSecrets(),
      },
    });
  }

  private agentScaling(ctx: TenantContext, agent: string, scaling: NonNullable<AgentConfig["scaling"]>, service: AgentService): void {
    const running = runsTasks(ctx.tenant.status);
    // A stopped tenant keeps its scalable target at 0-0, which also brings the count to 0
    // (RegisterScalableTarget "changes the resource's current capacity to a value inside this
    // range"), with no schedule or policy that could raise it.
    new AgentScaling(this, `agent-${agent}-scaling`, {
      clusterName: ctx.platform.clusterName,
      serviceName: service.serviceName,
      service: service.service,
      range: running ? scaling : { min: 0, max: 0 },
      schedule: running ? scaling.schedule : undefined,
      target: running ? effectiveTarget(scaling) : undefined,
      customMetric: { namespace: customMetricNamespace(ctx.tenant.id), agent },
      name: (purpose) => agentScalingName(ctx.tenant.id, agent, purpose),
    });
  }

  /** The database alarm, alarm routing and, last, the dashboard whose alarm widget lists them all. */
  private observability(
    ctx: TenantContext,
    parts: {
      alarmNames: string[];
      serviceNames: Record<string, string>;
      egressAlarmName: string;
      logging: TenantLogging;
      models: TenantInferenceProfiles;
      budget: TenantBudget;
      connectionLimit: number;
    },
  ): void {
    const { tenant, env, region, platform } = ctx;
    const databaseAlarmName = agentAlarmName(tenant.id, "database", "storage-high");
    new TenantDatabaseAlarm(this, "database-alarm", {
      tenantId: tenant.id,
      environment: env,
      alarmName: databaseAlarmName,
      alarmTopicArn: platform.alarmTopicArn,
      storageGiB: tenant.databaseStorageAlarmGiB,
    });
    if (tenant.alarmEmails.length > 0) {
      new AlarmSubscriptions(this, "alarm-routing", {
        topicArn: platform.alarmTopicArn,
        subscribers: tenant.alarmEmails.map((endpoint) => ({ protocol: "email" as const, endpoint })),
        // Every alarm this stack declares: the agents', the database's and the refused-egress one.
        alarmNames: [...parts.alarmNames, databaseAlarmName, parts.egressAlarmName],
      });
    }

    // Last: its alarm widget lists every alarm declared above.
    new TenantDashboard(this, "dashboard", {
      dashboardName: tenantDashboardName(tenant.id),
      tenantId: tenant.id,
      environment: env,
      region,
      clusterName: platform.clusterName,
      services: parts.serviceNames,
      logGroupName: parts.logging.logGroupName,
      inferenceProfileIds: parts.models.profileIds,
      databaseIdentifier: platformResourceName(env, region, DATABASE_IDENTIFIER_SUFFIX),
      databaseConnectionLimit: parts.connectionLimit,
      databaseStorageAlarmGiB: tenant.databaseStorageAlarmGiB,
      budget: { name: parts.budget.budgetName, monthlyUsd: tenant.budget.monthlyUsd },
      alarmRecipients: tenant.alarmEmails,
    });
  }
}
