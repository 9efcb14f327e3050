// Enforces SECURITY.md C16 (the table "Enforcing tests" there lists this file).
/**
 * The tenancy model against a real PostgreSQL server: two tenants provisioned by the
 * provisioner itself, then tenant A, logged in as its own role, tries to read, write
 * or escalate into tenant B's data by every route the model has to close.
 */
import type { Client } from "pg";
import { createProvisioner } from "../../db/provisioner/provisioner";
import { databaseRoleName } from "../../db/names";
import { createScratch, Scratch, scratchProvisionerDeps, startServer, TestServer } from "./harness";

jest.setTimeout(60_000);

let server: TestServer;
let scratch: Scratch;
let a: Client;
let b: Client;
let roleA: string;
let roleB: string;

const base = { environment: "test", exportBucket: "openclaw-test-exports", exportKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/test", deletionMode: "retain" as const, connectionLimit: 5 };

beforeAll(async () => {
  server = await startServer();
  scratch = await createScratch(server, "rls");
  const provision = createProvisioner(scratchProvisionerDeps(scratch));
  await provision({ ...base, tenantId: "alpha", tf: { action: "create" } });
  await provision({ ...base, tenantId: "beta", tf: { action: "create" } });
  roleA = databaseRoleName("alpha", scratch.layout);
  roleB = databaseRoleName("beta", scratch.layout);
  a = await scratch.connectAs(roleA);
  b = await scratch.connectAs(roleB);
  for (const [client, who] of [[a, "alpha"], [b, "beta"]] as const) {
    await client.query("INSERT INTO openclaw.leads (name, email) VALUES ($1, $2), ($3, $4)", [`${who}-lead-1`, `one@${who}.example`, `${who}-lead-2`, null]);
    await client.query("INSERT INTO openclaw.agent_memory (agent, key, content) VALUES ('butler', 'greeting', $1)", [JSON.stringify({ by: who })]);
    await client.query("INSERT INTO openclaw.audit_log (agent, action, target) VALUES ('scout', 'lead.created', $1)", [`${who}-lead-1`]);
  }
});

afterAll(async () => {
  await a?.end();
  await b?.end();
  await scratch?.cleanup();
  await server?.stop();
});

async function names(client: Client): Promise<string[]> {
  const r = await client.query<{ name: string }>("SELECT name FROM openclaw.leads ORDER BY name");
  return r.rows.map((row) => row.name);
}

async function tenantsVisible(client: Client): Promise<string[]> {
  const r = await client.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM openclaw.leads UNION SELECT tenant_id FROM openclaw.agent_memory
     UNION SELECT tenant_id FROM openclaw.audit_log ORDER BY 1`,
  );
  return r.rows.map((row) => row.tenant_id);
}

/** Runs statements on a fresh connection as tenant A, so session state (SET ROLE, GUCs) does not leak into other tests. */
async function asFreshA<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await scratch.connectAs(roleA);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe("tenant A reading and writing its own rows", () => {
  test("sees only its own rows in every shared table", async () => {
    expect(await names(a)).toEqual(["alpha-lead-1", "alpha-lead-2"]);
    expect(await tenantsVisible(a)).toEqual(["alpha"]);
    expect(await tenantsVisible(b)).toEqual(["beta"]);
  });

  test("gets its tenant id stamped on rows without passing it", async () => {
    const r = await a.query("INSERT INTO openclaw.agent_memory (agent, key, content) VALUES ('writer', 'draft', '{}') RETURNING tenant_id");
    expect(r.rows[0].tenant_id).toBe("alpha");
  });

  test("has its audit rows stamped with its own role and the server time", async () => {
    const r = await a.query(
      "INSERT INTO openclaw.audit_log (action, actor, occurred_at) VALUES ('forged', $1, '2001-01-01') RETURNING actor, occurred_at",
      [roleB],
    );
    expect(r.rows[0].actor).toBe(roleA);
    expect(new Date(r.rows[0].occurred_at).getFullYear()).toBeGreaterThan(2001);
  });
});

describe("tenant A cannot reach tenant B's rows", () => {
  test.each([
    ["leads", "INSERT INTO openclaw.leads (tenant_id, name) VALUES ('beta', 'planted')"],
    ["agent_memory", "INSERT INTO openclaw.agent_memory (tenant_id, agent, key, content) VALUES ('beta', 'butler', 'x', '{}')"],
    ["audit_log", "INSERT INTO openclaw.audit_log (tenant_id, action) VALUES ('beta', 'planted')"],
  ])("fails to insert a row claiming tenant B into %s", async (table, sql) => {
    await expect(a.query(sql)).rejects.toThrow(`new row violates row-level security policy for table "${table}"`);
  });

  test("fails to move its own row to tenant B", async () => {
    // tenant_id is not among the columns tenants may UPDATE (migration 004); the
    // tenant_rows policy's WITH CHECK would refuse the new row as well.
    await expect(a.query("UPDATE openclaw.leads SET tenant_id = 'beta' WHERE name = 'alpha-lead-2'")).rejects.toThrow("permission denied for table leads");
  });

  test("updates and deletes nothing of tenant B's", async () => {
    expect((await a.query("UPDATE openclaw.leads SET name = 'hijacked' WHERE tenant_id = 'beta'")).rowCount).toBe(0);
    // Tenants delete through openclaw.delete_* (no DELETE privilege: it would permit LOCK TABLE).
    const ids = (await b.query<{ id: string }>("SELECT id FROM openclaw.agent_memory")).rows.map((r) => r.id);
    expect((await a.query("SELECT openclaw.delete_agent_memory($1::uuid[]) AS n", [ids])).rows[0].n).toBe(0);
    expect((await b.query("SELECT count(*)::int AS n FROM openclaw.agent_memory")).rows[0].n).toBe(ids.length);
    expect(await names(b)).toEqual(["beta-lead-1", "beta-lead-2"]);
  });

  test("still sees only its rows after setting GUCs, including the seeds' app.tenant_id", async () => {
    await asFreshA(async (client) => {
      await client.query("SET app.tenant_id = 'beta'");
      await client.query("SET openclaw.tenant_id = 'beta'");
      await client.query(`SET search_path = ${roleB}, openclaw, public`);
      expect(await tenantsVisible(client)).toEqual(["alpha"]);
    });
  });

  test("cannot switch row security off", async () => {
    await asFreshA(async (client) => {
      await client.query("SET row_security = off");
      await expect(client.query("SELECT * FROM openclaw.leads")).rejects.toThrow(/would be affected by row-level security policy/);
    });
  });

  test("cannot SET ROLE or SET SESSION AUTHORIZATION to tenant B", async () => {
    await asFreshA(async (client) => {
      await expect(client.query(`SET ROLE ${roleB}`)).rejects.toThrow(/permission denied to set role/);
      await expect(client.query(`SET SESSION AUTHORIZATION ${roleB}`)).rejects.toThrow(/permission denied to set session authorization/);
    });
  });

  test("sees and writes nothing after SET ROLE to the tenant group it belongs to", async () => {
    await asFreshA(async (client) => {
      await client.query(`SET ROLE ${scratch.layout.tenantGroupRole}`);
      expect(await tenantsVisible(client)).toEqual([]);
      await expect(client.query("INSERT INTO openclaw.leads (tenant_id, name) VALUES ('beta', 'x')")).rejects.toThrow(/row-level security/);
    });
  });

  test("cannot SET ROLE to the owner role or grant itself more", async () => {
    await asFreshA(async (client) => {
      await expect(client.query(`SET ROLE ${scratch.layout.ownerRole}`)).rejects.toThrow(/permission denied/);
      await expect(client.query(`GRANT ${scratch.layout.ownerRole} TO ${roleA}`)).rejects.toThrow(/permission denied|must have admin option/);
      await expect(client.query(`GRANT ${roleB} TO ${roleA}`)).rejects.toThrow(/permission denied|must have admin option/);
      await expect(client.query(`ALTER ROLE ${roleA} BYPASSRLS`)).rejects.toThrow(/superuser|permission denied/);
    });
  });

  test("reads only its own registry entry", async () => {
    const r = await a.query("SELECT tenant_id FROM openclaw.tenant_roles");
    expect(r.rows).toEqual([{ tenant_id: "alpha" }]);
  });

  test("gets only its rows through a view it owns, with or without security_invoker", async () => {
    await a.query("CREATE VIEW all_leads AS SELECT * FROM openclaw.leads");
    await a.query("CREATE VIEW all_leads_invoker WITH (security_invoker = true) AS SELECT * FROM openclaw.leads");
    const viaView = await a.query("SELECT DISTINCT tenant_id FROM all_leads UNION SELECT tenant_id FROM all_leads_invoker");
    expect(viaView.rows).toEqual([{ tenant_id: "alpha" }]);
  });

  test("gets only its rows through a SECURITY DEFINER function it creates", async () => {
    await a.query(
      `CREATE FUNCTION count_all_leads() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM openclaw.leads $$`,
    );
    const r = await a.query("SELECT count_all_leads() AS n");
    expect(Number(r.rows[0].n)).toBe(2);
  });

  test("leaks nothing of B's through a function in the WHERE clause (policies filter first)", async () => {
    await a.query(
      `CREATE FUNCTION peek(text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$ BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END $$`,
    );
    const seen: string[] = [];
    const listener = (n: { message?: string }) => seen.push(n.message ?? "");
    a.on("notice", listener);
    try {
      await a.query("SELECT * FROM openclaw.leads WHERE peek(name) OR peek(email)");
    } finally {
      a.off("notice", listener);
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((m) => m.includes("beta"))).toEqual([]);
  });

  test("can execute no SECURITY DEFINER function in the shared schema but the delete functions", async () => {
    // Those two filter on the session user's tenant themselves (test/db/availability.test.ts).
    const r = await a.query(
      `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'openclaw' AND p.prosecdef AND has_function_privilege(p.oid, 'EXECUTE') ORDER BY 1`,
    );
    expect(r.rows.map((row) => row.proname)).toEqual(["delete_agent_memory", "delete_leads"]);
  });

  test("COPY of a shared table emits only its own rows, and COPY to files or programs is refused", async () => {
    const copied = await a.query("COPY openclaw.leads TO STDOUT");
    expect(copied.rowCount).toBe(2);
    await expect(a.query("COPY openclaw.leads TO '/tmp/leads.csv'")).rejects.toThrow(/permission denied|must be superuser|pg_write_server_files/);
    await expect(a.query("COPY openclaw.leads FROM PROGRAM 'id'")).rejects.toThrow(/permission denied|must be superuser|pg_execute_server_program/);
  });
});

describe("tenant A is confined to its own schema", () => {
  test("cannot read or create in tenant B's schema", async () => {
    await b.query("CREATE TABLE private_notes (body text)");
    await b.query("INSERT INTO private_notes VALUES ('beta secret')");
    await expect(a.query(`SELECT * FROM ${roleB}.private_notes`)).rejects.toThrow(`permission denied for schema ${roleB}`);
    await expect(a.query(`CREATE TABLE ${roleB}.planted (x int)`)).rejects.toThrow(`permission denied for schema ${roleB}`);
  });

  test("cannot open its own schema to tenant B (the owner role owns it)", async () => {
    // Without grant option PostgreSQL only warns ("no privileges were granted"): the check is the outcome.
    await a.query(`GRANT USAGE ON SCHEMA ${roleA} TO ${roleB}`);
    const r = await b.query("SELECT has_schema_privilege($1, 'USAGE') AS usage", [roleA]);
    expect(r.rows[0].usage).toBe(false);
  });

  test("cannot create objects in the shared schema, the public schema or temporary tables", async () => {
    await expect(a.query("CREATE TABLE openclaw.planted (x int)")).rejects.toThrow("permission denied for schema openclaw");
    await expect(a.query("CREATE FUNCTION openclaw.current_tenant_id() RETURNS text LANGUAGE sql AS $$ SELECT 'beta' $$")).rejects.toThrow(/permission denied|must be owner/);
    await expect(a.query("CREATE TABLE public.planted (x int)")).rejects.toThrow("permission denied for schema public");
    await expect(a.query("CREATE TEMP TABLE scratch (x int)")).rejects.toThrow(/permission denied to create temporary tables/);
  });

  test("can create and use tables in its own schema, found first on its search_path", async () => {
    await a.query("CREATE TABLE scratchpad (note text)");
    await a.query("INSERT INTO scratchpad VALUES ('mine')");
    const r = await a.query(`SELECT note FROM ${roleA}.scratchpad`);
    expect(r.rows).toEqual([{ note: "mine" }]);
  });
});

describe("tenant A cannot change the rules", () => {
  test.each([
    ["disable row security", "ALTER TABLE openclaw.leads DISABLE ROW LEVEL SECURITY"],
    ["stop forcing row security", "ALTER TABLE openclaw.leads NO FORCE ROW LEVEL SECURITY"],
    ["drop a policy", "DROP POLICY tenant_rows ON openclaw.leads"],
    ["alter a policy", "ALTER POLICY tenant_rows ON openclaw.leads USING (true)"],
    ["add a policy", "CREATE POLICY open_door ON openclaw.leads USING (true)"],
    ["drop the audit trigger", "ALTER TABLE openclaw.audit_log DISABLE TRIGGER audit_log_append_only"],
  ])("cannot %s", async (_what, sql) => {
    await expect(a.query(sql)).rejects.toThrow(/must be owner/);
  });

  test.each([
    ["update", "UPDATE openclaw.audit_log SET action = 'rewritten'"],
    ["delete", "DELETE FROM openclaw.audit_log"],
    ["truncate", "TRUNCATE openclaw.audit_log"],
  ])("cannot %s audit rows", async (_what, sql) => {
    await expect(a.query(sql)).rejects.toThrow("permission denied for table audit_log");
  });

  test.each(["leads", "agent_memory", "tenant_roles"])("cannot TRUNCATE %s (TRUNCATE ignores row security)", async (table) => {
    await expect(a.query(`TRUNCATE openclaw.${table}`)).rejects.toThrow(`permission denied for table ${table}`);
  });

  test("cannot write the tenant registry", async () => {
    await expect(a.query("UPDATE openclaw.tenant_roles SET tenant_id = 'beta'")).rejects.toThrow("permission denied for table tenant_roles");
    await expect(a.query("INSERT INTO openclaw.tenant_roles (role_name, tenant_id) VALUES ('x', 'beta')")).rejects.toThrow("permission denied for table tenant_roles");
  });

  test("leaves the audit log append-only even for a role later granted UPDATE and DELETE", async () => {
    const su = await scratch.superuser();
    try {
      await su.query(`GRANT UPDATE, DELETE ON openclaw.audit_log TO ${roleB}`);
      await su.query(`CREATE POLICY mistake ON openclaw.audit_log FOR ALL TO ${roleB} USING (true)`);
      await expect(b.query("UPDATE openclaw.audit_log SET action = 'rewritten'")).rejects.toThrow(/append-only/);
      await expect(b.query("DELETE FROM openclaw.audit_log")).rejects.toThrow(/append-only/);
    } finally {
      await su.query(`DROP POLICY mistake ON openclaw.audit_log`);
      await su.query(`REVOKE UPDATE, DELETE ON openclaw.audit_log FROM ${roleB}`);
      await su.end();
    }
  });
});
