import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURE_CDKTF_JSON } from "./fixtures";

export interface FixtureTenant {
  id: string;
  environment?: string;
  region?: string;
  status?: "provisioning" | "active" | "suspended" | "offboarding";
  /** YAML flow mappings per agent. */
  agents?: Record<string, string>;
  integrations?: string[];
}

/** Writes tenant files into a fresh directory. */
export function writeTenants(tenants: FixtureTenant[]): string {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-capacity-tenants-"));
  for (const t of tenants) {
    const agents = t.agents ?? { butler: "{ cpu: 512, memory: 1024 }", scout: "{ cpu: 256, memory: 512, spot: true }", writer: "{ cpu: 512, memory: 1024 }" };
    writeFileSync(
      join(dir, `${t.id}.yaml`),
      [
        `id: ${t.id}`,
        `displayName: ${t.id}`,
        `environment: ${t.environment ?? "production"}`,
        `region: ${t.region ?? "us-east-1"}`,
        `status: ${t.status ?? "active"}`,
        "agents:",
        ...Object.entries(agents).map(([name, spec]) => `  ${name}: ${spec}`),
        `integrations: [${(t.integrations ?? ["gmail", "slack"]).join(", ")}]`,
        "budget: { monthlyUsd: 100, alertEmails: [ops@example.com] }",
        "",
      ].join("\n"),
    );
  }
  return dir;
}

/** A copy of the repository's cdktf.json with changes to the production environment. */
export function writeCdktfJson(changeProduction: (production: Record<string, any>) => void): string {
  const json = JSON.parse(readFileSync(FIXTURE_CDKTF_JSON, "utf8"));
  changeProduction(json.context.environments.production);
  const path = join(mkdtempSync(join(tmpdir(), "openclaw-cdktf-json-")), "cdktf.json");
  writeFileSync(path, JSON.stringify(json, null, 2));
  return path;
}

export function threeAgentTenants(count: number): FixtureTenant[] {
  return Array.from({ length: count }, (_, i) => ({ id: `t-${String(i).padStart(4, "0")}` }));
}
