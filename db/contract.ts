/**
 * The invocation contract between a tenant stack (`TenantDatabase`, an
 * `aws_lambda_invocation`) and the provisioner Lambda. Both sides import it, so the
 * construct cannot build an input the handler rejects.
 *
 * The input is stored in Terraform state and shown in plans: it carries names and
 * options only, never a secret.
 */
import { z } from "zod";
import { TENANT_ID_PATTERN } from "../config/tenant-id";

/** What happens to a tenant's database side when its stack is destroyed. */
export const DELETION_MODES = ["retain", "drop"] as const;
export type DeletionMode = (typeof DELETION_MODES)[number];

/** Upper bound for a tenant role's CONNECTION LIMIT; RDS max_connections is a few hundred on small classes. */
export const MAX_CONNECTION_LIMIT = 500;

const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export const ProvisionerInputSchema = z.strictObject({
  /** Tenant id (validated like the tenant file's `id`). */
  tenantId: z.string().regex(TENANT_ID_PATTERN, "a tenant id (^[a-z][a-z0-9-]{0,24}[a-z0-9]$)"),
  /** Environment of the calling stack; must equal the provisioner's own. */
  environment: z.string().min(1),
  /** Tenant bucket that receives the export taken before a `drop`. */
  exportBucket: z.string().regex(S3_BUCKET_NAME, "an S3 bucket name"),
  /**
   * The tenant's KMS key, which encrypts the export. S3 does not fall back to the bucket's
   * default key when a request asks for SSE-KMS without naming one (it uses aws/s3).
   */
  exportKmsKeyArn: z.string().regex(KMS_KEY_ARN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"),
  /** `retain` (default): revoke login, keep schema and rows. `drop`: export to S3, then remove everything. */
  deletionMode: z.enum(DELETION_MODES),
  /** CONNECTION LIMIT of the tenant's login role. */
  connectionLimit: z.number().int().min(1).max(MAX_CONNECTION_LIMIT),
});
export type ProvisionerInput = z.infer<typeof ProvisionerInputSchema>;

/** The key `aws_lambda_invocation` adds with `lifecycle_scope = "CRUD"` (its `terraform_key`). */
export const TERRAFORM_KEY = "tf";

export const ProvisionerEventSchema = ProvisionerInputSchema.extend({
  [TERRAFORM_KEY]: z
    .object({
      action: z.enum(["create", "update", "delete"]),
      prev_input: z.unknown().optional(),
    })
    .optional(),
});
/** An invocation as the Lambda receives it. Without `tf` (an operator's manual call) it means `create`. */
export type ProvisionerEvent = z.infer<typeof ProvisionerEventSchema>;

/**
 * The platform stack's own invocation, re-sent whenever the bundle changes: applies
 * pending migrations and touches no tenant, so a new migration reaches the database
 * with the platform deploy that ships it, not with the next tenant change.
 */
export const MigrateEventSchema = z.strictObject({
  operation: z.literal("migrate"),
  environment: z.string().min(1),
});

/**
 * The platform's scheduled invocation (every minute): ends tenant sessions over their
 * statement, idle-in-transaction or transaction limit, which a tenant can otherwise lift
 * by SETting its own timeouts (db/provisioner/limits.ts).
 */
export const ReapEventSchema = z.strictObject({
  operation: z.literal("reap"),
  environment: z.string().min(1),
});
export type ReapEvent = z.infer<typeof ReapEventSchema>;

/** The platform's scheduled invocation (every 15 minutes): reports each tenant's storage as a metric (db/provisioner/storage.ts). */
export const MeasureEventSchema = z.strictObject({
  operation: z.literal("measure"),
  environment: z.string().min(1),
});
export type MeasureEvent = z.infer<typeof MeasureEventSchema>;

/** Namespace and names of the storage metrics the measure operation emits; the tenant alarm uses the same ones. */
export const STORAGE_METRIC = { namespace: "OpenClaw/Database", bytes: "TenantStorageBytes", rows: "TenantSharedRows" } as const;

export interface MeasureResult {
  readonly status: "measured";
  /** Tenants measured. */
  readonly tenants: number;
}

export interface ReapResult {
  readonly status: "reaped";
  /** Sessions ended by this run. */
  readonly sessionsEnded: number;
}
export type MigrateEvent = z.infer<typeof MigrateEventSchema>;

export interface MigrateResult {
  readonly status: "migrated";
  readonly migrationsApplied: string[];
}

/** What the handler returns for a tenant; Terraform keeps it as the invocation's `result`. */
export interface ProvisionerResult {
  readonly tenantId: string;
  readonly roleName: string;
  readonly schemaName: string;
  /** `active` after create/update, `retired` after a retaining delete, `dropped` after a dropping one, `absent` when there was nothing to delete. */
  readonly status: "active" | "retired" | "dropped" | "absent";
  /** Migrations this invocation applied (usually none). */
  readonly migrationsApplied: string[];
  /** `s3://bucket/key` of the export taken before a drop. */
  readonly exportLocation?: string;
}

/**
 * Deployment constants shared by the Lambda (db/lambda/handler.ts), its bundler and its
 * construct (modules/db-provisioner.ts). Here, not in the handler, so synthesising a
 * stack does not load the AWS SDK or pg.
 */

/** Environment variables the construct sets and the handler reads. None holds a secret. */
export const PROVISIONER_ENV = {
  host: "DB_HOST",
  port: "DB_PORT",
  database: "DB_NAME",
  secretArn: "DB_MASTER_SECRET_ARN",
  environment: "OPENCLAW_ENVIRONMENT",
} as const;

/** Node.js runtime of the function; db/bundle.ts targets the same major version. */
export const PROVISIONER_RUNTIME = "nodejs22.x";

/** Prefix of export objects in the tenant bucket; the function may write nowhere else. */
export const EXPORT_PREFIX = "database-exports";
