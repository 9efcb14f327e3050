/**
 * Bundles the provisioner Lambda (db/lambda/handler.ts and everything it imports) with
 * esbuild into one directory: `index.js` plus the migration files beside it.
 *
 * - Once per process: the result is memoised, so synthesising many stacks bundles once.
 * - Deterministic: the same sources give byte-identical output and the same hash, which
 *   DbProvisioner uses as the asset hash and the function's source_code_hash, so an
 *   unchanged provisioner produces unchanged Terraform JSON (and no redeploy).
 *   cdktf's own asset hash is not used: it hashes files in directory-listing order,
 *   which depends on the file system.
 *
 * Called by main.ts (the lead's composition root), never by a module: modules do not
 * read files.
 */
import { createHash } from "crypto";
import { buildSync } from "esbuild";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROVISIONER_RUNTIME } from "./contract";

export interface ProvisionerBundle {
  /** Directory with index.js (handler `index.handler`) and the NNN_*.sql migrations. */
  readonly directory: string;
  /** sha256 (hex) over every file of the bundle, in name order. */
  readonly hash: string;
}

const REPO_ROOT = path.resolve(__dirname, "..");
const MIGRATIONS_DIR = path.join(REPO_ROOT, "db", "migrations");

let memo: ProvisionerBundle | undefined;

/** The bundle, built on first use in this process (about 0.3 s) and reused after. */
export function bundleProvisioner(): ProvisionerBundle {
  memo ??= buildProvisionerBundle();
  return memo;
}

/** Builds the bundle now, without the memo (tests compare two builds). */
export function buildProvisionerBundle(): ProvisionerBundle {
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
  });
  const files = new Map<string, Uint8Array>([["index.js", built.outputFiles[0].contents]]);
  for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith(".sql"))) {
    files.set(f, fs.readFileSync(path.join(MIGRATIONS_DIR, f)));
  }
  const names = [...files.keys()].sort();
  const digest = createHash("sha256");
  for (const name of names) digest.update(name).update("\0").update(files.get(name)!).update("\0");
  const hash = digest.digest("hex");

  // Content-addressed: a directory that exists already holds exactly these files.
  const directory = path.join(os.tmpdir(), `openclaw-db-provisioner-${hash.slice(0, 16)}`);
  if (!fs.existsSync(path.join(directory, "index.js"))) {
    const staging = fs.mkdtempSync(`${directory}.tmp-`);
    for (const name of names) fs.writeFileSync(path.join(staging, name), files.get(name)!);
    try {
      fs.renameSync(staging, directory);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another process won the race with identical content
    }
  }
  return { directory, hash };
}
