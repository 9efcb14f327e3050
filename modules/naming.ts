/**
 * Every AWS name this project builds, in one place, so length limits are checked once
 * (test/naming.test.ts) instead of trusted in template strings across modules.
 *
 * Tenant-scoped names need no environment or region: tenant ids are unique across the
 * repository and a tenant lives in exactly one environment (account) and region.
 * Platform names carry environment and region because IAM is account-global.
 */

/** Prefix of every resource name, so IAM and SCPs can match the whole product. */
export const NAME_PREFIX = "openclaw";

export function platformStackName(environment: string, region: string): string {
  return `platform-${environment}-${region}`;
}

const TENANT_STACK_PREFIX = "tenant-";

/** Stack names end up in paths, job names, shell arguments and the plan comment: kept boring. */
export const STACK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,127}$/;

export function tenantStackName(tenantId: string): string {
  return `${TENANT_STACK_PREFIX}${tenantId}`;
}

/**
 * The tenant id in a tenant stack's name (the inverse of tenantStackName), or undefined for any
 * other stack. The id is not validated here: callers that read untrusted names check it against
 * TENANT_ID_PATTERN.
 */
export function tenantIdOfStackName(stack: string): string | undefined {
  return stack.startsWith(TENANT_STACK_PREFIX) ? stack.slice(TENANT_STACK_PREFIX.length) : undefined;
}

/**
 * Alias of the KMS key that encrypts an environment's state bucket (created by bootstrap).
 * Not under alias/openclaw/<env>/, which holds tenant keys: a tenant may be called anything.
 */
export function stateKeyAlias(environment: string): string {
  return `alias/${NAME_PREFIX}-${environment}-terraform-state`;
}

/** The environment's image signing key (asymmetric, ECC_NIST_P256), created by bootstrap in its state region. */
export function imageSigningKeyAlias(environment: string): string {
  return `alias/${NAME_PREFIX}-${environment}-image-signing`;
}

export function platformStateKey(environment: string, region: string): string {
  return `platform/${environment}/${region}.tfstate`;
}

export function tenantStateKey(tenantId: string): string {
  return `tenants/${tenantId}.tfstate`;
}

/** Prefix of regional platform resource names: `openclaw-<env>-<region>`. */
export function platformNamePrefix(environment: string, region: string): string {
  return `${NAME_PREFIX}-${environment}-${region}`;
}

/** Regional platform resources (cluster, database, topic, IAM roles): `openclaw-<env>-<region>-<suffix>`. */
export function platformResourceName(environment: string, region: string, suffix: string): string {
  return nameUnder(platformNamePrefix(environment, region), suffix);
}

/**
 * `<prefix>-<suffix>`: a name a module derives from the name or prefix its stack gave it (the
 * network's Name tags under `openclaw-<env>-<region>`, the database's groups under its identifier).
 */
export function nameUnder(prefix: string, suffix: string): string {
  return `${prefix}-${suffix}`;
}

/** Alias of the platform key that encrypts ECS Exec sessions (every tenant's tasks decrypt with it). */
export function platformExecKeyAlias(environment: string, region: string): string {
  return `${platformKeyAlias(environment, region)}-exec`;
}

/**
 * Names of the platform database's resources, derived from its RDS identifier
 * (`platformResourceName(env, region, DATABASE_IDENTIFIER_SUFFIX)`).
 */
export function databaseResourceNames(identifier: string) {
  return {
    securityGroup: nameUnder(identifier, "database"),
    clientsSecurityGroup: nameUnder(identifier, "db-clients"),
    subnetGroup: nameUnder(identifier, "isolated"),
    parameterGroup: (postgresMajor: string) => nameUnder(identifier, `postgres${postgresMajor}`),
    monitoringRole: nameUnder(identifier, RDS_MONITORING_ROLE),
    finalSnapshot: nameUnder(identifier, "final"),
  };
}

/** Longest rule-name prefix the provisioner's schedules keep: room for `-measure` within EventBridge's 64. */
const SCHEDULE_RULE_PREFIX_LENGTH = 56;

