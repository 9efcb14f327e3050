import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FARGATE_CPU_VALUES } from "../../config/fargate";
import { tenantJsonSchema } from "../../config/tenant-json-schema";
import { REPO_ROOT } from "../support/synth";

describe("tenants/tenant.schema.json", () => {
  it("matches the zod schema (run `npm run schema` to refresh)", () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, "tenants", "tenant.schema.json"), "utf8"));
    expect(committed).toEqual(tenantJsonSchema());
  });

  const branches = tenantJsonSchema() as { then: Record<string, unknown>; else: Record<string, unknown> };

  it("offers the Fargate CPU sizes as an enum, so an editor flags cpu: 300 as the loader does (#27)", () => {
    const cpu = (branches.else as any).properties.agents.additionalProperties.properties.cpu;
    expect(cpu).toMatchObject({ type: "integer", enum: [256, 512, 1024, 2048, 4096, 8192, 16384] });
    expect(cpu.enum).toEqual([...FARGATE_CPU_VALUES]);
  });

  it("rejects unknown fields, like the loader", () => {
    expect(branches.else.additionalProperties).toBe(false);
    expect(branches.then.additionalProperties).toBe(false);
  });

  it("requires the fields the loader requires", () => {
    expect(branches.else.required).toEqual(["id", "displayName", "environment", "region", "status", "agents", "budget"]);
  });

  it("describes an offboarded file as a tombstone that needs its date and record", () => {
    expect(tenantJsonSchema().if).toEqual({ properties: { status: { const: "offboarded" } }, required: ["status"] });
    expect(branches.then.required).toEqual(["id", "environment", "region", "status", "offboardedAt", "offboardingRecord"]);
  });
});
