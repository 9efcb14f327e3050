/**
 * README statements that can drift from the code (#27 item 4): the tenant-file reference is
 * generated from the schema (scripts/tenant-reference.ts) and must be current and complete; the
 * numbers it quotes are the code's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { measureUsage } from "../../capacity/usage";
import { FIELD_DOCS, tenantFields, withReference, README_PATH } from "../../scripts/tenant-reference";
import { REPO_ROOT } from "../support/fixtures";
import { synthesize } from "../support/synth";

const readme = readFileSync(README_PATH, "utf8");

describe("README tenant-file reference", () => {
  it("documents every field of the schema, and nothing else (add a line to FIELD_DOCS for a new field)", () => {
    const fields = tenantFields().map((f) => f.path);
    expect(fields.length).toBeGreaterThan(20);
    expect(fields.filter((f) => !FIELD_DOCS[f])).toEqual([]);
    expect(Object.keys(FIELD_DOCS).filter((f) => !fields.includes(f))).toEqual([]);
  });

  it("is the generated one (npm run docs:tenant-reference refreshes it)", () => {
    expect(readme).toBe(withReference(readme));
  });

  it("names the fields the issue found missing from the old hand-written list", () => {
    for (const field of ["costCenter", "databaseStorageAlarmGiB", "agents.<name>.image", "agents.<name>.dbConnections"]) expect(readme).toContain(`| \`${field}\` |`);
  });
});

describe("numbers the README quotes", () => {
  it("gives db.t4g.medium the connections the capacity tool admits on the synthesized platform database", () => {
    const output = synthesize();
    const limits = measureUsage(output.stacks)
      .filter((m) => m.quota === "databaseConnections" && m.limit !== undefined)
      .map((m) => m.limit);
    expect(output.config.environments.production.regions["us-east-1"].database.instanceClass).toBe("db.t4g.medium");
    expect(limits.length).toBeGreaterThan(0);
    const quoted = [...readme.matchAll(/db\.t4g\.medium: (\d[\d,]*)\)/g)].map((m) => Number(m[1].replace(/,/g, "")));
    expect(quoted.length).toBeGreaterThan(0);
    expect(quoted).toEqual(quoted.map(() => limits[0]));
  });

  it("no longer promises npm test under a minute, and says new tenants start in provisioning", () => {
    expect(readme).not.toMatch(/npm test` runs, in under a minute/);
    expect(readme).not.toContain("will\nreplace the first step");
    expect(readme).toContain("a new tenant starts in `provisioning`");
  });

  it("says in .github/README.md that the comment notes carry cost as well as capacity", () => {
    expect(readFileSync(join(REPO_ROOT, ".github", "README.md"), "utf8")).toContain("`capacity --crossing` and `cost --plan-comment`");
  });
});
