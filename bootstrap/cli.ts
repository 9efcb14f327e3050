import { resolve } from "node:path";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ConfigError, loadEnvironments } from "../config/loader";
import { USAGE, UsageError, parseBootstrapArgs } from "./args";
import { describeAwsError, errorCode, hintFor } from "./aws-errors";
import { AwsClients, createClients, offlineClients } from "./clients";
import { GithubApi, githubApi, githubSettingsChecks } from "./github";
import { runSteps } from "./runner";
import { PolicyQuotaError } from "./policy-packing";
import { assertDeployRoleFitsQuotas } from "./resources/pipeline-roles";
import { BootstrapSettings, resolveSettings, SettingsError } from "./settings";
import { bootstrapSteps } from "./steps";
import { failureSummary, successSummary } from "./summary";

/**
 * `npm run bootstrap`: parses arguments, resolves names from cdktf.json, checks the
 * credentials' account, runs the steps and prints the result. Everything else lives in the
 * modules it calls.
 */

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_AWS_FAILURE = 2;

export interface CliIo {
  /** The final settings (backend, repository variables): what a caller may capture. */
  readonly stdout: (text: string) => void;
  /** Progress lines and errors. */
  readonly stderr: (text: string) => void;
}

/** A GitHub API client when a token is in the environment (GITHUB_TOKEN, or GH_TOKEN as gh uses). */
export function githubFromEnvironment(): GithubApi | undefined {
  const token = process.env.GITHUB_TOKEN || process.env.GH_TOKEN;
  return token ? githubApi(token) : undefined;
}

export async function main(
  argv: readonly string[],
  io: CliIo,
  clientsFor: (region: string) => AwsClients = createClients,
  github: () => GithubApi | undefined = githubFromEnvironment,
): Promise<number> {
  let settings: BootstrapSettings;
  try {
    const args = parseBootstrapArgs(argv);
    if (args.help) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    const environments = loadEnvironments(resolve(args.cdktfJsonPath));
    const environment = environments[args.env];
    if (!environment) throw new UsageError(`--env ${args.env} is not in ${args.cdktfJsonPath} (environments: ${Object.keys(environments).join(", ")})`);
    if (args.region !== environment.stateRegion) {
      // Every stack's backend reads state from stateRegion: a bucket anywhere else is useless.
      throw new UsageError(
        `--region ${args.region} does not match stateRegion ${environment.stateRegion} of environment ${args.env} in ${args.cdktfJsonPath} (the stacks' backends use that region)`,
      );
    }
    settings = resolveSettings(args, environment);
    // The environment's regions size the deploy role's policies: refuse one that cannot fit
    // IAM's quotas now, not with a LimitExceeded halfway through the run.
    assertDeployRoleFitsQuotas(settings);
  } catch (err) {
    if (err instanceof PolicyQuotaError) {
      io.stderr(`bootstrap cannot fit the deploy role into IAM's quotas: ${err.message}\nNothing was changed.`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof UsageError || err instanceof SettingsError) {
      io.stderr(`${err.message}\nRun with --help for usage.`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof ConfigError) {
      io.stderr(err.message);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }

  if (settings.offline) return offlinePreview(settings, io);
  const clients = clientsFor(settings.region);
  // Refuse to touch an account other than the one cdktf.json names: bootstrapping production
  // with staging credentials would otherwise "succeed" in the wrong place.
  let callerAccount: string | undefined;
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    callerAccount = identity.Account;
    io.stderr(`${settings.dryRun ? "Dry run for" : "Bootstrapping"} environment ${settings.env}: account ${callerAccount} as ${identity.Arn}, region ${settings.region}`);
  } catch (err) {
    const code = errorCode(err);
    const hint = hintFor(code);
    io.stderr(`bootstrap failed checking credentials: ${describeAwsError(err)}${hint ? `\n  next step: ${hint}` : ""}\nNothing was changed.`);
    return EXIT_AWS_FAILURE;
  }
  if (callerAccount !== settings.accountId) {
    io.stderr(
      `bootstrap failed checking credentials: AccountMismatch: the credentials are for account ${callerAccount}, but environment ${settings.env} is account ${settings.accountId} in ${settings.cdktfJsonPath}\n` +
        `  next step: use credentials for account ${settings.accountId}\nNothing was changed.`,
    );
    return EXIT_AWS_FAILURE;
  }

  const steps = bootstrapSteps(clients, settings);
  const result = await runSteps(steps, { dryRun: settings.dryRun, log: io.stderr });
  if (!result.ok) {
    io.stderr(failureSummary(result, steps.length));
    return EXIT_AWS_FAILURE;
  }
  // The roles' trust is only as strong as the GitHub settings it names: set or check them now.
  const api = github();
  let checks;
  try {
    checks = await githubSettingsChecks(settings, api);
  } catch (err) {
    io.stderr(`bootstrap failed checking GitHub settings: ${(err as Error).message}\nThe AWS part is done; run again to check GitHub.`);
    return EXIT_AWS_FAILURE;
  }
  io.stderr(api ? `GitHub settings of ${settings.githubRepo}:` : `GitHub settings of ${settings.githubRepo} (no GITHUB_TOKEN: not checked, verify by hand):`);
  for (const check of checks) {
    io.stderr(`[github] ${check.title}: ${check.status}`);
    for (const line of check.lines) io.stderr(`      ${line}`);
  }
  io.stdout(successSummary(settings, result.outputs, settings.dryRun));
  const problems = checks.filter((c) => c.status === "problem");
  if (problems.length > 0) {
    io.stderr(`bootstrap failed: ${problems.length} GitHub setting(s) the role trust relies on are not in place (${problems.map((p) => p.title).join(", ")}; see above). The AWS part is done.`);
    return EXIT_AWS_FAILURE;
  }
  return EXIT_OK;
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // A bug, not a user or AWS error: still no stack trace unless asked for.
      process.stderr.write(`bootstrap failed unexpectedly: ${err instanceof Error ? err.message : String(err)}\n`);
      if (process.env.BOOTSTRAP_DEBUG) console.error(err);
      process.exitCode = EXIT_AWS_FAILURE;
    },
  );
}

/**
 * `--offline`: what a first run would create, from cdktf.json alone. The account comes from
 * cdktf.json instead of STS, nothing is read from AWS or GitHub, and the summary shows the
 * settings (ARNs are deterministic from names and the account) a real run would leave.
 */
async function offlinePreview(settings: BootstrapSettings, io: CliIo): Promise<number> {
  io.stderr(
    `Offline preview of environment ${settings.env} (account ${settings.accountId} from cdktf.json, region ${settings.region}): AWS was not read, ` +
      "so every resource shows as it would be created in an empty account; run --dry-run with credentials to see what would really change.",
  );
  const steps = bootstrapSteps(offlineClients(settings.region), settings);
  const result = await runSteps(steps, { dryRun: true, log: io.stderr });
  if (!result.ok) {
    io.stderr(failureSummary(result, steps.length));
    return EXIT_AWS_FAILURE;
  }
  io.stderr(`GitHub settings of ${settings.githubRepo}: not checked offline (a run with credentials and GITHUB_TOKEN checks them)`);
  io.stdout(successSummary(settings, result.outputs, true));
  return EXIT_OK;
}
