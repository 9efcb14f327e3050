import type { ProjectConfig } from "../config/loader";
import { platformStackName, tenantStackName } from "../modules/naming";

/** One stack the configuration calls for, in the order the app builds them. */
export type PlannedStack =
  | { readonly kind: "platform"; readonly name: string; readonly environment: string; readonly region: string }
  | { readonly kind: "tenant"; readonly name: string; readonly tenantId: string; readonly platform: string };

/**
 * Every stack of the configuration, platforms first. A region gets a platform stack when it
 * hosts at least one tenant or is marked `alwaysOn`; an unused region costs nothing (no NAT, no
 * RDS). Light: no construct is built, so a parent process can split the work without cdktf.
 */
export function plannedStacks(config: ProjectConfig): PlannedStack[] {
  const regionsInUse = new Set(config.tenants.map((t) => `${t.environment}/${t.region}`));
  const planned: PlannedStack[] = [];
  const platforms = new Set<string>();
  for (const [environment, environmentConfig] of Object.entries(config.environments)) {
    for (const [region, regionConfig] of Object.entries(environmentConfig.regions)) {
      if (!regionConfig.alwaysOn && !regionsInUse.has(`${environment}/${region}`)) continue;
      planned.push({ kind: "platform", name: platformStackName(environment, region), environment, region });
      platforms.add(platformStackName(environment, region));
    }
  }
  for (const tenant of config.tenants) {
    const platform = platformStackName(tenant.environment, tenant.region);
    if (!platforms.has(platform)) throw new Error(`buildApp: no platform stack for ${tenant.environment}/${tenant.region} (tenant ${tenant.id})`);
    planned.push({ kind: "tenant", name: tenantStackName(tenant.id), tenantId: tenant.id, platform });
  }
  return planned;
}
