/**
 * Edits of tenant files that keep their comments and layout (the `yaml` package's Document
 * API), each validated through the same loader as the synth before anything is written, and
 * written atomically. Used by `npm run tenant` (scripts/tenant.ts); `markOffboarded` is the edit
 * the offboarding job makes when it writes the tombstone.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Document, isMap, isScalar } from "yaml";
import { parseTenantYaml, yamlProblems } from "./tenant-yaml";
import { BEDROCK_ROUTINGS } from "./bedrock-models";
import { ConfigError, loadConfig, ProjectConfig } from "./loader";
import { PastTenantFile, tenantFileInHistory } from "./tenant-history";
import { awaitsOffboarding, INITIAL_STATUS, isTenantStatus, isTerminal, runsTasks, TENANT_STATUSES, TenantStatus, TOMBSTONE_STATUS, transitionRefusal } from "./tenant-lifecycle";
import { TENANT_ID_PATTERN, TombstoneSchema } from "./tenant-schema";

/** A request the tool refuses: one line, exit code 1, nothing written. */
export class TenantFileRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TenantFileRefusal";
  }
}

export interface TenantFilesLocation {
  /** cdktf.json, whose environments the loader checks placement against. */
  readonly cdktfJsonPath: string;
  /** The tenants directory. */
  readonly tenantsDir: string;
  /** Validate and report, but write nothing; `written` receives the text that would be written. @default false */
  readonly dryRun?: boolean;
  /** Called with the path and the complete new text after validation (before the write, if any). */
  readonly written?: (path: string, text: string) => void;
  /** Where `new` looks for an id used before. @default git history (config/tenant-history.ts) */
  readonly pastFile?: (tenantsDir: string, id: string) => PastTenantFile | undefined;
}

/** Sizes a new tenant's well-known agents start with; any other agent name gets the smallest task. */
export const AGENT_PRESETS: Readonly<Record<string, string>> = {
  butler: "{ cpu: 512, memory: 1024, desiredCount: 1 }",
  scout: "{ cpu: 256, memory: 512, desiredCount: 1, spot: true }",
  writer: "{ cpu: 512, memory: 1024, desiredCount: 1 }",
};
const DEFAULT_AGENT = "{ cpu: 256, memory: 512, desiredCount: 1 }";
export const DEFAULT_AGENTS = ["butler", "scout", "writer"];

/**
 * Budget alerts of a scaffold go here until the operator sets real addresses: the `.invalid`
 * top-level domain can never receive mail (RFC 2606), and `status <id> active` refuses it.
 */
export const PLACEHOLDER_ALERT_DOMAIN = ".invalid";

export interface NewTenantOptions {
  readonly id: string;
  readonly environment: string;
  readonly region: string;
  /** @default DEFAULT_AGENTS */
  readonly agents?: readonly string[];
  /** @default the id */
  readonly displayName?: string;
  /** @default none */
  readonly integrations?: readonly string[];
  /** @default 100 */
  readonly monthlyBudgetUsd?: number;
  /** @default a placeholder on the .invalid domain, refused on activation */
  readonly alertEmails?: readonly string[];
  /** Bedrock model ids the agents may invoke. @default none: no Bedrock access, and no line in the file */
  readonly bedrockModels?: readonly string[];
  /** Where Bedrock may serve requests (config/bedrock-models.ts). @default left out: the schema's geographic */
  readonly bedrockRouting?: string;
}

const tenantPath = (location: TenantFilesLocation, id: string) => join(location.tenantsDir, `${id}.yaml`);

/** The text of a new tenant file, in `provisioning`, with the schema comment line. */
export function scaffoldTenant(options: NewTenantOptions): string {
  const agents = options.agents ?? DEFAULT_AGENTS;
  const emails = options.alertEmails ?? [`ops@${options.id}${PLACEHOLDER_ALERT_DOMAIN}`];
  return [
    "# yaml-language-server: $schema=./tenant.schema.json",
    "# New tenants start in provisioning: every resource is created, agents run 0 tasks. Put the",
    "# integration secrets' values, then: npm run tenant -- status " + options.id + " active",
    `id: ${options.id}`,
    `displayName: ${JSON.stringify(options.displayName ?? options.id)}`,
    `environment: ${options.environment}`,
    `region: ${options.region}`,
    `status: ${INITIAL_STATUS} # ${TENANT_STATUSES.join(" | ")}`,
    "agents:",
    ...agents.map((agent) => `  ${agent}: ${AGENT_PRESETS[agent] ?? DEFAULT_AGENT}`),
    `integrations: [${(options.integrations ?? []).join(", ")}] # one Secrets Manager secret each; values never in Terraform`,
    // Quoted: a model id carries a colon (`...-v1:0`), which a flow sequence would read as a mapping.
    ...(options.bedrockModels?.length ? [`bedrockModels: [${options.bedrockModels.map((m) => JSON.stringify(m)).join(", ")}]`] : []),
    ...(options.bedrockRouting !== undefined ? [`bedrockRouting: ${/^[a-z][a-z-]*$/.test(options.bedrockRouting) ? options.bedrockRouting : JSON.stringify(options.bedrockRouting)} # ${BEDROCK_ROUTINGS.join(" | ")}`] : []),
    `budget: { monthlyUsd: ${options.monthlyBudgetUsd ?? 100}, alertEmails: [${emails.join(", ")}] }`,
    "",
  ].join("\n");
}

