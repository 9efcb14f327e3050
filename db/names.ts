/**
 * Names shared by the database SQL, the provisioner, the constructs and the tenant
 * stack. Kept free of `pg` and AWS SDK imports so stacks and tests can import it cheaply.
 */

/**
 * PostgreSQL role names that the tenancy model uses. Roles are cluster-wide, so tests
 * run against a shared server use a layout of their own (see test/db/harness.ts);
 * production always uses {@link DEFAULT_LAYOUT}.
 */
export interface DbLayout {
  /** NOLOGIN role that owns the shared schema, its tables and every tenant schema. No tenant can become it. */
  readonly ownerRole: string;
  /** NOLOGIN group every tenant login role belongs to; holds the table grants the policies then narrow to rows. */
  readonly tenantGroupRole: string;
  /** Prefix of each tenant's login role (and private schema) name. */
  readonly tenantRolePrefix: string;
}

export const DEFAULT_LAYOUT: DbLayout = {
  ownerRole: "openclaw_owner",
  tenantGroupRole: "openclaw_tenant",
  tenantRolePrefix: "tenant_",
};

/** PostgreSQL truncates identifiers longer than this (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_LENGTH = 63;

const ROLE_NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;

/**
 * The database user a tenant's agents log in as, and the name of its private schema
 * (the same name, so the default `search_path` of `"$user", public` finds it first).
 *
 * `acme-corp` becomes `tenant_acme_corp`. Tenant ids never contain `_`, so the mapping
 * is one-to-one. This is also the user name in the agents' IAM auth token and in the
 * `rds-db:connect` resource ARN (modules/agent-iam.ts databaseConnectStatements).
 */
export function databaseRoleName(tenantId: string, layout: DbLayout = DEFAULT_LAYOUT): string {
  const name = `${layout.tenantRolePrefix}${tenantId.replace(/-/g, "_")}`;
  if (!ROLE_NAME_PATTERN.test(name) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(`databaseRoleName: tenant id ${JSON.stringify(tenantId)} gives ${JSON.stringify(name)}, not a lowercase identifier of at most ${MAX_IDENTIFIER_LENGTH} characters`);
  }
  return name;
}

/** Checks the role names of a layout, so they can be interpolated into SQL as plain identifiers. */
export function assertValidLayout(layout: DbLayout): void {
  for (const [key, value] of Object.entries(layout)) {
    if (!ROLE_NAME_PATTERN.test(value) || value.length > 40) {
      throw new Error(`DbLayout.${key}: lowercase letters, digits and _ up to 40 characters (got ${JSON.stringify(value)})`);
    }
  }
}
