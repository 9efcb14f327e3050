/**
 * `npm run tenant -- <command>`: the operator's one command per lifecycle step. Logic lives in
 * config/tenant-file.ts; this file parses arguments, prints and sets the exit code
 * (0 done, 1 refused or bad input with one line per problem, 2 unexpected failure).
 */
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../config/loader";
import { BEDROCK_ROUTINGS } from "../config/bedrock-models";
import { TENANT_STATUSES } from "../config/tenant-lifecycle";
import { createTenantFile, DEFAULT_AGENTS, formatTenantTable, listTenants, setTenantStatus, TenantFileRefusal, TenantFilesLocation } from "../config/tenant-file";

export const USAGE = `Usage: npm run tenant -- <command> [options]

Commands:
  new <id> --env ENV --region REGION [--agents ${DEFAULT_AGENTS.join(",")}] [--integrations gmail,slack]
           [--display-name NAME] [--budget-usd N] [--alert-email a@x.example,b@x.example]
           [--bedrock-models MODEL_ID,...] [--bedrock-routing ${BEDROCK_ROUTINGS.join("|")}]
      Writes tenants/<id>.yaml in provisioning: resources are created, agents run 0 tasks
      until you put the secrets' values and set the tenant active.
  status <id> <state>
      Changes the status (${TENANT_STATUSES.join(" | ")}) if the lifecycle allows it;
      offboarded is set only by the deploy pipeline's offboarding job.
  list [--json]
      Every tenant with environment, region, status, agents and monthly budget.

Options for every command:
  --tenants DIR      tenants directory (default: tenants/)
  --cdktf-json PATH  cdktf.json (default: ./cdktf.json)
  --dry-run          validate and print the file that would be written; write nothing
  --help             this text

Edits keep the file's comments, are validated like \`npm run synth\` validates, and are written atomically.`;

export interface TenantCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

class UsageError extends Error {}

interface Parsed {
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}

const VALUE_OPTIONS = new Set(["--env", "--region", "--agents", "--integrations", "--display-name", "--budget-usd", "--alert-email", "--bedrock-models", "--bedrock-routing", "--tenants", "--cdktf-json"]);
const FLAG_OPTIONS = new Set(["--json", "--help", "--dry-run"]);

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (FLAG_OPTIONS.has(arg)) options.set(arg, true);
    else if (VALUE_OPTIONS.has(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      options.set(arg, value);
    } else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  return { positional, options };
}

const list = (value: string | true | undefined) => (typeof value === "string" ? value.split(",").map((s) => s.trim()).filter(Boolean) : undefined);

function required(parsed: Parsed, name: string): string {
  const value = parsed.options.get(name);
  if (typeof value !== "string") throw new UsageError(`${name} is required`);
  return value;
}

export function main(argv: readonly string[], io: TenantCliIo, cwd = process.cwd()): number {
  try {
    const parsed = parse(argv);
    const [command, ...rest] = parsed.positional;
    if (parsed.options.has("--help") || command === undefined) {
      io.stdout(USAGE);
      return command === undefined && !parsed.options.has("--help") ? 1 : 0;
    }
    const tenantsOption = parsed.options.get("--tenants");
    const cdktfOption = parsed.options.get("--cdktf-json");
    const dryRun = parsed.options.has("--dry-run");
    const location: TenantFilesLocation = {
      tenantsDir: resolve(cwd, typeof tenantsOption === "string" ? tenantsOption : "tenants"),
      cdktfJsonPath: resolve(cwd, typeof cdktfOption === "string" ? cdktfOption : "cdktf.json"),
      dryRun,
      written: dryRun ? (path, text) => io.stdout(`dry run: would write ${path}:\n${text}`) : undefined,
    };

    if (command === "new") {
      if (rest.length !== 1) throw new UsageError("new takes exactly one tenant id");
      const budget = parsed.options.get("--budget-usd");
      const monthlyBudgetUsd = typeof budget === "string" ? Number(budget) : undefined;
      if (monthlyBudgetUsd !== undefined && !(monthlyBudgetUsd > 0)) throw new UsageError(`--budget-usd must be a positive number (got ${budget})`);
      const displayName = parsed.options.get("--display-name");
      const routing = parsed.options.get("--bedrock-routing");
      const path = createTenantFile(location, {
        id: rest[0],
        environment: required(parsed, "--env"),
        region: required(parsed, "--region"),
        agents: list(parsed.options.get("--agents")),
        integrations: list(parsed.options.get("--integrations")),
        displayName: typeof displayName === "string" ? displayName : undefined,
        monthlyBudgetUsd,
        alertEmails: list(parsed.options.get("--alert-email")),
        bedrockModels: list(parsed.options.get("--bedrock-models")),
        bedrockRouting: typeof routing === "string" ? routing : undefined,
      });
      if (dryRun) return 0;
      io.stdout(`wrote ${path} (status provisioning). Next: open a pull request and merge; put each integration secret's value; then npm run tenant -- status ${rest[0]} active`);
      return 0;
    }
    if (command === "status") {
      if (rest.length !== 2) throw new UsageError("status takes a tenant id and a status");
      const change = setTenantStatus(location, rest[0], rest[1]);
      if (dryRun && change.changed) return 0;
      io.stdout(change.changed ? `tenant ${change.id}: ${change.from} -> ${change.to}. Next: ${change.next}` : change.next);
      return 0;
    }
    if (command === "list") {
      if (rest.length !== 0) throw new UsageError("list takes no arguments");
      const rows = listTenants(loadConfig({ ...location, displayRoot: cwd }));
      io.stdout(parsed.options.has("--json") ? JSON.stringify(rows, null, 2) : formatTenantTable(rows));
      return 0;
    }
    throw new UsageError(`unknown command ${command} (new, status, list)`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}; run with --help for usage`);
      return 1;
    }
    if (err instanceof TenantFileRefusal) {
      io.stderr(err.message);
      return 1;
    }
    if (err instanceof ConfigError) {
      io.stderr(err.problems.join("\n"));
      return 1;
    }
    io.stderr(`unexpected failure: ${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  });
}
