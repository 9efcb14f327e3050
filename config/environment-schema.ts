import { describeFargateMemory, isValidFargateMemory } from "./fargate";
import { z } from "zod";
import { QUOTA_NAMES } from "../aws/quotas";
import { ZONE_ID_PATTERN, zoneIdsFor } from "./availability-zones";
import { IMAGE_DIGEST_MESSAGE, IMAGE_DIGEST_PATTERN, SCAN_SEVERITIES } from "./image-reference";
import { RolloutConfigSchema } from "./rollout-schema";

/**
 * Schema of the `environments` object in cdktf.json's context.
 *
 * An environment is one AWS account; its regions each get a platform stack when
 * they host tenants or are marked `alwaysOn`.
 */

/** Environment names become part of stack names, SSM paths and AWS resource names. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z][a-z0-9-]{1,11}$/;
/** Real AWS region codes, e.g. us-east-1, ap-southeast-2, us-gov-west-1. */
export const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/**
 * Longest region code AWS uses today (ap-southeast-2, ap-northeast-3: 14). Names that embed
 * a region are sized against it, so a region longer than this is rejected rather than
 * producing a name that AWS refuses at apply time.
 */
export const MAX_REGION_LENGTH = 14;

const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DYNAMODB_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function cidrBlock(minPrefix: number, maxPrefix: number) {
  return z.string().superRefine((value, ctx) => {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    const octets = match ? match.slice(1, 5).map(Number) : [];
    const prefix = match ? Number(match[5]) : -1;
    if (!match || octets.some((o) => o > 255)) {
      ctx.addIssue({ code: "custom", message: "an IPv4 CIDR block like 10.10.0.0/16" });
      return;
    }
    if (prefix < minPrefix || prefix > maxPrefix) {
      ctx.addIssue({ code: "custom", message: `a prefix length between /${minPrefix} and /${maxPrefix}` });
      return;
    }
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    if (address % 2 ** (32 - prefix) !== 0) {
      ctx.addIssue({ code: "custom", message: "a network address with no host bits set" });
    }
  });
}

export const DatabaseConfigSchema = z.strictObject({
  /** RDS instance class, e.g. db.t4g.medium. */
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class like db.t4g.medium"),
  /**
   * PostgreSQL version. A major version alone (the default) lets RDS apply minor upgrades
   * without Terraform planning a downgrade back to the version written here.
   */
  engineVersion: z.string().regex(/^\d+(\.\d+)?$/, "a PostgreSQL version like 16 or 16.4").default("16"),
  allocatedStorageGiB: z.number().int().min(20).max(65536),
  multiAz: z.boolean(),
  backupRetentionDays: z.number().int().min(1).max(35),
  /**
   * Whether a change of instanceClass, multiAz or allocatedStorageGiB is applied by the deploy
   * that ships it (`true`: a Multi-AZ failover or a restart of a few minutes, at deploy time) or
   * waits for the instance's weekly maintenance window (`false`). Until it is applied the instance
   * runs the old class while the capacity gate and the connections alarm already count the new
   * one; `npm run capacity` says so.
   */
  applyImmediately: z.boolean().default(false),
  /** Days RDS's PostgreSQL and upgrade logs (slow statements with their literals: tenant data) are kept. */
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365].includes(d), "one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365")
    .default(30),
});

/** Sizing of a region's egress proxy; every tenant's internet traffic passes through it. */
export const EgressProxyConfigSchema = z.strictObject({
  /** Proxy image in the platform repository (images/egress-proxy/): a tag, or a `sha256:` digest. */
  image: z
    .string()
    .regex(/^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, "an image tag or a sha256: digest")
    .default("egress-proxy-2026.12.0"),
  /** Tasks, spread over the zones; at least two, so one failing leaves egress up. */
  tasks: z.number().int().min(2).max(20).default(2),
  /** Fargate CPU units and memory (MiB) per task. */
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048)]).default(512),
  memory: z.number().int().min(512).max(16384).default(1024),
  /** Refusals across all tenants in five minutes that raise the region's alarm. */
  refusedAlarmThreshold: z.number().int().min(1).default(100),
}).superRefine((proxy, ctx) => {
  if (!isValidFargateMemory(proxy.cpu, proxy.memory)) {
    ctx.addIssue({ code: "custom", path: ["memory"], message: `${proxy.memory} MiB is not a valid Fargate memory size for cpu ${proxy.cpu} (${describeFargateMemory(proxy.cpu)})` });
  }
});

