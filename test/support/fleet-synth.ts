/**
 * A synth output directory for N tenant stacks plus platform stacks, shaped like `npm run synth`'s
 * where the deploy tools look (manifest.json; provider account, region and Environment tag; backend
 * region): for deploy tests and the fleet simulator, which run the real deploy tooling over a
 * fleet far larger than a real synth in a test can afford.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FleetStack {
  readonly name: string;
  readonly environment: string;
  readonly region: string;
  readonly accountId: string;
}

export interface FleetSynth {
  readonly dir: string;
  readonly stacks: FleetStack[];
  /** affected.json content: every stack changed, platform stacks first. */
  readonly affected: { changed: string[]; added: string[]; removed: string[]; order: string[][] };
}

const ACCOUNTS: Record<string, string> = { production: "111111111111", staging: "222222222222" };

/** Tenants `bench-00000`... placed like bench/fleet.ts generateTenants (production us-east-1, us-west-2, staging us-east-1). */
export function fleetPlacements(count: number): FleetStack[] {
  const placements = [
    ["production", "us-east-1"],
    ["production", "us-west-2"],
    ["staging", "us-east-1"],
  ];
  const tenants = Array.from({ length: count }, (_, i) => {
    const [environment, region] = placements[i % placements.length];
    return { name: `tenant-bench-${String(i).padStart(5, "0")}`, environment, region, accountId: ACCOUNTS[environment] };
  });
  const platforms = [...new Set(tenants.map((t) => `${t.environment}/${t.region}`))].sort().map((k) => {
    const [environment, region] = k.split("/");
    return { name: `platform-${environment}-${region}`, environment, region, accountId: ACCOUNTS[environment] };
  });
  return [...platforms, ...tenants];
}

export function writeFleetSynth(stacks: readonly FleetStack[]): FleetSynth {
  const dir = mkdtempSync(join(tmpdir(), "fleet-synth-"));
  const manifest: Record<string, unknown> = {};
  for (const s of stacks) {
    const stackDir = join(dir, "stacks", s.name);
    mkdirSync(stackDir, { recursive: true });
    const platform = `platform-${s.environment}-${s.region}`;
    const config = {
      terraform: { backend: { s3: { bucket: `tfstate-${s.environment}`, key: `${s.name}.tfstate`, region: "us-east-1" } } },
      provider: { aws: [{ region: s.region, allowed_account_ids: [s.accountId], default_tags: [{ tags: { Environment: s.environment } }] }] },
      resource: { terraform_data: { marker: { input: s.name } } },
    };
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(config));
    manifest[s.name] = { name: s.name, synthesizedStackPath: `stacks/${s.name}/cdk.tf.json`, workingDirectory: `stacks/${s.name}`, dependencies: s.name === platform ? [] : [platform] };
  }
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: manifest }));
  const platforms = stacks.filter((s) => s.name.startsWith("platform-")).map((s) => s.name);
  const tenants = stacks.filter((s) => !s.name.startsWith("platform-")).map((s) => s.name);
  return { dir, stacks: [...stacks], affected: { changed: stacks.map((s) => s.name), added: [], removed: [], order: [platforms, tenants].filter((w) => w.length) } };
}
