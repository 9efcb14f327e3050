/**
 * Bundles the provisioner Lambda (db/lambda/handler.ts and everything it imports) with
 * esbuild into `index.js`, puts the migration files beside it, and zips both into the
 * deployment package.
 *
 * - Once per process: the result is memoised, so synthesising many stacks bundles once.
 * - Deterministic: the same sources give a byte-identical zip, whose sha256 DbProvisioner
 *   uses as the asset hash and the function's source_code_hash, so an unchanged
 *   provisioner produces unchanged Terraform JSON (and no redeploy).
 *
 * Called by main.ts (the lead's composition root), never by a module: modules do not
 * read files.
 */
import { createHash } from "crypto";
import { buildSync, stop as stopEsbuild, version as esbuildVersion } from "esbuild";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { PROVISIONER_RUNTIME } from "./contract";

export interface ProvisionerBundle {
  /** Directory with index.js (handler `index.handler`) and the NNN_*.sql migrations, unpacked. */
  readonly directory: string;
  /** The same files as a deterministic zip: the Lambda deployment package. */
  readonly archivePath: string;
  /** sha256 of the zip, hex: names the asset. */
  readonly hash: string;
  /** sha256 of the zip, base64: the function's source_code_hash (what Lambda reports as CodeSha256). */
  readonly sourceCodeHash: string;
}

const REPO_ROOT = path.resolve(__dirname, "..");
const MIGRATIONS_DIR = path.join(REPO_ROOT, "db", "migrations");

let memo: ProvisionerBundle | undefined;

/**
 * The bundle, built on first use in this process and reused after. A build (about 0.3 s of
 * esbuild on an idle machine, a fifth of a 100-tenant synth under load) is also skipped across
 * processes: each build is recorded with the repository files esbuild read (its metafile's
 * inputs, wherever they live: db/contract.ts bundles config/ files too), and a later process
 * reuses it while those files, the migrations, package-lock.json, esbuild's version and the
 * runtime target are unchanged and the recorded files are still there.
 */
export function bundleProvisioner(): ProvisionerBundle {
  memo ??= recordedBundle() ?? recordBundle(buildProvisionerBundleRecord());
  return memo;
}

/** A build and what it was made from: the record a later process checks before reusing it. */
export interface ProvisionerBundleRecord {
  readonly bundle: ProvisionerBundle;
  /** Repository files esbuild read, relative to the repository, sorted (npm packages: package-lock.json). */
  readonly sources: readonly string[];
  /** sourcesDigest(sources) when it was built. */
  readonly digest: string;
}

/** sha256 over the given repository files and the migrations, each path with its content. */
function sourcesDigest(sources: readonly string[]): string {
  const hash = createHash("sha256");
  const migrations = fs.readdirSync(MIGRATIONS_DIR).sort().map((f) => path.relative(REPO_ROOT, path.join(MIGRATIONS_DIR, f)));
  for (const file of [...sources, ...migrations]) hash.update(`${file}\0`).update(fs.readFileSync(path.join(REPO_ROOT, file))).update("\0");
  return hash.digest("hex");
}

/** Where builds with this esbuild, runtime target and package-lock.json are recorded. */
function recordFile(): string {
  const key = createHash("sha256").update(`esbuild ${esbuildVersion} ${PROVISIONER_RUNTIME}\0`).update(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"))).digest("hex");
  return path.join(os.tmpdir(), `openclaw-db-provisioner-build-${key.slice(0, 32)}.json`);
}

function recordedBundle(): ProvisionerBundle | undefined {
  try {
    const { bundle, sources, digest } = JSON.parse(fs.readFileSync(recordFile(), "utf8")) as ProvisionerBundleRecord;
    if (sourcesDigest(sources) !== digest) return undefined;
    const zip = fs.readFileSync(bundle.archivePath);
    // Only a record whose zip is intact counts (the temp dir may have been cleaned meanwhile).
    return createHash("sha256").update(zip).digest("hex") === bundle.hash && fs.existsSync(path.join(bundle.directory, "index.js")) ? bundle : undefined;
  } catch {
    return undefined; // no record, a source gone, or a record from an older format
  }
}

function recordBundle(record: ProvisionerBundleRecord): ProvisionerBundle {
  const file = recordFile();
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(record));
  fs.renameSync(temporary, file);
  return record.bundle;
}

