/**
 * Writes tenants/tenant.schema.json from the zod schema, so editors validate tenant files
 * (`# yaml-language-server: $schema=./tenant.schema.json`). test/config/tenant-json-schema.test.ts
 * fails when the committed file is stale: run `npm run schema` after changing the schema.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tenantJsonSchema } from "../config/tenant-json-schema";

const target = join(__dirname, "..", "tenants", "tenant.schema.json");
writeFileSync(target, `${JSON.stringify(tenantJsonSchema(), null, 2)}\n`);
process.stderr.write(`wrote ${target}\n`);
