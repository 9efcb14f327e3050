import { App } from "cdktf";
import type { ProjectConfig } from "../config/loader";
import { bundleProvisioner } from "../db/bundle";
import { platformStackName, tenantStackName } from "../modules/naming";
import { PlatformStack } from "./platform-stack";
import { TenantStack } from "./tenant-stack";

/**
 * Adds every stack the configuration calls for. A region gets a platform stack when it hosts
 * at least one tenant (offboarded ones included) or is marked `alwaysOn`; an unused region
 * costs nothing (no NAT, no RDS).
 */
export function buildApp(app: App, config: ProjectConfig): void {
  const platforms = new Map<string, PlatformStack>();
  // An offboarded tenant (tombstone) has no stack and appears nowhere, but its region keeps its
  // platform stack: the offboarding archive there holds the tenant's export for its retention.
  const regionsInUse = new Set([...config.tenants, ...config.tombstones].map((t) => `${t.environment}/${t.region}`));

  for (const [environmentName, environment] of Object.entries(config.environments)) {
    for (const [region, regionConfig] of Object.entries(environment.regions)) {
      if (!regionConfig.alwaysOn && !regionsInUse.has(`${environmentName}/${region}`)) continue;
      const name = platformStackName(environmentName, region);
      const provisionerBundle = bundleProvisioner();
      platforms.set(`${environmentName}/${region}`, new PlatformStack(app, name, { environmentName, region, environment, regionConfig, provisionerBundle }));
    }
  }

  for (const tenant of config.tenants) {
    const platform = platforms.get(`${tenant.environment}/${tenant.region}`);
    if (!platform) throw new Error(`buildApp: no platform stack for ${tenant.environment}/${tenant.region} (tenant ${tenant.id})`);
    new TenantStack(app, tenantStackName(tenant.id), { tenant, environment: config.environments[tenant.environment], platform });
  }
}

/**
 * Synthesizes every stack of the configuration into `outdir`, as `cdktf synth` would: one place
 * for the app, the capacity tool, the security scan and the tests.
 */
export function synthesizeApp(config: ProjectConfig, outdir: string): void {
  const app = new App({ outdir });
  buildApp(app, config);
  app.synth();
}
