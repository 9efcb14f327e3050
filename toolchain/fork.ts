/**
 * What a platform team does when it makes this repository its own: replace every example
 * tenant, account id, state bucket, lock table and region in `cdktf.json` and `tenants/` with its
 * own, and add a tenant in a region the examples never used. `npm run check:fork`
 * (toolchain/check-fork.ts) does it to a copy of the repository and runs the test suite and the
 * fleet check there: the product's tests must not notice (they run on test/fixtures/), and the
 * fleet check must pass on the new fleet.
 *
 * Everything is derived from the configuration found, not from a list of today's examples, so
 * the check keeps meaning something when the examples change.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { BedrockRouting, resolveModel } from "../config/bedrock-models";

/** Regions a fork moves to, in order of preference; those the examples already use are skipped. */
const FORK_REGIONS = ["eu-west-1", "eu-central-1", "ap-southeast-2", "eu-north-1", "ap-northeast-1", "eu-west-3", "ap-south-1", "ca-central-1", "sa-east-1", "us-east-2"];
/** Tenant ids of the fork (fictional companies), then fork-tenant-<n>. */
const FORK_TENANT_IDS = ["northwind", "contoso", "fabrikam", "tailspin", "woodgrove", "litware", "proseware", "adatum", "lucerne", "wingtip"];
const MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

export interface ForkResult {
  /** Every example identifier replaced, old → new (tenant ids, account ids, buckets, lock tables, regions). */
  readonly replaced: ReadonlyMap<string, string>;
  /** The tenant added in a region none of the examples used. */
  readonly added: { readonly id: string; readonly environment: string; readonly region: string };
}

interface EnvironmentJson {
  accountId: string;
  stateBucket: string;
  stateRegion: string;
  lockTable: string;
  costCenter?: string;
  regions: Record<string, Record<string, any>>;
  [key: string]: unknown;
}

/** `old` as a whole identifier: not part of a longer name such as us-east-10 or acme-labs. */
const whole = (old: string) => new RegExp(`(?<![A-Za-z0-9_-])${old.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_-])`, "g");

function replaceAll(text: string, replaced: ReadonlyMap<string, string>): string {
  // Longest first, so a name that contains another is replaced as a whole.
  for (const [from, to] of [...replaced].sort(([a], [b]) => b.length - a.length)) text = text.replace(whole(from), to);
  return text;
}

const tenantFiles = (tenantsDir: string) => readdirSync(tenantsDir).filter((f) => /\.ya?ml$/.test(f)).sort();

/** The identifiers of the configuration in `dir` (cdktf.json + tenants/) that a fork replaces. */
export function exampleIdentifiers(dir: string): { tenants: string[]; accounts: string[]; buckets: string[]; lockTables: string[]; costCenters: string[]; regions: string[] } {
  const environments: Record<string, EnvironmentJson> = JSON.parse(readFileSync(join(dir, "cdktf.json"), "utf8")).context.environments;
  const envs = Object.values(environments);
  const docs = tenantFiles(join(dir, "tenants")).map((f) => parseDocument(readFileSync(join(dir, "tenants", f), "utf8")));
  const field = (name: string) => docs.filter((d) => d.has(name)).map((d) => String(d.get(name)));
  const unique = (values: string[]) => [...new Set(values)].sort();
  return {
    tenants: unique(field("id")),
    accounts: unique(envs.map((e) => e.accountId)),
    buckets: unique(envs.map((e) => e.stateBucket)),
    lockTables: unique(envs.map((e) => e.lockTable)),
    costCenters: unique([...envs.flatMap((e) => (e.costCenter ? [e.costCenter] : [])), ...field("costCenter")]),
    regions: unique([...envs.flatMap((e) => [e.stateRegion, ...Object.keys(e.regions)]), ...field("region")]),
  };
}

/** Every occurrence of an example identifier left in the configuration of `dir`, as `file: identifier`. */
export function leftovers(dir: string, identifiers: Iterable<string>): string[] {
  const files = ["cdktf.json", ...tenantFiles(join(dir, "tenants")).map((f) => join("tenants", f))];
  const found: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const id of identifiers) if (whole(id).test(text)) found.push(`${file}: ${id}`);
  }
  return found;
}

/** A free 10.x.0.0/16 for the added region. */
function freeCidr(environments: Record<string, EnvironmentJson>): string {
  const used = new Set(Object.values(environments).flatMap((e) => Object.values(e.regions).map((r) => String(r.vpcCidr).split(".")[1])));
  for (let x = 200; x < 256; x++) if (!used.has(String(x))) return `10.${x}.0.0/16`;
  throw new Error("fork: no free 10.x.0.0/16 for the added region");
}

