import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { tenantYamlValue } from "./tenant-yaml";
import type { z } from "zod";
import { EnvironmentsConfig, EnvironmentsSchema } from "./environment-schema";
import { resolveModel } from "./bedrock-models";
import { formatIssues } from "./format-issues";
import { isTerminal } from "./tenant-lifecycle";
import { OffboardedTenant, parseRecordPointer, TenantConfig, TenantSchema, TOMBSTONE_ONLY_FIELDS, TombstoneSchema } from "./tenant-schema";

/** Validated, typed configuration: everything the stacks are built from. */
export interface ProjectConfig {
  readonly environments: EnvironmentsConfig;
  /**
   * Tenants with a stack (every status but `offboarded`), sorted by id, so stack order and
   * output never depend on directory order.
   */
  readonly tenants: readonly TenantConfig[];
  /**
   * `offboarded` tombstones, sorted by id. No stack, no reference in any synthesized file:
   * they are here so their ids stay taken and `npm run tenant -- list` can show them.
   */
  readonly tombstones: readonly OffboardedTenant[];
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
  const tombstones: OffboardedTenant[] = [];
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
    // Rules that span files run on the raw values too, so one run reports every problem.
    const fields = (raw ?? {}) as Record<string, unknown>;
    let tombstone: OffboardedTenant | undefined;
    let tenant: TenantConfig | undefined;
    if (isTerminal(fields.status)) {
      tombstone = validate(raw, shown, TombstoneSchema, problems);
      if (environments) checkRecordLocation(environments, fields, shown, problems);
    } else {
      tenant = validate(withoutTombstoneFields(raw, shown, problems), shown, TenantSchema, problems);
    }
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
    if (tombstone) tombstones.push(tombstone);
  }

  if (problems.length > 0 || !environments) throw new ConfigError(problems);
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  return { environments, tenants: tenants.sort(byId), tombstones: tombstones.sort(byId) };
}

/**
 * A file that is not `offboarded` but carries a tombstone's fields shows an offboarded tenant
 * being turned back into another state: its id can never be reused, so that is refused here
 * (the pipeline's pull-request check also compares the base and head versions).
 */
function withoutTombstoneFields(raw: unknown, shown: string, problems: string[]): unknown {
  // An empty file or a scalar: the schema reports the document as a whole.
  if (typeof raw !== "object" || raw === null) return raw;
  const fields = raw as Record<string, unknown>;
  const present = TOMBSTONE_ONLY_FIELDS.filter((f) => f in fields);
  // Unchanged, not copied: a copy would turn a list into an object and change the schema's message.
  if (present.length === 0) return raw;
  const status = typeof fields.status === "string" ? fields.status : "another status";
  for (const field of present) {
    problems.push(
      `${shown}: ${field}: only an offboarded tenant has one; an offboarded tenant never returns to ${status} ` +
        "(its id, bucket name and key alias can never be reused): keep status: offboarded, or add a tenant with a new id",
    );
  }
  const rest = { ...fields };
  for (const field of present) delete rest[field];
  return rest;
}

/** The record pointer must name this tenant and the environment's state bucket, where the offboarding job writes it. */
function checkRecordLocation(environments: EnvironmentsConfig, fields: Record<string, unknown>, shown: string, problems: string[]): void {
  const pointer = typeof fields.offboardingRecord === "string" ? parseRecordPointer(fields.offboardingRecord) : undefined;
  if (!pointer) return; // the schema already reported it
  const { bucket, tenantId } = pointer;
  if (typeof fields.id === "string" && tenantId !== fields.id) {
    problems.push(`${shown}: offboardingRecord: must be under offboarding/${fields.id}/ (got "${fields.offboardingRecord}")`);
  }
  const env = typeof fields.environment === "string" ? environments[fields.environment] : undefined;
  if (env && bucket !== env.stateBucket) {
    problems.push(`${shown}: offboardingRecord: must be in environment ${fields.environment}'s state bucket ${env.stateBucket} (got "${fields.offboardingRecord}")`);
  }
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
    for (const line of formatIssues(EnvironmentsSchema, result.error.issues, ["context", "environments"])) problems.push(`${shown}: ${line}`);
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
  const read = tenantYamlValue(text);
  if (!read.ok) {
    for (const { line, message } of read.problems) problems.push(`${shown}:${line ? `${line}:` : ""} invalid YAML: ${message}`);
    return undefined;
  }
  return read.value;
}

function validate<T extends z.ZodType>(raw: unknown, shown: string, schema: T, problems: string[]): z.infer<T> | undefined {
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    for (const line of formatIssues(schema, result.error.issues)) problems.push(`${shown}: ${line}`);
    return undefined;
  }
  return result.data;
}
