import { BootstrapOptions, BootstrapSettings, resolveSettings } from "../../bootstrap/settings";
import { OffboardingConfigSchema } from "../../config/environment-schema";

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
      cdktfJsonPath: "cdktf.json",
      ...overrides,
    },
    {
      accountId: "123456789012",
      stateBucket: "acme-tfstate",
      stateRegion: "us-east-1",
      // The environment declares what the options ask for, as a consistent cdktf.json would.
      stateEncryption: overrides.sse ?? "kms",
      lockTable: "acme-tf-locks",
      costCenter: "cc",
      agentImage: "1.0.0",
      offboarding: OffboardingConfigSchema.parse({}),
      regions: {},
    },
  );
}

export const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
export const OTHER_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555";
