/**
 * Issue 24, item 5, on a real PostgreSQL server: an export must not let its restore run
 * tenant-written code with the restoring administrator's rights. The attack: a CHECK
 * constraint (and an index expression, a generated column, a default) in the tenant's own
 * table that reads every tenant's rows through query_to_xml and sends them out with
 * pg_notify; restored "as an admin" (db/README.md), it ran with the admin's rights.
 * The export now carries such definitions only as inert review lines (db/provisioner/export.ts).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client, type Notification } from "pg";
import type { ProvisionerInput, ProvisionerResult } from "../../db/contract";
import { databaseRoleName } from "../../db/names";
import { defaultMigrationsDirectory, loadMigrations, migrate } from "../../db/provisioner/migrate";
import { createProvisioner } from "../../db/provisioner/provisioner";
import { createScratch, type Scratch, scratchProvisionerDeps, startServer, type TestServer } from "./harness";

jest.setTimeout(90_000);

let server: TestServer;
let scratch: Scratch;
const uploads: string[] = [];
const psql = ["/usr/bin/psql", "/usr/local/bin/psql"].find((p) => fs.existsSync(p));

const provisioner = () =>
  createProvisioner({ ...scratchProvisionerDeps(scratch), putExport: async (_bucket, _key, body) => void uploads.push(body) });
const input = (tenantId: string, extra: Partial<ProvisionerInput> = {}): ProvisionerInput => ({
  tenantId,
  environment: "test",
  exportBucket: "exports",
  deletionMode: "drop",
  connectionLimit: 5,
  ...extra,
});

/** What reads every tenant's leads and sends them out: builtins only, no function of the tenant's. */
const LEAK = "pg_notify('leak', query_to_xml('SELECT tenant_id, name FROM openclaw.leads', true, false, '')::text)::text = ''";

beforeAll(async () => {
  server = await startServer();
  scratch = await createScratch(server, "exprest");
  await provisioner()({ ...input("trojan"), tf: { action: "create" } });
  const c = await scratch.connectAs(databaseRoleName("trojan", scratch.layout));
  try {
    await c.query("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, n int)");
    await c.query("INSERT INTO notes (body, n) VALUES ('hello', 1), ('world', 2)");
    await c.query(`ALTER TABLE notes ADD CONSTRAINT sneaky CHECK (${LEAK})`);
    // Index expressions and generated columns must be immutable: an attacker would wrap the leak
    // in a function of its own marked IMMUTABLE, which the export never carried (a restore then
    // fails); still tenant-written code, so kept out too.
    await c.query("CREATE INDEX sneaky_idx ON notes ((lower(body)))");
    await c.query("ALTER TABLE notes ADD COLUMN computed int GENERATED ALWAYS AS (n * 2) STORED");
    await c.query(`ALTER TABLE notes ALTER COLUMN n SET DEFAULT (CASE WHEN ${LEAK} THEN 0 END)`);
    await c.query("CREATE INDEX plain_idx ON notes (body)");
  } finally {
    await c.end();
  }
  const last = input("trojan", { offboarding: true });
  const dropped = (await provisioner()({ ...last, tf: { action: "delete", prev_input: last } })) as ProvisionerResult;
  expect(dropped.status).toBe("dropped");
});
afterAll(async () => {
  await scratch?.cleanup();
  await server?.stop();
});

describe("restoring an export", () => {
  it("keeps the tenant's definitions out of the SQL, as review lines that are comments", () => {
    const body = uploads[0];
    const active = body.split("\n").filter((l) => !l.startsWith("--")).join("\n");
    expect(active).not.toMatch(/query_to_xml|pg_notify/);
    const review = body.split("\n").filter((l) => l.startsWith("-- review: "));
    expect(review.map((l) => JSON.parse(l.slice("-- review: ".length)).kind).sort()).toEqual(["check", "default", "generated", "index"]);
    expect(review.filter((l) => l.includes("query_to_xml")).map((l) => JSON.parse(l.slice("-- review: ".length)).kind).sort()).toEqual(["check", "default"]);
    expect(active).toContain('CREATE INDEX plain_idx ON'); // plain definitions are restored
  });

  (psql ? it : it.skip)("runs no tenant code as the administrator: no other tenant's rows leave through pg_notify, and the rows come back", async () => {
    const target = await createScratch(server, "exptgt");
    const listener = new Client({ ...server.superuser, database: target.database });
    try {
      const master = await target.connectAs(target.master.username);
      await master.query("BEGIN");
      await migrate(master, target.layout, loadMigrations(defaultMigrationsDirectory()));
      await master.query("COMMIT");
      await master.end();
      // Another tenant's rows in the database the export is restored into.
      const su = await target.superuser();
      await su.query("INSERT INTO openclaw.leads (tenant_id, name) VALUES ('victim', 'secret-lead')");
      await su.end();
      await listener.connect();
      const heard: Notification[] = [];
      listener.on("notification", (n) => heard.push(n));
      await listener.query("LISTEN leak");

      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-export-")), "export.sql");
      fs.writeFileSync(file, uploads[0]);
      const s = server.superuser;
      execFileSync(psql!, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", s.host, "-p", String(s.port), "-U", s.user, "-d", target.database, "-f", file], {
        env: { ...process.env, PGPASSWORD: s.password ?? "" },
        stdio: "pipe",
      });
      await listener.query("SELECT 1"); // notifications arrive before the next answer
      expect(heard.map((n) => n.payload)).toEqual([]);

      const check = await target.superuser();
      const rows = (await check.query(`SELECT id, body, n, computed FROM "${databaseRoleName("trojan", scratch.layout)}".notes ORDER BY id`)).rows;
      await check.end();
      expect(rows).toEqual([
        { id: 1, body: "hello", n: 1, computed: 2 },
        { id: 2, body: "world", n: 2, computed: 4 },
      ]);
    } finally {
      await listener.end().catch(() => undefined);
      await target.cleanup();
    }
  });
});
