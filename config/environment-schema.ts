import { describeFargateMemory, isValidFargateMemory } from "./fargate";
import { z } from "zod";
import { QUOTA_NAMES } from "../aws/quotas";
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
   * Whether this account activates the cost-allocation tags (TenantID, CostCenter, Environment)
   * itself. Only an Organizations management (payer) account can activate them for its members:
   * set `false` for a member account and activate the tags in the payer account (README "What a
   * tenant costs").
   */
  activateCostAllocationTags: z.boolean().default(true),
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
  /** Offboarding settings; every field has a default. */
  offboarding: OffboardingConfigSchema.prefault({}),
  /** Fleet deploy rings, bake times, failure budgets and concurrency (config/rollout-schema.ts); absent: every default. */
  rollout: RolloutConfigSchema.optional(),
  regions: z
    .record(z.string().regex(REGION_PATTERN, "an AWS region code like us-east-1").max(MAX_REGION_LENGTH), RegionConfigSchema)
    .refine((r) => Object.keys(r).length > 0, "at least one region"),
});

export const EnvironmentsSchema = z
  .record(z.string().regex(ENVIRONMENT_NAME_PATTERN, "lowercase letters, digits and hyphens, 2-12 characters"), EnvironmentConfigSchema)
  .refine((e) => Object.keys(e).length > 0, "at least one environment");

export type RegionConfig = z.infer<typeof RegionConfigSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;
export type EnvironmentsConfig = z.infer<typeof EnvironmentsSchema>;
export type OffboardingConfig = z.infer<typeof OffboardingConfigSchema>;
