/**
 * Limits on a tenant's sessions that the tenant cannot lift on its own.
 *
 * statement_timeout, idle_in_transaction_session_timeout and lock_timeout are user-settable
 * (PGC_USERSET): a role default set with ALTER ROLE is only a default, which a tenant can
 * SET off in its session or even ALTER ROLE for itself. So the provisioner sets them as
 * the role's defaults (most agents never touch them) and the reaper, run on a schedule,
 * terminates any tenant session that is over a limit anyway. temp_file_limit is
 * superuser-only (PGC_SUSET): it comes from the parameter group (modules/database.ts) and
 * a tenant cannot raise it.
 */
import { escapeIdentifier as ident } from "pg";
import type { ClientBase } from "pg";

export interface SessionLimits {
  /** A statement running longer is cancelled (role default) or its session ended (reaper). */
  readonly statementTimeoutMs: number;
  /** A session idle inside a transaction longer is ended. */
  readonly idleInTransactionSessionTimeoutMs: number;
  /** A statement waiting for a lock longer fails (role default only: waiting harms no one else). */
  readonly lockTimeoutMs: number;
  /** A transaction open longer is ended by the reaper, however busy: it holds back vacuum and keeps its locks. */
  readonly transactionTimeoutMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  statementTimeoutMs: 60_000,
  idleInTransactionSessionTimeoutMs: 60_000,
  lockTimeoutMs: 10_000,
  transactionTimeoutMs: 15 * 60_000,
};

/** Sets the limits as the tenant role's defaults; run at every create and update. */
export async function applySessionLimits(client: ClientBase, roleName: string, limits: SessionLimits): Promise<void> {
  const role = ident(roleName);
  const ms = (value: number) => {
    if (!Number.isInteger(value) || value < 1) throw new Error(`session limits must be positive integers of milliseconds (got ${value})`);
    return value;
  };
  await client.query(`ALTER ROLE ${role} SET statement_timeout = ${ms(limits.statementTimeoutMs)}`);
  await client.query(`ALTER ROLE ${role} SET idle_in_transaction_session_timeout = ${ms(limits.idleInTransactionSessionTimeoutMs)}`);
  await client.query(`ALTER ROLE ${role} SET lock_timeout = ${ms(limits.lockTimeoutMs)}`);
}

export interface ReapedSession {
  readonly pid: number;
  readonly role: string;
  readonly reason: "statement" | "idle in transaction" | "transaction" | "other database";
  readonly overMs: number;
}

/**
 * Terminates every session of a registered tenant role that is over a limit, and any session
 * of one in another database of the server, where a tenant has no business (db/provisioner/
 * databases.ts takes CONNECT away; this ends what an operator's grant or an old session let in). Needs to read other roles' pg_stat_activity rows (pg_read_all_stats, which RDS
 * gives rds_superuser through pg_monitor) and pg_signal_backend.
 */
export async function reapTenantSessions(client: ClientBase, limits: SessionLimits): Promise<ReapedSession[]> {
  const r = await client.query<ReapedSession & { ended: boolean }>(
    `WITH over AS (
       SELECT a.pid, a.usename::text AS role,
              CASE WHEN a.datname IS DISTINCT FROM current_database() THEN 'other database'
                   WHEN now() - a.xact_start > $3 * interval '1 ms' THEN 'transaction'
                   WHEN a.state = 'active' THEN 'statement'
                   ELSE 'idle in transaction' END AS reason,
              (extract(epoch FROM CASE WHEN a.datname IS DISTINCT FROM current_database() THEN now() - a.backend_start
                                       WHEN now() - a.xact_start > $3 * interval '1 ms' THEN now() - a.xact_start - $3 * interval '1 ms'
                                       WHEN a.state = 'active' THEN now() - a.query_start - $1 * interval '1 ms'
                                       ELSE now() - a.state_change - $2 * interval '1 ms' END) * 1000)::bigint AS over_ms
         FROM pg_stat_activity a
        WHERE a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
          AND EXISTS (SELECT 1 FROM openclaw.tenant_roles t WHERE t.role_name = a.usename)
          AND (a.datname IS DISTINCT FROM current_database()
               OR now() - a.xact_start > $3 * interval '1 ms'
               OR (a.state = 'active' AND now() - a.query_start > $1 * interval '1 ms')
               OR (a.state LIKE 'idle in transaction%' AND now() - a.state_change > $2 * interval '1 ms'))
     )
     SELECT pid, role, reason, over_ms::int AS "overMs", pg_terminate_backend(pid) AS ended FROM over`,
    [limits.statementTimeoutMs, limits.idleInTransactionSessionTimeoutMs, limits.transactionTimeoutMs],
  );
  return r.rows.filter((row) => row.ended).map(({ pid, role, reason, overMs }) => ({ pid, role, reason, overMs }));
}
