/**
 * The daemonless image builder (images/build/): tar round trips, .deb reading, the rootfs rules
 * (ownership, no setuid, writable paths) and a digest that depends only on the inputs. Packages
 * are small synthetic .debs built here; test/integration/agent-image.test.ts builds the real one.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { AGENT_CONTAINER_USER, WRITABLE_PATHS } from "../../images/agent/contract";
import { buildAgentImage, fetchPackages, LockedPackage, runtimeFiles } from "../../images/build/agent-image";
import { readDeb } from "../../images/build/deb";
import { readLayout, writeLayout } from "../../images/build/oci";
import { readTar, TarEntry, writeTar } from "../../images/build/tar";

const T = 1764547200;

function ar(members: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from("!<arch>\n")];
  for (const m of members) {
    const head = `${m.name.padEnd(16)}${"0".padEnd(12)}${"0".padEnd(6)}${"0".padEnd(6)}${"100644".padEnd(8)}${String(m.data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(head, "latin1"), m.data, ...(m.data.length % 2 ? [Buffer.from("\n")] : []));
  }
  return Buffer.concat(parts);
}

const entry = (path: string, over: Partial<TarEntry> = {}): TarEntry => ({ path, type: "file", mode: 0o644, uid: 1000, gid: 1000, mtime: 12345, data: Buffer.from(path), ...over });

function deb(name: string, version: string, entries: TarEntry[]): Buffer {
  const control = Buffer.from(`Package: ${name}\nVersion: ${version}\nArchitecture: amd64\n`);
  return ar([
    { name: "debian-binary", data: Buffer.from("2.0\n") },
    { name: "control.tar.gz", data: gzipSync(writeTar([entry("control", { data: control })])) },
    { name: "data.tar.gz", data: gzipSync(writeTar(entries.map((e) => ({ ...e, path: `./${e.path}` })))) },
  ]);
}

const debs = () => [
  { name: "libfoo", data: deb("libfoo", "1.0-1", [entry("usr", { type: "directory", mode: 0o755 }), entry("usr/lib/libfoo.so.1"), entry("usr/lib/libfoo.so", { type: "symlink", linkname: "libfoo.so.1" }), entry("usr/share/man/man1/foo.1"), entry("usr/share/doc/libfoo/copyright"), entry("usr/share/doc/libfoo/changelog.gz")]) },
  { name: "tool", data: deb("tool", "2.0-1", [entry("usr/bin/su", { mode: 0o4755 }), entry("var/tmp", { type: "directory", mode: 0o1777, data: undefined }), entry("usr/share/ca-certificates/mozilla/B.crt", { data: Buffer.from("B\n") }), entry("usr/share/ca-certificates/mozilla/A.crt", { data: Buffer.from("A\n") })]) },
];

const layerEntries = (image: ReturnType<typeof buildAgentImage>, i: number) => readTar(gunzipSync(image.layers[i].data));

describe("tar", () => {
  test("round-trips files, directories, links and paths longer than ustar's 100 bytes", () => {
    const long = `usr/share/${"x".repeat(120)}/file.txt`;
    const entries: TarEntry[] = [
      entry("usr", { type: "directory", mode: 0o755, data: undefined }),
      entry(long),
      entry("usr/link", { type: "symlink", linkname: `../${"y".repeat(130)}`, data: undefined }),
      entry("usr/hard", { type: "hardlink", linkname: long, data: undefined }),
    ];
    expect(readTar(writeTar(entries))).toEqual(entries);
  });

  test("writes the same bytes for the same entries", () => {
    const entries = [entry("a"), entry("b/c")];
    expect(writeTar(entries).equals(writeTar(entries))).toBe(true);
  });

  test("fails on a device node", () => {
    const tar = writeTar([entry("dev/null")]);
    tar[156] = "3".charCodeAt(0);
    let sum = 0;
    tar.fill(0x20, 148, 156);
    for (const b of tar.subarray(0, 512)) sum += b;
    tar.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
    expect(() => readTar(tar)).toThrow(/dev\/null: entry type "3" is not supported/);
  });
});

describe("reading .deb archives", () => {
  test("reads the data entries without their ./ prefix and the control file", () => {
    const pkg = readDeb(debs()[0].data, "libfoo");
    expect(pkg.control).toMatch(/^Package: libfoo$/m);
    expect(pkg.entries.map((e) => e.path)).toContain("usr/lib/libfoo.so.1");
  });

  test("fails on a file that is not a .deb", () => {
    expect(() => readDeb(Buffer.from("not an archive"), "x.deb")).toThrow("x.deb: not a Debian package");
  });
});

describe("the agent image build", () => {
  const app = runtimeFiles();

  test("gives the same digest for the same inputs, another for another time or another runtime", () => {
    const a = buildAgentImage(debs(), app, T);
    expect(buildAgentImage(debs(), app, T).digest).toBe(a.digest);
    expect(buildAgentImage(debs(), app, T + 1).digest).not.toBe(a.digest);
    const changed = { ...app, "agent.js": { ...app["agent.js"], data: Buffer.concat([app["agent.js"].data, Buffer.from("\n")]) } };
    const b = buildAgentImage(debs(), changed, T);
    expect(b.digest).not.toBe(a.digest);
    // Only the application layer changes: the packages layer is shared and not pushed again.
    expect(b.layers[0].descriptor.digest).toBe(a.layers[0].descriptor.digest);
  });

  test("owns every package file by root at the build time, strips setuid, drops manuals but keeps licences", () => {
    const files = layerEntries(buildAgentImage(debs(), app, T), 0);
    const byPath = Object.fromEntries(files.map((e) => [e.path, e]));
    expect(files.filter((e) => e.uid !== 0 || e.gid !== 0 || e.mtime !== T).map((e) => e.path)).toEqual([]);
    expect(files.filter((e) => (e.mode & 0o6000) !== 0).map((e) => e.path)).toEqual([]);
    expect(files.filter((e) => (e.mode & 0o002) !== 0 && e.path !== "tmp").map((e) => e.path)).toEqual([]);
    expect(byPath["usr/bin/su"].mode).toBe(0o755);
    // base-files ships /var/tmp world-writable; only the contract's /tmp stays so.
    expect(byPath["var/tmp"].mode).toBe(0o755);
    expect(byPath["usr/share/man/man1/foo.1"]).toBeUndefined();
    expect(byPath["usr/share/doc/libfoo/changelog.gz"]).toBeUndefined();
    expect(byPath["usr/share/doc/libfoo/copyright"]).toBeDefined();
    expect(byPath["usr/lib/libfoo.so"]).toMatchObject({ type: "symlink", linkname: "libfoo.so.1" });
  });

  test("adds the agent user, the CA bundle in file-name order and the dpkg status scanners read", () => {
    const byPath = Object.fromEntries(layerEntries(buildAgentImage(debs(), app, T), 0).map((e) => [e.path, e]));
    const [uid, gid] = AGENT_CONTAINER_USER.split(":");
    expect(byPath["etc/passwd"].data!.toString()).toContain(`agent:x:${uid}:${gid}:`);
    expect(byPath["etc/ssl/certs/ca-certificates.crt"].data!.toString()).toBe("A\nB\n");
    expect(byPath["var/lib/dpkg/status.d/libfoo"].data!.toString()).toMatch(/^Version: 1\.0-1$/m);
  });

  test("creates the writable paths: /tmp sticky and world-writable, the ECS Exec paths root's", () => {
    const byPath = Object.fromEntries(layerEntries(buildAgentImage(debs(), app, T), 0).map((e) => [e.path, e]));
    expect(Object.keys(WRITABLE_PATHS).length).toBeGreaterThan(1);
    for (const path of Object.values(WRITABLE_PATHS)) {
      expect({ path, type: byPath[path.slice(1)]?.type, uid: byPath[path.slice(1)]?.uid }).toEqual({ path, type: "directory", uid: 0 });
    }
    expect(byPath.tmp.mode).toBe(0o1777);
    expect(byPath["var/lib/amazon/ssm"].mode).toBe(0o755);
  });

  test("puts the runtime under /app, root-owned, the health check executable at /app/healthcheck", () => {
    const byPath = Object.fromEntries(layerEntries(buildAgentImage(debs(), app, T), 1).map((e) => [e.path, e]));
    expect(byPath["app/healthcheck"]).toMatchObject({ type: "file", mode: 0o755, uid: 0 });
    expect(byPath["app/agent.js"]).toMatchObject({ type: "file", uid: 0 });
    expect(byPath["app/healthcheck"].data!.toString()).toMatch(/^#!\/usr\/bin\/node\n/);
  });

  test("fails when two packages install the same path differently", () => {
    const clash = [debs()[0], { name: "other", data: deb("other", "1", [entry("usr/lib/libfoo.so.1", { data: Buffer.from("different") })]) }];
    expect(() => buildAgentImage(clash, app, T)).toThrow("usr/lib/libfoo.so.1: installed differently by libfoo and other");
  });

  test("fails when an archive's version is not the lock's", () => {
    const lock = [{ package: "libfoo", version: "9.9", url: "", sha256: "", size: 0 }];
    expect(() => buildAgentImage(debs(), app, T, lock)).toThrow("libfoo: the archive is version 1.0-1, the lock says 9.9");
  });

  test("writes an OCI layout that reads back with every digest checked", () => {
    const image = buildAgentImage(debs(), app, T);
    const dir = mkdtempSync(join(tmpdir(), "oci-"));
    writeLayout(image, dir, "test");
    expect(readLayout(dir).digest).toBe(image.digest);
    expect(readdirSync(join(dir, "blobs", "sha256")).length).toBe(2 + image.layers.length);
    const config = JSON.parse(readLayout(dir).config.data.toString());
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.created).toBe(new Date(T * 1000).toISOString());
  });
});

describe("fetching the locked packages", () => {
  const data = debs()[0].data;
  const lock: LockedPackage[] = [{ package: "libfoo", version: "1.0-1", url: "https://deb.example/libfoo.deb", sha256: createHash("sha256").update(data).digest("hex"), size: data.length }];
  const fetchOf = (body: Buffer, calls: string[]) =>
    (async (url: string) => {
      calls.push(url);
      return new Response(body);
    }) as unknown as typeof fetch;

  test("downloads once, then uses the cache", async () => {
    const calls: string[] = [];
    const cache = mkdtempSync(join(tmpdir(), "debs-"));
    expect((await fetchPackages(lock, cache, fetchOf(data, calls)))[0].data.equals(data)).toBe(true);
    await fetchPackages(lock, cache, fetchOf(data, calls));
    expect(calls).toEqual(["https://deb.example/libfoo.deb"]);
  });

  test("refuses an archive whose sha256 is not the lock's (a tampered or changed mirror)", async () => {
    const cache = mkdtempSync(join(tmpdir(), "debs-"));
    await expect(fetchPackages(lock, cache, fetchOf(Buffer.from("evil"), []))).rejects.toThrow(/libfoo 1\.0-1: sha256 [0-9a-f]{64} differs from the lock's/);
    expect(readdirSync(cache)).toEqual([]);
  });
});