/**
 * Uses a bundle built by another process (the fleet synth's parent builds it once and hands it to
 * its workers, so no worker starts esbuild). The files are content-addressed: they are there.
 */
export function useProvisionerBundle(bundle: ProvisionerBundle): void {
  memo = bundle;
}

/**
 * Builds the bundle now, without the memo (tests compare two builds), into a content-addressed
 * directory under `parentDir` (tests pass their own, so they never remove the one that
 * concurrent synths are copying from).
 */
export function buildProvisionerBundle(parentDir: string = os.tmpdir()): ProvisionerBundle {
  return buildProvisionerBundleRecord(parentDir).bundle;
}

/** buildProvisionerBundle, with the repository files esbuild read and their digest. */
export function buildProvisionerBundleRecord(parentDir: string = os.tmpdir()): ProvisionerBundleRecord {
  const built = buildSync({
    entryPoints: [path.join(REPO_ROOT, "db", "lambda", "handler.ts")],
    absWorkingDir: REPO_ROOT, // paths esbuild embeds are relative to this, not to the machine
    bundle: true,
    platform: "node",
    target: PROVISIONER_RUNTIME.replace(/^nodejs(\d+)\.x$/, "node$1"), // nodejs22.x -> node22
    format: "cjs",
    outfile: "index.js",
    write: false,
    minify: true,
    keepNames: true, // readable stack traces in the function's logs
    legalComments: "none",
    sourcemap: false,
    // pg loads its optional native binding lazily; the pure-JS client is what runs.
    external: ["pg-native"],
    logLevel: "silent",
    metafile: true, // its inputs are what the record's sources list
  });
  // The sync API leaves esbuild's service process (about 90 MB) running for the life of the
  // process; a synth builds once, so stop it (a later build starts it again).
  void stopEsbuild();
  const files = new Map<string, Buffer>([["index.js", Buffer.from(built.outputFiles[0].contents)]]);
  for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith(".sql"))) {
    files.set(f, fs.readFileSync(path.join(MIGRATIONS_DIR, f)));
  }
  const zip = deterministicZip(files);
  const digest = createHash("sha256").update(zip).digest();
  const hash = digest.toString("hex");

  // Content-addressed: a directory that exists already holds exactly these files.
  const root = path.join(parentDir, `openclaw-db-provisioner-${hash.slice(0, 16)}`);
  const bundle = { directory: path.join(root, "code"), archivePath: path.join(root, "db-provisioner.zip"), hash, sourceCodeHash: digest.toString("base64") };
  if (!fs.existsSync(bundle.archivePath)) {
    const staging = fs.mkdtempSync(`${root}.tmp-`);
    fs.mkdirSync(path.join(staging, "code"));
    for (const [name, content] of files) fs.writeFileSync(path.join(staging, "code", name), content);
    fs.writeFileSync(path.join(staging, "db-provisioner.zip"), zip);
    try {
      fs.renameSync(staging, root);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another process won the race with identical content
    }
  }
  const sources = Object.keys(built.metafile!.inputs)
    .filter((input) => !input.split("/").includes("node_modules"))
    .sort();
  return { bundle, sources, digest: sourcesDigest(sources) };
}

/**
 * A zip of the given files whose bytes depend on names and contents only: entries in
 * name order, a fixed timestamp (1980-01-01) and mode 0644, deflate at a fixed level.
 * cdktf's own archive asset zips file system metadata (mtimes, listing order) and
 * spawns a process per stack; this is built once and copied.
 * Format: PKWARE APPNOTE 6.3 (local headers, central directory, end record; no zip64).
 */
export function deterministicZip(files: ReadonlyMap<string, Buffer>): Buffer {
  const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
  const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of [...files.keys()].sort()) {
    const data = files.get(name)!;
    const packed = zlib.deflateRawSync(data, { level: 9 });
    const crc = zlib.crc32(data);
    const nameBytes = Buffer.from(name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time 00:00
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is read)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal attributes: 0
    central.writeUInt32LE(UNIX_FILE_0644, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