export const RegionConfigSchema = z.strictObject({
  /** The VPC's IPv4 range; /16 to /20 so every tier gets room for tasks. */
  vpcCidr: cidrBlock(16, 20),
  /** Availability zones the VPC spans. */
  availabilityZoneCount: z.number().int().min(2).max(4).default(2),
  /**
   * The zones, by zone id (`aws ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneId'`),
   * in order; the VPC uses the first `availabilityZoneCount`. Ids name the same physical zone in
   * every account and never shift when a zone is impaired. An existing VPC must list the ids its
   * subnets already use (`aws ec2 describe-subnets --query 'Subnets[].AvailabilityZoneId'`), or its
   * subnets are replaced. @default config/availability-zones.ts DEFAULT_ZONE_IDS for the region
   */
  availabilityZoneIds: z
    .array(z.string().regex(ZONE_ID_PATTERN, "a zone id like use1-az1"))
    .min(2)
    .max(6)
    .refine((ids) => new Set(ids).size === ids.length, "each zone id once")
    .optional(),
  /** `single` saves cost; `per-az` keeps egress up when one zone fails. */
  natGateways: z.enum(["single", "per-az"]).default("single"),
  /** Deploy the platform stack even while no tenant lives in this region. */
  alwaysOn: z.boolean().default(false),
  database: DatabaseConfigSchema,
  /** The region's egress proxy (SECURITY.md G1, modules/egress-proxy.ts). */
  egressProxy: EgressProxyConfigSchema.prefault({}),
});

/**
 * What offboarding a tenant of this environment does (see the README's "Offboarding a tenant").
 * The windows are AWS's own limits: ScheduleKeyDeletion and DeleteSecret accept 7-30 days.
 */
export const OffboardingConfigSchema = z.strictObject({
  /**
   * Days every object in the offboarding archive (database exports, bucket manifests) is kept:
   * S3 Object Lock holds it that long, then a lifecycle rule expires it.
   */
  archiveRetentionDays: z.number().int().min(1).max(3650).default(365),
  /** Days between `terraform destroy` and AWS deleting the tenant's KMS key; it can be cancelled meanwhile. */
  kmsDeletionWindowDays: z.number().int().min(7).max(30).default(30),
  /** Days a deleted tenant secret can still be restored. */
  secretRecoveryWindowDays: z.number().int().min(7).max(30).default(30),
  /**
   * `delete` removes the tenant's log group with the stack; `retain` leaves it until its retention
   * expires (readable only until the tenant key is deleted, which encrypts it).
   */
  logGroup: z.enum(["delete", "retain"]).default("delete"),
});

/**
 * Cost Anomaly Detection for the environment (README "Cost anomalies"). An account may have one
 * AWS services monitor and 500 custom monitors, and custom monitors on cost-allocation tags can
 * be created only in an Organizations management account
 * (https://docs.aws.amazon.com/cost-management/latest/userguide/getting-started-ad.html).
 */
export const CostAnomalyConfigSchema = z.strictObject({
  /**
   * `account`: one AWS services monitor per environment (account), created by the platform stack
   * that owns account-wide resources, with an immediate subscription to the alarm topic; works in
   * member accounts and at any fleet size. `per-tenant`: one tag monitor per tenant on its
   * TenantID value; only in a management or standalone account, and at most 500 per account
   * (the capacity gate counts them). `off`: none.
   */
  monitors: z.enum(["account", "per-tenant", "off"]).default("account"),
  /**
   * An AWS services monitor the account already has (AWS creates `Default-Services-Monitor` in some
   * new accounts, and an account may have only one): `account` mode subscribes to it instead of
   * creating one. @default none: the platform stack creates the services monitor
   */
  existingServicesMonitorArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:ce::\d{12}:anomalymonitor\/[0-9a-f-]{36}$/, "a Cost Explorer anomaly monitor ARN like arn:aws:ce::111111111111:anomalymonitor/<uuid>")
    .optional(),
  /** Smallest anomaly (total impact, USD) the account-wide subscription sends to the alarm topic. */
  accountThresholdUsd: z.number().min(1).max(1000000).default(100),
});

