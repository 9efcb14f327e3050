/** The environment's `tracing` settings (#29) as the loader reads them from cdktf.json. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadEnvironments } from "../../config/loader";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";

// The fixture's production environment, which does not trace: only `tracing` varies below.
const environment = JSON.parse(readFileSync(FIXTURE_CDKTF_JSON, "utf8")).context.environments.production;

function load(tracing: unknown): ReturnType<typeof loadEnvironments> | string[] {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-tracing-"));
  const path = join(dir, "cdktf.json");
  writeFileSync(path, JSON.stringify({ context: { environments: { staging: tracing === undefined ? environment : { ...environment, tracing } } } }));
  try {
    return loadEnvironments(path, dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems as string[];
    throw err;
  }
}

describe("environment tracing", () => {
  it("is off by default, with a 5% sampling rate ready for when it is enabled", () => {
    expect((load(undefined) as any).staging.tracing).toEqual({ enabled: false, samplingRate: 0.05 });
  });

  it("fails when enabled without the collector's digest, naming the field", () => {
    expect(load({ enabled: true })).toEqual([
      expect.stringMatching(/^cdktf\.json: context\.environments\.staging\.tracing\.collectorImage: the collector's sha256: digest in the platform repository, required while tracing is enabled/),
    ]);
  });

  it("fails on a sampling rate of 0 or above 1, a tag for the collector, and an unknown field, all at once", () => {
    expect(load({ enabled: true, samplingRate: 0, collectorImage: "v0.43.3", sampling: 1 })).toEqual([
      "cdktf.json: context.environments.staging.tracing.samplingRate: greater than 0 (got 0)",
      expect.stringMatching(/^cdktf\.json: context\.environments\.staging\.tracing\.collectorImage: an image digest sha256:<64 hex digits>; a tag is not accepted.*\(got "v0\.43\.3"\)$/),
      "cdktf.json: context.environments.staging.tracing.sampling: unknown field (allowed: enabled, samplingRate, collectorImage)",
    ]);
    expect(load({ samplingRate: 1.5 })).toEqual([expect.stringMatching(/tracing\.samplingRate: at most 1 \(got 1\.5\)$/)]);
  });

  it("accepts an enabled environment with a digest", () => {
    const digest = `sha256:${"7d".repeat(32)}`;
    expect((load({ enabled: true, samplingRate: 1, collectorImage: digest }) as any).staging.tracing).toEqual({ enabled: true, samplingRate: 1, collectorImage: digest });
  });
});
