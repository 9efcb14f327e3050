/**
 * `npm run check:fleet`: checks the repository's live fleet, its own `tenants/` and `cdktf.json`
 * (or OPENCLAW_TENANTS_DIR / OPENCLAW_CDKTF_JSON), the way the test suite checks its fixtures,
 * minus the goldens: load, synth, capacity, cost, and the invariant test files run over the
 * fleet's synthesized stacks. CI runs it on every pull request (.github/workflows/ci.yml) and
 * `.ci/run` runs it, so an onboarding pull request is judged by its fleet, not by examples.
 *
 * Exit codes: 0 every check passed (warnings included), 1 the fleet fails a check (invalid
 * tenant file, quota exceeded, invariant violated), 2 unexpected failure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ConfigError, loadConfig, ProjectConfig } from "../config/loader";
import { REPOSITORY_ROOT, repositoryConfigPaths } from "../config/repository-paths";
import { estimateCost, usd } from "../cost/estimate";
import { CostInputError } from "../cost/prices";
import { log, parse, run, UsageError } from "../pipeline/lib/cli";
import { checkFleet } from "../capacity/fleet-checks";
import { progressLines, synthesizeFleet } from "../synth/fleet-synth";
import { eachSynthesizedStack } from "../synth/synth-output";
import { disableTokenStackTraces } from "../synth/synth-tuning";

export const HELP = `Usage: npm run -s check:fleet [-- --keep] [--skip-invariants]

Checks the repository's tenants/ and cdktf.json (OPENCLAW_TENANTS_DIR and OPENCLAW_CDKTF_JSON
override them) in five steps: load (every tenant file validated), synth (every stack, into a
temporary directory), capacity (account quotas), cost (fixed monthly estimate; a region without a
price table is a warning), invariants (the invariant test files, run by jest over the synthesized
fleet instead of the test fixtures). Golden files are the fixtures' and are not compared.

  --keep              keep the synthesized fleet and print where it is
  --skip-invariants   only load, synth, capacity and cost (seconds instead of a jest run)

Exit codes: 0 passed (warnings printed), 1 the fleet fails a check, 2 unexpected failure.`;

/**
 * Test files whose tests hold for every stack of any fleet (security and provider invariants):
 * run over the live fleet with OPENCLAW_FLEET_SYNTH_DIR set (test/support/synth.ts). Their
 * fixture-specific tests are `itOnFixtures` and skipped there.
 */
export const FLEET_INVARIANT_TESTS = [
  "test/invariants.test.ts",
  "test/tenant-isolation.test.ts",
  "test/provider-rules.test.ts",
  "test/security/policies.test.ts",
  "test/cost-attribution.test.ts",
  "test/modules/service-role-boundary.test.ts",
  "test/bootstrap/resource-actions.test.ts",
  "test/audit-trail.test.ts",
  "test/dashboards.test.ts",
];

const STEPS = 5;
const step = (n: number, name: string, result: string) => log(`[${n}/${STEPS}] ${name}: ${result}`);

/** Thrown for a fleet that fails a check; the lines are printed, exit 1. */
class FleetCheckFailed extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
  }
}

function load(): ProjectConfig {
  const paths = repositoryConfigPaths();
  try {
    return loadConfig({ ...paths, displayRoot: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) throw new FleetCheckFailed([...err.problems, `${err.problems.length} problem(s) in the fleet's configuration.`]);
    throw err;
  }
}

/** Fixed monthly cost of the fleet, or why there is none; never fails the check. */
function fleetCost(outdir: string): { line: string; priced: boolean } {
  try {
    const estimate = estimateCost(eachSynthesizedStack(outdir));
    const tenants = estimate.tenants.reduce((sum, t) => sum + t.ownMonthlyUsd, 0);
    const platforms = estimate.platforms.reduce((sum, p) => sum + p.monthlyUsd, 0);
    return { line: `${usd(tenants + platforms)}/month fixed (${usd(platforms)} platform, ${usd(tenants)} tenants; \`npm run cost\` per tenant)`, priced: true };
  } catch (err) {
    if (err instanceof CostInputError) return { line: `no estimate: ${err.message}`, priced: false };
    throw err;
  }
}

function runInvariants(outdir: string): void {
  const jest = join(REPOSITORY_ROOT, "node_modules", "jest", "bin", "jest.js");
  const paths = repositoryConfigPaths();
  const result = spawnSync(process.execPath, [jest, "--runTestsByPath", ...FLEET_INVARIANT_TESTS], {
    cwd: REPOSITORY_ROOT,
    stdio: "inherit",
    env: { ...process.env, OPENCLAW_FLEET_SYNTH_DIR: outdir, OPENCLAW_CDKTF_JSON: paths.cdktfJsonPath, OPENCLAW_TENANTS_DIR: paths.tenantsDir },
  });
  if (result.status !== 0) throw new FleetCheckFailed([`the fleet violates an invariant (jest exit ${result.status ?? result.signal}); the failing tests above name every offending address`]);
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, { keep: { type: "boolean" }, "skip-invariants": { type: "boolean" } });
  disableTokenStackTraces();
  const outdir = mkdtempSync(join(tmpdir(), "openclaw-fleet-check-"));
  try {
    const config = load();
    const regions = new Set(config.tenants.map((t) => `${t.environment}/${t.region}`));
    step(1, "load", `${config.tenants.length} tenant(s) in ${regions.size} environment/region pair(s), ${config.tombstones.length} tombstone(s)`);

    const manifest = await synthesizeFleet(config, outdir, { progress: progressLines(log) });
    step(2, "synth", `${Object.keys(manifest.stacks).length} stack(s)${values.keep ? ` in ${relative(process.cwd(), outdir) || outdir}` : ""}`);

    const { capacity, costWarnings } = checkFleet(outdir, config.environments);
    if (capacity.breaches.length > 0) throw new FleetCheckFailed([...capacity.breaches, `${capacity.breaches.length} quota(s) would be exceeded. See \`npm run capacity\`.`]);
    step(3, "capacity", `${capacity.rows.length} quota(s) within limits${capacity.warnings.length ? `, ${capacity.warnings.length} at 80% or more` : ""}`);
    for (const warning of capacity.warnings) log(warning);

    const cost = fleetCost(outdir);
    step(4, "cost", cost.line);
    // Without an estimate the warnings would only repeat why.
    if (cost.priced) for (const warning of costWarnings) log(warning);

    if (values["skip-invariants"]) step(5, "invariants", "skipped (--skip-invariants)");
    else {
      runInvariants(outdir);
      step(5, "invariants", `${FLEET_INVARIANT_TESTS.length} test files passed over the fleet`);
    }
    log("fleet check passed");
    return 0;
  } catch (err) {
    if (err instanceof FleetCheckFailed) {
      for (const line of err.lines) log(line);
      log("fleet check failed");
      return 1;
    }
    if (err instanceof UsageError) throw err;
    throw err;
  } finally {
    if (!values.keep) rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) run("check:fleet", HELP, main);
