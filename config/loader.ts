import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { EnvironmentsConfig, EnvironmentsSchema } from "./environment-schema";
import { resolveModel } from "./bedrock-models";
import { formatIssues } from "./format-issues";
import { TenantConfig, TenantSchema } from "./tenant-schema";

/** Validated, typed configuration: everything the stacks are built from. */
export interface ProjectConfig {
  readonly environments: EnvironmentsConfig;
  /** Tenants sorted by id, so stack order and output never depend on directory order. */
  readonly tenants: readonly TenantConfig[];
}

export interface LoadConfigOptions {
  /** Path of cdktf.json, whose `context.environments` declares accounts and regions. */
  readonly cdktfJsonPath: string;
  /** Directory of `<tenant-id>.yaml` files. */
  readonly tenantsDir: string;
  /** Paths in messages are shown relative to this directory. @default process.cwd() */
  readonly displayRoot?: string;
}

/** A user error in configuration: every problem found, one `file: field: message` line each. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`${problems.length} configuration problem${problems.length === 1 ? "" : "s"}:\n${problems.join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads only the environments from cdktf.json (bootstrap needs no tenants). */
export function loadEnvironments(cdktfJsonPath: string, displayRoot = process.cwd()): EnvironmentsConfig {
  const problems: string[] = [];
  const environments = readEnvironments(cdktfJsonPath, relative(displayRoot, cdktfJsonPath) || cdktfJsonPath, problems);
  if (!environments || problems.length > 0) throw new ConfigError(problems);
  return environments;
}

/**
 * Loads and validates cdktf.json context and every tenant file. Checks each file on its own
 * first, then the rules that span files, and throws one ConfigError listing all problems.
 */
export function loadConfig(options: LoadConfigOptions): ProjectConfig {
  const root = options.displayRoot ?? process.cwd();
  const display = (p: string) => relative(root, p) || p;
  const problems: string[] = [];

  const environments = readEnvironments(options.cdktfJsonPath, display(options.cdktfJsonPath), problems);

  let files: string[];
  try {
    files = readdirSync(options.tenantsDir).sort();
  } catch (err) {
    throw new ConfigError([`${display(options.tenantsDir)}: cannot read tenants directory (${(err as NodeJS.ErrnoException).code})`]);
  }

  const tenants: TenantConfig[] = [];
  const fileOfId = new Map<string, string>();
  for (const name of files) {
    const path = join(options.tenantsDir, name);
    const shown = display(path);
    if (name.endsWith(".yml")) {
      problems.push(`${shown}: tenant files must end in .yaml (rename to ${basename(name, ".yml")}.yaml)`);
      continue;
    }
    if (!name.endsWith(".yaml")) continue;

    const raw = readYaml(path, shown, problems);
    if (raw === undefined) continue;
    const tenant = validate(raw, shown, TenantSchema, problems);
    // Rules that span files run on the raw values too, so one run reports every problem.
    const fields = (raw ?? {}) as Record<string, unknown>;
    const id = typeof fields.id === "string" ? fields.id : undefined;
    const expectedId = basename(name, ".yaml");
    if (id !== undefined && id !== expectedId) {
      problems.push(`${shown}: id: must equal the file name "${expectedId}" (got "${id}")`);
    }
    if (id !== undefined) {
      const other = fileOfId.get(id);
      if (other) problems.push(`${shown}: id: "${id}" is already used by ${other}`);
      else fileOfId.set(id, shown);
    }
    if (environments) checkPlacement(environments, fields.environment, fields.region, shown, problems);
    if (tenant) checkBedrockModels(tenant, shown, problems);
    if (tenant) tenants.push(tenant);
  }

  if (problems.length > 0 || !environments) throw new ConfigError(problems);
  return { environments, tenants: tenants.sort((a, b) => a.id.localeCompare(b.id)) };
}

function readEnvironments(cdktfJsonPath: string, shown: string, problems: string[]): EnvironmentsConfig | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cdktfJsonPath, "utf8"));
  } catch (err) {
    problems.push(`${shown}: cannot read as JSON (${(err as Error).message})`);
    return undefined;
  }
  const context = (raw as { context?: { environments?: unknown } })?.context;
  const result = EnvironmentsSchema.safeParse(context?.environments, { reportInput: true });
  if (!result.success) {
    for (const line of formatIssues(EnvironmentsSchema, result.error.issues)) {
      problems.push(`${shown}: context.environments.${line}`);
    }
    return undefined;
  }
  const accounts = new Map<string, string>();
  for (const [name, env] of Object.entries(result.data)) {
    const other = accounts.get(env.accountId);
    if (other) {
      problems.push(`${shown}: context.environments.${name}.accountId: each environment is its own AWS account; ${env.accountId} is already ${other}'s`);
    }
    accounts.set(env.accountId, name);
  }
  return result.data;
}

/** The tenant's environment must be declared, and its region declared by that environment. */
function checkPlacement(environments: EnvironmentsConfig, environment: unknown, region: unknown, shown: string, problems: string[]): void {
  if (typeof environment !== "string") return;
  const env = environments[environment];
  if (!env) {
    problems.push(`${shown}: environment: one of the environments in cdktf.json (${Object.keys(environments).join(", ")}) (got "${environment}")`);
  } else if (typeof region === "string" && !env.regions[region]) {
    problems.push(
      `${shown}: region: one of the regions environment ${environment} declares (${Object.keys(env.regions).join(", ")}) (got "${region}")`,
    );
  }
}

/** Every model must have a usable profile (or on-demand model) in the tenant's region and routing. */
function checkBedrockModels(tenant: TenantConfig, shown: string, problems: string[]): void {
  // Inference profile names are `([0-9a-zA-Z][ _-]?)+`: no two separators in a row.
  if (tenant.bedrockModels.length > 0 && tenant.id.includes("--")) {
    problems.push(`${shown}: bedrockModels: a tenant id without "--" (Bedrock inference profile names allow no double hyphen) (got "${tenant.id}")`);
  }
  tenant.bedrockModels.forEach((model, i) => {
    const resolved = resolveModel(model, tenant.region, "000000000000", tenant.bedrockRouting);
    if (typeof resolved === "string") problems.push(`${shown}: bedrockModels.${i}: ${resolved}`);
  });
}

function readYaml(path: string, shown: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    problems.push(`${shown}: cannot read (${(err as NodeJS.ErrnoException).code})`);
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = error.linePos?.[0]?.line;
      problems.push(`${shown}:${line ? `${line}:` : ""} invalid YAML: ${error.message.split(/ at line \d+|\n/)[0]}`);
    }
    return undefined;
  }
  return doc.toJS() ?? null;
}

function validate<T extends z.ZodType>(raw: unknown, shown: string, schema: T, problems: string[]): z.infer<T> | undefined {
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    for (const line of formatIssues(schema, result.error.issues)) problems.push(`${shown}: ${line}`);
    return undefined;
  }
  return result.data;
}
