/**
 * The other databases of the server. RDS creates `postgres` and `template1` with CONNECT and
 * TEMPORARY for PUBLIC, so a tenant role could log in there: its sessions and objects would be
 * outside everything that looks at `current_database()` (reap, measure), and `DROP OWNED`, which
 * acts on one database, would leave there what names the role, so its `DROP ROLE` fails forever
 * (issue 24, item 4). So:
 * - every run re-asserts that no tenant may connect to, or create temporary objects in, any
 *   other database the master can administer (new databases included);
 * - the offboarding drop removes what the role owns or is granted in every database first.
 */
import { escapeIdentifier as ident } from "pg";
import type { ClientBase } from "pg";
import type { DbLayout } from "../names";

export interface Confinement {
  /** Databases where PUBLIC, the tenant group and every tenant role lost CONNECT and TEMPORARY. */
  readonly confined: string[];
  /** Connectable databases the master cannot administer: a tenant may still connect there. */
  readonly notAdministrable: string[];
}

/**
 * Revokes CONNECT and TEMPORARY on every other connectable database from PUBLIC, the tenant
 * group and each registered tenant role (a direct grant would survive the PUBLIC revoke).
 * Runs inside the caller's transaction; idempotent.
 */
export async function confineTenantsToThisDatabase(client: ClientBase, layout: DbLayout): Promise<Confinement> {
  const databases = await client.query<{ datname: string; administrable: boolean }>(
    `SELECT d.datname,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, d.datdba, 'MEMBER') AS administrable
       FROM pg_database d
      WHERE d.datname <> current_database() AND d.datallowconn
      ORDER BY d.datname`,
  );
  const tenants = await client.query<{ role_name: string }>(
    "SELECT t.role_name FROM openclaw.tenant_roles t JOIN pg_roles r ON r.rolname = t.role_name ORDER BY t.role_name",
  );
  const grantees = ["PUBLIC", ident(layout.tenantGroupRole), ...tenants.rows.map((t) => ident(t.role_name))].join(", ");
  const confined: string[] = [];
  const notAdministrable: string[] = [];
  for (const { datname, administrable } of databases.rows) {
    if (!administrable) {
      notAdministrable.push(datname);
      continue;
    }
    await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${ident(datname)} FROM ${grantees}`);
    confined.push(datname);
  }
  return { confined, notAdministrable };
}

/** Other databases holding objects the role owns, privileges granted to it, or default privileges naming it. */
export async function databasesReferencingRole(client: ClientBase, roleName: string): Promise<string[]> {
  const r = await client.query<{ datname: string }>(
    `SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
      WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)
        AND d.datname <> current_database()
      ORDER BY d.datname`,
    [roleName],
  );
  return r.rows.map((row) => row.datname);
}

/**
 * In each other database that references the role, `DROP OWNED BY` it (its objects there, the
 * privileges and default privileges granted to it). `connectTo` opens a master session to a
 * database; the master must already be a member of the role (actAsTenant, committed).
 */
export async function dropOwnedInOtherDatabases(client: ClientBase, roleName: string, connectTo: (database: string) => Promise<ClientBase & { end(): Promise<void> }>): Promise<string[]> {
  const databases = await databasesReferencingRole(client, roleName);
  for (const database of databases) {
    const other = await connectTo(database).catch((err: Error) => {
      throw new Error(`role ${roleName} has objects or privileges in database ${database}, which the provisioner cannot connect to (${err.message}); drop them there as an administrator, then re-run`);
    });
    try {
      await other.query(`DROP OWNED BY ${ident(roleName)}`);
    } finally {
      await other.end();
    }
  }
  return databases;
}