/**
 * Names of the DB provisioner's resources, derived from its function name
 * (`platformResourceName(env, region, DB_PROVISIONER_FUNCTION_SUFFIX)`).
 */
export function dbProvisionerResourceNames(functionName: string) {
  return {
    securityGroup: nameUnder(functionName, "lambda"),
    role: nameUnder(functionName, DB_PROVISIONER_ROLE),
    scheduleRule: (operation: string) => nameUnder(functionName.slice(0, SCHEDULE_RULE_PREFIX_LENGTH), operation),
    /** Lambda's failure destination for the scheduled runs, and the service-role boundary's publish grant. */
    failureTopic: nameUnder(functionName, "failed"),
    failureAlarm: nameUnder(functionName, "failed-runs"),
  };
}

/** SSM parameter through which the platform publishes one value of its contract. */
export function platformContractParameterName(environment: string, region: string, key: string): string {
  return `/${NAME_PREFIX}/${environment}/${region}/platform/${key}`;
}

/** Log group for one platform concern: `/openclaw/<env>/<region>/platform/<concern>`. */
export function platformLogGroupName(environment: string, region: string, concern: string): string {
  return `/${NAME_PREFIX}/${environment}/${region}/platform/${concern}`;
}

export function platformKeyAlias(environment: string, region: string): string {
  return `alias/${NAME_PREFIX}/${environment}/${region}/platform`;
}

/** ECR repository holding the agent image, one per platform region. */
export function agentRepositoryName(): string {
  return `${NAME_PREFIX}/agent`;
}

/** Dedicated bucket per tenant; account and region make it globally unique. */
export function tenantBucketName(tenantId: string, accountId: string, region: string): string {
  return `${NAME_PREFIX}-${tenantId}-${accountId}-${region}`;
}

/** ARN pattern matching every tenant bucket of one account and region (for the DB provisioner's exports). */
export function tenantBucketArnPattern(accountId: string, region: string): string {
  return `arn:aws:s3:::${tenantBucketName("*", accountId, region)}`;
}

/**
 * The platform-owned archive that receives an offboarded tenant's exports, one per
 * environment (account) and region, so exports stay in the tenant's region. The account
 * id comes right after the prefix: a tenant id starts with a letter, so no tenant bucket
 * (`openclaw-<id>-<account>-<region>`) can ever take this name, and no tenant-bucket ARN
 * pattern in a policy matches it. At most 9 + 12 + 1 + 12 + 1 + 14 + 8 = 57 characters.
 */
export function offboardingArchiveBucketName(environment: string, region: string, accountId: string): string {
  return `${NAME_PREFIX}-${accountId}-${environment}-${region}-archive`;
}

/**
 * Name of the bucket manifest the offboarding job writes in the archive, under
 * `<tenant>/<stamp>/`: the only archive key the deploy role may write (bootstrap/policies.ts).
 */
export const OFFBOARDING_MANIFEST_FILE = "bucket-manifest.json";

/** Prefix of a tenant's offboarding progress and records in its environment's state bucket. */
export function offboardingStatePrefix(tenantId: string): string {
  return `offboarding/${tenantId}/`;
}

/**
 * The environment's CloudTrail trail (one per environment = account, multi-region), created by the
 * platform stack that owns the account-wide resources (stacks/stack-plan.ts accountResourceOwner).
 * CreateTrail: 3-128 of letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit.
 */
export function auditTrailName(environment: string): string {
  return `${NAME_PREFIX}-${environment}-audit`;
}

