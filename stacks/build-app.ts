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
    const regions = Object.entries(environment.regions).filter(([region, r]) => r.alwaysOn || regionsInUse.has(`${environmentName}/${region}`));
    const owner = accountResourceOwner(regions);
    for (const [region, regionConfig] of regions) {
      const name = platformStackName(environmentName, region);
      const provisionerBundle = bundleProvisioner();
      platforms.set(
        `${environmentName}/${region}`,
        new PlatformStack(app, name, { environmentName, region, environment, regionConfig, provisionerBundle, ownsAccountResources: region === owner }),
      );
    }
  }

  for (const tenant of config.tenants) {
    const platform = platforms.get(`${tenant.environment}/${tenant.region}`);
    if (!platform) throw new Error(`buildApp: no platform stack for ${tenant.environment}/${tenant.region} (tenant ${tenant.id})`);
    new TenantStack(app, tenantStackName(tenant.id), { tenant, environment: config.environments[tenant.environment], platform });
  }
}

/**
 * The region whose platform stack holds an account's account-wide resources: the first region, in
 * cdktf.json order, that is `alwaysOn` (so adding or removing tenants never moves them and never
 * deletes an activated tag), else the first region with a platform stack.
 */
export function accountResourceOwner(regions: ReadonlyArray<readonly [string, { readonly alwaysOn: boolean }]>): string | undefined {
  return (regions.find(([, r]) => r.alwaysOn) ?? regions[0])?.[0];
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
