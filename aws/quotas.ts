/**
 * AWS quotas a fleet meets before anything else, with their defaults. An environment is one
 * AWS account, so every quota is per account, either account-wide or per region (or per
 * resource, as noted). Accounts whose quotas were raised declare the new values in cdktf.json
 * (`environments.<env>.quotas`); nothing is fetched from AWS at synth.
 */

export type QuotaScope = "account" | "region" | "security-group" | "cluster" | "database" | "log-group";

export interface QuotaDefinition {
  /** What is counted, as shown in reports. */
  readonly title: string;
  readonly scope: QuotaScope;
  /** AWS's default for a new account. */
  readonly defaultLimit: number;
  /** Whether Service Quotas (or a support case) can raise it. */
  readonly adjustable: boolean;
  /** The most AWS will grant, when there is a published ceiling. */
  readonly hardMaximum?: number;
  readonly documentation: string;
  /** Caveat shown with the quota. */
  readonly note?: string;
}

export const QUOTAS = {
  iamRoles: {
    title: "IAM roles",
    scope: "account",
    defaultLimit: 1000,
    adjustable: true,
    hardMaximum: 5000,
    documentation: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
  },
  iamCustomerManagedPolicies: {
    title: "IAM customer managed policies",
    scope: "account",
    defaultLimit: 1500,
    adjustable: true,
    hardMaximum: 5000,
    documentation: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
  },
  s3Buckets: {
    title: "S3 general purpose buckets",
    scope: "account",
    defaultLimit: 10000,
    adjustable: true,
    hardMaximum: 1000000,
    documentation: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html",
  },
  budgets: {
    title: "AWS Budgets",
    scope: "account",
    defaultLimit: 20000,
    adjustable: false,
    documentation: "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-limits.html",
  },
  costAnomalyServicesMonitors: {
    title: "Cost Anomaly Detection AWS services monitors",
    scope: "account",
    defaultLimit: 1,
    adjustable: false,
    hardMaximum: 1,
    documentation: "https://aws.amazon.com/aws-cost-management/aws-cost-anomaly-detection/faqs/",
    note: "AWS may have created one in the account already: set costAnomalies.existingServicesMonitorArn",
  },
  costAnomalyCustomMonitors: {
    title: "Cost Anomaly Detection custom monitors",
    scope: "account",
    defaultLimit: 500,
    adjustable: false,
    documentation: "https://aws.amazon.com/aws-cost-management/aws-cost-anomaly-detection/faqs/",
    note: "tag monitors (costAnomalies.monitors: per-tenant) only in a management or standalone account",
  },
  securityGroups: {
    title: "VPC security groups",
    scope: "region",
    defaultLimit: 2500,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
  },
  inboundRulesPerSecurityGroup: {
    title: "inbound rules per security group",
    scope: "security-group",
    defaultLimit: 60,
    adjustable: true,
    hardMaximum: 1000,
    documentation: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
    note: "rules per group times groups per network interface may not exceed 1,000",
  },
  outboundRulesPerSecurityGroup: {
    title: "outbound rules per security group",
    scope: "security-group",
    defaultLimit: 60,
    adjustable: true,
    hardMaximum: 1000,
    documentation: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
  },
  ecsServicesPerCluster: {
    title: "ECS services per cluster",
    scope: "cluster",
    defaultLimit: 5000,
    adjustable: false,
    documentation: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html",
  },
  fargateOnDemandVcpu: {
    title: "Fargate On-Demand vCPU",
    scope: "region",
    defaultLimit: 4000,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html",
    note: "new accounts often start far lower: declare your account's value",
  },
  fargateSpotVcpu: {
    title: "Fargate Spot vCPU",
    scope: "region",
    defaultLimit: 4000,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html",
    note: "new accounts often start far lower: declare your account's value",
  },
  ssmStandardParameters: {
    title: "SSM standard parameters",
    scope: "region",
    defaultLimit: 10000,
    adjustable: false,
    documentation: "https://docs.aws.amazon.com/general/latest/gr/ssm.html#limits_ssm",
    note: "beyond it only the advanced tier (100,000, charged per parameter)",
  },
  kmsKeys: {
    title: "KMS customer managed keys",
    scope: "region",
    defaultLimit: 100000,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
  },
  secrets: {
    title: "Secrets Manager secrets",
    scope: "region",
    defaultLimit: 500000,
    adjustable: false,
    documentation: "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html",
  },
  metricAlarms: {
    title: "CloudWatch metric alarms",
    scope: "region",
    defaultLimit: 5000,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html",
    note: "a planning bound (the long-standing per-region figure); check your account's quota",
  },
  metricFiltersPerLogGroup: {
    title: "metric filters per log group",
    scope: "log-group",
    defaultLimit: 100,
    adjustable: false,
    documentation: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html",
    note: "why the egress proxy counts refusals per tenant with one filter and a TenantId dimension, never a filter per tenant",
  },
  logGroups: {
    title: "CloudWatch Logs log groups",
    scope: "region",
    defaultLimit: 1000000,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html",
  },
  lambdaConcurrentExecutions: {
    title: "Lambda concurrent executions",
    scope: "region",
    defaultLimit: 1000,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    note: "counted as reserved concurrency plus the 100 Lambda always keeps unreserved; new accounts can start at 10, where no reservation is possible",
  },
  databaseConnections: {
    title: "database connections",
    scope: "database",
    // Replaced per database by max_connections of its instance class; see maxConnections().
    defaultLimit: 0,
    adjustable: true,
    documentation: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections",
    note: "max_connections of the instance class; raise by a larger class or a pooler (RDS Proxy)",
  },
} as const satisfies Record<string, QuotaDefinition>;

