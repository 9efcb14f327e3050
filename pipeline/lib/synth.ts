/**
 * Reads a `cdktf synth` output directory (manifest.json + stacks/<name>/cdk.tf.json)
 * into what the pipeline needs per stack: environment, account, regions, dependencies
 * and a fingerprint that changes exactly when Terraform would see a different config.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ENVIRONMENT_NAME_PATTERN, REGION_PATTERN } from "../../config/environment-schema";
import { STACK_NAME, UsageError } from "./cli";

export interface StackInfo {
  readonly name: string;
  /** Stack names this stack depends on (manifest.json), e.g. a tenant's platform stack. */
  readonly dependencies: readonly string[];
  /** `provider.aws[0].default_tags[0].tags.Environment`; decides which role plans/deploys it. */
  readonly environment: string;
  /** `provider.aws[0].allowed_account_ids[0]`, or "" when not pinned. */
  readonly accountId: string;
  /** `provider.aws[0].region`. */
  readonly region: string;
  /** `terraform.backend.s3.region`: where the state bucket lives. */
  readonly stateRegion: string;
  /** Working directory of the stack relative to the synth dir (`stacks/<name>`). */
  readonly workingDirectory: string;
  /** sha256 over the canonical cdk.tf.json (without `//` metadata) and every asset file. */
  readonly fingerprint: string;
}

export interface Synth {
  readonly dir: string;
  readonly stacks: ReadonlyMap<string, StackInfo>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Terraform JSON treats "//" properties as comments. cdktf puts its own metadata there
 * (cdktf version, construct paths, stack name), which changes on a cdktf upgrade or a
 * construct move without changing anything Terraform does, so it is left out.
 */
export function stripComments(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripComments);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      if (key === "//") continue;
      out[key] = stripComments(value[key]);
    }
    return out;
  }
  return value;
}

/** JSON with sorted keys, so key order never counts as a change. */
export function canonicalJson(value: Json): string {
  return JSON.stringify(stripComments(value));
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/**
 * What a zip holds, without its timestamps: name, CRC-32 and size of every entry, read from
 * the central directory. cdktf zips archive assets with each file's mtime, so the same
 * Lambda code checked out twice gives different zip bytes; comparing bytes would mark the
 * platform stack changed on every pull request. Returns undefined when `data` is not a
 * zip this can read (ZIP64, corrupt): the caller then hashes the bytes.
 */
export function zipContentDigest(data: Buffer): string | undefined {
  const EOCD = 0x06054b50;
  const CENTRAL = 0x02014b50;
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const entries = data.readUInt16LE(eocd + 10);
  let p = data.readUInt32LE(eocd + 16);
  if (entries === 0xffff || p === 0xffffffff) return undefined; // ZIP64
  const items: string[] = [];
  for (let n = 0; n < entries; n++) {
    if (p + 46 > data.length || data.readUInt32LE(p) !== CENTRAL) return undefined;
    const crc = data.readUInt32LE(p + 16);
    const size = data.readUInt32LE(p + 24);
    const nameLength = data.readUInt16LE(p + 28);
    const extraLength = data.readUInt16LE(p + 30);
    const commentLength = data.readUInt16LE(p + 32);
    const name = data.subarray(p + 46, p + 46 + nameLength).toString("utf8");
    items.push(`${name}\0${crc.toString(16)}\0${size}`);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return createHash("sha256").update(items.sort().join("\n")).digest("hex");
}

/**
 * Assets (e.g. a Lambda zip under stacks/<stack>/assets/) normally show up in cdk.tf.json
 * through their hash in the path, but a config that references an asset by a stable path
 * would hide a content change: hash the files themselves too (zips by content, see above).
 */
function assetDigest(stackDir: string): string {
  const h = createHash("sha256");
  const assets = join(stackDir, "assets");
  for (const file of listFiles(assets)) {
    const data = readFileSync(file);
    h.update(relative(stackDir, file).split("\\").join("/"));
    h.update("\0");
    h.update((file.endsWith(".zip") && zipContentDigest(data)) || createHash("sha256").update(data).digest("hex"));
    h.update("\0");
  }
  return h.digest("hex");
}

function readJson(file: string, what: string): Json {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`${what}: cannot read ${file}`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new UsageError(`${what}: ${file} is not valid JSON (${(err as Error).message})`);
  }
}

function get(obj: Json | undefined, ...path: (string | number)[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, Json>)[p as string];
  }
  return cur;
}

