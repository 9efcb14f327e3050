import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadConfig, ProjectConfig } from "../../config/loader";
import { synthesizeApp } from "../../stacks/build-app";
import { disableTokenStackTraces } from "../../synth/synth-tuning";

// Tests synthesize the app the way main.ts does.
disableTokenStackTraces();

export const REPO_ROOT = join(__dirname, "..", "..");

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
 * cross-stack preparation), from the repository's cdktf.json and a tenants directory.
 */
export function synthesize(tenantsDir = join(REPO_ROOT, "tenants"), cdktfJsonPath = join(REPO_ROOT, "cdktf.json")): SynthOutput {
  const config = loadConfig({ cdktfJsonPath, tenantsDir, displayRoot: REPO_ROOT });
  return synthesizeConfig(config);
}

export function synthesizeConfig(config: ProjectConfig): SynthOutput {
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-synth-"));
  synthesizeApp(config, outdir);
  const stacks: Record<string, Record<string, any>> = {};
  const texts: Record<string, string> = {};
  for (const name of readdirSync(join(outdir, "stacks")).sort()) {
    texts[name] = readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
    stacks[name] = JSON.parse(texts[name]);
  }
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  return { outdir, config, stacks, texts, manifest };
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
