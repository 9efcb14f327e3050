import type { EnvironmentsConfig } from "../config/environment-schema";
import { Meter } from "./usage";
import { QUOTAS, QuotaName, quotaInForce } from "../aws/quotas";

/** Share of a quota at which a warning is printed. */
export const WARNING_RATIO = 0.8;

export type QuotaStatus = "ok" | "warning" | "exceeded";

export interface QuotaRow {
  readonly environment: string;
  /** Region, or null for account-wide quotas. */
  readonly region: string | null;
  readonly quota: QuotaName;
  readonly title: string;
  /** The security group, cluster or database, for quotas per resource. */
  readonly subject: string | null;
  readonly used: number;
  readonly limit: number;
  readonly percent: number;
  readonly status: QuotaStatus;
  readonly adjustable: boolean;
  readonly hardMaximum: number | null;
  /** More tenants like the median one that still fit; null when tenants do not consume this quota. */
  readonly headroomTenants: number | null;
  readonly documentation: string;
}

/** The limit in force: the environment's declared value, or AWS's default. */
export function limitFor(environments: EnvironmentsConfig, environment: string, quota: QuotaName, meter?: Meter): number {
  return quotaInForce(environments[environment]?.quotas, quota, meter?.limit);
}

export function evaluate(meters: readonly Meter[], environments: EnvironmentsConfig): QuotaRow[] {
  const rows = meters.map((m): QuotaRow => {
    const definition = QUOTAS[m.quota];
    const limit = limitFor(environments, m.environment, m.quota, m);
    const used = Math.round(m.used * 100) / 100;
    const ratio = limit > 0 ? used / limit : Infinity;
    const median = medianOf([...m.perTenant.values()]);
    return {
      environment: m.environment,
      region: m.region ?? null,
      quota: m.quota,
      title: definition.title,
      subject: m.subject ?? null,
      used,
      limit,
      percent: Math.round(ratio * 1000) / 10,
      status: ratio > 1 ? "exceeded" : ratio >= WARNING_RATIO ? "warning" : "ok",
      adjustable: definition.adjustable,
      hardMaximum: "hardMaximum" in definition ? definition.hardMaximum : null,
      headroomTenants: median > 0 ? Math.max(0, Math.floor((limit - used) / median)) : null,
      documentation: definition.documentation,
    };
  });
  return rows.sort(
    (a, b) =>
      a.environment.localeCompare(b.environment) ||
      (a.region ?? "").localeCompare(b.region ?? "") ||
      a.quota.localeCompare(b.quota) ||
      (a.subject ?? "").localeCompare(b.subject ?? ""),
  );
}

function medianOf(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Counts as reports print them: thousands separated, at most two decimals (vCPU). */
export const formatCount = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 2 });

function where(row: QuotaRow): string {
  return `${row.environment} ${row.region ?? "(account-wide)"}${row.subject ? ` ${row.subject}` : ""}`;
}

/** One line per exceeded quota: where, what, how much, and the way out. */
export function breachLine(row: QuotaRow): string {
  const raise =
    row.quota === "databaseConnections"
      ? `use a larger instance class (environments.${row.environment}.regions.${row.region}.database.instanceClass) or a connection pooler, or lower the agents' dbConnections`
      : row.adjustable
        ? `request an increase${row.hardMaximum ? ` (up to ${formatCount(row.hardMaximum)})` : ""} and declare it as environments.${row.environment}.quotas.${row.quota} in cdktf.json`
        : "it cannot be raised";
  return (
    `capacity: ${where(row)}: ${row.title}: ${formatCount(row.used)} exceeds the limit of ${formatCount(row.limit)}` +
    `${row.hardMaximum ? ` (hard maximum ${formatCount(row.hardMaximum)})` : ""}; ${raise}, or move tenants to another environment (another AWS account)`
  );
}

export function warningLine(row: QuotaRow): string {
  return `capacity warning: ${where(row)}: ${row.title} at ${row.percent}% (${formatCount(row.used)} of ${formatCount(row.limit)})${
    row.headroomTenants === null ? "" : `, room for ${formatCount(row.headroomTenants)} more tenants like the median one`
  }`;
}
