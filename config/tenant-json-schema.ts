import { z } from "zod";
import { TenantSchema } from "./tenant-schema";

/** The tenant schema as JSON Schema (draft 2020-12), describing what a tenant file may contain. */
export function tenantJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(TenantSchema, { io: "input", unrepresentable: "any" }),
    $id: "https://openclaw.example/schemas/tenant.schema.json",
    title: "OpenClaw tenant",
    description:
      "One customer of the OpenClaw platform: tenants/<id>.yaml. Generated from config/tenant-schema.ts by `npm run schema`; " +
      "cross-file rules (id equals file name, environment and region declared in cdktf.json, Fargate cpu/memory pairs) are checked by the synth.",
  };
}
