// Enforces SECURITY.md C17, C32 (the table "Enforcing tests" there lists this file).
/**
 * The provisioner end to end on a real PostgreSQL server, with only the AWS parts
 * (Secrets Manager lookup, S3 upload) replaced by in-memory fakes.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Client } from "pg";
import type { ExportResult, ProvisionerInput, ProvisionerResult } from "../../db/contract";
import { databaseRoleName } from "../../db/names";
import { loadMigrations, defaultMigrationsDirectory, migrate } from "../../db/provisioner/migrate";
import { createProvisioner, ProvisionerDeps } from "../../db/provisioner/provisioner";
import { parseProvisionerEvent as parseEvent } from "../../db/contract";
import { createScratch, Scratch, scratchProvisionerDeps, startServer, TestServer } from "./harness";

jest.setTimeout(60_000);

let server: TestServer;
let scratch: Scratch;
let uploads: { bucket: string; key: string; body: string; kmsKeyArn?: string }[];
let failUploads: boolean;

function provisioner(target: Scratch = scratch, overrides: Partial<ProvisionerDeps> = {}) {
  return createProvisioner({
    ...scratchProvisionerDeps(target),
    putExport: async (bucket, key, body, kmsKeyArn) => {
      if (failUploads) throw new Error("S3 unavailable");
      uploads.push({ bucket, key, body, kmsKeyArn });
    },
    now: () => new Date("2026-01-02T03:04:05.678Z"),
    ...overrides,
  });
}

const input = (tenantId: string, extra: Partial<ProvisionerInput> = {}): ProvisionerInput => ({
  tenantId,
  environment: "test",
  exportBucket: `openclaw-${tenantId}-exports`,
  exportKmsKeyArn: `arn:aws:kms:us-east-1:111111111111:key/${tenantId}-key`,
  deletionMode: "retain",
  connectionLimit: 5,
  ...extra,
});
const create = (tenantId: string, extra: Partial<ProvisionerInput> = {}) =>
  provisioner()({ ...input(tenantId, extra), tf: { action: "create" } }) as Promise<ProvisionerResult>;
/**
 * A delete as aws_lambda_invocation (lifecycle_scope CRUD) sends it: the input from state, the
 * last one applied, at the top level and again as prev_input (terraform-provider-aws
 * internal/service/lambda/invocation.go, buildInput, reads d.GetChange("input"); on a destroy
 * terraform-plugin-sdk helper/schema/grpc_provider.go ApplyResourceChange builds an empty
 * attribute diff, so both sides are the state's).
 */
const deleteEvent = (lastApplied: ProvisionerInput) => ({ ...lastApplied, tf: { action: "delete", prev_input: lastApplied } });
/** The offboarding job's destroy: the last applied input says offboarding. */
const remove = (tenantId: string, extra: Partial<ProvisionerInput> = {}) =>
  provisioner()(deleteEvent(input(tenantId, { offboarding: true, ...extra }))) as Promise<ProvisionerResult>;

