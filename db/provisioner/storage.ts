/**
 * Per-tenant storage, measured because PostgreSQL has no storage quota per schema or
 * role: a tenant can fill the shared instance with rows. The `measure` operation (every
 * 15 minutes) reports each active tenant's bytes as a CloudWatch metric, which the
 * tenant stack alarms on (modules/tenant-database-alarm.ts).
 */
import { escapeIdentifier as ident } from "pg";
import type { ClientBase } from "pg";
import { STORAGE_METRIC } from "../contract";
import { sharedTenantTables } from "./tenant";

export interface TenantStorage {
  readonly tenantId: string;
  /** Tables, indexes and TOAST of the tenant's own schema. */
  readonly schemaBytes: number;
  /** Rows the tenant holds in the shared tables, and their size (pg_column_size of each row). */
  readonly sharedRows: number;
  readonly sharedBytes: number;
  /** Relations the tenant role owns in other databases of the server (left from before it lost CONNECT there; see databases.ts). */
  readonly otherDatabaseBytes: number;
}

/** Opens a master session to another database of the server. */
export type ConnectTo = (database: string) => Promise<ClientBase & { end(): Promise<void> }>;

/**
 * Bytes of the relations each tenant role owns in databases other than this one, by role.
 * pg_shdepend is shared by all databases, so it names the databases to look in.
 */
async function otherDatabaseBytes(client: ClientBase, connectTo: ConnectTo): Promise<Map<string, number>> {
  const found = await client.query<{ datname: string; roles: string[] }>(
    `SELECT d.datname, array_agg(DISTINCT r.rolname::text) AS roles
       FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.refobjid
      WHERE s.deptype = 'o' AND s.refclassid = 'pg_authid'::regclass AND d.datname <> current_database()
        AND r.rolname IN (SELECT role_name FROM openclaw.tenant_roles)
      GROUP BY d.datname ORDER BY d.datname`,
  );
  const bytes = new Map<string, number>();
  for (const { datname, roles } of found.rows) {
    const other = await connectTo(datname);
    try {
      const r = await other.query<{ role: string; bytes: string }>(
        `SELECT r.rolname AS role, COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
           FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
          WHERE r.rolname = ANY($1) AND c.relkind IN ('r', 'm') GROUP BY r.rolname`,
        [roles],
      );
      for (const row of r.rows) bytes.set(row.role, (bytes.get(row.role) ?? 0) + Number(row.bytes));
    } finally {
      await other.end();
    }
  }
  return bytes;
}

/** Measures every registered, non-retired tenant. Reads all rows of the shared tables: run it every few minutes, not every second. */
export async function measureTenantStorage(client: ClientBase, connectTo?: ConnectTo): Promise<TenantStorage[]> {
  const elsewhere = connectTo ? await otherDatabaseBytes(client, connectTo) : new Map<string, number>();
  const tenants = await client.query<{ tenant_id: string; role_name: string; schema_bytes: string }>(
    `SELECT t.tenant_id, t.role_name,
            COALESCE((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = t.role_name AND c.relkind IN ('r', 'm')), 0)::bigint AS schema_bytes
       FROM openclaw.tenant_roles t WHERE t.retired_at IS NULL ORDER BY t.tenant_id`,
  );
  const shared = new Map<string, { rows: number; bytes: number }>();
  for (const table of await sharedTenantTables(client)) {
    const r = await client.query<{ tenant_id: string; n: string; bytes: string }>(
      `SELECT tenant_id, count(*)::bigint AS n, COALESCE(sum(pg_column_size(t.*)), 0)::bigint AS bytes FROM openclaw.${ident(table)} t GROUP BY tenant_id`,
    );
    for (const row of r.rows) {
      const sum = shared.get(row.tenant_id) ?? { rows: 0, bytes: 0 };
      shared.set(row.tenant_id, { rows: sum.rows + Number(row.n), bytes: sum.bytes + Number(row.bytes) });
    }
  }
  return tenants.rows.map((t) => ({
    tenantId: t.tenant_id,
    schemaBytes: Number(t.schema_bytes),
    sharedRows: shared.get(t.tenant_id)?.rows ?? 0,
    sharedBytes: shared.get(t.tenant_id)?.bytes ?? 0,
    otherDatabaseBytes: elsewhere.get(t.role_name) ?? 0,
  }));
}

/**
 * One CloudWatch embedded-metric-format record per tenant
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Written straight to stdout, not through console.log: with the Lambda JSON log format,
 * console output is wrapped and CloudWatch would no longer extract the metric.
 */
export function storageMetricRecord(environment: string, storage: TenantStorage, timestamp: number): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: STORAGE_METRIC.namespace,
          Dimensions: [["Environment", "TenantID"]],
          Metrics: [
            { Name: STORAGE_METRIC.bytes, Unit: "Bytes" },
            { Name: STORAGE_METRIC.rows, Unit: "Count" },
          ],
        },
      ],
    },
    Environment: environment,
    TenantID: storage.tenantId,
    [STORAGE_METRIC.bytes]: storage.schemaBytes + storage.sharedBytes + storage.otherDatabaseBytes,
    [STORAGE_METRIC.rows]: storage.sharedRows,
  };
}