/**
 * The environment's access audit trail (README "Audit trail", SECURITY.md G2): one multi-region
 * CloudTrail trail per environment (account) delivering to an Object Lock bucket.
 */
export const AuditConfigSchema = z.strictObject({
  /**
   * Days every trail log file is kept: Object Lock in compliance mode holds each one that long
   * (nobody, root included, can delete or shorten it), then a lifecycle rule expires it. Raising it
   * applies to new files only; lowering it cannot release files already written.
   */
  retentionDays: z.number().int().min(1).max(3650).default(365),
  /** Days Athena's query results (copies of trail rows) are kept before they expire. */
  queryResultsDays: z.number().int().min(1).max(90).default(7),
});

/**
 * Opt-in tracing (README "Traces"): every agent task of the environment runs an AWS Distro for
 * OpenTelemetry collector beside the agent (modules/agent-tracing.ts), which samples, stamps the
 * tenant and agent on every span and sends them to X-Ray through the VPC's X-Ray endpoint.
 */
export const TracingConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /**
     * Share of traces kept (0 < rate <= 1): the collector's probabilistic sampler decides per
     * trace id, so every span of a kept trace is kept. X-Ray bills per trace recorded.
     */
    samplingRate: z.number().gt(0).max(1).default(0.05),
    /**
     * The collector image in the platform ECR repository, by digest: a copy of
     * public.ecr.aws/aws-observability/aws-otel-collector (agents have no internet to pull it
     * from, and the pre-deploy gate checks its scan and signature like any image). Required
     * when enabled.
     */
    collectorImage: z.string().regex(IMAGE_DIGEST_PATTERN, IMAGE_DIGEST_MESSAGE).optional(),
  })
  .superRefine((tracing, ctx) => {
    if (tracing.enabled && tracing.collectorImage === undefined) {
      ctx.addIssue({ code: "custom", path: ["collectorImage"], message: "the collector's sha256: digest in the platform repository, required while tracing is enabled (README \"Traces\" says how to copy it there)" });
    }
  });

