import { App, TerraformStack } from "cdktf";
import type { ProjectConfig } from "../config/loader";
import { bundleProvisioner } from "../db/bundle";
import { plannedStacks } from "./stack-plan";

export { accountResourceOwner } from "./stack-plan";
import { PlatformStack } from "./platform-stack";
import { TenantStack } from "./tenant-stack";

/**
 * Adds the stacks the configuration calls for to `app`: all of them, or only those named in
 * `only`. A tenant stack whose platform stack is not built here depends on an empty stand-in of
 * that name, which gives the manifest the same dependency and is never synthesized
 * (synthesizeStacks); stacks share nothing else, since values travel through SSM.
 * Returns the stacks built (stand-ins excluded), in build order.
 */
export function buildApp(app: App, config: ProjectConfig, only?: ReadonlySet<string>): TerraformStack[] {
  const built: TerraformStack[] = [];
  const platforms = new Map<string, TerraformStack>();
  const tenants = new Map(config.tenants.map((t) => [t.id, t]));
  for (const stack of plannedStacks(config)) {
    if (only && !only.has(stack.name)) continue;
    if (stack.kind === "platform") {
      const environment = config.environments[stack.environment];
      const regionConfig = environment.regions[stack.region];
      const platform = new PlatformStack(app, stack.name, {
        environmentName: stack.environment,
        region: stack.region,
        environment,
        regionConfig,
        provisionerBundle: bundleProvisioner(),
        ownsAccountResources: stack.ownsAccountResources,
      });
      platforms.set(stack.name, platform);
      built.push(platform);
    } else {
      const tenant = tenants.get(stack.tenantId)!;
      let platform = platforms.get(stack.platform);
      if (!platform) {
        platform = new TerraformStack(app, stack.platform);
        platforms.set(stack.platform, platform);
      }
      built.push(new TenantStack(app, stack.name, { tenant, environment: config.environments[tenant.environment], platform }));
    }
  }
  return built;
}

/**
 * Synthesizes every stack of the configuration into `outdir`, as `cdktf synth` would, in one
 * App: one place for the tests, the capacity tool and the security scan to get a reference
 * output (the fleet synth in synth/fleet-synth.ts must match it byte for byte).
 */
export function synthesizeApp(config: ProjectConfig, outdir: string): void {
  const app = new App({ outdir });
  buildApp(app, config);
  app.synth();
}
