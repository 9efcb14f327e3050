import { spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { readTar, TarEntry } from "./tar";

/**
 * Reading Debian packages (.deb): an `ar` archive holding `debian-binary`, `control.tar.*` and
 * `data.tar.*`. Only the file system contents (data.tar) and the control file (for the package
 * database scanners read) are needed; maintainer scripts never run, which is why the image
 * carries no shell and the build adds what postinst would have made (CA bundle, users).
 */

interface ArMember {
  readonly name: string;
  readonly data: Buffer;
}

function readAr(archive: Buffer, label: string): ArMember[] {
  if (archive.subarray(0, 8).toString("latin1") !== "!<arch>\n") throw new Error(`${label}: not a Debian package (no ar magic)`);
  const members: ArMember[] = [];
  let at = 8;
  while (at + 60 <= archive.length) {
    const head = archive.subarray(at, at + 60).toString("latin1");
    const name = head.slice(0, 16).trim().replace(/\/$/, "");
    const size = parseInt(head.slice(48, 58).trim(), 10);
    members.push({ name, data: archive.subarray(at + 60, at + 60 + size) });
    at += 60 + size + (size % 2);
  }
  return members;
}

/** Decompresses a member by its extension: gzip in-process, xz and zstd with the system tools. */
function decompress(member: ArMember, label: string): Buffer {
  if (member.name.endsWith(".tar")) return member.data;
  if (member.name.endsWith(".gz")) return gunzipSync(member.data);
  const tool = member.name.endsWith(".xz") ? "xz" : member.name.endsWith(".zst") ? "zstd" : undefined;
  if (!tool) throw new Error(`${label}: ${member.name}: unknown compression`);
  const result = spawnSync(tool, ["-dc"], { input: member.data, maxBuffer: 1 << 30 });
  if (result.error || result.status !== 0) {
    throw new Error(`${label}: ${member.name}: ${tool} -dc failed (${result.error?.message ?? result.stderr.toString().trim()}); install ${tool === "xz" ? "xz-utils" : "zstd"}`);
  }
  return result.stdout;
}

export interface DebianPackage {
  /** Files, directories and links the package installs. */
  readonly entries: TarEntry[];
  /** The `control` file (Package, Version, Architecture ...), as dpkg records it. */
  readonly control: string;
}

export function readDeb(archive: Buffer, label: string): DebianPackage {
  const members = readAr(archive, label);
  const data = members.find((m) => m.name.startsWith("data.tar"));
  const control = members.find((m) => m.name.startsWith("control.tar"));
  if (!data || !control) throw new Error(`${label}: no data.tar or control.tar member`);
  const controlFile = readTar(decompress(control, label)).find((e) => e.path === "control" && e.type === "file");
  if (!controlFile?.data) throw new Error(`${label}: control.tar has no control file`);
  return { entries: readTar(decompress(data, label)), control: controlFile.data.toString("utf8") };
}

/** One field of a control file (`Package`, `Version` ...). */
export function controlField(control: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)$`, "m").exec(control)?.[1]?.trim();
}
