/**
 * The product's tests run on fixtures they own (test/fixtures/), never on the live fleet that an
 * adopter replaces (issue #27). These tests check that the guard which enforces it really refuses,
 * and that child processes are pointed at the fixtures.
 */
import { spawnSync } from "node:child_process";
import { promises, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config/loader";
import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR, LIVE_CDKTF_JSON, LIVE_TENANTS_DIR } from "./support/fixtures";
import { LiveConfigReadError } from "./support/live-config-guard";

describe("the live configuration guard", () => {
  it("fails a test that reads the live cdktf.json, naming the fixtures to use instead", () => {
    expect(() => readFileSync(LIVE_CDKTF_JSON, "utf8")).toThrow(LiveConfigReadError);
    expect(() => readFileSync(LIVE_CDKTF_JSON, "utf8")).toThrow(/a test read cdktf\.json, the repository's live fleet; tests read the fixtures \(test\/support\/fixtures\.ts/);
  });

  it("fails a test that lists or reads the live tenants, whatever the path's spelling", async () => {
    expect(() => readdirSync(LIVE_TENANTS_DIR)).toThrow(LiveConfigReadError);
    expect(() => readFileSync(join(LIVE_TENANTS_DIR, "..", "tenants", "acme.yaml"))).toThrow(LiveConfigReadError);
    await expect(promises.readFile(join(LIVE_TENANTS_DIR, "acme.yaml"))).rejects.toThrow(LiveConfigReadError);
    // The loader reports an unreadable directory with the error's code.
    expect(() => loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: LIVE_TENANTS_DIR })).toThrow(/cannot read tenants directory \(ELIVEFLEET\)/);
  });

  it("lets tests read the fixtures and the schema generated from code", () => {
    expect(readdirSync(FIXTURE_TENANTS_DIR).filter((f) => f.endsWith(".yaml")).length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(LIVE_TENANTS_DIR, "tenant.schema.json"), "utf8")).$schema).toBeDefined();
    expect(loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: FIXTURE_TENANTS_DIR }).tenants.length).toBeGreaterThan(0);
  });

  it("points child processes that load the configuration at the fixtures", () => {
    const script = "process.stdout.write(JSON.stringify([process.env.OPENCLAW_CDKTF_JSON, process.env.OPENCLAW_TENANTS_DIR]))";
    // Jest gives each test file its own copy of process.env; tests pass it on (test/support/run-typescript.ts does).
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: process.env });
    expect(JSON.parse(result.stdout)).toEqual([FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR]);
  });
});
