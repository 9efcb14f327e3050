import type { ProjectConfig } from "../config/loader";
import { platformStackName, tenantStackName } from "../modules/naming";

/** One stack the configuration calls for, in the order the app builds them. */
export type PlannedStack =
  | {
      readonly kind: "platform";
      readonly name: string;
      readonly environment: string;
      readonly region: string;
      /** This platform stack holds its account's account-wide resources (accountResourceOwner). */
      readonly ownsAccountResources: boolean;
    }
  | { readonly kind: "tenant"; readonly name: string; readonly tenantId: string; readonly platform: string };

/**
 * Every stack of the configuration, platforms first. A region gets a platform stack when it
 * hosts at least one tenant (offboarded ones included: the offboarding archive there keeps the
 * tenant's export for its retention) or is marked `alwaysOn`; an unused region costs nothing (no
 * NAT, no RDS). An offboarded tenant (tombstone) has no stack. Light: no construct is built, so a
 * parent process can split the work without cdktf.
 */
export function plannedStacks(config: ProjectConfig): PlannedStack[] {
  const regionsInUse = new Set([...config.tenants, ...config.tombstones].map((t) => `${t.environment}/${t.region}`));
  const planned: PlannedStack[] = [];
  const platforms = new Set<string>();
  for (const [environment, environmentConfig] of Object.entries(config.environments)) {
    const regions = Object.entries(environmentConfig.regions).filter(([region, r]) => r.alwaysOn || regionsInUse.has(`${environment}/${region}`));
    const owner = accountResourceOwner(regions);
    for (const [region] of regions) {
      planned.push({ kind: "platform", name: platformStackName(environment, region), environment, region, ownsAccountResources: region === owner });
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

/**
 * The region whose platform stack holds an account's account-wide resources: the first region, in
 * cdktf.json order, that is `alwaysOn` (so adding or removing tenants never moves them and never
 * deletes an activated tag), else the first region with a platform stack.
 */
export function accountResourceOwner(regions: ReadonlyArray<readonly [string, { readonly alwaysOn: boolean }]>): string | undefined {
  return (regions.find(([, r]) => r.alwaysOn) ?? regions[0])?.[0];
}
