/**
 * Incremental synth: a tenant stack's cdk.tf.json is a pure function of the code, cdktf.json and
 * that tenant's file, so a cache keyed by the hashes of those three lets a pull request's synth
 * re-synthesize only the platform stacks (always: they are few, and cheap to trust) and the
 * tenants whose file changed, and copy every other tenant stack from the cache. The output is
 * byte for byte what a full synth writes (test/incremental-synth.test.ts).
 *
 * Cache layout: `<cache>/<key[0..2]>/<key>/` holds one stack's directory (`files/`) and its
 * manifest entry (`entry.json`); a key names the stack, the code, cdktf.json and the tenant file,
 * so base and head of a pull request share every unchanged entry. Entries are written complete
 * into a temporary directory and renamed into place, so a half-written entry is never read.
 */
import { createHash } from "node:crypto";
import { constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { ProjectConfig } from "../config/loader";
import { synthesizeFleet, writeManifest } from "./fleet-synth";
import { plannedStacks } from "../stacks/stack-plan";

/**
 * What is not synth input in the code tree: tests, docs, the pipeline's and other tools' own
 * code, tenant files (hashed one by one), the repository's cdktf.json (the one the synth reads is
 * part of every key by its bytes, wherever it lives), dependencies (package-lock.json stands for
 * them) and outputs. Everything else counts as code, so a directory added later busts the cache rather than
 * being ignored.
 */
const NOT_CODE = new Set([".git", "node_modules", ".venv", "tenants", "cdktf.json", "test", ".github", ".ci", "bench", "pipeline", "audit", "scan", "scripts", "bootstrap", "cdktf.out", "coverage", ".gen", ".terraform"]);

/** sha256 over every code file under `root` (path and bytes), the Node.js version included. */
export function codeHash(root: string, exclude: readonly string[] = []): string {
  const excluded = new Set(exclude.map((p) => resolve(p)));
  const hash = createHash("sha256").update(`node ${process.version}\0`);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (excluded.has(path)) continue;
      if (dir === root && NOT_CODE.has(entry.name)) continue;
      if (entry.name.startsWith(".cdktf.out.staging-") || entry.name.endsWith(".md")) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(`${relative(root, path)}\0`).update(readFileSync(path)).update("\0");
    }
  };
  walk(root);
  return hash.digest("hex");
}

const sha256 = (...parts: (string | Buffer)[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
};

export interface IncrementalSynthOptions {
  readonly config: ProjectConfig;
  /** The cdktf.json the config came from (its bytes are part of every key). */
  readonly cdktfJsonPath: string;
  /** The directory of the tenant files the config came from. */
  readonly tenantsDir: string;
  readonly cacheDir: string;
  /** Directory to synthesize into (manifest.json + stacks/); must not exist or be empty. */
  readonly outdir: string;
  /** Root of the code whose hash is part of every key. @default the repository */
  readonly codeRoot?: string;
  /** Worker processes for the stacks to synthesize. @default as the fleet synth decides */
  readonly workers?: number;
}

export interface IncrementalSynthResult {
  /** Stacks copied from the cache. */
  readonly cached: string[];
  /** Stacks synthesized now (platform stacks and cache misses). */
  readonly synthesized: string[];
}

/** Synthesizes `options.config` into `outdir`, reusing cached tenant stacks; stores what it synthesized. */
export async function incrementalSynth(options: IncrementalSynthOptions): Promise<IncrementalSynthResult> {
  const { config, cacheDir, outdir } = options;
  const code = codeHash(options.codeRoot ?? resolve(__dirname, ".."), [cacheDir, outdir]);
  const cdktfJson = readFileSync(options.cdktfJsonPath);
  const keys = new Map<string, string>();
  for (const stack of plannedStacks(config)) {
    if (stack.kind !== "tenant") continue;
    keys.set(stack.name, sha256("tenant stack v1", stack.name, code, cdktfJson, readFileSync(join(options.tenantsDir, `${stack.tenantId}.yaml`))));
  }
  const entryDir = (key: string) => join(cacheDir, key.slice(0, 2), key);

  const cached: string[] = [];
  const cachedEntries: Record<string, unknown> = {};
  mkdirSync(join(outdir, "stacks"), { recursive: true });
  for (const [name, key] of keys) {
    const dir = entryDir(key);
    if (!existsSync(join(dir, "entry.json"))) continue;
    copyTree(join(dir, "files"), join(outdir, "stacks", name));
    cachedEntries[name] = JSON.parse(readFileSync(join(dir, "entry.json"), "utf8"));
    cached.push(name);
  }
  const cachedSet = new Set(cached);
  const synthesized = plannedStacks(config)
    .map((s) => s.name)
    .filter((n) => !cachedSet.has(n));
  const fresh = await synthesizeFleet(config, outdir, { only: new Set(synthesized), workers: options.workers });
  writeManifest(outdir, { version: fresh.version, stacks: { ...cachedEntries, ...fresh.stacks } });

  for (const name of synthesized) {
    const key = keys.get(name);
    if (key) store(entryDir(key), join(outdir, "stacks", name), fresh.stacks[name]);
  }
  return { cached, synthesized };
}

function store(dir: string, stackDir: string, entry: unknown): void {
  if (existsSync(join(dir, "entry.json"))) return;
  mkdirSync(join(dir, ".."), { recursive: true });
  const staging = mkdtempSync(`${dir}.tmp-`);
  copyTree(stackDir, join(staging, "files"));
  writeFileSync(join(staging, "entry.json"), JSON.stringify(entry));
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // stored by a concurrent run: same content
  }
}

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) copyTree(source, join(to, entry));
    else copyFileSync(source, join(to, entry), constants.COPYFILE_FICLONE);
  }
}
