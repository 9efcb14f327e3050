import { parseArgs } from "node:util";
import { BootstrapOptions, DeployTrust, OidcSubjectForm, SseMode } from "./settings";

/** Command-line parsing. Pure: argv in, options or a UsageError out. */

export const USAGE = `Usage: npm run bootstrap -- --env <name> --region <region> --github-repo <owner/repo> [options]

Creates or verifies, in the environment's AWS account: the Terraform state bucket, the lock
table, GitHub's OIDC provider, and the plan and deploy roles for GitHub Actions. Bucket and
table names come from cdktf.json (context.environments.<env>). Safe to run again: it only
adds what is missing and never deletes or weakens anything.

Required:
  --env <name>                   environment in cdktf.json, e.g. production
  --region <region>              region of the state bucket and lock table: the environment's stateRegion
  --github-repo <owner/repo>     repository whose workflows may assume the roles (exact case)

Options:
  --dry-run                      print what would change, change nothing
  --offline                      a dry run from cdktf.json alone, without credentials: no AWS or
                                 GitHub call; shows everything as created in an empty account
  --sse kms|aes256               bucket encryption; must match the environment's stateEncryption in cdktf.json (its default)
  --noncurrent-version-days <n>  days old state versions are kept (default 90)
  --deploy-trust environment|main
                                 who may deploy: jobs in the GitHub environment (default) or any job on main
  --github-environment <name>    GitHub environment of deploy jobs (default production)
  --oidc-subject workflow|github-default
                                 sub claim the roles trust: with job_workflow_ref, naming the workflow
                                 files allowed to assume each role (default), or GitHub's default form
  --cdktf-json <path>            path of cdktf.json (default ./cdktf.json)
  -h, --help                     show this text

GitHub: with GITHUB_TOKEN (or GH_TOKEN) set, bootstrap also sets the repository's OIDC subject
template (unless --dry-run) and checks the deploy environment's branch policy and reviewers;
without a token it prints the API call and the settings to check by hand.

Exit status: 0 done, 1 bad input, 2 AWS or GitHub failure, or a GitHub setting the trust relies on is wrong.
Progress goes to stderr, the settings to use to stdout.`;

/** Bad command-line input: the message says which flag and what is allowed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type ParsedArgs = { readonly help: true } | ({ readonly help: false } & BootstrapOptions);

const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** GitHub environment names: no wildcard or separator that could widen the `sub` match. */
const GITHUB_ENVIRONMENT = /^[A-Za-z0-9_.-]{1,255}$/;
/** Longest retention S3 accepts is far beyond this; ten years is a typo guard. */
const MAX_NONCURRENT_DAYS = 3650;

export function parseBootstrapArgs(argv: readonly string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: "string" },
        region: { type: "string" },
        "github-repo": { type: "string" },
        "dry-run": { type: "boolean", default: false },
        offline: { type: "boolean", default: false },
        sse: { type: "string" },
        "noncurrent-version-days": { type: "string", default: "90" },
        "deploy-trust": { type: "string", default: "environment" },
        "github-environment": { type: "string", default: "production" },
        "oidc-subject": { type: "string", default: "workflow" },
        "cdktf-json": { type: "string", default: "cdktf.json" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    // node:util phrases these well ("Unknown option '--foo'"); drop its advice about "--".
    throw new UsageError((err as Error).message.split(". To specify")[0]);
  }
  if (values.help) return { help: true };

  const problems: string[] = [];
  const required = (flag: "env" | "region" | "github-repo") => {
    const value = values[flag];
    if (!value) problems.push(`--${flag} is required`);
    return value ?? "";
  };
  const env = required("env");
  const region = required("region");
  const githubRepo = required("github-repo");
  if (githubRepo && !GITHUB_REPO.test(githubRepo)) problems.push(`--github-repo must be owner/name, e.g. acme/openclaw-infra (got "${githubRepo}")`);

  const sse = values.sse?.toLowerCase();
  if (sse !== undefined && sse !== "kms" && sse !== "aes256") problems.push(`--sse must be kms or aes256 (got "${values.sse}")`);

  const days = Number(values["noncurrent-version-days"]);
  if (!Number.isInteger(days) || days < 1 || days > MAX_NONCURRENT_DAYS) {
    problems.push(`--noncurrent-version-days must be a whole number from 1 to ${MAX_NONCURRENT_DAYS} (got "${values["noncurrent-version-days"]}")`);
  }
  const deployTrust = values["deploy-trust"];
  if (deployTrust !== "environment" && deployTrust !== "main") problems.push(`--deploy-trust must be environment or main (got "${deployTrust}")`);
  const githubEnvironment = values["github-environment"];
  if (!GITHUB_ENVIRONMENT.test(githubEnvironment)) {
    problems.push(`--github-environment must be letters, digits, '.', '_' or '-' (got "${githubEnvironment}")`);
  }
  const oidcSubject = values["oidc-subject"];
  if (oidcSubject !== "workflow" && oidcSubject !== "github-default") problems.push(`--oidc-subject must be workflow or github-default (got "${oidcSubject}")`);
  if (problems.length > 0) throw new UsageError(problems.join("\n"));

  return {
    help: false,
    env,
    region,
    githubRepo,
    dryRun: values["dry-run"] || values.offline,
    ...(values.offline ? { offline: true } : {}),
    sse: sse as SseMode | undefined,
    noncurrentVersionDays: days,
    deployTrust: deployTrust as DeployTrust,
    githubEnvironment,
    oidcSubject: oidcSubject as OidcSubjectForm,
    cdktfJsonPath: values["cdktf-json"],
  };
}
