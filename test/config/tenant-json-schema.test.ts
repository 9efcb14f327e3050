import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tenantJsonSchema } from "../../config/tenant-json-schema";
import { REPO_ROOT } from "../support/synth";

describe("tenants/tenant.schema.json", () => {
  it("matches the zod schema (run `npm run schema` to refresh)", () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, "tenants", "tenant.schema.json"), "utf8"));
    expect(committed).toEqual(tenantJsonSchema());
  });

  it("rejects unknown fields, like the loader", () => {
    expect(tenantJsonSchema().additionalProperties).toBe(false);
  });

  it("requires the fields the loader requires", () => {
    expect(tenantJsonSchema().required).toEqual(["id", "displayName", "environment", "region", "status", "agents", "budget"]);
  });
});