function str(v: Json | undefined): string {
  return typeof v === "string" ? v : "";
}

export function readStack(dir: string, name: string, entry: Json): StackInfo {
  // A pull request's synth output is read by main's tools as untrusted data: its manifest may not
  // point them at files outside the stack's own directory (`../../..`), so only the paths cdktf
  // writes are accepted.
  const synthesized = `stacks/${name}/cdk.tf.json`;
  const workingDirectory = `stacks/${name}`;
  for (const [field, expected] of [
    ["synthesizedStackPath", synthesized],
    ["workingDirectory", workingDirectory],
  ] as const) {
    const given = get(entry, field);
    if (given !== undefined && given !== expected) {
      throw new UsageError(`${join(dir, "manifest.json")}: stack ${name}: ${field} must be ${expected} (got ${JSON.stringify(given)})`);
    }
  }
  const configFile = join(dir, synthesized);
  const config = readJson(configFile, `stack ${name}`);
  const provider = get(config, "provider", "aws", 0);
  const deps = get(entry, "dependencies");
  const dependencies = Array.isArray(deps) ? deps.filter((d): d is string => typeof d === "string") : [];
  const fingerprint = createHash("sha256")
    .update(canonicalJson(config))
    .update("\0")
    .update(assetDigest(join(dir, workingDirectory)))
    .digest("hex");
  const info = {
    name,
    dependencies,
    environment: str(get(provider, "default_tags", 0, "tags", "Environment")),
    accountId: str(get(provider, "allowed_account_ids", 0)),
    region: str(get(provider, "region")),
    stateRegion: str(get(config, "terraform", "backend", "s3", "region")) || str(get(provider, "region")),
    workingDirectory,
    fingerprint,
  };
  // These values become job names, artifact names, the role variable's name and the region
  // credentials are requested in, before the stack policy has looked at the stack: a pull
  // request's synth output must not choose them freely (an STS endpoint from a crafted region).
  const bad = [
    ["provider.aws[0].default_tags[0].tags.Environment", info.environment, ENVIRONMENT_NAME_PATTERN],
    ["provider.aws[0].region", info.region, REGION_PATTERN],
    ["terraform.backend.s3.region", info.stateRegion, REGION_PATTERN],
  ] as const;
  const problems = bad.filter(([, value, pattern]) => value !== "" && !pattern.test(value)).map(([field, value, pattern]) => `${field} ${JSON.stringify(value)} (allowed: ${pattern.source})`);
  if (problems.length) throw new UsageError(`${configFile}: ${problems.join("; ")}`);
  return info;
}

/** Reads a synth output directory; a missing or malformed one is bad input (exit 1). */
export function readSynth(dir: string): Synth {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`${dir}: not a directory (expected a cdktf synth output such as cdktf.out)`);
  }
  const manifestFile = join(dir, "manifest.json");
  if (!existsSync(manifestFile)) {
    throw new UsageError(`${dir}: no manifest.json; run \`npm run synth\` first`);
  }
  const manifest = readJson(manifestFile, "manifest");
  const entries = get(manifest, "stacks");
  if (entries === null || entries === undefined || typeof entries !== "object" || Array.isArray(entries)) {
    throw new UsageError(`${manifestFile}: "stacks" must be an object of stack name -> entry`);
  }
  const stacks = new Map<string, StackInfo>();
  for (const name of Object.keys(entries).sort()) {
    if (!STACK_NAME.test(name)) {
      throw new UsageError(`${manifestFile}: stack name ${JSON.stringify(name)} not allowed (allowed: ${STACK_NAME.source})`);
    }
    stacks.set(name, readStack(dir, name, (entries as Record<string, Json>)[name]));
  }
  return { dir, stacks };
}

/** Upper-cased environment with hyphens as underscores, as in OPENCLAW_PLAN_ROLE_ARN_<ENV>. */
export function envKey(environment: string): string {
  return environment.toUpperCase().replace(/-/g, "_");
}