async function withSuperuser<T>(fn: (c: Client) => Promise<T>, target: Scratch = scratch): Promise<T> {
  const c = await target.superuser();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Everything provisioning may touch, as comparable JSON. */
async function catalogSnapshot(): Promise<unknown> {
  return withSuperuser(async (c) => {
    const like = `${scratch.runId}\\_%`;
    const q = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows;
    return {
      roles: await q(
        `SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolinherit, rolconnlimit, rolconfig
           FROM pg_roles WHERE rolname LIKE $1 ORDER BY rolname`, [like]),
      memberships: await q(
        `SELECT g.rolname AS role, u.rolname AS member, m.admin_option FROM pg_auth_members m
           JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
          WHERE u.rolname LIKE $1 OR g.rolname LIKE $1 ORDER BY 1, 2`, [like]),
      schemas: await q("SELECT nspname, nspowner::regrole::text, nspacl::text FROM pg_namespace WHERE nspname LIKE $1 OR nspname = 'openclaw' ORDER BY 1", [like]),
      tables: await q("SELECT relname, relacl::text, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = 'openclaw'::regnamespace ORDER BY 1"),
      policies: await q("SELECT tablename, policyname, roles::text, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'openclaw' ORDER BY 1, 2"),
      database: await q("SELECT datacl::text FROM pg_database WHERE datname = current_database()"),
      registry: await q("SELECT * FROM openclaw.tenant_roles ORDER BY role_name"),
      migrations: await q("SELECT * FROM openclaw.schema_migrations ORDER BY version"),
    };
  });
}

async function canLogIn(tenantId: string): Promise<boolean> {
  try {
    const c = await scratch.connectAs(databaseRoleName(tenantId, scratch.layout));
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function rowsOf(tenantId: string): Promise<Record<string, unknown[]>> {
  return withSuperuser(async (c) => {
    const out: Record<string, unknown[]> = {};
    for (const t of ["leads", "agent_memory", "audit_log"]) {
      out[t] = (await c.query(`SELECT * FROM openclaw.${t} WHERE tenant_id = $1 ORDER BY id`, [tenantId])).rows;
    }
    return out;
  });
}

async function seed(tenantId: string): Promise<void> {
  const c = await scratch.connectAs(databaseRoleName(tenantId, scratch.layout));
  try {
    await c.query("INSERT INTO openclaw.leads (name, email, attributes) VALUES ($1, $2, $3)", [`${tenantId} lead\twith tab`, "x@example.com", JSON.stringify({ note: "line1\nline2 \\ backslash" })]);
    await c.query("INSERT INTO openclaw.agent_memory (agent, key, content) VALUES ('butler', 'k', '{\"a\": 1}')");
    await c.query("INSERT INTO openclaw.audit_log (action, details) VALUES ('seeded', '{}')");
    await c.query("CREATE TABLE notes (id serial PRIMARY KEY, body text, tags text[], score numeric(5,2), made timestamptz DEFAULT now(), shout text GENERATED ALWAYS AS (upper(body)) STORED)");
    await c.query("CREATE INDEX notes_body_idx ON notes (body)");
    await c.query("INSERT INTO notes (body, tags, score) VALUES ($1, $2, 1.5), (NULL, NULL, NULL)", ["tab\there, newline\nthere, \\N literal", ["a", "b c"]]);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  server = await startServer();
  scratch = await createScratch(server, "prov");
});
beforeEach(() => {
  uploads = [];
  failUploads = false;
});
afterAll(async () => {
  await scratch?.cleanup();
  await server?.stop();
});

describe("input", () => {
  test("fails listing every invalid field", () => {
    expect(() => parseEvent({ tenantId: "Bad_Id", environment: "test", exportBucket: "x", deletionMode: "purge", connectionLimit: 0 })).toThrow(
      /tenantId: .*exportBucket: .*deletionMode: .*connectionLimit: /,
    );
  });

  test("fails on an unknown field, so a typo is not silently ignored", () => {
    expect(() => parseEvent({ ...input("alpha"), deletionMod: "drop" })).toThrow(/deletionMod: unknown field \(allowed: tenantId, environment, exportBucket, exportKmsKeyArn, deletionMode, connectionLimit, offboarding, tf\)/);
  });

  test("fails when invoked for another environment", async () => {
    await expect(provisioner()({ ...input("alpha"), environment: "production" })).rejects.toThrow(
      "input.environment is production, but this provisioner serves test",
    );
  });

  test("fails when an update changes the tenant id", async () => {
    await expect(provisioner()({ ...input("alpha"), tf: { action: "update", prev_input: input("other") } })).rejects.toThrow(
      "a tenant id cannot change (other -> alpha)",
    );
  });
});

describe("create and update", () => {
  test("creates a login role in the tenant group, a private schema and a registry row", async () => {
    const result = await create("alpha");
    expect(result).toMatchObject({ tenantId: "alpha", roleName: databaseRoleName("alpha", scratch.layout), status: "active" });
    expect(await canLogIn("alpha")).toBe(true);
    const snapshot = (await catalogSnapshot()) as { registry: { tenant_id: string; retired_at: unknown }[] };
    expect(snapshot.registry).toEqual([expect.objectContaining({ tenant_id: "alpha", retired_at: null })]);
  });

  test("changes nothing when run again, as create or as update", async () => {
    await create("alpha");
    const before = await catalogSnapshot();
    const again = await create("alpha");
    await provisioner()({ ...input("alpha"), tf: { action: "update", prev_input: input("alpha") } });
    expect(again.migrationsApplied).toEqual([]);
    expect(await catalogSnapshot()).toEqual(before);
  });

  test("treats an invocation without the tf key (an operator's call) as create", async () => {
    expect((await provisioner()(input("manual"))).status).toBe("active");
    expect(await canLogIn("manual")).toBe(true);
  });

  test("applies a changed connection limit on update", async () => {
    await provisioner()({ ...input("alpha", { connectionLimit: 9 }), tf: { action: "update", prev_input: input("alpha") } });
    const limit = await withSuperuser(async (c) => (await c.query("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", [databaseRoleName("alpha", scratch.layout)])).rows[0].rolconnlimit);
    expect(limit).toBe(9);
  });

  test("refuses to adopt an existing role that has more than a tenant may have", async () => {
    await withSuperuser((c) => c.query(`CREATE ROLE ${databaseRoleName("rogue", scratch.layout)} LOGIN CREATEDB`));
    await expect(create("rogue")).rejects.toThrow(/exists with rolcreatedb; a tenant role may only be a member of/);
  });

  test("provisions several tenants invoked at the same time (the provisioner lock serialises them)", async () => {
    const fresh = await createScratch(server, "conc");
    try {
      const results = (await Promise.all(
        ["c-one", "c-two", "c-three", "c-four"].map((id) => provisioner(fresh)({ ...input(id), tf: { action: "create" } })),
      )) as ProvisionerResult[];
      expect(results.map((r) => r.status)).toEqual(["active", "active", "active", "active"]);
      expect(results.flatMap((r) => r.migrationsApplied)).toHaveLength(loadMigrations(defaultMigrationsDirectory()).length);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe("delete outside offboarding (replacement, -replace, a destroy by hand)", () => {
  test.each(["retain", "drop"] as const)("changes nothing when the last applied input does not say offboarding (mode %s)", async (deletionMode) => {
    await create(`live-${deletionMode}`, { deletionMode });
    await seed(`live-${deletionMode}`);
    const before = { catalog: await catalogSnapshot(), rows: await rowsOf(`live-${deletionMode}`) };

    const result = (await provisioner()(deleteEvent(input(`live-${deletionMode}`, { deletionMode })))) as ProvisionerResult;

    expect(result.status).toBe("kept");
    expect({ catalog: await catalogSnapshot(), rows: await rowsOf(`live-${deletionMode}`) }).toEqual(before);
    expect(await canLogIn(`live-${deletionMode}`)).toBe(true);
    expect(uploads).toEqual([]);
  });

  test("a replacement (delete with the old input, then create) keeps every row and the login", async () => {
    await create("replaced", { deletionMode: "drop" });
    await seed("replaced");
    const rows = await rowsOf("replaced");
    const notes = async () =>
      withSuperuser(async (c) => (await c.query(`SELECT id, body FROM ${databaseRoleName("replaced", scratch.layout)}.notes ORDER BY id`)).rows);
    const ownRows = await notes();

    // function_name is ForceNew: Terraform destroys the old invocation, then creates the new one.
    await provisioner()(deleteEvent(input("replaced", { deletionMode: "drop" })));
    const created = (await provisioner()({ ...input("replaced", { deletionMode: "drop" }), tf: { action: "create" } })) as ProvisionerResult;

    expect(created.status).toBe("active");
    expect(await rowsOf("replaced")).toEqual(rows);
    expect(await notes()).toEqual(ownRows);
    expect(await canLogIn("replaced")).toBe(true);
    expect(uploads).toEqual([]);
  });
});

describe("delete, mode retain (the default)", () => {
  test("revokes login, ends open sessions, keeps schema and rows, leaves other tenants untouched", async () => {
    await create("keep-a");
    await create("keep-b");
    await seed("keep-a");
    await seed("keep-b");
    const rowsA = await rowsOf("keep-a");
    const rowsB = await rowsOf("keep-b");
    const open = await scratch.connectAs(databaseRoleName("keep-a", scratch.layout));

    expect((await remove("keep-a")).status).toBe("retired");

    await expect(open.query("SELECT 1")).rejects.toThrow(/terminat|Connection/i);
    expect(await canLogIn("keep-a")).toBe(false);
    expect(await rowsOf("keep-a")).toEqual(rowsA);
    expect(await rowsOf("keep-b")).toEqual(rowsB);
    expect(await canLogIn("keep-b")).toBe(true);
    expect(uploads).toEqual([]);
  });

  test("lets a re-created tenant log in again and see its kept rows", async () => {
    await create("keep-a");
    const c = await scratch.connectAs(databaseRoleName("keep-a", scratch.layout));
    try {
      expect((await c.query("SELECT count(*)::int AS n FROM openclaw.leads")).rows[0].n).toBe(1);
      expect((await c.query("SELECT count(*)::int AS n FROM notes")).rows[0].n).toBe(2);
    } finally {
      await c.end();
    }
  });

  test("reports absent for a tenant that was never provisioned", async () => {
    expect((await remove("never-was")).status).toBe("absent");
    expect((await remove("never-was", { deletionMode: "drop" })).status).toBe("absent");
    expect(uploads).toEqual([]);
  });
});

describe("delete, mode drop", () => {
  test("leaves the tenant retired and intact when the export cannot be stored", async () => {
    await create("fragile");
    await seed("fragile");
    const rows = await rowsOf("fragile");
    failUploads = true;
    await expect(remove("fragile", { deletionMode: "drop" })).rejects.toThrow("S3 unavailable");
    expect(await rowsOf("fragile")).toEqual(rows);
    expect(await canLogIn("fragile")).toBe(false);
  });

  test("stores an export, then removes role, schema and rows of that tenant only", async () => {
    await create("gone-a");
    await create("gone-b");
    await seed("gone-a");
    await seed("gone-b");
    const rowsB = await rowsOf("gone-b");

    const result = await remove("gone-a", { deletionMode: "drop" });

    expect(result.status).toBe("dropped");
    expect(uploads.map((u) => `s3://${u.bucket}/${u.key}`)).toEqual([result.exportLocation]);
    expect(uploads[0].kmsKeyArn).toBe("arn:aws:kms:us-east-1:111111111111:key/gone-a-key"); // the tenant's key, not aws/s3
    expect(result.exportLocation).toBe("s3://openclaw-gone-a-exports/database-exports/gone-a/2026-01-02T03-04-05-678Z.sql");
    expect(await rowsOf("gone-a")).toEqual({ leads: [], agent_memory: [], audit_log: [] });
    const leftovers = await withSuperuser(async (c) => ({
      role: (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [databaseRoleName("gone-a", scratch.layout)])).rowCount,
      schema: (await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [databaseRoleName("gone-a", scratch.layout)])).rowCount,
      registry: (await c.query("SELECT 1 FROM openclaw.tenant_roles WHERE tenant_id = 'gone-a'")).rowCount,
    }));
    expect(leftovers).toEqual({ role: 0, schema: 0, registry: 0 });
    expect(await rowsOf("gone-b")).toEqual(rowsB);
    expect(await canLogIn("gone-b")).toBe(true);
    // Deleting again is a no-op: Terraform may retry a delete.
    expect((await remove("gone-a", { deletionMode: "drop" })).status).toBe("absent");
  });

  test("runs none of the tenant's own code with the provisioner's privileges while exporting", async () => {
    await create("victim");
    await create("attacker");
    const c = await scratch.connectAs(databaseRoleName("attacker", scratch.layout));
    try {
      // Each trap, if the export ever ran it as the provisioner (a member of the owner
      // role), would plant a row in the victim's leads.
      await c.query(`CREATE FUNCTION plant() RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO openclaw.leads (tenant_id, name) VALUES ('victim', 'planted'); RETURN true;
        EXCEPTION WHEN others THEN RETURN true; END $$`);
      await c.query("CREATE TABLE trapped (x int)");
      await c.query("INSERT INTO trapped VALUES (1)");
      await c.query("ALTER TABLE trapped ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY");
      await c.query("CREATE POLICY trap ON trapped USING (plant())");
      await c.query("CREATE TYPE boxed AS (v int)");
      await c.query("CREATE FUNCTION boxed_text(boxed) RETURNS text LANGUAGE sql AS $$ SELECT CASE WHEN plant() THEN 'x' END $$");
      await c.query("CREATE CAST (boxed AS text) WITH FUNCTION boxed_text(boxed)");
      await c.query("CREATE TABLE cast_trap (b boxed)");
      await c.query("INSERT INTO cast_trap VALUES (ROW(1))");
    } finally {
      await c.end();
    }

    expect((await remove("attacker", { deletionMode: "drop" })).status).toBe("dropped");

    expect((await rowsOf("victim")).leads).toEqual([]);
    expect(uploads[0].body).toContain("COPY \"" + databaseRoleName("attacker", scratch.layout) + "\".\"trapped\" (\"x\") FROM stdin;\n1\n");
  });

  const psql = ["/usr/bin/psql", "/usr/local/bin/psql"].find((p) => fs.existsSync(p));
  (psql ? test : test.skip)("writes an export that psql restores to the same rows", async () => {
    await create("restore-me");
    await seed("restore-me");
    const role = databaseRoleName("restore-me", scratch.layout);
    const before = await rowsOf("restore-me");
    const notesBefore = await withSuperuser(async (c) => (await c.query(`SELECT * FROM ${role}.notes ORDER BY id`)).rows);
    await remove("restore-me", { deletionMode: "drop" });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-export-")), "export.sql");
    fs.writeFileSync(file, uploads[0].body);

    const target = await createScratch(server, "rest");
    try {
      // The restore target is migrated to the same version, as the export's header asks.
      const master = await target.connectAs(target.master.username);
      try {
        await master.query("BEGIN");
        await migrate(master, target.layout, loadMigrations(defaultMigrationsDirectory()));
        await master.query("COMMIT");
      } finally {
        await master.end();
      }
      const su = server.superuser;
      execFileSync(psql!, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", su.host, "-p", String(su.port), "-U", su.user, "-d", target.database, "-f", file], {
        env: { ...process.env, PGPASSWORD: su.password ?? "" },
        stdio: "pipe",
      });
      const restored = await withSuperuser(async (c) => {
        const out: Record<string, unknown[]> = {};
        for (const t of ["leads", "agent_memory", "audit_log"]) out[t] = (await c.query(`SELECT * FROM openclaw.${t} WHERE tenant_id = 'restore-me' ORDER BY id`)).rows;
        return { shared: out, notes: (await c.query(`SELECT * FROM ${role}.notes ORDER BY id`)).rows };
      }, target);
      expect(restored.shared).toEqual(before);
      expect(restored.notes).toEqual(notesBefore);
    } finally {
      await target.cleanup();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

describe("export for offboarding (the offboarding job's step 2)", () => {
  const exportEvent = (tenantId: string) => ({ operation: "export", environment: "test", tenantId, exportBucket: "openclaw-222222222222-test-us-east-1-archive" });

  test("stores the tenant's rows in the archive with their checksum, retires the login and drops nothing", async () => {
    await create("leaving");
    await seed("leaving");
    const rows = await rowsOf("leaving");

    const result = await provisioner()(exportEvent("leaving"));

    expect(uploads).toHaveLength(1);
    const sha = createHash("sha256").update(Buffer.from(uploads[0].body, "utf8")).digest("hex");
    expect(result).toEqual({
      status: "exported",
      tenantId: "leaving",
      roleName: databaseRoleName("leaving", scratch.layout),
      schemaName: databaseRoleName("leaving", scratch.layout),
      exportLocation: "s3://openclaw-222222222222-test-us-east-1-archive/database-exports/leaving/2026-01-02T03-04-05-678Z.sql",
      exportSha256: sha,
      exportBytes: Buffer.byteLength(uploads[0].body),
    });
    expect(uploads[0]).toMatchObject({ bucket: "openclaw-222222222222-test-us-east-1-archive", key: "database-exports/leaving/2026-01-02T03-04-05-678Z.sql" });
    expect(uploads[0].body).toContain("leaving lead");
    expect(await rowsOf("leaving")).toEqual(rows);
    expect(await canLogIn("leaving")).toBe(false);
  });

  test("exports once: a repeated export returns the stored receipt and uploads nothing", async () => {
    await create("twice");
    await seed("twice");
    const first = await provisioner()(exportEvent("twice"));
    const again = await provisioner()(exportEvent("twice"));
    expect(uploads).toHaveLength(1);
    expect(again).toEqual({ ...first, reused: true });
  });

  test("the offboarding drop uses the verified export, and the destroy's delete afterwards is a no-op", async () => {
    // The chosen flow: job export (step 2), job drop with Terraform's delete payload (step 3),
    // then terraform destroy sends the same delete again. One export, one drop, no failure.
    await create("flow", { offboarding: true, deletionMode: "drop", exportBucket: "openclaw-222222222222-test-us-east-1-archive" });
    await seed("flow");
    const exported = (await provisioner()(exportEvent("flow"))) as ExportResult;
    const lastApplied = input("flow", { offboarding: true, deletionMode: "drop", exportBucket: "openclaw-222222222222-test-us-east-1-archive" });

    const dropped = (await provisioner()(deleteEvent(lastApplied))) as ProvisionerResult;
    expect(dropped).toMatchObject({ status: "dropped", exportLocation: exported.exportLocation, exportSha256: exported.exportSha256, exportBytes: exported.exportBytes });
    expect(uploads).toHaveLength(1);
    expect(await rowsOf("flow")).toEqual({ leads: [], agent_memory: [], audit_log: [] });

    const destroyed = (await provisioner()(deleteEvent(lastApplied))) as ProvisionerResult;
    expect(destroyed.status).toBe("absent");
    expect(uploads).toHaveLength(1);
  });

  test("a retain-mode offboarding delete after an export keeps the rows (databaseDeletion: retain wins)", async () => {
    await create("keeper", { offboarding: true });
    await seed("keeper");
    const rows = await rowsOf("keeper");
    await provisioner()(exportEvent("keeper"));
    const result = (await provisioner()(deleteEvent(input("keeper", { offboarding: true })))) as ProvisionerResult;
    expect(result.status).toBe("retired");
    expect(await rowsOf("keeper")).toEqual(rows);
  });

  test("fails for a tenant that has no database role, naming it", async () => {
    await expect(provisioner()(exportEvent("never-there"))).rejects.toThrow(/tenant never-there has no database role .*: nothing to export/);
    expect(uploads).toEqual([]);
  });

  test("refuses an export event with anything else in it", () => {
    expect(() => parseEvent({ ...exportEvent("alpha"), deletionMode: "drop" })).toThrow(/deletionMode: unknown field/);
  });
});

describe("migrations", () => {
  test("apply alone on the platform's migrate operation, touching no tenant", async () => {
    const fresh = await createScratch(server, "migr");
    try {
      const first = await provisioner(fresh)({ operation: "migrate", environment: "test" });
      expect(first).toEqual({ status: "migrated", migrationsApplied: loadMigrations(defaultMigrationsDirectory()).map((m) => m.version) });
      expect(await provisioner(fresh)({ operation: "migrate", environment: "test" })).toEqual({ status: "migrated", migrationsApplied: [] });
      const registry = await withSuperuser(async (c) => (await c.query("SELECT count(*)::int AS n FROM openclaw.tenant_roles")).rows[0].n, fresh);
      expect(registry).toBe(0);
    } finally {
      await fresh.cleanup();
    }
  });

  test("refuse a migrate operation carrying anything else", () => {
    expect(() => parseEvent({ operation: "migrate", environment: "test", tenantId: "alpha" })).toThrow(/tenantId: unknown field/);
    expect(() => parseEvent({ operation: "drop-everything", environment: "test" })).toThrow(/operation:/);
  });

  test("refuse to run when an applied migration's file was edited", async () => {
    const edited = loadMigrations(defaultMigrationsDirectory()).map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    await expect(provisioner(scratch, { migrations: edited })(input("alpha"))).rejects.toThrow(/was applied with checksum .* never edit an applied migration/);
  });
});