/** Writes `tenants/<id>.yaml` for a new tenant. Refuses an id in use, including an offboarded one. */
export function createTenantFile(location: TenantFilesLocation, options: NewTenantOptions): string {
  if (!TENANT_ID_PATTERN.test(options.id)) {
    throw new TenantFileRefusal(`${options.id}: not a valid tenant id (lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, 2-26 characters)`);
  }
  const path = tenantPath(location, options.id);
  if (existsSync(path)) {
    const existing = readStatus(path);
    throw new TenantFileRefusal(
      isTerminal(existing)
        ? `tenant ${options.id} was offboarded: its id can never be reused (bucket names, KMS aliases pending deletion and database roles would collide); choose another id`
        : `tenant ${options.id} already exists (${path}, status ${existing ?? "unknown"}); use status to change it`,
    );
  }
  // A tombstone deleted by hand leaves the id in git history, and its AWS names still taken.
  const past = (location.pastFile ?? tenantFileInHistory)(location.tenantsDir, options.id);
  if (past) {
    throw new TenantFileRefusal(
      `tenant id ${options.id} was used before (git history: ${past.commit} "${past.subject}"): an id is never reused (bucket names, KMS aliases pending deletion and database roles would collide); choose another id`,
    );
  }
  const text = scaffoldTenant(options);
  writeValidated(location, options.id, text);
  return path;
}

/** What `status` did: the old and new status, and a reminder line for the operator. */
export interface StatusChange {
  readonly id: string;
  readonly from: TenantStatus;
  readonly to: TenantStatus;
  readonly changed: boolean;
  readonly next: string;
}

const NEXT_STEP: Readonly<Record<TenantStatus, string>> = {
  provisioning: "merge the pull request; put each integration secret's value, then set active",
  active: "merge the pull request: the agents start with the next deploy",
  suspended: "merge the pull request: every agent scales to 0, all data is kept",
  offboarding:
    "merge the pull request: agents stop; after approval the deploy pipeline's offboarding job exports the data, destroys the stack, writes the record and marks the tenant offboarded",
  offboarded: "",
};

/** Changes a tenant's status, keeping comments and layout; refuses what the lifecycle forbids. */
export function setTenantStatus(location: TenantFilesLocation, id: string, to: string): StatusChange {
  if (!isTenantStatus(to)) throw new TenantFileRefusal(`${to}: not a tenant status (one of ${TENANT_STATUSES.join(", ")})`);
  const path = tenantPath(location, id);
  const doc = readDocument(path, id);
  const from = doc.get("status");
  if (!isTenantStatus(from)) throw new TenantFileRefusal(`${path}: status: one of ${TENANT_STATUSES.join(", ")} (got ${JSON.stringify(from)}); fix the file first`);
  if (from === to) return { id, from, to, changed: false, next: `tenant ${id} is already ${to}; nothing changed` };
  const refusal = transitionRefusal(id, from, to, "operator");
  if (refusal) throw new TenantFileRefusal(refusal);
  if (runsTasks(to)) refusePlaceholderAlerts(doc, id); // agents start: alerts must reach someone
  writeValidated(location, id, replaceScalar(readFileSync(path, "utf8"), doc, "status", to));
  return { id, from, to, changed: true, next: NEXT_STEP[to] };
}

export interface TombstoneFields {
  /** ISO 8601 date-time the offboarding finished. */
  readonly offboardedAt: string;
  /** s3://<state bucket>/offboarding/<id>/<name>.json */
  readonly offboardingRecord: string;
}

/**
 * The offboarding job's last edit: turns an `offboarding` file into a tombstone. Keeps the
 * comments of the fields a tombstone keeps and drops the rest (agents, budget ...: the record
 * lists what existed). Validated by the loader before it is written.
 */
export function markOffboarded(location: TenantFilesLocation, id: string, fields: TombstoneFields): void {
  const path = tenantPath(location, id);
  const doc = readDocument(path, id);
  const from = doc.get("status");
  if (!awaitsOffboarding(from)) {
    throw new TenantFileRefusal(`tenant ${id} is ${String(from)}, not offboarding: only an offboarding tenant becomes offboarded`);
  }
  // Drops the fields a tombstone does not keep from the document's own map, rather than from
  // a converted copy: the pairs that stay keep their comments, and nothing is evaluated first.
  const keep = new Set<unknown>(Object.keys(TombstoneSchema.shape));
  if (isMap(doc.contents)) doc.contents.items = doc.contents.items.filter((pair) => isScalar(pair.key) && keep.has(pair.key.value));
  setScalar(doc, "status", TOMBSTONE_STATUS);
  doc.set("offboardedAt", fields.offboardedAt);
  doc.set("offboardingRecord", fields.offboardingRecord);
  writeValidated(location, id, render(doc));
}

