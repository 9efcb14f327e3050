import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadConfig, ProjectConfig } from "../../config/loader";
import { repositoryConfigPaths } from "../../config/repository-paths";
import { disableTokenStackTraces } from "../../synth/synth-tuning";
import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR, REPO_ROOT } from "./fixtures";

// Tests synthesize the app the way main.ts does.
disableTokenStackTraces();

export { REPO_ROOT };

/**
 * stacks/build-app.ts is loaded on the first synthesis, not on import: a test run served from
 * OPENCLAW_SYNTH_CACHE_DIR (below) then never loads cdktf, the provider bindings and the stacks,
 * which is most of a mutant's run for the bootstrap tests.
 */
function synthesizeApp(config: ProjectConfig, outdir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require("../../stacks/build-app") as typeof import("../../stacks/build-app")).synthesizeApp(config, outdir);
}

/** One resource (or data source) of one synthesized stack. */
export interface SynthesizedResource {
  readonly stack: string;
  /** `aws_s3_bucket.storage_bucket_1234ABCD` (data sources prefixed `data.`). */
  readonly address: string;
  readonly type: string;
  readonly config: Record<string, any>;
}

export interface SynthOutput {
  readonly outdir: string;
  readonly config: ProjectConfig;
  /** Parsed cdk.tf.json per stack name. */
  readonly stacks: Record<string, Record<string, any>>;
  /** Raw cdk.tf.json text per stack name, for byte-level checks. */
  readonly texts: Record<string, string>;
  readonly manifest: { stacks: Record<string, { dependencies: string[] }> };
}

/**
 * Synthesizes the whole app the way `cdktf synth` does (`app.synth()` into a directory, with
 * cross-stack preparation), from a tenants directory and a cdktf.json: by default the fixtures
 * (test/fixtures/), never the repository's live fleet.
 */
export function synthesize(tenantsDir?: string, cdktfJsonPath?: string): SynthOutput {
  if (tenantsDir === undefined && cdktfJsonPath === undefined && FLEET_SYNTH_DIR) return readFleet(FLEET_SYNTH_DIR);
  if (tenantsDir === undefined && cdktfJsonPath === undefined && SYNTH_CACHE_DIR) return cachedFixtures(SYNTH_CACHE_DIR);
  const config = loadConfig({ cdktfJsonPath: cdktfJsonPath ?? FIXTURE_CDKTF_JSON, tenantsDir: tenantsDir ?? FIXTURE_TENANTS_DIR, displayRoot: REPO_ROOT });
  return synthesizeConfig(config);
}

/**
 * Set by `npm run check:fleet` (scripts/check-fleet.ts) when it runs the invariant test files
 * over the repository's live fleet: the directory it synthesized the live tenants into. Then
 * `synthesize()` without arguments returns that fleet instead of the fixtures, and tests that
 * describe the fixtures rather than a property of every stack run as `itOnFixtures`.
 */
export const FLEET_SYNTH_DIR: string | undefined = process.env.OPENCLAW_FLEET_SYNTH_DIR || undefined;

/** `it` for a test about the fixtures themselves (their stack list, a fixture tenant's value), skipped by the fleet check. */
// Read through globalThis: this module is also loaded outside jest (npm run golden:update).
const jestIt = (globalThis as { it?: jest.It }).it;
export const itOnFixtures = (FLEET_SYNTH_DIR ? jestIt?.skip : jestIt) as jest.It;

/**
 * Set by `npm run test:mutation` (scripts/mutation.ts) only when no mutated file is part of the
 * synthesized app: every mutant's run would synthesize the same fixtures, so they are
 * synthesized once into this directory and read back (minutes per mutant otherwise).
 */
const SYNTH_CACHE_DIR: string | undefined = process.env.OPENCLAW_SYNTH_CACHE_DIR || undefined;

function cachedFixtures(dir: string): SynthOutput {
  const config = loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: FIXTURE_TENANTS_DIR, displayRoot: REPO_ROOT });
  if (!existsSync(dir)) {
    // Synthesized beside it and renamed, so a run stopped halfway never leaves a partial cache.
    const partial = mkdtempSync(`${dir}.partial-`);
    synthesizeApp(config, partial);
    try {
      renameSync(partial, dir);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another process cached it first
    }
  }
  return { ...readOutput(dir), config };
}

/** The live fleet's output as check:fleet synthesized it, with the configuration it came from. */
function readFleet(outdir: string): SynthOutput {
  const config = loadConfig({ ...repositoryConfigPaths(), displayRoot: REPO_ROOT });
  return { ...readOutput(outdir), config };
}

function readOutput(outdir: string): Omit<SynthOutput, "config"> {
  const stacks: Record<string, Record<string, any>> = {};
  const texts: Record<string, string> = {};
  for (const name of readdirSync(join(outdir, "stacks")).sort()) {
    texts[name] = readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
    stacks[name] = JSON.parse(texts[name]);
  }
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  return { outdir, stacks, texts, manifest };
}

export function synthesizeConfig(config: ProjectConfig): SynthOutput {
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-synth-"));
  synthesizeApp(config, outdir);
  return { ...readOutput(outdir), config };
}

/** Every resource and data source of every stack, for invariants that must hold everywhere. */
export function allResources(output: SynthOutput): SynthesizedResource[] {
  const result: SynthesizedResource[] = [];
  for (const [stack, json] of Object.entries(output.stacks)) {
    for (const [kind, prefix] of [["resource", ""], ["data", "data."]] as const) {
      for (const [type, byName] of Object.entries<Record<string, any>>(json[kind] ?? {})) {
        for (const [name, config] of Object.entries<Record<string, any>>(byName)) {
          result.push({ stack, address: `${stack}:${prefix}${type}.${name}`, type: `${prefix}${type}`, config });
        }
      }
    }
  }
  return result;
}

export function resourcesOfType(output: SynthOutput, type: string): SynthesizedResource[] {
  return allResources(output).filter((r) => r.type === type);
}

/** Parses a policy attribute that was rendered as a JSON string. */
export function parsePolicy(text: string): { Statement: Array<Record<string, any>> } {
  return JSON.parse(text);
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every file under `dir` with its bytes, by relative path. */
export function treeOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path).toString("base64");
    }
  };
  walk(dir);
  return files;
}
