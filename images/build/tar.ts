/**
 * A small tar reader (ustar, GNU long names, pax) and a deterministic tar writer. Image layers
 * must be byte-identical from one build to the next, so the writer takes every header field from
 * the entry (mtime, owner, mode) and nothing from the build machine: no uname/gname, no device
 * numbers, no atime, pax records only for what ustar cannot hold, always in the same order.
 */

export type TarEntryType = "file" | "directory" | "symlink" | "hardlink";

export interface TarEntry {
  /** Path without a leading `./` or `/`; directories without a trailing slash. */
  readonly path: string;
  readonly type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (e.g. 0o1777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** Symlink target, or the path a hard link points to. */
  readonly linkname?: string;
  /** File contents (files only). */
  readonly data?: Buffer;
}

const BLOCK = 512;
const TYPE_FLAGS: Record<string, TarEntryType> = { "0": "file", "\0": "file", "7": "file", "5": "directory", "2": "symlink", "1": "hardlink" };

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

function octal(block: Buffer, offset: number, length: number): number {
  // GNU base-256 for values that do not fit in octal (large uids, files over 8 GiB).
  if (block[offset] & 0x80) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + block[i];
    return value;
  }
  const text = field(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(data.subarray(at, space).toString("ascii"), 10);
    if (!Number.isInteger(length) || length <= 0) throw new Error(`tar: malformed pax record at byte ${at}`);
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

/** Normalises an archive path: no leading `./` or `/`, no trailing `/`. The root itself is "". */
export function normalisePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/^\.$/, "").replace(/\/+$/, "");
}

/** Every entry of an uncompressed tar archive. Device nodes and FIFOs are refused. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (at + BLOCK <= archive.length) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const flag = String.fromCharCode(header[156]);
    const data = archive.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "L") longName = field(data, 0, data.length);
    else if (flag === "K") longLink = field(data, 0, data.length);
    else if (flag === "x") pax = { ...pax, ...parsePax(data) };
    else if (flag === "g") continue; // global pax headers carry nothing the layers keep
    else {
      const type = TYPE_FLAGS[flag];
      const prefix = field(header, 345, 155);
      const name = longName ?? pax.path ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
      if (!type) throw new Error(`tar: ${name}: entry type ${JSON.stringify(flag)} is not supported in an image layer`);
      const path = normalisePath(name);
      const linkname = longLink ?? pax.linkpath ?? field(header, 157, 100);
      entries.push({
        path,
        type,
        mode: octal(header, 100, 8) & 0o7777,
        uid: pax.uid !== undefined ? Number(pax.uid) : octal(header, 108, 8),
        gid: pax.gid !== undefined ? Number(pax.gid) : octal(header, 116, 8),
        mtime: Math.floor(pax.mtime !== undefined ? Number(pax.mtime) : octal(header, 136, 12)),
        ...(type === "symlink" ? { linkname } : type === "hardlink" ? { linkname: normalisePath(linkname) } : {}),
        ...(type === "file" ? { data: Buffer.from(data) } : {}),
      });
      longName = undefined;
      longLink = undefined;
      pax = {};
    }
  }
  return entries;
}

function writeField(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, "utf8");
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  writeField(block, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function header(name: string, flag: string, entry: Pick<TarEntry, "mode" | "uid" | "gid" | "mtime">, size: number, linkname = ""): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeField(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode);
  writeOctal(block, 108, 8, entry.uid);
  writeOctal(block, 116, 8, entry.gid);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, entry.mtime);
  block.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  writeField(block, 156, 1, flag);
  writeField(block, 157, 100, linkname);
  writeField(block, 257, 6, "ustar");
  writeField(block, 263, 2, "00");
  let sum = 0;
  for (const b of block) sum += b;
  writeField(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

const FLAGS: Record<TarEntryType, string> = { file: "0", directory: "5", symlink: "2", hardlink: "1" };

/**
 * A tar archive of the entries in the order given (callers sort). Paths or link names longer
 * than ustar's 100 bytes get a pax header named after the entry, so the bytes depend only on
 * the entries.
 */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const name = entry.type === "directory" ? `${entry.path}/` : entry.path;
    const linkname = entry.linkname ?? "";
    const records: string[] = [];
    if (Buffer.byteLength(name) > 100) records.push(paxRecord("path", name));
    if (Buffer.byteLength(linkname) > 100) records.push(paxRecord("linkpath", linkname));
    if (records.length > 0) {
      const pax = Buffer.from(records.join(""), "utf8");
      const short = `PaxHeaders/${entry.path.split("/").pop() ?? ""}`.slice(0, 100);
      parts.push(header(short, "x", { mode: 0o644, uid: 0, gid: 0, mtime: entry.mtime }, pax.length), ...padded(pax));
    }
    const data = entry.type === "file" ? (entry.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    const shortName = Buffer.byteLength(name) > 100 ? Buffer.from(name).subarray(0, 100).toString("utf8") : name;
    const shortLink = Buffer.byteLength(linkname) > 100 ? Buffer.from(linkname).subarray(0, 100).toString("utf8") : linkname;
    parts.push(header(shortName, FLAGS[entry.type], entry, data.length, shortLink));
    if (data.length > 0) parts.push(...padded(data));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
