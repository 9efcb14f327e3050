import { resolveSettings, SettingsError } from "../../bootstrap/settings";
import { environmentFor, settingsFor } from "./helpers";

describe("bootstrap and backends agree on state encryption", () => {
  it("takes the environment's stateEncryption when --sse is not given", () => {
    expect(settingsFor({ sse: undefined }).sse).toBe("kms");
  });

  it("fails when --sse contradicts cdktf.json", () => {
    const settings = settingsFor();
    expect(() => resolveSettings({ ...settings, sse: "aes256" }, environmentFor({ stateEncryption: "kms" }))).toThrow(SettingsError);
    expect(() => resolveSettings({ ...settings, sse: "aes256" }, environmentFor({ stateEncryption: "kms" }))).toThrow(
      '--sse aes256 disagrees with stateEncryption "kms" of environment production in cdktf.json; change it there so backends and bootstrap agree',
    );
  });

  it("names the same state key alias the stacks' backends use", () => {
    expect(settingsFor().stateKeyAlias).toBe("alias/openclaw-production-terraform-state");
  });
});
