/**
 * The provisioner's logic, free of AWS SDK imports: the Lambda handler
 * (db/lambda/handler.ts) supplies the master credentials and the S3 upload, tests
 * supply fakes for those two and a real PostgreSQL server for everything else.
 */
import { Client } from "pg";
import type { ClientBase, ClientConfig } from "pg";
import { createHash } from "node:crypto";
import {
  EXPORT_PREFIX,
  ExportEvent,
  ExportReceipt,
  ExportResult,
  MigrateResult,
  ProvisionerEvent,
  ProvisionerInput,
  ProvisionerResult,
  MeasureResult,
  ReapResult,
  TERRAFORM_KEY,
  parseProvisionerEvent,
} from "../contract";
import { DEFAULT_LAYOUT, DbLayout } from "../names";
import { startBlockerGuard } from "./blockers";
import { confineTenantsToThisDatabase, dropOwnedInOtherDatabases } from "./databases";
import { exportTenant } from "./export";
import { measureTenantStorage, storageMetricRecord } from "./storage";
import { applySessionLimits, DEFAULT_SESSION_LIMITS, reapTenantSessions, SessionLimits } from "./limits";
import { loadMigrations, migrate, Migration, defaultMigrationsDirectory } from "./migrate";
import { actAsTenant, dropTenant, provisionTenant, retireTenant, TenantNames, tenantNames, terminateSessions } from "./tenant";

/** The RDS-managed master secret holds more keys; these two are what we use. */
export interface MasterCredentials {
  readonly username: string;
  readonly password: string;
}

export interface ProvisionerDeps {
  /** Where the database is. `ssl` is the TLS config handed to `pg` (see db/lambda/handler.ts). */
  readonly connection: Pick<ClientConfig, "host" | "port" | "database" | "ssl">;
  /** The provisioner's own environment; an invocation from another environment is refused. */
  readonly environment: string;
  /** Reads the master user's credentials (Secrets Manager in AWS). Called once per invocation, so rotation needs no restart. */
  readonly getMasterCredentials: () => Promise<MasterCredentials>;
  /** Stores an export (S3 in AWS): SSE-KMS with `kmsKeyArn` when given, else the bucket's default encryption. */
  readonly putExport: (bucket: string, key: string, body: string, kmsKeyArn?: string) => Promise<void>;
  /** @default DEFAULT_LAYOUT */
  readonly layout?: DbLayout;
  /** @default the files in db/migrations */
  readonly migrations?: readonly Migration[];
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Structured log line sink. @default console.log of one JSON object */
  readonly log?: (entry: Record<string, unknown>) => void;
  /**
   * How long a tenant session may block the provisioner (hold a lock a migration or a
   * role change waits for) before the provisioner ends it. @default 5000
   */
  readonly blockerGraceMs?: number;
  /** Limits set on every tenant role and enforced by the `reap` operation. @default DEFAULT_SESSION_LIMITS */
  readonly sessionLimits?: SessionLimits;
  /** Where embedded-metric-format records go. @default one JSON line straight to stdout (see storage.ts) */
  readonly emitMetric?: (record: Record<string, unknown>) => void;
}

/**
 * Serialises provisioner transactions per database, so migrations and role changes never
 * interleave. The lock is on a table no tenant has any privilege on: LOCK TABLE needs one,
 * and the only lock a tenant can take on it without privileges is the ACCESS SHARE that
 * pg_relation_size(oid) takes, which SHARE ROW EXCLUSIVE does not conflict with. (An
 * advisory lock key is public, shows in pg_locks, and any session can take it.)
 */
const PROVISIONER_LOCK_SQL = "LOCK TABLE openclaw.schema_migrations IN SHARE ROW EXCLUSIVE MODE";
/**
 * Only on a database the first migration has not run on yet, which has no tenant roles:
 * the provisioner creates them after migrating. Never used once the table exists.
 */
const BOOTSTRAP_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('openclaw-db-provisioner-bootstrap'))";

