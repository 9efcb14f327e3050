/**
 * One YAML reading for tenant files (config/tenant-yaml.ts): the loader, the `npm run tenant`
 * editor and the pipeline's lifecycle check refuse the same text for the same reason (#32: three
 * readers each parsed the text their own way).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../config/loader";
import { setTenantStatus } from "../../config/tenant-file";
import { parseTenantFile } from "../../pipeline/lib/tenant-files";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";

const DUPLICATE = `id: acme
displayName: ACME
environment: production
region: us-east-1
status: active
status: suspended
agents:
  butler: { cpu: 512, memory: 1024 }
budget: { monthlyUsd: 300, alertEmails: [ops@acme.example] }
`;

describe("tenant YAML", () => {
  const dir = mkdtempSync(join(tmpdir(), "tenant-yaml-"));
  writeFileSync(join(dir, "acme.yaml"), DUPLICATE);
  const location = { cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: dir };

  it("refuses a duplicate key in every reader, with yaml's same message", () => {
    const reason = /Map keys must be unique/;
    let loaderProblems: readonly string[] = [];
    try {
      loadConfig({ ...location, displayRoot: dir });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      loaderProblems = err.problems;
    }
    expect(loaderProblems.join("\n")).toMatch(reason);
    expect(() => setTenantStatus(location, "acme", "suspended")).toThrow(reason);
    const pipeline = parseTenantFile("tenants/acme.yaml", DUPLICATE);
    expect(pipeline.ok ? [] : pipeline.problems).toEqual([expect.stringMatching(reason)]);
  });

  it("reads the same file the same way when it is valid", () => {
    const valid = DUPLICATE.replace("status: suspended\n", "");
    const pipeline = parseTenantFile("tenants/acme.yaml", valid);
    expect(pipeline).toMatchObject({ ok: true, tenant: { id: "acme", status: "active", environment: "production", region: "us-east-1" } });
  });

  it("refuses an alias with no anchor in every reader, as a problem of the file (yaml throws it only from toJS)", () => {
    // Found while mutation testing config/loader.ts: the loader let toJS's ReferenceError through as a crash.
    const aliased = DUPLICATE.replace("status: suspended\n", "owner: *nobody\n");
    const aliasDir = mkdtempSync(join(tmpdir(), "tenant-yaml-"));
    writeFileSync(join(aliasDir, "acme.yaml"), aliased);
    const reason = /Unresolved alias/;
    let loaderProblems: readonly string[] = [];
    try {
      loadConfig({ ...location, tenantsDir: aliasDir, displayRoot: aliasDir });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      loaderProblems = err.problems;
    }
    expect(loaderProblems).toEqual([expect.stringMatching(/^acme\.yaml: invalid YAML: Unresolved alias/)]);
    expect(() => setTenantStatus({ ...location, tenantsDir: aliasDir }, "acme", "suspended")).toThrow(reason);
    const pipeline = parseTenantFile("tenants/acme.yaml", aliased);
    expect(pipeline.ok ? [] : pipeline.problems).toEqual([expect.stringMatching(reason)]);
  });
});