/** ARN of the environment's trail; `region` is the trail's home region (the owning platform stack's). */
export function auditTrailArn(environment: string, region: string, accountId: string): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:trail/${auditTrailName(environment)}`;
}

/**
 * The bucket the environment's trail delivers to (Object Lock, its own key), in the trail's home
 * region. Account id right after the prefix, like the offboarding archive: no tenant bucket can take
 * the name, and the trail's tenant-bucket data-event selector (which excludes
 * platformBucketArnPrefix) never logs the trail's own deliveries.
 */
export function auditBucketName(environment: string, region: string, accountId: string): string {
  return `${NAME_PREFIX}-${accountId}-${environment}-${region}-audit`;
}

/** Where Athena writes the results of audit queries (expiring; the audit bucket admits only CloudTrail). */
export function auditQueryResultsBucketName(environment: string, region: string, accountId: string): string {
  return `${NAME_PREFIX}-${accountId}-${environment}-${region}-athena`;
}

/** The audit bucket's own KMS key (beside the platform key: alias/openclaw/<env>/<region>/platform-audit). */
export function auditKeyAlias(environment: string, region: string): string {
  return `${platformKeyAlias(environment, region)}-audit`;
}

/** Glue database of the audit table (Athena names: lowercase letters, digits and underscores only). */
export function auditDatabaseName(environment: string): string {
  return `${NAME_PREFIX}_${environment.replace(/-/g, "_")}_audit`;
}

/** Glue table over the trail's log files, in auditDatabaseName. */
export const AUDIT_TABLE_NAME = "cloudtrail";

/** Athena workgroup whose enforced settings every audit query runs under. */
export function auditWorkGroupName(environment: string): string {
  return `${NAME_PREFIX}-${environment}-audit`;
}

/**
 * ARN prefix shared by every tenant bucket (`openclaw-<tenant>-...`, tenantBucketName). It also
 * matches the platform's own buckets (platformBucketArnPrefix).
 */
export function tenantBucketArnPrefix(): string {
  return `arn:aws:s3:::${NAME_PREFIX}-`;
}

/**
 * ARN prefixes that together match every tenant bucket and no platform bucket, for CloudTrail's
 * StartsWith selectors (no wildcard in the middle): `openclaw-` followed by each letter a tenant id
 * may start with (config/tenant-id.ts TENANT_ID_PATTERN), while platform buckets continue with the
 * account id's digits. 26 of a trail's 500 selector values.
 */
export function tenantBucketArnPrefixes(): string[] {
  return [..."abcdefghijklmnopqrstuvwxyz"].map((letter) => `${tenantBucketArnPrefix()}${letter}`);
}

/**
 * ARN prefix of the platform's own buckets of one account (offboarding archive, audit, query
 * results): `openclaw-<account>-`. A tenant id starts with a letter, so no tenant bucket has it.
 */
export function platformBucketArnPrefix(accountId: string): string {
  return `arn:aws:s3:::${NAME_PREFIX}-${accountId}-`;
}

export function tenantKeyAlias(environment: string, tenantId: string): string {
  return `alias/${NAME_PREFIX}/${environment}/${tenantId}`;
}

export function tenantLogGroupName(environment: string, tenantId: string): string {
  return `/${NAME_PREFIX}/${environment}/${tenantId}`;
}

export function tenantSecretName(environment: string, tenantId: string, integration: string): string {
  return `/${NAME_PREFIX}/${environment}/${tenantId}/${integration}`;
}

export function tenantExecutionRoleName(tenantId: string): string {
  return `${NAME_PREFIX}-${tenantId}-execution`;
}

export function agentTaskRoleName(tenantId: string, agent: string): string {
  return `${NAME_PREFIX}-${tenantId}-${agent}-task`;
}

export function tenantSecurityGroupName(tenantId: string): string {
  return `${NAME_PREFIX}-${tenantId}-agents`;
}

export function agentServiceName(tenantId: string, agent: string): string {
  return `${tenantId}-${agent}`;
}

export function agentTaskFamily(tenantId: string, agent: string): string {
  return `${NAME_PREFIX}-${tenantId}-${agent}`;
}

export function tenantBudgetName(environment: string, tenantId: string): string {
  return `${NAME_PREFIX}-${environment}-${tenantId}`;
}

/** Scheduled actions and scaling policies of one agent service (no ':', '/' or '|': PutScheduledAction's name pattern). */
export function agentScalingName(tenantId: string, agent: string, purpose: string): string {
  return `${NAME_PREFIX}-${tenantId}-${agent}-${purpose}`;
}

export function agentAlarmName(tenantId: string, agent: string, metric: string): string {
  return `${NAME_PREFIX}-${tenantId}-${agent}-${metric}`;
}

/**
 * A tenant's application inference profile for one model (config/bedrock-models.ts short name);
 * `revision` (8 hex characters) changes whenever the profile must be replaced, so the
 * replacement can exist beside the old profile (create_before_destroy).
 */
export function tenantInferenceProfileName(tenantId: string, modelShortName: string, revision: string): string {
  return `${NAME_PREFIX}-${tenantId}-${modelShortName}-${revision}`;
}

/**
 * The tenant's CloudWatch dashboard. Dashboards are account-global (no region in their ARN) and
 * PutDashboard admits only `[A-Za-z0-9_-]`, which tenant ids keep to. `tenant-` and `fleet-`
 * after the prefix keep tenant and fleet dashboards apart whatever the tenant id.
 */
export function tenantDashboardName(tenantId: string): string {
  return `${NAME_PREFIX}-tenant-${tenantId}`;
}

/** The fleet dashboard of one environment and region. */
export function fleetDashboardName(environment: string, region: string): string {
  return `${NAME_PREFIX}-fleet-${environment}-${region}`;
}

/** Every dashboard name this project builds starts with it (the deploy role's grant). */
export const DASHBOARD_NAME_PREFIX = `${NAME_PREFIX}-`;

/** Metric filter on the tenant's log group that counts its agents' error lines. */
export function tenantErrorFilterName(tenantId: string): string {
  return `${NAME_PREFIX}-${tenantId}-log-errors`;
}

/** Managed policy the tenant's budget action attaches to its task roles: denies Bedrock invocation. */
export function tenantSpendStopPolicyName(tenantId: string): string {
  return `${NAME_PREFIX}-${tenantId}-spend-stop`;
}

/** The account's AWS services cost anomaly monitor (costAnomalies.monitors: account). */
export function accountAnomalyMonitorName(environment: string): string {
  return `${NAME_PREFIX}-${environment}-services`;
}

/** The tenant's cost anomaly monitor and its subscription. */
export function tenantAnomalyMonitorName(environment: string, tenantId: string): string {
  return `${NAME_PREFIX}-${environment}-${tenantId}`;
}

/**
 * AWS name length limits the tests hold every generated name to. test/naming.test.ts checks each
 * against botocore's service model (aws/name-limits.botocore.json) where the model has a maximum;
 * the rest come from the service documentation:
 * S3 https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (63),
 * EC2 security groups https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html (255),
 * ECS service, family and cluster names https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html (255),
 * RDS identifiers https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints (63),
 * SNS topics https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (256),
 * Lambda function names https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (64; the model's 140 admits an ARN),
 * SSM parameter names https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html (1011 for the name itself),
 * CloudTrail trail names https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html (3-128; the provider checks StringLenBetween(3, 128), cloudtrail/trail.go),
 * Athena workgroups: the model caps them only in its pattern `[a-zA-Z0-9._-]{1,128}`,
 * CloudWatch dashboards https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html (255, `[A-Za-z0-9_-]`: only in the model's documentation text).
 */
export const AWS_NAME_LIMITS = {
  s3Bucket: 63,
  iamRole: 64,
  iamPolicy: 128,
  kmsAlias: 256,
  logGroup: 512,
  secret: 512,
  securityGroup: 255,
  ecsService: 255,
  taskFamily: 255,
  budget: 100,
  alarm: 255,
  ssmParameter: 1011,
  rdsIdentifier: 63,
  lambdaFunction: 64,
  ecsCluster: 255,
  snsTopic: 256,
  ecrRepository: 256,
  inferenceProfile: 64,
  anomalyMonitor: 1024,
  cloudTrail: 128,
  glueDatabase: 255,
  glueTable: 255,
  athenaWorkGroup: 128,
  dashboard: 255,
  metricFilter: 512,
} as const;

/** Value of the `ManagedBy` tag (provider default_tags) on everything the stacks create; the deploy role's KMS grants key on it. */
export const MANAGED_BY = "openclaw-infra";

/**
 * Suffixes (after `openclaw-<env>-<region>-`) of the platform IAM names the pipeline roles'
 * policies name exactly; test/bootstrap/deploy-role.test.ts checks them against the synthesized stacks.
 */
export const TENANT_BOUNDARY_SUFFIX = "tenant-boundary";
export const SERVICE_BOUNDARY_SUFFIX = "service-boundary";
/** The platform database's RDS identifier; its other names derive from it (databaseResourceNames). */
export const DATABASE_IDENTIFIER_SUFFIX = "db";
const RDS_MONITORING_ROLE = "rds-monitoring";
export const RDS_MONITORING_ROLE_SUFFIX = nameUnder(DATABASE_IDENTIFIER_SUFFIX, RDS_MONITORING_ROLE);
export const DB_PROVISIONER_FUNCTION_SUFFIX = "db-provisioner";
const DB_PROVISIONER_ROLE = "role";
export const DB_PROVISIONER_ROLE_SUFFIX = nameUnder(DB_PROVISIONER_FUNCTION_SUFFIX, DB_PROVISIONER_ROLE);
/** The VPC flow-log role, directly under the platform prefix (the network's namePrefix). */
export const FLOW_LOG_ROLE_SUFFIX = "flow-logs";

/** Egress proxy (SECURITY.md G1): its ECS service, roles and security group: `openclaw-<env>-<region>-egress-proxy`. */
export function egressProxyName(environment: string, region: string): string {
  return platformResourceName(environment, region, EGRESS_PROXY_SUFFIX);
}
const EGRESS_PROXY_SUFFIX = "egress-proxy";
/**
 * The egress proxy's roles, under the service-role boundary. Never ending in `-execution` or
 * `-task`: those are the tenant role patterns the tenant boundary is bound to (bootstrap).
 */
export const EGRESS_PROXY_EXECUTION_ROLE_SUFFIX = nameUnder(EGRESS_PROXY_SUFFIX, "execution-role");
export const EGRESS_PROXY_TASK_ROLE_SUFFIX = nameUnder(EGRESS_PROXY_SUFFIX, "refresher-role");

/**
 * The egress proxy refresher's task role, which each tenant key admits for its egress credential
 * (modules/tenant-egress.ts egressProxyKeyStatement): the platform stack creates it under this name.
 */
export function egressProxyTaskRoleName(environment: string, region: string): string {
  return platformResourceName(environment, region, EGRESS_PROXY_TASK_ROLE_SUFFIX);
}

/** The proxy task's execution role. */
export function egressProxyExecutionRoleName(environment: string, region: string): string {
  return platformResourceName(environment, region, EGRESS_PROXY_EXECUTION_ROLE_SUFFIX);
}

/** Private DNS namespace the proxy registers in; agents reach `proxy.<namespace>`. */
export function egressProxyNamespace(environment: string, region: string): string {
  return `egress.${region}.${environment}.${NAME_PREFIX}.internal`;
}

/** SSM path under which every tenant publishes its egress allowlist; the proxy reads it whole. */
export function egressTenantsParameterPath(environment: string, region: string): string {
  return `/${NAME_PREFIX}/${environment}/${region}/egress/tenants`;
}

/** One tenant's published egress allowlist. */
export function tenantEgressParameterName(environment: string, region: string, tenantId: string): string {
  return `${egressTenantsParameterPath(environment, region)}/${tenantId}`;
}

/**
 * The tenant's egress proxy credential: one of its secrets, under `platform/` so that no
 * integration name (no slash allowed) can collide with it.
 */
export function tenantEgressSecretName(environment: string, tenantId: string): string {
  return tenantSecretName(environment, tenantId, "platform/egress-proxy");
}

/** ARN pattern matching every tenant's egress credential secret of an environment (Secrets Manager appends `-XXXXXX`). */
export function tenantEgressSecretArnPattern(environment: string, region: string, accountId: string, tenantId = "*"): string {
  return `arn:aws:secretsmanager:${region}:${accountId}:secret:${tenantEgressSecretName(environment, tenantId)}-*`;
}
