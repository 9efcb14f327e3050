/**
 * Tenant files read as DATA by the pipeline: the lifecycle fields only (id, environment,
 * region, status, the tombstone's pointer, databaseDeletion). The full schema is the
 * config loader's; the pipeline must also read a pull request's files, which it never
 * loads as code or config, and a base revision whose schema may be older.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { tenantYamlValue } from "../../config/tenant-yaml";
import { TENANT_ID_PATTERN } from "../../config/tenant-id";
import { isTerminal, TENANT_STATUSES, type TenantStatus } from "../../config/tenant-lifecycle";
import { tenantIdOfStackName } from "../../modules/naming";

export interface TenantLifecycleFields {
  readonly id: string;
  readonly environment: string;
  readonly region: string;
  readonly status: TenantStatus;
  /** What the provisioner does to the database side on offboarding. @default "retain" */
  readonly databaseDeletion: "retain" | "drop";
  /** Tombstone only: when the offboarding job finished (ISO 8601 date-time). */
  readonly offboardedAt?: string;
  /** Tombstone only: `s3://<state bucket>/offboarding/<tenant-id>/<name>.json`. */
  readonly offboardingRecord?: string;
  /** Fleet deploy: the tenant's stack is held back from every deploy. */
  readonly deployHold?: boolean;
  /** Fleet deploy: `canary` puts the tenant in the canary ring. */
  readonly deployRing?: "canary";
}

export type TenantFileResult = { readonly ok: true; readonly tenant: TenantLifecycleFields } | { readonly ok: false; readonly problems: string[] };


const text = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/**
 * Parses one tenant file's text. `file` names it in messages (`tenants/acme.yaml`); its
 * base name must equal the id. Every problem is reported, as `file: field: what is allowed (got X)`.
 */
export function parseTenantFile(file: string, content: string): TenantFileResult {
  // The loader's own YAML reading (config/tenant-yaml.ts); only the fields below are read.
  const read = tenantYamlValue(content);
  if (!read.ok) return { ok: false, problems: [`${file}: not valid YAML (${read.problems[0].message})`] };
  const doc = read.value;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return { ok: false, problems: [`${file}: not a tenant mapping`] };
  const d = doc as Record<string, unknown>;
  const problems: string[] = [];
  const expectedId = basename(file, ".yaml");
  if (!text(d.id) || !TENANT_ID_PATTERN.test(d.id)) problems.push(`${file}: id: a tenant id matching ${TENANT_ID_PATTERN.source} (got ${JSON.stringify(d.id)})`);
  else if (d.id !== expectedId) problems.push(`${file}: id: must equal the file name ${expectedId} (got ${d.id})`);
  if (!text(d.environment)) problems.push(`${file}: environment: an environment name (got ${JSON.stringify(d.environment)})`);
  if (!text(d.region)) problems.push(`${file}: region: a region code (got ${JSON.stringify(d.region)})`);
  if (!TENANT_STATUSES.includes(d.status as TenantStatus)) problems.push(`${file}: status: one of ${TENANT_STATUSES.join(", ")} (got ${JSON.stringify(d.status)})`);
  const deletion = d.databaseDeletion ?? "retain";
  if (deletion !== "retain" && deletion !== "drop") problems.push(`${file}: databaseDeletion: one of retain, drop (got ${JSON.stringify(d.databaseDeletion)})`);
  for (const field of ["offboardedAt", "offboardingRecord"] as const) {
    if (d[field] !== undefined && typeof d[field] !== "string") problems.push(`${file}: ${field}: a string (got ${JSON.stringify(d[field])})`);
  }
  if (d.deployHold !== undefined && typeof d.deployHold !== "boolean") problems.push(`${file}: deployHold: true or false (got ${JSON.stringify(d.deployHold)})`);
  if (d.deployRing !== undefined && d.deployRing !== "canary") problems.push(`${file}: deployRing: canary (got ${JSON.stringify(d.deployRing)})`);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    tenant: {
      id: d.id as string,
      environment: d.environment as string,
      region: d.region as string,
      status: d.status as TenantStatus,
      databaseDeletion: deletion as "retain" | "drop",
      ...(d.offboardedAt !== undefined ? { offboardedAt: d.offboardedAt as string } : {}),
      ...(d.offboardingRecord !== undefined ? { offboardingRecord: d.offboardingRecord as string } : {}),
      ...(d.deployHold === true ? { deployHold: true } : {}),
      ...(d.deployRing === "canary" ? { deployRing: "canary" as const } : {}),
    },
  };
}

/** Is `path` (relative to the repository root) a tenant file? Only `tenants/<name>.yaml`, as the loader. */
export function isTenantPath(path: string): boolean {
  return /^tenants\/[^/]+\.yaml$/.test(path);
}

/** Reads every `<id>.yaml` of a tenants directory; throws one error listing every problem. */
export function readTenantDir(dir: string): Map<string, TenantLifecycleFields> {
  const tenants = new Map<string, TenantLifecycleFields>();
  const problems: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".yaml")).sort()) {
    const r = readTenantFile(dir, name);
    if (r.ok) tenants.set(r.tenant.id, r.tenant);
    else problems.push(...r.problems);
  }
  if (problems.length) throw new Error(problems.join("\n"));
  return tenants;
}

/**
 * Splits stacks that disappeared from the synth: a tenant whose file is now an offboarded
 * tombstone had its stack destroyed by the offboarding job; every other removed stack (a deleted
 * tenant file, a platform) still needs offboarding. `statusOf` answers from the head revision's
 * tenant files; undefined (no file, unreadable) counts as needing offboarding.
 */
export function splitRemovedStacks(removed: readonly string[], statusOf: (tenantId: string) => TenantStatus | undefined): { offboarded: string[]; needOffboarding: string[] } {
  const isTombstone = (stack: string) => {
    const id = tenantIdOfStackName(stack);
    return id !== undefined && isTerminal(statusOf(id));
  };
  return { offboarded: removed.filter(isTombstone), needOffboarding: removed.filter((s) => !isTombstone(s)) };
}

/**
 * The status in `<dir>/<id>.yaml`, or undefined when the file is missing or does not parse: for
 * a pull request's files, read as data where one bad file must not stop the reading of others.
 */
export function tenantStatusInDir(dir: string, id: string): TenantStatus | undefined {
  if (!TENANT_ID_PATTERN.test(id)) return undefined;
  let r: TenantFileResult;
  try {
    r = readTenantFile(dir, `${id}.yaml`);
  } catch {
    return undefined; // no such file
  }
  return r.ok ? r.tenant.status : undefined;
}

/** One file of a tenants directory, named in messages as `tenants/<name>`. */
function readTenantFile(dir: string, name: string): TenantFileResult {
  return parseTenantFile(`tenants/${name}`, readFileSync(join(dir, name), "utf8"));
}

