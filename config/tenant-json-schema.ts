import { z } from "zod";
import { FARGATE_CPU_VALUES } from "./fargate";
import { TOMBSTONE_STATUS } from "./tenant-lifecycle";
import { TenantSchema, TombstoneSchema } from "./tenant-schema";

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

/**
 * The tenant file as JSON Schema (draft 2020-12), describing what a tenant file may contain:
 * an `offboarded` file is a tombstone (TombstoneSchema), every other status a tenant with a
 * stack (TenantSchema). `if`/`then`/`else` rather than `oneOf`, so an editor reports the
 * errors of the branch the file's status picks, as the loader does.
 */
export function tenantJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://openclaw.example/schemas/tenant.schema.json",
    title: "OpenClaw tenant",
    description:
      "One customer of the OpenClaw platform: tenants/<id>.yaml. Generated from config/tenant-schema.ts by `npm run schema`; " +
      "cross-file rules (id equals file name, environment and region declared in cdktf.json, Fargate cpu/memory pairs, " +
      "the offboarding record in the environment's state bucket) are checked by the synth.",
    type: "object",
    if: { properties: { status: { const: TOMBSTONE_STATUS } }, required: ["status"] },
    then: jsonSchemaOf(TombstoneSchema),
    else: withFargateCpuEnum(jsonSchemaOf(TenantSchema)),
  };
}

/**
 * The schema checks cpu with a refinement (so the loader can name the allowed sizes), which JSON
 * Schema cannot carry; the editor gets the same list as an enum, so `cpu: 300` is underlined as
 * the file is typed. Memory depends on cpu and stays the synth's check.
 */
function withFargateCpuEnum(schema: Record<string, any>): Record<string, unknown> {
  const agent = schema.properties?.agents?.additionalProperties;
  if (!agent?.properties?.cpu) throw new Error("tenantJsonSchema: agents.<name>.cpu not found in the tenant schema");
  agent.properties.cpu = { type: "integer", enum: [...FARGATE_CPU_VALUES], description: "Fargate CPU units (1024 = 1 vCPU)" };
  return schema;
}
