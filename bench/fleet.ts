/**
 * The benchmark fleet: N tenants like the example ones, and a cdktf.json sized to hold them. Used
 * by the synth benchmark and by the cost fleet estimate (README "What a tenant costs").
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");

/** N tenants like the example ones: three agents, two integrations, one Bedrock model. */
export function generateTenants(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-bench-tenants-"));
  const placements = [
    ["production", "us-east-1"],
    ["production", "us-west-2"],
    ["staging", "us-east-1"],
  ];
  for (let i = 0; i < count; i++) {
    const id = `bench-${String(i).padStart(5, "0")}`;
    const [environment, region] = placements[i % placements.length];
    writeFileSync(
      join(dir, `${id}.yaml`),
      [
        `id: ${id}`,
        `displayName: Benchmark tenant ${i}`,
        `environment: ${environment}`,
        `region: ${region}`,
        `status: ${i % 10 === 9 ? "suspended" : "active"}`,
        "agents:",
        "  butler: { cpu: 512, memory: 1024, desiredCount: 1, dbConnections: 2 }",
        "  scout: { cpu: 256, memory: 512, desiredCount: 1, spot: true, dbConnections: 2 }",
        "  writer: { cpu: 512, memory: 1024, desiredCount: 1, dbConnections: 2 }",
        "integrations: [gmail, slack]",
        "bedrockModels: [anthropic.claude-sonnet-4-5-20250929-v1:0]",
        `budget: { monthlyUsd: 300, alertEmails: [ops@${id}.example] }`,
        "",
      ].join("\n"),
    );
  }
  return dir;
}

/**
 * The repository's cdktf.json with every account sized for a large fleet (IAM roles at their
 * 5,000 maximum, by default a database class with 5,000 connections), so the capacity gate measures
 * rather than stops the benchmark fleets.
 */
export function fleetSizedCdktfJson(databaseInstanceClass = "db.r6g.8xlarge"): string {
  const json = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8"));
  for (const environment of Object.values<any>(json.context.environments)) {
    environment.quotas = { ...environment.quotas, iamRoles: 5000 };
    for (const region of Object.values<any>(environment.regions)) region.database.instanceClass = databaseInstanceClass;
  }
  const path = join(mkdtempSync(join(tmpdir(), "openclaw-bench-config-")), "cdktf.json");
  writeFileSync(path, JSON.stringify(json, null, 2));
  return path;
}

/** Sum of VmRSS over a process and all its descendants, from /proc (Linux). */
