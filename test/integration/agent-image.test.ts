/**
 * The real reference image: built from the Debian archive (packages cached in
 * .cache/agent-image-debs after the first run), checked as a file system against the contract,
 * built a second time for the same digest, and run under chroot as the agent user with the
 * image's own Node.js (needs root, or an unprivileged user namespace for `unshare -r`).
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { AGENT_CONTAINER_USER, AGENT_HEALTH_CHECK, REFERENCE_ENTRYPOINT, WRITABLE_PATHS } from "../../images/agent/contract";
import { buildAgentImage, fetchPackages, readPackageLock, runtimeFiles } from "../../images/build/agent-image";
import { BuiltImage } from "../../images/build/oci";
import { AGENT_IMAGE_MIB } from "../../cost/estimate";
import { readTar, TarEntry } from "../../images/build/tar";

jest.setTimeout(600_000);
const REPO_ROOT = join(__dirname, "..", "..");
const EPOCH = 1764547200;
const [UID, GID] = AGENT_CONTAINER_USER.split(":").map(Number);

let image: BuiltImage;
let files: Map<string, TarEntry>;

beforeAll(async () => {
  const lock = readPackageLock();
  const debs = await fetchPackages(lock, join(REPO_ROOT, ".cache", "agent-image-debs"));
  image = buildAgentImage(debs, runtimeFiles(), EPOCH, lock);
  files = new Map();
  for (const layer of image.layers) for (const e of readTar(gunzipSync(layer.data))) files.set(e.path, e);
});

/** Follows symlinks inside the image (absolute targets resolve against the image root). */
function resolve(path: string, depth = 0): TarEntry | undefined {
  const parts = path.replace(/^\//, "").split("/");
  let current = "";
  for (const [i, part] of parts.entries()) {
    current = current ? `${current}/${part}` : part;
    const e = files.get(current);
    if (e?.type === "symlink" && depth < 20) {
      const target = e.linkname!.startsWith("/") ? e.linkname! : `${current.split("/").slice(0, -1).join("/")}/${e.linkname}`;
      return resolve([target.replace(/\/\.\//g, "/"), ...parts.slice(i + 1)].join("/").replace(/[^/]+\/\.\.\//g, ""), depth + 1);
    }
  }
  return files.get(current);
}

test("building again gives the same digest", async () => {
  const lock = readPackageLock();
  const debs = await fetchPackages(lock, join(REPO_ROOT, ".cache", "agent-image-debs"));
  expect(buildAgentImage(debs, runtimeFiles(), EPOCH, lock).digest).toBe(image.digest);
});

test("fits the size the cost model prices ECR storage with (cost/estimate.ts AGENT_IMAGE_MIB)", () => {
  const mib = [image.config, ...image.layers].reduce((sum, b) => sum + b.data.length, 0) / 1048576;
  expect(mib).toBeGreaterThan(AGENT_IMAGE_MIB / 2); // a stale constant far above the image is wrong too
  expect(mib).toBeLessThanOrEqual(AGENT_IMAGE_MIB);
});

test("nothing outside the writable paths is writable by the agent user, and nothing is setuid", () => {
  const writable = [...files.values()].filter(
    (e) => e.type !== "symlink" && ((e.uid === UID && e.mode & 0o200) || (e.gid === GID && e.mode & 0o020) || e.mode & 0o002),
  );
  expect(files.size).toBeGreaterThan(1000);
  expect(writable.map((e) => `/${e.path}`).filter((p) => !Object.values(WRITABLE_PATHS).some((w) => p === w || p.startsWith(`${w}/`)))).toEqual([]);
  expect([...files.values()].filter((e) => e.mode & 0o6000).map((e) => e.path)).toEqual([]);
});

test("the entrypoint, the health check and its interpreter exist in the image", () => {
  expect(resolve(REFERENCE_ENTRYPOINT[0])?.type).toBe("file");
  expect(resolve(REFERENCE_ENTRYPOINT[1])?.type).toBe("file");
  const check = resolve(AGENT_HEALTH_CHECK.command[1]);
  expect(check?.mode && check.mode & 0o001).toBeTruthy();
  const interpreter = /^#!(\S+)/.exec(check!.data!.toString())![1];
  expect(resolve(interpreter)?.type).toBe("file");
  expect(resolve("/lib64/ld-linux-x86-64.so.2")?.type).toBe("file");
});

test("scanners can see the packages: os-release and one dpkg status file per locked package", () => {
  expect(resolve("/etc/os-release")?.type).toBe("file");
  const status = [...files.keys()].filter((p) => p.startsWith("var/lib/dpkg/status.d/"));
  expect(status.length).toBe(readPackageLock().length);
});

function rootfsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-rootfs-"));
  chmodSync(dir, 0o755); // the image's / as the agent user sees it
  for (const layer of image.layers) {
    const tar = join(dir, "..", `${layer.descriptor.digest.slice(7)}.tar.gz`);
    writeFileSync(tar, layer.data);
    const r = spawnSync("tar", ["-xzf", tar, "-C", dir, "--numeric-owner"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
  }
  mkdirSync(join(dir, "proc"), { recursive: true });
  return dir;
}

test("runs as the agent user with the image's own Node.js, is healthy, and exits 0 on SIGTERM", async () => {
  const root = rootfsDir();
  // chroot needs root: as root (this machine), through passwordless sudo (GitHub's runners), or
  // in an unprivileged user namespace where the kernel allows one (then uid 0 inside).
  const mode = process.getuid?.() === 0 ? "root" : spawnSync("sudo", ["-n", "true"]).status === 0 ? "sudo" : "userns";
  const asAgent = mode !== "userns";
  const chroot = (args: string[]) =>
    mode === "root"
      ? ["chroot", `--userspec=${UID}:${GID}`, root, ...args]
      : mode === "sudo"
        ? ["sudo", "-n", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "chroot", `--userspec=${UID}:${GID}`, root, ...args]
        : ["unshare", "-r", "chroot", root, ...args];
  const env: Record<string, string> = {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    TENANT_ID: "acme",
    AGENT: "butler",
    AWS_REGION: "us-east-1",
    TENANT_BUCKET: "b",
    DB_HOST: "db",
    DB_PORT: "5432",
    DB_NAME: "openclaw",
    DB_USER: "tenant_acme",
    DB_POOL_SIZE: "5",
  };
  const [cmd, ...args] = chroot(REFERENCE_ENTRYPOINT);
  const agent = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  agent.stdout.on("data", (d) => (out += d));
  agent.stderr.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((r) => agent.on("exit", (code) => r(code)));
  for (let i = 0; i < 200 && !out.includes('"started"'); i++) await new Promise((r) => setTimeout(r, 50));
  expect(err).toBe("");
  expect(out).toContain('"started"');
  const [hc, ...hcArgs] = chroot([...AGENT_HEALTH_CHECK.command.slice(1)]);
  expect(spawnSync(hc, hcArgs, { env, encoding: "utf8" }).status).toBe(0);
  // The image's node is the Debian one, not the test's.
  const [v, ...vArgs] = chroot([REFERENCE_ENTRYPOINT[0], "-p", "process.version + ' ' + process.getuid()"]);
  expect(spawnSync(v, vArgs, { env, encoding: "utf8" }).stdout.trim()).toMatch(new RegExp(`^v18\\.\\d+\\.\\d+ ${asAgent ? UID : 0}$`));
  // chroot execs node, so the signal reaches it directly (through sudo, which relays SIGTERM).
  agent.kill("SIGTERM");
  expect(await exit).toBe(0);
  expect(out).toMatch(/"stopped"/);
});
