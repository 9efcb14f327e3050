import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnvironmentConfig } from "../../config/environment-schema";
import { BootstrapOptions, BootstrapSettings, resolveSettings } from "../../bootstrap/settings";
import { AuditConfigSchema, OffboardingConfigSchema, CostAnomalyConfigSchema, TracingConfigSchema } from "../../config/environment-schema";

/** Settings as the CLI would resolve them for the fixture's production environment. */
export function settingsFor(overrides: Partial<BootstrapOptions> = {}): BootstrapSettings {
  return resolveSettings(
    {
      env: "production",
      region: "us-east-1",
      githubRepo: "acme/openclaw-infra",
      dryRun: false,
      sse: "kms",
      noncurrentVersionDays: 90,
      deployTrust: "environment",
      githubEnvironment: "production",
      oidcSubject: "workflow",
      cdktfJsonPath: "cdktf.json",
      ...overrides,
    },
    environmentFor({ stateEncryption: overrides.sse ?? "kms" }),
  );
}

/**
 * The fixture's production environment as bootstrap reads it from cdktf.json (`overrides` replace
 * its fields). By default it declares what the options of `settingsFor` ask for, as a consistent
 * cdktf.json would; only the region names matter to bootstrap (boundary, provisioner and role ARNs
 * per region).
 */
export function environmentFor(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return {
    accountId: "123456789012",
    stateBucket: "acme-tfstate",
    stateRegion: "us-east-1",
    stateEncryption: "kms",
    lockTable: "acme-tf-locks",
    costCenter: "cc",
    activateCostAllocationTags: true,
    agentImage: "1.0.0",
    offboarding: OffboardingConfigSchema.parse({}),
    audit: AuditConfigSchema.parse({}),
    costAnomalies: CostAnomalyConfigSchema.parse({}),
    tracing: TracingConfigSchema.parse({}),
    alarmSubscriptions: [],
    regions: { "us-east-1": {} as EnvironmentConfig["regions"][string] },
    ...overrides,
  } as EnvironmentConfig;
}

export const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
export const OTHER_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555";

/**
 * A copy of fixtures/cdktf.json whose production environment has the given regions (each with
 * the first region's settings and its own VPC range), written to a temporary directory; returns its path.
 */
export function fixtureWithRegions(regions: readonly string[]): string {
  const fixture = JSON.parse(readFileSync(join(__dirname, "fixtures", "cdktf.json"), "utf8"));
  const production = fixture.context.environments.production;
  const template = Object.values(production.regions)[0] as Record<string, unknown>;
  // Zone ids given explicitly: not every region has a default list (config/availability-zones.ts).
  production.regions = Object.fromEntries(regions.map((region, i) => [region, { ...template, vpcCidr: `10.${100 + i}.0.0/16`, availabilityZoneIds: ["test1-az1", "test1-az2"] }]));
  const dir = mkdtempSync(join(tmpdir(), "bootstrap-regions-"));
  writeFileSync(join(dir, "cdktf.json"), JSON.stringify(fixture, null, 2));
  return join(dir, "cdktf.json");
}
