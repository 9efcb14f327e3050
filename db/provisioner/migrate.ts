/**
 * Versioned migrations: `db/migrations/NNN_name.sql`, applied in order inside the
 * caller's transaction, each recorded with a checksum in openclaw.schema_migrations.
 * The files are idempotent on their own as well, so a half-known state (a restore, a
 * manual run with psql) converges instead of failing.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ClientBase } from "pg";
import { assertValidLayout, DbLayout } from "../names";

export interface Migration {
  /** File name without `.sql`, e.g. `001_roles_and_shared_schema`; sorts in apply order. */
  readonly version: string;
  /** SQL with `{{placeholder}}` role names (see {@link renderMigration}). */
  readonly sql: string;
}

const MIGRATION_FILE = /^(\d{3}_[a-z0-9_]+)\.sql$/;

/**
 * Reads the migration files. In the source tree they sit in db/migrations; in the
 * Lambda bundle they sit next to index.js (db/bundle.ts copies them there).
 */
export function loadMigrations(directory: string): Migration[] {
  return fs
    .readdirSync(directory)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ""), sql: fs.readFileSync(path.join(directory, f), "utf8") }));
}

/** The directory holding the migration files, both from source and from the bundle. */
export function defaultMigrationsDirectory(): string {
  const beside = __dirname; // the bundle: index.js and NNN_*.sql side by side
  if (fs.readdirSync(beside).some((f) => MIGRATION_FILE.test(f))) return beside;
  return path.resolve(__dirname, "..", "migrations");
}

/**
 * Replaces `{{owner_role}}` / `{{tenant_group}}` with quoted identifiers and
 * `{{owner_role:literal}}` with quoted strings. Names are checked by assertValidLayout,
 * so quoting cannot be broken out of; an unknown placeholder is an error, not silence.
 */
export function renderMigration(sql: string, layout: DbLayout): string {
  assertValidLayout(layout);
  const values: Record<string, string> = { owner_role: layout.ownerRole, tenant_group: layout.tenantGroupRole };
  return sql.replace(/\{\{([a-z_]+)(:literal)?\}\}/g, (match, name: string, literal?: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`migration placeholder ${match} is unknown (known: ${Object.keys(values).join(", ")})`);
    return literal ? `'${value}'` : `"${value}"`;
  });
}

export function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

/**
 * Applies the migrations not yet recorded. Must run inside a transaction that holds
 * the provisioner lock (see provisioner.ts), so two concurrent invocations cannot both apply one.
 * Fails when an applied migration's file changed: edit by adding a new file instead.
 *
 * @returns versions applied by this call
 */
export async function migrate(client: ClientBase, layout: DbLayout, migrations: readonly Migration[]): Promise<string[]> {
  const applied = new Map<string, string>();
  const table = await client.query<{ exists: boolean }>("SELECT to_regclass('openclaw.schema_migrations') IS NOT NULL AS exists");
  if (table.rows[0].exists) {
    const rows = await client.query<{ version: string; checksum: string }>("SELECT version, checksum FROM openclaw.schema_migrations");
    for (const r of rows.rows) applied.set(r.version, r.checksum);
  }
  const done: string[] = [];
  for (const m of migrations) {
    const sum = checksum(m.sql);
    const previous = applied.get(m.version);
    if (previous !== undefined) {
      if (previous !== sum) {
        throw new Error(`migration ${m.version} was applied with checksum ${previous.slice(0, 12)} but the file now has ${sum.slice(0, 12)}: never edit an applied migration, add a new one`);
      }
      continue;
    }
    await client.query(renderMigration(m.sql, layout));
    // The provisioner inherits the owner's privileges, so it records the version directly.
    await client.query("INSERT INTO openclaw.schema_migrations (version, checksum) VALUES ($1, $2)", [m.version, sum]);
    done.push(m.version);
  }
  return done;
}
