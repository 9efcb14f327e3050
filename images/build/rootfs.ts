import { posix } from "node:path";
import { AGENT_CONTAINER_USER, WRITABLE_PATHS } from "../agent/contract";
import { controlField, DebianPackage } from "./deb";
import { TarEntry } from "./tar";

/**
 * The two layers of the reference image as tar entries: the Debian packages (plus the files
 * their maintainer scripts would have made) and the application. Everything is owned by root
 * and read-only to the agent user except the contract's writable paths; no setuid or setgid
 * bit survives; every timestamp is the build's fixed time.
 */

/** Documentation and manuals: no runtime use, and noise for scanners. Licences are kept. */
const DROPPED = [/^usr\/share\/(man|info|lintian|bug|locale)(\/|$)/, /^usr\/share\/doc\/[^/]+\/(?!copyright$)/];

function agentIds(): { uid: number; gid: number } {
  const [uid, gid] = AGENT_CONTAINER_USER.split(":").map(Number);
  return { uid, gid };
}

const dir = (path: string, mtime: number, mode = 0o755, owner = { uid: 0, gid: 0 }): TarEntry => ({ path, type: "directory", mode, ...owner, mtime });
const file = (path: string, data: string | Buffer, mtime: number, mode = 0o644): TarEntry => ({
  path,
  type: "file",
  mode,
  uid: 0,
  gid: 0,
  mtime,
  data: Buffer.isBuffer(data) ? data : Buffer.from(data, "utf8"),
});

/** Sorted by path, with every missing parent directory added (0755, root). */
export function withParents(entries: Iterable<TarEntry>, mtime: number): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) byPath.set(e.path, e);
  for (const e of [...byPath.values()]) {
    for (let p = posix.dirname(e.path); p !== "." && p !== ""; p = posix.dirname(p)) {
      if (!byPath.has(p)) byPath.set(p, dir(p, mtime));
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Merges the packages' files. Two packages may share a directory; a path that two packages
 * install differently is an error, not a silent overwrite.
 */
export function packagesLayer(packages: readonly { name: string; deb: DebianPackage }[], mtime: number): TarEntry[] {
  const byPath = new Map<string, { entry: TarEntry; from: string }>();
  const add = (entry: TarEntry, from: string) => {
    const previous = byPath.get(entry.path);
    if (previous && entry.type !== "directory") {
      const same = previous.entry.type === entry.type && previous.entry.linkname === entry.linkname && Buffer.compare(previous.entry.data ?? Buffer.alloc(0), entry.data ?? Buffer.alloc(0)) === 0;
      if (!same) throw new Error(`${entry.path}: installed differently by ${previous.from} and ${from}`);
    }
    if (!previous) byPath.set(entry.path, { entry, from });
  };
  for (const { name, deb } of packages) {
    for (const e of deb.entries) {
      if (e.path === "" || DROPPED.some((d) => d.test(e.path))) continue;
      // Root owns everything; setuid/setgid/sticky and world-writable directories (base-files'
      // /var/tmp, /var/lock) come only from this build: the contract's /tmp below.
      add({ ...e, uid: 0, gid: 0, mtime, mode: e.mode & 0o755 }, name);
    }
    // What dpkg would record: scanners (ECR basic scanning, Trivy, Grype) read status.d to know
    // which packages, at which versions, the image holds.
    add(file(`var/lib/dpkg/status.d/${controlField(deb.control, "Package") ?? name}`, deb.control.endsWith("\n") ? deb.control : `${deb.control}\n`, mtime), "build");
  }
  const { uid, gid } = agentIds();
  // The users postinst scripts never created: root and the unprivileged agent user.
  add(file("etc/passwd", `root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:${uid}:${gid}:openclaw agent:/tmp:/usr/sbin/nologin\n`, mtime), "build");
  add(file("etc/group", `root:x:0:\nagent:x:${gid}:\n`, mtime), "build");
  // update-ca-certificates' bundle, from the CA files ca-certificates ships (sorted, as it does).
  const cas = [...byPath.values()]
    .filter(({ entry }) => entry.type === "file" && /^usr\/share\/ca-certificates\/.+\.crt$/.test(entry.path))
    .sort((a, b) => (a.entry.path < b.entry.path ? -1 : 1));
  if (cas.length > 0) add(file("etc/ssl/certs/ca-certificates.crt", Buffer.concat(cas.map(({ entry }) => entry.data ?? Buffer.alloc(0))), mtime), "build");
  // The contract's writable paths exist in the image, so ECS mounts the task's volumes over
  // directories with known owners: /tmp for everyone (sticky), the ECS Exec agent's for root.
  for (const path of Object.values(WRITABLE_PATHS)) {
    const entry = path === "/tmp" ? dir("tmp", mtime, 0o1777) : dir(path.slice(1), mtime);
    byPath.set(entry.path, { entry, from: "build" });
  }
  return withParents(
    [...byPath.values()].map(({ entry }) => entry),
    mtime,
  );
}

/** The application layer: the runtime's files under /app, read-only to the agent user. */
export function applicationLayer(files: Readonly<Record<string, { data: Buffer; executable: boolean }>>, appDirectory: string, mtime: number): TarEntry[] {
  const entries = Object.entries(files).map(([name, f]) => file(posix.join(appDirectory.slice(1), name), f.data, mtime, f.executable ? 0o755 : 0o644));
  return withParents(entries, mtime);
}
