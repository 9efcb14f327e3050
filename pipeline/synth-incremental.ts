/**
 * synth:incremental: `npm run synth` for pull requests. Copies every tenant stack whose code,
 * cdktf.json and tenant file are unchanged from a cache, synthesizes the platform stacks and the
 * rest, then runs the fleet-wide checks (capacity gate, cost warnings) on the merged output, as the full synth does.
 *
 *   npm run -s synth:incremental -- --cache <dir> [--out cdktf.out] [--tenants tenants] [--cdktf-json cdktf.json]
 */
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../config/loader";
import { checkFleet } from "../capacity/fleet-checks";
import { incrementalSynth } from "../synth/incremental-synth";
import { discardStaging, prepareStaging, promoteStaging } from "../synth/synth-output";
import { disableTokenStackTraces } from "../synth/synth-tuning";
import { tenantIdOfStackName } from "../modules/naming";
import { log, parse, run, UsageError } from "./lib/cli";

export const HELP = `Usage: npm run -s synth:incremental -- --cache <dir> [--out <dir>] [--tenants <dir>] [--cdktf-json <file>] [--workers N]

Synthesizes the app like \`npm run synth\`, byte for byte, but copies each tenant stack whose
inputs are unchanged from the cache: a stack's key is the sha256 of the code (every file but
tests, docs, tenant files and tools), cdktf.json and the tenant's file. Platform stacks and
changed tenants are synthesized; new entries are added to the cache. Any code change misses
every entry. The capacity gate then checks the whole merged output, and tenants whose fixed
cost exceeds their budget are warned about, as \`npm run synth\` does.

Options:
  --cache <dir>       cache directory (created if missing); keep it between runs, e.g. with
                      actions/cache, seeded by the synth of the last deploy of main
  --out <dir>         output directory, replaced only when everything passed (default cdktf.out)
  --tenants <dir>     tenant files (default tenants/)
  --cdktf-json <file> cdktf.json (default ./cdktf.json)
  --workers <n>       worker processes for the stacks to synthesize (default: by count)
  --help              show this help

Prints one JSON line: {"cached":N,"synthesized":N,"seconds":S}.
Exit codes: 0 ok, 1 bad input (invalid config, quota exceeded), 2 unexpected failure.`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    cache: { type: "string" },
    out: { type: "string" },
    tenants: { type: "string" },
    "cdktf-json": { type: "string" },
    workers: { type: "string" },
  });
  if (!values.cache) throw new UsageError("--cache <dir> is required");
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new UsageError(`--workers must be a positive integer (got ${values.workers})`);
  const started = process.hrtime.bigint();
  disableTokenStackTraces();
  const cdktfJsonPath = resolve(values["cdktf-json"] ?? "cdktf.json");
  const tenantsDir = resolve(values.tenants ?? "tenants");
  let config;
  try {
    config = loadConfig({ cdktfJsonPath, tenantsDir, displayRoot: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${err.problems.join("\n")}\n${err.problems.length} problem(s) found; nothing was synthesized.`);
    throw err;
  }
  const outdir = resolve(values.out ?? "cdktf.out");
  const staging = prepareStaging(outdir);
  try {
    const result = await incrementalSynth({ config, cdktfJsonPath, tenantsDir, cacheDir: resolve(values.cache), outdir: staging, workers });
    const { capacity, costWarnings } = checkFleet(staging, config.environments);
    if (capacity.breaches.length > 0) {
      throw new UsageError(`${capacity.breaches.join("\n")}\n${capacity.breaches.length} quota(s) would be exceeded; nothing was written.`);
    }
    // The fleet-wide checks of npm run synth (main.ts), on the merged output: copied stacks count.
    for (const warning of [...capacity.warnings, ...costWarnings]) log(warning);
    promoteStaging(staging, outdir);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`${JSON.stringify({ cached: result.cached.length, synthesized: result.synthesized.length, seconds: Number(seconds.toFixed(2)) })}\n`);
    const tenants = result.synthesized.filter((s) => tenantIdOfStackName(s) !== undefined);
    const shown = tenants.length > 10 ? `${tenants.slice(0, 10).join(", ")} and ${tenants.length - 10} more` : tenants.join(", ") || "no tenant";
    log(`synth:incremental: ${result.synthesized.length} stack(s) synthesized (${shown}), ${result.cached.length} from the cache, in ${seconds.toFixed(1)} s`);
    return 0;
  } finally {
    discardStaging(staging);
  }
}

if (require.main === module) run("synth:incremental", HELP, main);
