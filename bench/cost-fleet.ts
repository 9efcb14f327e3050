/**
 * `npx tsx bench/cost-fleet.ts --tenants N [--db-class db.r6g.xlarge]`: the cost of a fleet of N
 * tenants like the example ones (bench/fleet.ts, as the synth benchmark generates them: spread
 * over production us-east-1, production us-west-2 and staging us-east-1, every tenth suspended),
 * synthesized and estimated like `npm run cost`. Prints, per platform, its fixed cost and tenants,
 * and the mean tenant's own cost, platform share and total. The README's fleet rows come from it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fleetSizedCdktfJson, generateTenants } from "./fleet";
import { loadConfig } from "../config/loader";
import { synthesizeApp } from "../stacks/build-app";
import { readSynthesizedStacks } from "../synth/synth-output";
import { disableTokenStackTraces } from "../synth/synth-tuning";
import { estimateCost, usd } from "../cost/estimate";

function main(): void {
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const count = Number(value("--tenants") ?? "100");
  const dbClass = value("--db-class") ?? "db.t4g.medium";
  if (!Number.isInteger(count) || count < 1) throw new Error(`--tenants must be a positive integer, got ${value("--tenants")}`);
  disableTokenStackTraces();
  const config = loadConfig({ cdktfJsonPath: fleetSizedCdktfJson(dbClass), tenantsDir: generateTenants(count) });
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-cost-fleet-"));
  try {
    synthesizeApp(config, outdir);
    const estimate = estimateCost(readSynthesizedStacks(outdir));
    const mean = (f: (t: (typeof estimate.tenants)[number]) => number) => estimate.tenants.reduce((n, t) => n + f(t), 0) / estimate.tenants.length;
    process.stdout.write(`${count} tenants, database ${dbClass} (prices of ${estimate.tenants[0]?.priceDate})\n`);
    for (const p of estimate.platforms) process.stdout.write(`  ${p.stack}: ${usd(p.monthlyUsd)}/month over ${p.tenants} tenants (${p.tenantVcpu} vCPU)\n`);
    const platforms = estimate.platforms.reduce((n, p) => n + p.monthlyUsd, 0);
    const own = estimate.tenants.reduce((n, t) => n + t.ownMonthlyUsd, 0);
    process.stdout.write(`  fleet: ${usd(own + platforms)}/month = ${usd(own)} tenants' own + ${usd(platforms)} platforms\n`);
    process.stdout.write(`  mean tenant: ${usd(mean((t) => t.ownMonthlyUsd))} own + ${usd(mean((t) => t.platformShareUsd))} platform share = ${usd(mean((t) => t.totalMonthlyUsd))}\n`);
    const active = estimate.tenants.filter((t) => t.vcpu > 0);
    const activeMean = (f: (t: (typeof active)[number]) => number) => active.reduce((n, t) => n + f(t), 0) / active.length;
    process.stdout.write(`  mean active tenant: ${usd(activeMean((t) => t.ownMonthlyUsd))} own + ${usd(activeMean((t) => t.platformShareUsd))} platform share = ${usd(activeMean((t) => t.totalMonthlyUsd))}\n`);
    // The egress path (SECURITY.md G1): the proxies are part of the platforms above, the tenant's
    // credential secret and alarm part of its own cost.
    const egressPlatforms = estimate.platforms.reduce((n, p) => n + p.egressMonthlyUsd, 0);
    process.stdout.write(
      `  egress path: ${usd(egressPlatforms)} in the platforms; per tenant ${usd(mean((t) => t.egressOwnUsd))} own + ${usd(egressPlatforms / estimate.tenants.length)} share = ${usd(mean((t) => t.egressOwnUsd) + egressPlatforms / estimate.tenants.length)} (mean over all tenants)\n`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main();