export const EnvironmentConfigSchema = z.strictObject({
  /** The AWS account this environment deploys into; providers refuse any other. */
  accountId: z.string().regex(/^\d{12}$/, "a 12-digit AWS account id"),
  /** S3 bucket holding every stack's state; created by `npm run bootstrap`. */
  stateBucket: z.string().regex(S3_BUCKET_NAME, "a valid S3 bucket name"),
  /** Region of the state bucket and lock table; every stack of the environment keeps its state there. */
  stateRegion: z.string().regex(REGION_PATTERN, "an AWS region code like us-east-1"),
  /**
   * `kms`: state objects are encrypted with the dedicated key bootstrap creates
   * (alias/openclaw-<env>-terraform-state); `aes256`: with S3 managed keys.
   */
  stateEncryption: z.enum(["kms", "aes256"]).default("kms"),
  /** DynamoDB table for state locks; created by `npm run bootstrap`. */
  lockTable: z.string().regex(DYNAMODB_TABLE_NAME, "a valid DynamoDB table name"),
  /** Default CostCenter tag for this environment's resources. */
  costCenter: z.string().min(1).max(128),
  /**
   * Whether Terraform activates the cost-allocation tags (TenantID, CostCenter, Environment) in
   * this account. Off by default: AWS lists a tag key for activation only once it has been on a
   * resource in billing data (up to 24 hours after the first tenant deploys), and the provider
   * fails the create of a key that is not listed yet (ce/cost_allocation_tag.go), so no first
   * apply may depend on it. Set `true` once `aws ce list-cost-allocation-tags --tag-keys TenantID`
   * lists the key; leave it `false` in an Organizations member account, whose payer account
   * activates the tags (README "What a tenant costs").
   */
  activateCostAllocationTags: z.boolean().default(false),
  /**
   * Agent container image in the platform ECR repository, by digest (config/image-reference.ts):
   * the pre-deploy gate checks exactly this image's scan and signature.
   */
  agentImage: z.string().regex(IMAGE_DIGEST_PATTERN, IMAGE_DIGEST_MESSAGE),
  /**
   * A deploy refuses an image with a scan finding at or above this severity
   * (pipeline/image-gate.ts). Unset: HIGH.
   */
  imageScanSeverityThreshold: z.enum(SCAN_SEVERITIES).optional(),
  /**
   * Concurrent executions reserved for the DB provisioner Lambda in each region. Leave unset
   * (no reservation) unless the account's Lambda concurrency quota is comfortably above 100:
   * Lambda refuses a reservation that would leave fewer than 100 unreserved executions, and new
   * accounts often start with a quota of 10. Counted against `quotas.lambdaConcurrentExecutions`.
   */
  provisionerReservedConcurrency: z.number().int().min(1).max(1000).optional(),
  /**
   * Quotas this account has had raised, by name (see aws/quotas.ts); unlisted quotas use
   * AWS's defaults. The synth stops when the stacks would exceed any of them.
   */
  quotas: z
    .strictObject(Object.fromEntries(QUOTA_NAMES.map((name) => [name, z.number().int().positive()])) as Record<(typeof QUOTA_NAMES)[number], z.ZodNumber>)
    .partial()
    .optional(),
  /**
   * Who receives the environment's alarms and anomaly alerts (every region's alarm topic): e-mail
   * addresses (each confirms once) and https endpoints (chat webhook bridges and the like).
   * @default none: alarms reach nobody, and every synth says so
   */
  alarmSubscriptions: z
    .array(
      z.discriminatedUnion("protocol", [
        z.strictObject({ protocol: z.literal("email"), endpoint: z.email({ message: "an e-mail address" }) }),
        z.strictObject({ protocol: z.literal("https"), endpoint: z.string().regex(/^https:\/\/\S+$/, "an https:// URL") }),
      ]),
    )
    .max(20)
    .refine((list) => new Set(list.map((s) => `${s.protocol}:${s.endpoint}`)).size === list.length, "each endpoint once")
    .default([]),
  /** Cost Anomaly Detection; every field has a default. */
  costAnomalies: CostAnomalyConfigSchema.prefault({}),
  /** Offboarding settings; every field has a default. */
  offboarding: OffboardingConfigSchema.prefault({}),
  /** Audit trail settings; every field has a default. */
  audit: AuditConfigSchema.prefault({}),
  /** Tracing of agent tasks; off unless enabled. */
  tracing: TracingConfigSchema.prefault({}),
  /** Fleet deploy rings, bake times, failure budgets and concurrency (config/rollout-schema.ts); absent: every default. */
  rollout: RolloutConfigSchema.optional(),
  regions: z
    .record(z.string().regex(REGION_PATTERN, "an AWS region code like us-east-1").max(MAX_REGION_LENGTH), RegionConfigSchema)
    .refine((r) => Object.keys(r).length > 0, "at least one region")
    .superRefine((regions, ctx) => {
      for (const [region, config] of Object.entries(regions)) {
        const zones = zoneIdsFor(region, config.availabilityZoneCount, config.availabilityZoneIds);
        if (typeof zones === "string") ctx.addIssue({ code: "custom", path: [region, "availabilityZoneIds"], message: zones });
      }
    }),
});

export const EnvironmentsSchema = z
  .record(z.string().regex(ENVIRONMENT_NAME_PATTERN, "lowercase letters, digits and hyphens, 2-12 characters"), EnvironmentConfigSchema)
  .refine((e) => Object.keys(e).length > 0, "at least one environment");

export type RegionConfig = z.infer<typeof RegionConfigSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;
export type EnvironmentsConfig = z.infer<typeof EnvironmentsSchema>;
export type OffboardingConfig = z.infer<typeof OffboardingConfigSchema>;
export type AuditConfig = z.infer<typeof AuditConfigSchema>;
