import { resolveSettings, SettingsError } from "../../bootstrap/settings";
import { settingsFor } from "./helpers";
import { AuditConfigSchema, OffboardingConfigSchema, CostAnomalyConfigSchema, TracingConfigSchema } from "../../config/environment-schema";

describe("bootstrap and backends agree on state encryption", () => {
  it("takes the environment's stateEncryption when --sse is not given", () => {
    expect(settingsFor({ sse: undefined }).sse).toBe("kms");
  });

  it("fails when --sse contradicts cdktf.json", () => {
    const settings = settingsFor();
    expect(() => resolveSettings({ ...settings, sse: "aes256" }, { ...environmentOf(settings), stateEncryption: "kms" })).toThrow(SettingsError);
    expect(() => resolveSettings({ ...settings, sse: "aes256" }, { ...environmentOf(settings), stateEncryption: "kms" })).toThrow(
      '--sse aes256 disagrees with stateEncryption "kms" of environment production in cdktf.json; change it there so backends and bootstrap agree',
    );
  });

  it("names the same state key alias the stacks' backends use", () => {
    expect(settingsFor().stateKeyAlias).toBe("alias/openclaw-production-terraform-state");
  });
});

function environmentOf(settings: ReturnType<typeof settingsFor>) {
  return {
    accountId: settings.accountId,
    stateBucket: settings.stateBucket,
    stateRegion: settings.region,
    stateEncryption: settings.sse,
    lockTable: settings.lockTable,
    costCenter: "cc",
    activateCostAllocationTags: true,
    agentImage: "1.0.0",
    offboarding: OffboardingConfigSchema.parse({}),
    audit: AuditConfigSchema.parse({}),
    costAnomalies: CostAnomalyConfigSchema.parse({}),
    tracing: TracingConfigSchema.parse({}),
    alarmSubscriptions: [],
    regions: {},
  };
}