/** Keeps the models a tenant could use in its new region (the loader refuses the others). */
function usableModels(models: unknown, region: string, accountId: string, routing: BedrockRouting): string[] {
  return (Array.isArray(models) ? models : []).map(String).filter((m) => typeof resolveModel(m, region, accountId, routing) !== "string");
}

/**
 * Rewrites `dir/cdktf.json` and `dir/tenants/` in place as a fork would. Other keys of cdktf.json
 * and of each tenant file are kept; the generated schema file is left alone.
 */
export function forkConfiguration(dir: string): ForkResult {
  const cdktfPath = join(dir, "cdktf.json");
  const tenantsDir = join(dir, "tenants");
  const old = exampleIdentifiers(dir);
  const replaced = new Map<string, string>();

  const freshRegions = FORK_REGIONS.filter((r) => !old.regions.includes(r));
  if (freshRegions.length < old.regions.length + 1) throw new Error(`fork: ${old.regions.length + 1} regions needed, only ${freshRegions.length} unused in FORK_REGIONS`);
  old.regions.forEach((r, i) => replaced.set(r, freshRegions[i]));
  const addedRegion = freshRegions[old.regions.length];
  old.accounts.forEach((a, i) => replaced.set(a, String(400000000000 + 123456789 * (i + 1))));
  old.buckets.forEach((b, i) => replaced.set(b, `northwind-platform-tfstate-${i + 1}`));
  old.lockTables.forEach((t, i) => replaced.set(t, `northwind-tf-locks-${i + 1}`));
  old.costCenters.forEach((c, i) => replaced.set(c, `northwind-cost-center-${i + 1}`));
  const freshIds = [...FORK_TENANT_IDS.filter((id) => !old.tenants.includes(id)), ...Array.from({ length: old.tenants.length + 1 }, (_, i) => `fork-tenant-${i + 1}`)];
  old.tenants.forEach((t, i) => replaced.set(t, freshIds[i]));
  const addedId = freshIds[old.tenants.length];

  // cdktf.json: every identifier replaced wherever it appears, then the new region.
  const json = JSON.parse(replaceAll(readFileSync(cdktfPath, "utf8"), replaced));
  const environments: Record<string, EnvironmentJson> = json.context.environments;
  const [environment, first] = Object.entries(environments)[0];
  first.regions[addedRegion] = { ...Object.values(first.regions)[0], vpcCidr: freeCidr(environments), alwaysOn: false };
  writeFileSync(cdktfPath, `${JSON.stringify(json, null, 2)}\n`);

  // tenants/: each file renamed and rewritten; models the new region cannot serve dropped.
  for (const file of tenantFiles(tenantsDir)) {
    const doc = parseDocument(replaceAll(readFileSync(join(tenantsDir, file), "utf8"), replaced));
    const id = String(doc.get("id"));
    const env = environments[String(doc.get("environment"))];
    if (doc.has("bedrockModels") && env) {
      const models = usableModels((doc.get("bedrockModels") as any)?.toJSON?.(), String(doc.get("region")), env.accountId, (doc.get("bedrockRouting") as BedrockRouting) ?? "geographic");
      if (models.length > 0) doc.set("bedrockModels", models);
      else doc.delete("bedrockModels");
    }
    if (doc.has("displayName")) doc.set("displayName", `${id[0].toUpperCase()}${id.slice(1)} (fork)`);
    rmSync(join(tenantsDir, file));
    writeFileSync(join(tenantsDir, `${id}.yaml`), doc.toString());
  }
  const models = usableModels([MODEL], addedRegion, first.accountId, "geographic");
  writeFileSync(
    join(tenantsDir, `${addedId}.yaml`),
    [
      "# yaml-language-server: $schema=./tenant.schema.json",
      `id: ${addedId}`,
      `displayName: ${addedId} in a region the examples never used`,
      `environment: ${environment}`,
      `region: ${addedRegion}`,
      "status: active",
      "agents:",
      "  butler: { cpu: 512, memory: 1024, desiredCount: 1 }",
      "  scout: { cpu: 256, memory: 512, desiredCount: 1, spot: true }",
      "integrations: [slack]",
      ...(models.length > 0 ? [`bedrockModels: [${models.join(", ")}]`] : []),
      `budget: { monthlyUsd: 400, alertEmails: [ops@${addedId}.example] }`,
      "",
    ].join("\n"),
  );
  return { replaced, added: { id: addedId, environment, region: addedRegion } };
}
