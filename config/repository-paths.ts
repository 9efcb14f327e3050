/**
 * Where the fleet's configuration lives: `cdktf.json` and `tenants/` at the repository root,
 * unless OPENCLAW_CDKTF_JSON / OPENCLAW_TENANTS_DIR name other ones. The product's tests point
 * these at their fixtures (test/fixtures/), the synth benchmark at generated fleets; every tool
 * that loads the whole configuration without being told where asks here, so they all agree.
 */
import { join, resolve } from "node:path";

export const REPOSITORY_ROOT = resolve(__dirname, "..");

export interface ConfigPaths {
  readonly cdktfJsonPath: string;
  readonly tenantsDir: string;
}

export function repositoryConfigPaths(env: NodeJS.ProcessEnv = process.env, root: string = REPOSITORY_ROOT): ConfigPaths {
  return {
    cdktfJsonPath: env.OPENCLAW_CDKTF_JSON || join(root, "cdktf.json"),
    tenantsDir: env.OPENCLAW_TENANTS_DIR || join(root, "tenants"),
  };
}
