/**
 * Issue 24, item 4, on a real PostgreSQL server: RDS creates `postgres` (and `template1`) with
 * CONNECT and TEMPORARY for PUBLIC, so a tenant role could connect there, outside everything
 * that looks at `current_database()`. The stand-in here is a second database owned by the
 * master user, as `postgres` is on RDS (the shared test server's own `postgres` is not the
 * master's to change).
 */
import { Client } from "pg";
import type { ProvisionerInput, ProvisionerResult, ReapResult } from "../../db/contract";
import { databaseRoleName } from "../../db/names";
import { createProvisioner, type ProvisionerDeps } from "../../db/provisioner/provisioner";
import { createScratch, type Scratch, scratchProvisionerDeps, startServer, type TestServer } from "./harness";

jest.setTimeout(60_000);

let server: TestServer;
let scratch: Scratch;
let other: string;
let later: string;

const provisioner = (overrides: Partial<ProvisionerDeps> = {}) =>
  createProvisioner({ ...scratchProvisionerDeps(scratch), ...overrides });
const input = (tenantId: string, extra: Partial<ProvisionerInput> = {}): ProvisionerInput => ({
  tenantId,
  environment: "test",
  exportBucket: `openclaw-${tenantId}-exports`,
  deletionMode: "drop",
  connectionLimit: 5,
  ...extra,
});
const create = (tenantId: string) => provisioner()({ ...input(tenantId), tf: { action: "create" } }) as Promise<ProvisionerResult>;
const drop = (tenantId: string) => {
  const last = input(tenantId, { offboarding: true });
  return provisioner()({ ...last, tf: { action: "delete", prev_input: last } }) as Promise<ProvisionerResult>;
};
const role = (tenantId: string) => databaseRoleName(tenantId, scratch.layout);

async function asSuperuser<T>(database: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ ...server.superuser, database });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
/** Connects as the tenant role to `database` (the harness set its password when it first connected). */
async function tenantConnect(tenantId: string, database: string): Promise<Client> {
  const c = new Client({ ...scratch.connection, database, user: role(tenantId), password: await tenantPassword(tenantId) });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}
const passwords = new Map<string, string>();
async function tenantPassword(tenantId: string): Promise<string> {
  if (!passwords.has(tenantId)) {
    const password = `pw${Math.random().toString(36).slice(2)}`;
    await asSuperuser(scratch.database, (c) => c.query(`ALTER ROLE "${role(tenantId)}" PASSWORD '${password}'`));
    passwords.set(tenantId, password);
  }
  return passwords.get(tenantId)!;
}

beforeAll(async () => {
  server = await startServer();
  scratch = await createScratch(server, "multidb");
  other = `${scratch.runId}_postgres`;
  later = `${scratch.runId}_later`;
  await asSuperuser(server.superuser.database, (c) => c.query(`CREATE DATABASE ${other} OWNER ${scratch.master.username}`));
  await create("mdb-a");
  await create("mdb-b");
});
afterAll(async () => {
  if (scratch) {
    await asSuperuser(server.superuser.database, async (c) => {
      for (const db of [other, later]) {
        await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [db]);
        await c.query(`DROP DATABASE IF EXISTS ${db}`);
      }
    });
  }
  await scratch?.cleanup();
  await server?.stop();
});

describe("tenant roles and the other databases of the server", () => {
  it("cannot connect to a database other than the platform's", async () => {
    await expect(tenantConnect("mdb-a", other)).rejects.toThrow(/permission denied for database/);
    const own = await tenantConnect("mdb-a", scratch.database);
    await own.end();
  });

  it("is confined again in a database created after provisioning, by the next run (migrate)", async () => {
    await asSuperuser(server.superuser.database, (c) => c.query(`CREATE DATABASE ${later} OWNER ${scratch.master.username}`));
    const before = await tenantConnect("mdb-a", later); // PUBLIC CONNECT, as RDS creates it
    await before.end();
    await provisioner()({ operation: "migrate", environment: "test" });
    await expect(tenantConnect("mdb-a", later)).rejects.toThrow(/permission denied for database/);
  });

  it("reap ends a tenant session in another database, whatever its age", async () => {
    // An operator's mistake: CONNECT granted to the tenant by hand.
    await asSuperuser(server.superuser.database, (c) => c.query(`GRANT CONNECT ON DATABASE ${other} TO "${role("mdb-a")}"`));
    const session = await tenantConnect("mdb-a", other);
    await session.query("SELECT 1");
    const result = (await provisioner()({ operation: "reap", environment: "test" })) as ReapResult;
    expect(result.sessionsEnded).toBeGreaterThanOrEqual(1);
    await expect(session.query("SELECT 1")).rejects.toThrow();
    await provisioner()({ operation: "migrate", environment: "test" }); // and the grant is taken back
    await expect(tenantConnect("mdb-a", other)).rejects.toThrow(/permission denied for database/);
  });

  it("offboarding drops a tenant even when another tenant's default privileges in another database name it", async () => {
    // Set up what a tenant could do before the fix: connect to the other database and leave
    // default privileges there that name tenant B (DROP OWNED acts on one database only).
    await asSuperuser(server.superuser.database, (c) => c.query(`GRANT CONNECT ON DATABASE ${other} TO "${role("mdb-a")}"`));
    const a = await tenantConnect("mdb-a", other);
    await a.query(`ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO "${role("mdb-b")}"`);
    await a.end();
    await provisioner()({ operation: "migrate", environment: "test" });
    const result = await drop("mdb-b");
    expect(result.status).toBe("dropped");
    const left = await asSuperuser(scratch.database, (c) => c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role("mdb-b")]));
    expect(left.rowCount).toBe(0);
  });

  it("measure counts what a tenant role owns in another database", async () => {
    const records: Record<string, any>[] = [];
    const measure = async () => {
      records.length = 0;
      await provisioner({ emitMetric: (r) => records.push(r) })({ operation: "measure", environment: "test" });
      return records.find((r) => r.TenantID === "mdb-a")!.TenantStorageBytes as number;
    };
    const before = await measure();
    // Left from before the fix: a table tenant A created there while it could (made here by
    // the superuser as tenant A, since tenant A can no longer connect).
    await asSuperuser(other, async (c) => {
      await c.query(`CREATE TABLE ${scratch.runId}_left AS SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 2000) g`);
      await c.query(`ALTER TABLE ${scratch.runId}_left OWNER TO "${role("mdb-a")}"`);
    });
    expect((await measure()) - before).toBeGreaterThan(2000 * 500);
  });
});
