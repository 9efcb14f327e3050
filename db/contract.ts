/**
 * The invocation contract between a tenant stack (`TenantDatabase`, an
 * `aws_lambda_invocation`) and the provisioner Lambda. Both sides import it, so the
 * construct cannot build an input the handler rejects.
 *
 * The input is stored in Terraform state and shown in plans: it carries names and
 * options only, never a secret.
 */
import { z } from "zod";
import { formatIssues } from "../config/format-issues";
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
   * The tenant's KMS key, which encrypts an export to the tenant bucket. S3 does not fall back to
   * the bucket's default key when a request asks for SSE-KMS without naming one (it uses aws/s3).
   * Absent for an offboarding tenant, whose export goes to the platform's archive under that
   * bucket's default encryption.
   */
  exportKmsKeyArn: z.string().regex(KMS_KEY_ARN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)").optional(),
  /** `retain` (default): revoke login, keep schema and rows. `drop`: export to S3, then remove everything. */
  deletionMode: z.enum(DELETION_MODES),
  /** CONNECTION LIMIT of the tenant's login role. */
  connectionLimit: z.number().int().min(1).max(MAX_CONNECTION_LIMIT),
  /**
   * Present (true) only while the tenant file says `status: offboarding`. A delete acts (retain
   * or drop) only when the input it receives, the last one applied, carries it; any other
   * delete (the invocation replaced because the function was renamed, `-replace`, a stack
   * destroyed by hand) leaves the database untouched. Absent rather than false, so tenants
   * that are not offboarding keep the input they always had.
   */
  offboarding: z.literal(true).optional(),
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

/**
 * Step 2 of the offboarding job, before any destroy: the tenant's rows (its schema and its rows
 * of the shared tables, the same export a `drop` takes) written to the platform's offboarding
 * archive. Retires the tenant's login first (agents already run 0 tasks), so the snapshot is
 * final; nothing is dropped. The job records the returned checksum and verifies the object.
 */
export const ExportEventSchema = z.strictObject({
  operation: z.literal("export"),
  environment: z.string().min(1),
  tenantId: ProvisionerInputSchema.shape.tenantId,
  /** The offboarding archive (offboardingArchiveBucketName); the function may write nowhere else there but below EXPORT_PREFIX. */
  exportBucket: ProvisionerInputSchema.shape.exportBucket,
});
export type ExportEvent = z.infer<typeof ExportEventSchema>;

/** Where an export went and what it holds, so the offboarding record can prove it. */
export interface ExportReceipt {
  /** `s3://bucket/key`. */
  readonly exportLocation: string;
  /** Hex SHA-256 of the object's bytes (UTF-8 SQL). */
  readonly exportSha256: string;
  readonly exportBytes: number;
}

export interface ExportResult extends ExportReceipt {
  readonly status: "exported";
  /** True when an earlier call already stored this export (a retry): nothing was exported again. */
  readonly reused?: true;
  readonly tenantId: string;
  readonly roleName: string;
  readonly schemaName: string;
}

export interface MigrateResult {
  readonly status: "migrated";
  readonly migrationsApplied: string[];
}

/** What the handler returns for a tenant; Terraform keeps it as the invocation's `result`. */
export interface ProvisionerResult {
  readonly tenantId: string;
  readonly roleName: string;
  readonly schemaName: string;
  /**
   * `active` after create/update, `retired` after a retaining delete, `dropped` after a dropping
   * one, `absent` when there was nothing to delete, `kept` after a delete of a tenant that is not
   * offboarding (nothing was touched).
   */
  readonly status: "active" | "retired" | "dropped" | "absent" | "kept";
  /** Migrations this invocation applied (usually none). */
  readonly migrationsApplied: string[];
  /** `s3://bucket/key` of the export taken before a drop (or taken by the `export` operation, which a drop reuses). */
  readonly exportLocation?: string;
  /** Hex SHA-256 and size of that export. */
  readonly exportSha256?: string;
  readonly exportBytes?: number;
}

/**
 * Validates an invocation: a tenant event, or a platform operation (`migrate` on deploy, `reap`
 * and `measure` on schedule, `export` from the offboarding job). Both sides use it: the Lambda
 * on what it receives (db/provisioner/provisioner.ts), the offboarding job on what it sends
 * (pipeline/offboard.ts), and the tests' fake provisioners, so a stray key fails everywhere.
 */
export function parseProvisionerEvent(event: unknown): ProvisionerEvent | MigrateEvent | ReapEvent | MeasureEvent | ExportEvent {
  const operation = typeof event === "object" && event !== null && "operation" in event ? (event as { operation: unknown }).operation : undefined;
  const schema =
    operation === undefined
      ? ProvisionerEventSchema
      : operation === "export"
        ? ExportEventSchema
        : operation === "reap" ? ReapEventSchema : operation === "measure" ? MeasureEventSchema : MigrateEventSchema;
  // The input carries no secret (see db/contract.ts), so messages may show the values.
  const parsed = schema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    throw new Error(`invalid provisioner input: ${formatIssues(schema, parsed.error.issues).join("; ")}`);
  }
  return parsed.data;
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
