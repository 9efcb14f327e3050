import { Construct } from "constructs";
import type { TerraformStack } from "cdktf";
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
  egressProxyName,
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
import { PlatformContractReader } from "../modules/platform-contract";
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

/** Everything one customer owns, in its own state; platform values come from the SSM contract. */
export class TenantStack extends SelfContainedStack {
  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id);
    const { tenant, environment } = props;
    const env = tenant.environment;
    const region = tenant.region;
    const accountId = environment.accountId;
    const agents = Object.entries(tenant.agents).sort(([a], [b]) => a.localeCompare(b));
    // The PostgreSQL role TenantDatabase creates; task roles are tagged with it before it exists.
    const databaseUser = databaseRoleName(tenant.id);
    // The teardown form: destroy protection lifted for this stack alone, deletion windows from
    // the environment, the database export aimed at the platform's archive. The offboarding job
    // destroys the stack only after this form is applied.
    const offboarding = awaitsOffboarding(tenant.status);
    const teardown = environment.offboarding;
    this.addDependency(props.platform);
    const stopAtPercent = tenant.budget.stopAtPercent;

    new StackSettings(
      this,
      "settings",
      environmentStackSettings(env, environment, {
        region,
        stateKey: tenantStateKey(tenant.id),
        defaultTags: { [TENANT_RESOURCE_TAG]: tenant.id, CostCenter: tenant.costCenter ?? environment.costCenter, Stack: id },
      }),
    );

    const platform = new PlatformContractReader(this, "platform", { environment: env, region }).values;

    const iam = new AgentIam(this, "iam", {
      tenantId: tenant.id,
      accountId,
      region,
      executionRoleName: tenantExecutionRoleName(tenant.id),
      taskRoleNames: Object.fromEntries(agents.map(([agent]) => [agent, agentTaskRoleName(tenant.id, agent)])),
      permissionsBoundaryArn: platform.permissionsBoundaryArn,
      databaseUser,
      executionRoleExtraTrust: stopAtPercent !== "off" ? [budgetsTrustStatement(accountId, tenantBudgetName(env, tenant.id))] : [],
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
        egressProxyKeyStatement(`arn:aws:iam::${accountId}:role/${egressProxyName(env, region)}-task`, tenantEgressSecretArnPattern(env, region, accountId, tenant.id), region),
      ],
      ...(offboarding ? { preventDestroy: false, deletionWindowDays: teardown.kmsDeletionWindowDays } : {}),
    });
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
    // Old and new tasks of a rolling deployment both hold their pools for a while; the
    // provisioner caps a role at MAX_CONNECTION_LIMIT, which capacity planning already bounds.
    const connectionLimit = Math.min(
      MAX_CONNECTION_LIMIT,
      2 * agents.reduce((sum, [, agent]) => sum + agent.dbConnections * Math.max(peakCopies(agent), 1), 0),
    );
    const database = new TenantDatabase(this, "database", {
      tenantId: tenant.id,
      environment: env,
      provisionerFunctionName: platform.databaseProvisionerFunctionName,
      // The tenant bucket goes with the stack, so an offboarding export goes to the archive,
      // under the archive's own encryption.
      exportBucketName: offboarding ? offboardingArchiveBucketName(env, region, accountId) : storage.bucketName,
      exportKmsKeyArn: offboarding ? undefined : key.keyArn,
      deletionMode: tenant.databaseDeletion,
      offboarding,
      connectionLimit,
    });
    const models = new TenantInferenceProfiles(this, "bedrock", {
      tenantId: tenant.id,
      models: tenant.bedrockModels.map((model) => {
        const resolved = resolveModel(model, region, accountId, tenant.bedrockRouting);
        // The loader rejected unusable models already; this guards callers that skip it.
        if (typeof resolved === "string") throw new Error(`TenantStack ${tenant.id}: ${resolved}`);
        return resolved satisfies ResolvedModel;
      }),
      profileName: (shortName, revision) => tenantInferenceProfileName(tenant.id, shortName, revision),
    });
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
      ...(offboarding ? { recoveryWindowDays: teardown.secretRecoveryWindowDays } : {}),
    });

    const executionGrant = iam.grantExecution([
      ...imagePullStatements(platform.repositoryArn),
      ...logging.writeStatements(),
      ...secrets.readStatements(),
      ...egress.readStatements(),
      ...key.decryptStatements(),
    ]);

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
    const spendStop =
      stopAtPercent === "off"
        ? undefined
        : new TenantSpendStop(this, "spend-stop", {
            tenantId: tenant.id,
            budgetName: budget.budgetName,
            thresholdPercent: stopAtPercent,
            policyName: tenantSpendStopPolicyName(tenant.id),
            executionRole: { id: iam.executionRoleName, arn: iam.executionRoleArn },
            taskRoles: agents.map(([agent]) => ({ name: iam.taskRoleNameRefs[agent], arn: iam.taskRoleArns[agent] })),
            notifyEmails: tenant.budget.alertEmails,
          });
    // Roles go before the spend-stop policy on destroy, detaching it if the stop fired.
    if (spendStop) iam.taskRolesOutlivedBy(spendStop.policy);
    const spendStopGrant = spendStop?.executionRoleGrant;

    const tracing = environment.tracing;
    const alarmNames: string[] = [];
    const serviceNames: Record<string, string> = {};
    for (const [agent, agentConfig] of agents) {
      const scaling = agentConfig.scaling;
      const target = scaling && effectiveTarget(scaling);
      const taskGrant = iam.grantTask(agent, [
        ...(target?.metric === "custom" ? customMetricStatements(customMetricNamespace(tenant.id)) : []),
        ...storage.readWriteStatements(),
        ...key.useStatements(),
        ...models.invokeStatements(),
        ...databaseConnectStatements(region, accountId, platform.databaseResourceId, databaseUser),
        ...ecsExecStatements(platform.execKmsKeyArn, logging.logGroupArn, region, accountId),
        ...(tracing.enabled ? tracingStatements() : []),
      ]);
      const image = agentConfig.image ?? environment.agentImage;
      const service = new AgentService(this, `agent-${agent}`, {
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
        desiredCount: runsTasks(tenant.status) ? initialCopies(agentConfig) : 0,
        // What activation would start, for the cost estimate's "when active"; kept through
        // offboarding so its teardown form changes nothing but the teardown settings.
        desiredCountWhenActive: runsTasks(tenant.status) ? undefined : initialCopies(agentConfig),
        weeklyCopyHoursWhenActive: runsTasks(tenant.status) || !scaling?.schedule ? undefined : activeWeeklyCopyHours(agentConfig).min,
        // Stopped statuses set 0 through Terraform itself (the offboarding job reads desired_count
        // from state); running, the autoscaler owns the count.
        autoscaled: scaling !== undefined && runsTasks(tenant.status),
        spot: agentConfig.spot,
        image: `${platform.repositoryUrl}@${image}`,
        executionRoleArn: iam.executionRoleArn,
        taskRoleArn: iam.taskRoleArns[agent],
        logGroupName: logging.logGroupName,
        subnetIds: platform.privateSubnetIds,
        securityGroupIds: [securityGroup.securityGroupId, platform.databaseClientsSecurityGroupId],
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
        startAfter: [database.provisioned, executionGrant, taskGrant, ...(spendStopGrant ? [spendStopGrant] : [])],
        ...(tracing.enabled && tracing.collectorImage ? { tracing: { image: `${platform.repositoryUrl}@${tracing.collectorImage}`, samplingRate: tracing.samplingRate } } : {}),
        secrets: {
          ...Object.fromEntries(
            Object.entries(secrets.secretArns).map(([integration, arn]) => [`${integration.toUpperCase().replace(/-/g, "_")}_CREDENTIALS`, arn]),
          ),
          ...egress.proxyEnvironmentSecrets(),
        },
      });
      serviceNames[agent] = service.serviceName;
      if (scaling) {
        const running = runsTasks(tenant.status);
        // A stopped tenant keeps its scalable target at 0-0, which also brings the count to 0
        // (RegisterScalableTarget "changes the resource's current capacity to a value inside this
        // range"), with no schedule or policy that could raise it.
        new AgentScaling(this, `agent-${agent}-scaling`, {
          clusterName: platform.clusterName,
          serviceName: service.serviceName,
          service: service.service,
          range: running ? scaling : { min: 0, max: 0 },
          schedule: running ? scaling.schedule : undefined,
          target: running ? target : undefined,
          customMetric: { namespace: customMetricNamespace(tenant.id), agent },
          name: (purpose) => agentScalingName(tenant.id, agent, purpose),
        });
      }
      const agentAlarms = new AgentAlarms(this, `agent-${agent}-alarms`, {
        clusterName: platform.clusterName,
        serviceName: service.serviceName,
        alarmName: (metric) => agentAlarmName(tenant.id, agent, metric),
        alarmTopicArn: platform.alarmTopicArn,
      });
      alarmNames.push(...agentAlarms.alarmNames);
    }

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
        alarmNames: [...alarmNames, databaseAlarmName, egressAlarmName],
      });
    }

    // Last: its alarm widget lists every alarm declared above.
    new TenantDashboard(this, "dashboard", {
      dashboardName: tenantDashboardName(tenant.id),
      tenantId: tenant.id,
      environment: env,
      region,
      clusterName: platform.clusterName,
      services: serviceNames,
      logGroupName: logging.logGroupName,
      inferenceProfileIds: models.profileIds,
      databaseIdentifier: platformResourceName(env, region, DATABASE_IDENTIFIER_SUFFIX),
      databaseConnectionLimit: connectionLimit,
      databaseStorageAlarmGiB: tenant.databaseStorageAlarmGiB,
      budget: { name: budget.budgetName, monthlyUsd: tenant.budget.monthlyUsd },
      alarmRecipients: tenant.alarmEmails,
    });
  }
}