export type QuotaName = keyof typeof QUOTAS;

/** The limit in force: the value an environment declares (`quotas` in cdktf.json), else `fallback`, else AWS's default. */
export function quotaInForce(declared: Partial<Record<QuotaName, number>> | undefined, quota: QuotaName, fallback?: number): number {
  return declared?.[quota] ?? fallback ?? QUOTAS[quota].defaultLimit;
}
export const QUOTA_NAMES = Object.keys(QUOTAS) as QuotaName[];

/** Memory (GiB) of common RDS instance classes, for PostgreSQL's default max_connections. */
const INSTANCE_MEMORY_GIB: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  "2xlarge": 32,
  "4xlarge": 64,
  "8xlarge": 128,
  "12xlarge": 192,
  "16xlarge": 256,
};
/** Memory-optimized families have twice the memory of general-purpose ones at each size. */
const MEMORY_OPTIMIZED = /^db\.(r|x)/;
/**
 * Slots RDS for PostgreSQL keeps for its own superuser (rdsadmin): superuser_reserved_connections,
 * which customers cannot change.
 */
export const RDS_SUPERUSER_RESERVED_CONNECTIONS = 3;
/** Default of `rds.rds_superuser_reserved_connections`: slots only rds_superuser members (the master user) may use. */
export const RDS_DEFAULT_RDS_SUPERUSER_RESERVED_CONNECTIONS = 2;

/**
 * RDS for PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * DBInstanceClassMemory is a little below the nominal memory, so this slightly overestimates;
 * the 80% warning absorbs the difference.
 */
export function defaultMaxConnections(instanceClass: string): number | undefined {
  const size = instanceClass.split(".")[2];
  const base = INSTANCE_MEMORY_GIB[size];
  if (base === undefined) return undefined;
  const gib = MEMORY_OPTIMIZED.test(instanceClass) && size !== "micro" && size !== "small" && size !== "medium" ? base * 2 : base;
  return Math.min(Math.floor((gib * 1024 ** 3) / 9531392), 5000);
}

/**
 * Connections the database admits for ordinary roles (the tenants): max_connections less the
 * slots reserved for rdsadmin and for rds_superuser members (the provisioner). Tenants can never
 * use the reserved ones, so the capacity check must not count them.
 */
export function maxConnections(
  instanceClass: string,
  rdsSuperuserReservedConnections = RDS_DEFAULT_RDS_SUPERUSER_RESERVED_CONNECTIONS,
  maxConnectionsSetting?: number,
): number | undefined {
  const max = maxConnectionsSetting ?? defaultMaxConnections(instanceClass);
  if (max === undefined) return undefined;
  return max - RDS_SUPERUSER_RESERVED_CONNECTIONS - rdsSuperuserReservedConnections;
}
