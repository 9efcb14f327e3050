/**
 * The per-tenant half of the model: a login role, a private schema and a registry row.
 * Every function here runs inside a transaction the caller opened as the provisioner
 * (RDS master user), after migrations, holding the provisioner lock.
 */
import { escapeIdentifier as ident } from "pg";
import type { ClientBase } from "pg";
import { databaseRoleName, DbLayout } from "../names";

export interface TenantNames {
  readonly tenantId: string;
  /** Login role, e.g. tenant_acme. */
  readonly roleName: string;
  /** Private schema; same name as the role (see databaseRoleName). */
  readonly schemaName: string;
}

export function tenantNames(tenantId: string, layout: DbLayout): TenantNames {
  const roleName = databaseRoleName(tenantId, layout);
  return { tenantId, roleName, schemaName: roleName };
}

interface RoleRow {
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolcanlogin: boolean;
}

async function findRole(client: ClientBase, roleName: string): Promise<RoleRow | undefined> {
  const r = await client.query<RoleRow>(
    "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1",
    [roleName],
  );
  return r.rows[0];
}

/**
 * Refuses to adopt a role that is more than a tenant should be: if a same-named role
 * was created by hand with extra attributes or memberships, provisioning would hand
 * those to the tenant's agents. Stops instead, naming what to fix.
 */
async function assertPlainTenantRole(client: ClientBase, names: TenantNames, layout: DbLayout, role: RoleRow): Promise<void> {
  const extra = (["rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls"] as const).filter((a) => role[a]);
  const memberships = await client.query<{ rolname: string }>(
    `SELECT g.rolname FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
     WHERE u.rolname = $1 AND g.rolname NOT IN ($2, 'rds_iam')`,
    [names.roleName, layout.tenantGroupRole],
  );
  const foreign = memberships.rows.map((r) => r.rolname);
  if (extra.length > 0 || foreign.length > 0) {
    throw new Error(
      `role ${names.roleName} for tenant ${names.tenantId} exists with ${[...extra, ...foreign.map((g) => `membership in ${g}`)].join(", ")}; ` +
        `a tenant role may only be a member of ${layout.tenantGroupRole} (and rds_iam). Fix the role by hand, then re-run.`,
    );
  }
  const owner = await client.query<{ tenant_id: string }>("SELECT tenant_id FROM openclaw.tenant_roles WHERE role_name = $1", [names.roleName]);
  if (owner.rows[0] && owner.rows[0].tenant_id !== names.tenantId) {
    throw new Error(`role ${names.roleName} is registered to tenant ${owner.rows[0].tenant_id}, not ${names.tenantId}`);
  }
}

/**
 * Creates or converges the tenant: login role (IAM auth on RDS), private schema,
 * registry row. Running it again with the same input changes nothing; after a
 * retaining delete it restores login.
 */
