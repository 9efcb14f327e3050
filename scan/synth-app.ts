import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, ProjectConfig } from "../config/loader";
import { repositoryConfigPaths } from "../config/repository-paths";
import { synthesizeApp } from "../stacks/build-app";
import { disableTokenStackTraces } from "../synth/synth-tuning";

export const REPO_ROOT = join(__dirname, "..");

/** One synthesized stack: its name, the path of its cdk.tf.json and the parsed JSON. */
export interface SynthesizedStack {
  readonly name: string;
  readonly path: string;
  readonly json: Record<string, any>;
}

export interface AppSynthesis {
  readonly outdir: string;
  readonly config: ProjectConfig;
  readonly stacks: SynthesizedStack[];
}

export interface SynthAppOptions {
  /** @default the repository's cdktf.json */
  readonly cdktfJsonPath?: string;
  /** @default the repository's tenants/ (every example tenant) */
  readonly tenantsDir?: string;
  /** @default a new directory under the OS temp dir */
  readonly outdir?: string;
}

/**
 * Synthesizes the whole app in-process, the way main.ts does (config loader, buildApp,
 * `app.synth()` with cross-stack preparation), into a directory of its own, so a scan or an
 * audit never reads a stale or half-written cdktf.out. Config errors propagate as ConfigError.
 */
export function synthApp(options: SynthAppOptions = {}): AppSynthesis {
  disableTokenStackTraces();
  const paths = repositoryConfigPaths();
  const config = loadConfig({
    cdktfJsonPath: options.cdktfJsonPath ?? paths.cdktfJsonPath,
    tenantsDir: options.tenantsDir ?? paths.tenantsDir,
    displayRoot: REPO_ROOT,
  });
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), "openclaw-scan-"));
  synthesizeApp(config, outdir);
  return { outdir, config, stacks: readSynthDir(outdir) };
}

/** Reads every `stacks/<name>/cdk.tf.json` of a synth output directory (e.g. cdktf.out). */
export function readSynthDir(outdir: string): SynthesizedStack[] {
  const stacksDir = join(outdir, "stacks");
  return readdirSync(stacksDir)
    .sort()
    .map((name) => {
      const path = join(stacksDir, name, "cdk.tf.json");
      return { name, path, json: JSON.parse(readFileSync(path, "utf8")) as Record<string, any> };
    });
}
