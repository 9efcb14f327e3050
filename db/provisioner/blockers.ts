/**
 * Ends tenant sessions that block the provisioner. A tenant can hold locks that conflict
 * with DDL (ROW EXCLUSIVE from an INSERT, ACCESS SHARE from any read, even on tables it
 * has no privilege on, through pg_relation_size) in a transaction it never ends, and can
 * SET its own timeouts off. Without this, one tenant stalls every migration and, behind
 * the queued migration, every other tenant's reads of that table.
 *
 * While the provisioner works, a second session polls pg_blocking_pids() of the working
 * session. A blocker that is a registered tenant login role and still blocks after a
 * grace period is terminated (pg_signal_backend; RDS grants it to rds_superuser) and
 * logged. Other blockers (another provisioner invocation, an operator) are left alone:
 * the provisioner's lock_timeout then reports them.
 */
import type { Client } from "pg";

export interface BlockerGuardOptions {
  /** How long a tenant session may block the provisioner before it is ended. */
  readonly graceMs: number;
  /** Poll interval. @default 100 */
  readonly pollMs?: number;
  readonly log: (entry: Record<string, unknown>) => void;
}

export interface BlockerGuard {
  /** Stops polling and closes the guard's session; returns the pids it ended. */
  stop(): Promise<number[]>;
}

interface BlockerRow {
  pid: number;
  role: string;
  state: string | null;
  wait_event_type: string | null;
}

/**
 * Starts guarding `workerPid` from `guard`, a session of its own (the worker is busy
 * waiting). Only tenants in openclaw.tenant_roles are ever ended; before the registry
 * exists (a fresh database) no tenant exists either.
 */
export function startBlockerGuard(guard: Client, workerPid: number, options: BlockerGuardOptions): BlockerGuard {
  const pollMs = options.pollMs ?? 100;
  const firstSeen = new Map<number, number>();
  const ended: number[] = [];
  let stopped = false;

  async function poll(): Promise<void> {
    const registry = await guard.query<{ exists: boolean }>("SELECT to_regclass('openclaw.tenant_roles') IS NOT NULL AS exists");
    if (!registry.rows[0].exists) return;
    const blockers = await guard.query<BlockerRow>(
      `SELECT a.pid, a.usename::text AS role, a.state, a.wait_event_type
         FROM pg_stat_activity a
        WHERE a.pid = ANY (pg_blocking_pids($1))
          AND EXISTS (SELECT 1 FROM openclaw.tenant_roles t WHERE t.role_name = a.usename)`,
      [workerPid],
    );
    const now = Date.now();
    const current = new Set(blockers.rows.map((b) => b.pid));
    for (const pid of firstSeen.keys()) if (!current.has(pid)) firstSeen.delete(pid);
    for (const b of blockers.rows) {
      const since = firstSeen.get(b.pid) ?? now;
      firstSeen.set(b.pid, since);
      if (now - since < options.graceMs) continue;
      const r = await guard.query<{ ended: boolean }>("SELECT pg_terminate_backend($1) AS ended", [b.pid]);
      if (r.rows[0]?.ended) {
        ended.push(b.pid);
        firstSeen.delete(b.pid);
        options.log({ message: "ended a tenant session that blocked the provisioner", pid: b.pid, role: b.role, state: b.state, blockedForMs: now - since });
      }
    }
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await poll();
      } catch (err) {
        // The guard is best effort: a failed poll must not fail the provisioning it protects.
        options.log({ message: "blocker guard poll failed", error: (err as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      await guard.end().catch(() => undefined);
      return ended;
    },
  };
}