export async function provisionTenant(client: ClientBase, names: TenantNames, layout: DbLayout, connectionLimit: number): Promise<void> {
  if (!Number.isInteger(connectionLimit) || connectionLimit < 1) throw new Error(`connectionLimit must be a positive integer (got ${connectionLimit})`);
  const role = ident(names.roleName);
  const existing = await findRole(client, names.roleName);
  if (existing) {
    await assertPlainTenantRole(client, names, layout, existing);
    await client.query(`ALTER ROLE ${role} LOGIN CONNECTION LIMIT ${connectionLimit}`);
  } else {
    // Every attribute spelled out, so the intent survives a change of defaults.
    await client.query(
      `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT ${connectionLimit}`,
    );
  }
  await client.query(`GRANT ${ident(layout.tenantGroupRole)} TO ${role}`);
  // On RDS, membership in rds_iam makes the role log in with IAM auth tokens only (no
  // password exists). Elsewhere (tests, local) the role is a plain login role.
  const rdsIam = await client.query("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'");
  if (rdsIam.rowCount) await client.query(`GRANT rds_iam TO ${role}`);
  await client.query(`ALTER ROLE ${role} SET search_path = ${ident(names.schemaName)}, openclaw`);

  // Owned by the owner role, which the tenant cannot become: the tenant cannot grant
  // anyone USAGE on it, drop it, or change its ACL. It may create its own objects inside.
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(names.schemaName)} AUTHORIZATION ${ident(layout.ownerRole)}`);
  await client.query(`REVOKE ALL ON SCHEMA ${ident(names.schemaName)} FROM PUBLIC`);
  await client.query(`GRANT USAGE, CREATE ON SCHEMA ${ident(names.schemaName)} TO ${role}`);

  await client.query(
    `INSERT INTO openclaw.tenant_roles (role_name, tenant_id) VALUES ($1, $2)
     ON CONFLICT (role_name) DO UPDATE SET retired_at = NULL WHERE openclaw.tenant_roles.retired_at IS NOT NULL`,
    [names.roleName, names.tenantId],
  );
}

/**
 * Delete with mode `retain`: the role can no longer log in and no longer maps to a
 * tenant id; schema and rows stay for a later re-onboarding or export.
 * @returns false when there is no such role (nothing to do)
 */
export async function retireTenant(client: ClientBase, names: TenantNames): Promise<boolean> {
  if (!(await findRole(client, names.roleName))) return false;
  await client.query(`ALTER ROLE ${ident(names.roleName)} NOLOGIN`);
  await client.query("UPDATE openclaw.tenant_roles SET retired_at = now() WHERE role_name = $1 AND retired_at IS NULL", [names.roleName]);
  return true;
}

/**
 * Ends the sessions of a retired role, so it cannot keep working on a connection it
 * opened before. Call after the retiring transaction committed (NOLOGIN is then
 * visible, so they cannot reconnect). Needs pg_signal_backend, which RDS grants to
 * rds_superuser.
 */
export async function terminateSessions(client: ClientBase, names: TenantNames): Promise<number> {
  const r = await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", [names.roleName]);
  return r.rowCount ?? 0;
}

/**
 * Gives the provisioner the privileges of the tenant role, which it needs to read the
 * tables the tenant created in its schema (export) and for DROP OWNED (large objects,
 * grants the role received). The master user created the role, so it may grant itself
 * membership; the grant disappears with the role.
 */
export async function actAsTenant(client: ClientBase, names: TenantNames): Promise<void> {
  await client.query(`GRANT ${ident(names.roleName)} TO CURRENT_USER`);
}

/** Tables in the shared schema that carry tenant rows (those with a tenant_id column, except the registry). */
export async function sharedTenantTables(client: ClientBase): Promise<string[]> {
  const r = await client.query<{ table_name: string }>(
    `SELECT c.relname AS table_name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE n.nspname = 'openclaw' AND c.relkind IN ('r', 'p') AND c.relname <> 'tenant_roles'
     ORDER BY c.relname`,
  );
  return r.rows.map((row) => row.table_name);
}

/**
 * Delete with mode `drop`, after the export was stored: removes the tenant's rows from
 * every shared table, its schema with everything in it, whatever else the role owns,
 * the role and its registry row.
 */
export async function dropTenant(client: ClientBase, names: TenantNames): Promise<void> {
  for (const table of await sharedTenantTables(client)) {
    await client.query(`DELETE FROM openclaw.${ident(table)} WHERE tenant_id = $1`, [names.tenantId]);
  }
  await client.query(`DROP SCHEMA IF EXISTS ${ident(names.schemaName)} CASCADE`);
  if (await findRole(client, names.roleName)) {
    await actAsTenant(client, names);
    await client.query(`DROP OWNED BY ${ident(names.roleName)}`);
    await client.query(`DROP ROLE ${ident(names.roleName)}`);
  }
  await client.query("DELETE FROM openclaw.tenant_roles WHERE role_name = $1", [names.roleName]);
}
