import { resolve } from "node:path";
import { ConfigError, loadConfig, ProjectConfig } from "./config/loader";
import { checkFleet } from "./capacity/fleet-checks";
import { progressLines, synthesizeFleet } from "./synth/fleet-synth";
import { discardStaging, prepareStaging, promoteStaging } from "./synth/synth-output";
import { disableTokenStackTraces } from "./synth/synth-tuning";
import { repositoryConfigPaths } from "./config/repository-paths";

disableTokenStackTraces();

/** User errors end the synth with their message and exit code 1, no stack trace, nothing written. */
function fail(lines: readonly string[], summary: string): never {
  process.stderr.write(`${lines.join("\n")}\n\n${summary}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const root = __dirname;
  let config: ProjectConfig;
  try {
    // Tests and the synth benchmark point these at fixtures (config/repository-paths.ts).
    config = loadConfig({ ...repositoryConfigPaths(process.env, root), displayRoot: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems, `${err.problems.length} problem(s) found; nothing was synthesized.`);
    throw err;
  }

  const outdir = resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
  const staging = prepareStaging(outdir);
  try {
    // Worker processes for a large fleet, this process for a small one (synth/fleet-synth.ts).
    await synthesizeFleet(config, staging, { progress: progressLines((line) => process.stderr.write(`${line}\n`)) });

    const { capacity, costWarnings } = checkFleet(staging, config.environments);
    if (capacity.breaches.length > 0) {
      discardStaging(staging); // process.exit skips the finally below
      fail(capacity.breaches, `${capacity.breaches.length} quota(s) would be exceeded; nothing was written. See \`npm run capacity\`.`);
    }
    for (const warning of [...capacity.warnings, ...costWarnings]) process.stderr.write(`${warning}\n`);
    promoteStaging(staging, outdir);
  } finally {
    discardStaging(staging);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`synth failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