async function takeProvisionerLock(client: ClientBase): Promise<void> {
  // A catalog query, not to_regclass: name lookups go through the backend's catalog
  // caches, which do not see a table another session created while this one waited on
  // the advisory lock (no relation lock was taken that would have refreshed them).
  const exists = async () =>
    (
      await client.query<{ exists: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = 'openclaw' AND c.relname = 'schema_migrations') AS exists`,
      )
    ).rows[0].exists;
  if (!(await exists())) {
    await client.query(BOOTSTRAP_LOCK_SQL);
    // Another invocation may have created it while this one waited.
    if (!(await exists())) return;
  }
  await client.query(PROVISIONER_LOCK_SQL);
}


async function inTransaction<T>(client: ClientBase, fn: () => Promise<T>, isolation = "READ COMMITTED"): Promise<T> {
  await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
  try {
    await takeProvisionerLock(client);
    const result = await fn();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined); // the original error is the one worth reporting
    throw err;
  }
}

/** What one invocation returns: a tenant's state, or the platform operation's result. */
export type InvocationResult = ProvisionerResult | MigrateResult | ReapResult | MeasureResult | ExportResult;

/** The dependencies with their defaults applied: what every operation below works with. */
interface Provisioner {
  readonly deps: ProvisionerDeps;
  readonly layout: DbLayout;
  readonly now: () => Date;
  readonly log: (entry: Record<string, unknown>) => void;
  readonly blockerGraceMs: number;
  readonly sessionLimits: SessionLimits;
  readonly emitMetric: (record: Record<string, unknown>) => void;
}

/** Returns the invocation handler: validates, connects as the master user, runs the action. */
export function createProvisioner(deps: ProvisionerDeps): (event: unknown) => Promise<InvocationResult> {
  const provisioner: Provisioner = {
    deps,
    layout: deps.layout ?? DEFAULT_LAYOUT,
    now: deps.now ?? (() => new Date()),
    log: deps.log ?? ((entry) => console.log(JSON.stringify(entry))),
    blockerGraceMs: deps.blockerGraceMs ?? 5000,
    sessionLimits: deps.sessionLimits ?? DEFAULT_SESSION_LIMITS,
    emitMetric: deps.emitMetric ?? ((record) => process.stdout.write(`${JSON.stringify(record)}\n`)),
  };
  // Read from db/migrations at the first invocation, then kept for the life of the Lambda instance.
  let migrations = deps.migrations;

  return async (event: unknown) => {
    const input = parseProvisionerEvent(event);
    if (input.environment !== deps.environment) {
      throw new Error(`input.environment is ${input.environment}, but this provisioner serves ${deps.environment}`);
    }
    migrations ??= loadMigrations(defaultMigrationsDirectory());
    const pending = migrations;
    if ("operation" in input && input.operation === "export") return exportForOffboarding(provisioner, input, pending);
    if ("operation" in input && input.operation === "measure") return measure(provisioner);
    if ("operation" in input && input.operation === "reap") return reap(provisioner);
    if ("operation" in input) return migrateDatabase(provisioner, pending);
    return provisionTenantEvent(provisioner, input, pending);
  };
}

/** A master session to the platform's database, or to `database` (the offboarding drop's cleanup elsewhere). */
async function connect({ deps }: Provisioner, database?: string): Promise<Client> {
  const credentials = await deps.getMasterCredentials();
  const client = new Client({
    ...deps.connection,
    ...(database ? { database } : {}),
    user: credentials.username,
    password: credentials.password,
    application_name: "openclaw-db-provisioner",
    connectionTimeoutMillis: 10_000,
    // Below the Lambda timeout, so a stuck statement fails with a message, not a kill.
    statement_timeout: 120_000,
    lock_timeout: 60_000,
  });
  await client.connect();
  return client;
}

/**
 * A working session plus a guard session that ends tenant sessions blocking it (see
 * blockers.ts). Two master connections per invocation: the platform's reserved
 * connection slots count them (modules/database.ts).
 */
async function connectGuarded(provisioner: Provisioner): Promise<Client & { release(): Promise<void> }> {
  const client = await connect(provisioner);
  try {
    const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    const guard = startBlockerGuard(await connect(provisioner), pid, { graceMs: provisioner.blockerGraceMs, log: provisioner.log });
    return Object.assign(client, {
      async release() {
        await guard.stop();
        await client.end();
      },
    });
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

/** Tenants may connect to the platform's database only: re-asserted on every run (databases.ts). */
async function confine({ layout, log }: Provisioner, client: ClientBase): Promise<void> {
  const { notAdministrable } = await confineTenantsToThisDatabase(client, layout);
  if (notAdministrable.length) log({ message: "tenant roles may still connect to databases the master cannot administer", databases: notAdministrable });
}

/** The scheduled `measure` operation: one storage metric per tenant. */
async function measure(provisioner: Provisioner): Promise<MeasureResult> {
  const client = await connect(provisioner);
  try {
    const storage = await measureTenantStorage(client, (database) => connect(provisioner, database));
    const timestamp = provisioner.now().getTime();
    for (const tenant of storage) provisioner.emitMetric(storageMetricRecord(provisioner.deps.environment, tenant, timestamp));
    return { status: "measured", tenants: storage.length } satisfies MeasureResult;
  } finally {
    await client.end();
  }
}

/** The scheduled `reap` operation: ends the tenant sessions over their limits. */
async function reap(provisioner: Provisioner): Promise<ReapResult> {
  const client = await connect(provisioner);
  try {
    const ended = await reapTenantSessions(client, provisioner.sessionLimits);
    for (const session of ended) provisioner.log({ message: "ended a tenant session over its limit", ...session });
    return { status: "reaped", sessionsEnded: ended.length } satisfies ReapResult;
  } finally {
    await client.end();
  }
}

/** The platform deploy's `migrate` operation: pending migrations, then the confinement, touching no tenant. */
async function migrateDatabase(provisioner: Provisioner, pending: readonly Migration[]): Promise<MigrateResult> {
  const client = await connectGuarded(provisioner);
  try {
    const applied = await inTransaction(client, async () => {
      const done = await migrate(client, provisioner.layout, pending);
      await confine(provisioner, client);
      return done;
    });
    const result: MigrateResult = { status: "migrated", migrationsApplied: applied };
    provisioner.log({ message: "migrations checked", ...result });
    return result;
  } finally {
    await client.release();
  }
}

/** Exports the retired tenant at one snapshot and stores it; the role can no longer log in, so nothing changes meanwhile. */
async function storeExport(provisioner: Provisioner, client: Client, names: TenantNames, bucket: string, kmsKeyArn?: string): Promise<ExportReceipt> {
  const takenAt = provisioner.now();
  const body = await inTransaction(
    client,
    async () => {
      await actAsTenant(client, names);
      return exportTenant(client, names, takenAt);
    },
    "REPEATABLE READ",
  );
  const key = `${EXPORT_PREFIX}/${names.tenantId}/${takenAt.toISOString().replace(/[:.]/g, "-")}.sql`;
  await provisioner.deps.putExport(bucket, key, body, kmsKeyArn);
  const bytes = Buffer.from(body, "utf8");
  return { exportLocation: `s3://${bucket}/${key}`, exportSha256: createHash("sha256").update(bytes).digest("hex"), exportBytes: bytes.length };
}

/**
 * Retires the login and exports once: a receipt stored by an earlier call (a retry, or the
 * job's run that stopped after the upload) is returned as it is, so an export is taken once
 * per offboarding. The receipt lives in the tenant's registry row, which the drop removes.
 */
async function exportForOffboarding(provisioner: Provisioner, input: ExportEvent, pending: readonly Migration[]): Promise<ExportResult> {
  const { layout, log, deps } = provisioner;
  const names = tenantNames(input.tenantId, layout);
  // Guarded like every other tenant operation: a tenant session blocking it is ended after the grace period.
  const client = await connectGuarded(provisioner);
  try {
    const { existed, previous } = await inTransaction(client, async () => {
      await migrate(client, layout, pending);
      return { existed: await retireTenant(client, names), previous: await exportReceipt(client, names) };
    });
    if (!existed) throw new Error(`tenant ${input.tenantId} has no database role ${names.roleName}: nothing to export (was it provisioned in environment ${deps.environment}?)`);
    await terminateSessions(client, names);
    let receipt = previous;
    if (!receipt || !receipt.exportLocation.startsWith(`s3://${input.exportBucket}/`)) {
      receipt = await storeExport(provisioner, client, names, input.exportBucket);
      await recordExportReceipt(client, names, receipt);
    }
    const result: ExportResult = { status: "exported", tenantId: names.tenantId, roleName: names.roleName, schemaName: names.schemaName, ...receipt, ...(previous === receipt ? { reused: true } : {}) };
    log({ message: previous === receipt ? "tenant database export already taken; returning its receipt" : "tenant database exported for offboarding", ...result });
    return result;
  } finally {
    await client.release();
  }
}

async function exportReceipt(client: ClientBase, names: TenantNames): Promise<ExportReceipt | undefined> {
  const r = await client.query<{ offboarding_export: ExportReceipt | null }>("SELECT offboarding_export FROM openclaw.tenant_roles WHERE role_name = $1", [names.roleName]);
  return r.rows[0]?.offboarding_export ?? undefined;
}

async function recordExportReceipt(client: ClientBase, names: TenantNames, receipt: ExportReceipt): Promise<void> {
  await inTransaction(client, () =>
    client.query("UPDATE openclaw.tenant_roles SET offboarding_export = $2 WHERE role_name = $1", [
      names.roleName,
      JSON.stringify({ exportLocation: receipt.exportLocation, exportSha256: receipt.exportSha256, exportBytes: receipt.exportBytes }),
    ]),
  );
}

/** A tenant stack's create, update or delete (its `aws_lambda_invocation`, or an operator's manual call). */
async function provisionTenantEvent(provisioner: Provisioner, input: ProvisionerEvent, pending: readonly Migration[]): Promise<ProvisionerResult> {
  const { layout, log, sessionLimits } = provisioner;
  const action = input[TERRAFORM_KEY]?.action ?? "create";
  const previous = input[TERRAFORM_KEY]?.prev_input as Partial<ProvisionerInput> | undefined;
  if (action === "update" && previous?.tenantId !== undefined && previous.tenantId !== input.tenantId) {
    throw new Error(`a tenant id cannot change (${previous.tenantId} -> ${input.tenantId}); add a new tenant instead`);
  }
  const names = tenantNames(input.tenantId, layout);
  if (action === "delete" && input.offboarding !== true) {
    // With lifecycle_scope = "CRUD" the provider sends a delete with the input from state, the
    // last one applied: terraform-provider-aws internal/service/lambda/invocation.go (buildInput
    // reads d.GetChange("input")) and terraform-plugin-sdk helper/schema/grpc_provider.go
    // (ApplyResourceChange gives a destroy an empty attribute diff, so both sides are the state's).
    // Without `offboarding` this delete is a replacement (renamed function, -replace) or a destroy
    // outside the offboarding flow: the create that may follow must find the data where it was.
    const kept: ProvisionerResult = { tenantId: names.tenantId, roleName: names.roleName, schemaName: names.schemaName, status: "kept", migrationsApplied: [] };
    log({ message: "delete ignored: the last applied input does not say offboarding; database untouched", action, ...kept });
    return kept;
  }
  const client = await connectGuarded(provisioner);
  try {
    let result: ProvisionerResult;
    if (action !== "delete") {
      const applied = await inTransaction(client, async () => {
        const done = await migrate(client, layout, pending);
        await provisionTenant(client, names, layout, input.connectionLimit);
        await applySessionLimits(client, names.roleName, sessionLimits);
        await confine(provisioner, client);
        return done;
      });
      result = { tenantId: names.tenantId, roleName: names.roleName, schemaName: names.schemaName, status: "active", migrationsApplied: applied };
    } else {
      result = await retireOrDropTenant(provisioner, client, names, input, pending);
    }
    log({ message: "tenant database provisioned", action, deletionMode: input.deletionMode, ...result });
    return result;
  } finally {
    await client.release();
  }
}

/**
 * The offboarding delete: retires the tenant, then keeps it retired (`deletionMode: retain`) or
 * drops it once its export is stored. A tenant already gone is reported absent.
 */
async function retireOrDropTenant(provisioner: Provisioner, client: Client, names: TenantNames, input: ProvisionerEvent, pending: readonly Migration[]): Promise<ProvisionerResult> {
  const base = { tenantId: names.tenantId, roleName: names.roleName, schemaName: names.schemaName };
  const { applied, existed, exported } = await inTransaction(client, async () => {
    const done = await migrate(client, provisioner.layout, pending);
    const retired = await retireTenant(client, names);
    return { applied: done, existed: retired, exported: retired ? await exportReceipt(client, names) : undefined };
  });
  if (!existed) return { ...base, status: "absent", migrationsApplied: applied };
  await terminateSessions(client, names);
  if (input.deletionMode === "retain") return { ...base, status: "retired", migrationsApplied: applied };
  // Drop only after the export is stored: a failed upload leaves the tenant retired, not lost.
  // The offboarding job's `export` operation already took (and the job verified) it:
  // drop on that export rather than taking a second one.
  const receipt = exported ?? (await storeExport(provisioner, client, names, input.exportBucket, input.exportKmsKeyArn));
  // DROP OWNED acts on one database: clear what names the role everywhere else first,
  // as a member of the role (committed, so the other sessions see it).
  await inTransaction(client, () => actAsTenant(client, names));
  await dropOwnedInOtherDatabases(client, names.roleName, (database) => connect(provisioner, database));
  await inTransaction(client, () => dropTenant(client, names));
  return { ...base, status: "dropped", migrationsApplied: applied, ...receipt };
}