/** One row of `list`: every tenant file, tombstones included. */
export interface TenantRow {
  readonly id: string;
  readonly environment: string;
  readonly region: string;
  readonly status: TenantStatus;
  readonly agents: string[];
  /** null for an offboarded tenant (no budget left). */
  readonly monthlyBudgetUsd: number | null;
}

export function listTenants(config: ProjectConfig): TenantRow[] {
  const rows: TenantRow[] = [
    ...config.tenants.map((t) => ({
      id: t.id,
      environment: t.environment,
      region: t.region,
      status: t.status as TenantStatus,
      agents: Object.keys(t.agents).sort(),
      monthlyBudgetUsd: t.budget.monthlyUsd,
    })),
    ...config.tombstones.map((t) => ({ id: t.id, environment: t.environment, region: t.region, status: t.status, agents: [], monthlyBudgetUsd: null })),
  ];
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

/** A fixed-width table of the rows, header first. */
export function formatTenantTable(rows: readonly TenantRow[]): string {
  const header = ["ID", "ENVIRONMENT", "REGION", "STATUS", "AGENTS", "BUDGET/MONTH"];
  const cells = rows.map((r) => [r.id, r.environment, r.region, r.status, r.agents.join(",") || "-", r.monthlyBudgetUsd === null ? "-" : `$${r.monthlyBudgetUsd.toLocaleString("en-US")}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n");
}

function readStatus(path: string): unknown {
  try {
    return parseTenantYaml(readFileSync(path, "utf8")).get("status");
  } catch {
    return undefined;
  }
}

function readDocument(path: string, id: string): Document {
  if (!existsSync(path)) throw new TenantFileRefusal(`tenant ${id} does not exist (no ${path}); create it with new`);
  const doc = parseTenantYaml(readFileSync(path, "utf8"));
  const [error] = yamlProblems(doc);
  if (error) throw new TenantFileRefusal(`${path}: invalid YAML (${error.message}); fix the file first`);
  return doc;
}

/**
 * Serialises an edited document the way tenant files are written by hand: flow collections
 * unpadded and never folded, so an edit changes only the lines it means to.
 */
function render(doc: Document): string {
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * The file's text with one top-level scalar's value replaced, located through the document's
 * node ranges: every other byte (comments, spacing, flow style) stays exactly as it was.
 */
function replaceScalar(text: string, doc: Document, key: string, value: string): string {
  const node = doc.get(key, true);
  if (!isScalar(node) || !node.range) {
    setScalar(doc, key, value);
    return render(doc);
  }
  return `${text.slice(0, node.range[0])}${value}${text.slice(node.range[1])}`;
}

/** Replaces a scalar's value in place, so the comment on its line stays. */
function setScalar(doc: Document, key: string, value: string): void {
  const node = doc.get(key, true);
  if (isScalar(node)) node.value = value;
  else doc.set(key, value);
}

function refusePlaceholderAlerts(doc: Document, id: string): void {
  const emails = doc.getIn(["budget", "alertEmails"]);
  const list = (emails as { toJSON?: () => unknown })?.toJSON?.() ?? emails;
  if (Array.isArray(list) && list.some((e) => typeof e === "string" && e.endsWith(PLACEHOLDER_ALERT_DOMAIN))) {
    throw new TenantFileRefusal(`tenant ${id}: budget.alertEmails still holds the scaffold's placeholder (${PLACEHOLDER_ALERT_DOMAIN}); set real addresses before activating`);
  }
}

/**
 * Validates the tenants directory as it would be with `text` as `<id>.yaml` (a copy in a
 * temporary directory, through loadConfig, so every cross-file rule applies), then replaces the
 * file atomically: a temporary file in the same directory renamed over it.
 */
function writeValidated(location: TenantFilesLocation, id: string, text: string): void {
  const staging = mkdtempSync(join(tmpdir(), "openclaw-tenant-edit-"));
  try {
    for (const name of readdirSync(location.tenantsDir)) {
      if (name.endsWith(".yaml") || name.endsWith(".yml")) copyFileSync(join(location.tenantsDir, name), join(staging, name));
    }
    writeFileSync(join(staging, `${id}.yaml`), text);
    try {
      loadConfig({ cdktfJsonPath: location.cdktfJsonPath, tenantsDir: staging, displayRoot: dirname(staging) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const shown = basename(location.tenantsDir);
      throw new TenantFileRefusal(err.problems.map((p) => p.replace(`${basename(staging)}/`, `${shown}/`)).join("\n"));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const target = tenantPath(location, id);
  location.written?.(target, text);
  if (location.dryRun) return;
  const temporary = join(location.tenantsDir, `.${id}.yaml.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, target);
}
