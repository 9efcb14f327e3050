import { z } from "zod";
import { formatCount, type QuotaRow } from "./evaluate";
import { QUOTA_NAMES } from "../aws/quotas";

/** The documented shape of `npm run capacity -- --json`. */
export const CapacityReportSchema = z.strictObject({
  quotas: z.array(
    z.strictObject({
      environment: z.string(),
      region: z.string().nullable(),
      quota: z.enum(QUOTA_NAMES as [string, ...string[]]),
      title: z.string(),
      subject: z.string().nullable(),
      used: z.number().nonnegative(),
      limit: z.number().nonnegative(),
      percent: z.number().nonnegative(),
      status: z.enum(["ok", "warning", "exceeded"]),
      adjustable: z.boolean(),
      hardMaximum: z.number().nullable(),
      headroomTenants: z.number().int().nonnegative().nullable(),
      documentation: z.string().url(),
    }),
  ),
  breaches: z.array(z.string()),
  warnings: z.array(z.string()),
  /** When each database's instance changes take effect (applyImmediately), one line per instance. */
  databaseChanges: z.array(z.string()),
});
export type CapacityReport = z.infer<typeof CapacityReportSchema>;


/** One table per environment and scope: quota, used, limit, percent, headroom in tenants. */
/**
 * A subject as the table shows it: its stack is the group's heading already and cdktf's hash
 * suffix tells a reader nothing (`platform-production-us-east-1/database_clients-security-group_104751E6`
 * → `database_clients-security-group`), which keeps the table about 100 columns wide.
 */
export function shortSubject(subject: string): string {
  return subject
    .replace(/^[a-z0-9-]+\//, "")
    // A subject that is a reference (`${aws_cloudwatch_log_group.egress-proxy_log-group_1200BF85.name}`,
    // a log group named by its own resource) reads as that resource's id.
    .replace(/^\$\{[a-z0-9_]+\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/, "$1")
    .replace(/_[0-9A-F]{8}$/, "");
}

/** A long note folded at word boundaries into lines of at most `width` columns, continuations indented. */
export function foldLine(line: string, width = 100): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of line.split(" ")) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = `  ${word}`;
    } else current = current ? `${current} ${word}` : word;
  }
  return [...lines, current];
}

/** The quota that runs out first as tenants like the median one are added, or undefined. */
export function firstBottleneck(rows: readonly QuotaRow[]): QuotaRow | undefined {
  return rows.filter((r) => r.headroomTenants !== null).sort((a, b) => a.headroomTenants! - b.headroomTenants!)[0];
}

/** The line that names it, above the table. */
export function bottleneckLine(rows: readonly QuotaRow[]): string | undefined {
  const r = firstBottleneck(rows);
  if (!r) return undefined;
  const what = r.subject ? `${r.title} (${shortSubject(r.subject)})` : r.title;
  return `first bottleneck: ${what} in ${r.environment} ${r.region ?? "(account-wide)"}: ${formatCount(r.used)} of ${formatCount(r.limit)}, room for ${formatCount(r.headroomTenants!)} more tenants like the median one`;
}

/** Longest `title (subject)` kept on one row; the longest title without a subject is 44. */
const INLINE_SUBJECT_WIDTH = 44;

/**
 * One table per environment and scope, at most about 100 columns: a quota measured per resource
 * (rules per security group, filters per log group) gets a heading line and one indented row per
 * resource, so the long titles never widen the column the numbers line up against.
 */
export function renderTable(rows: readonly QuotaRow[]): string {
  const groups = new Map<string, QuotaRow[]>();
  for (const row of rows) {
    const key = `${row.environment} — ${row.region ?? "account-wide (all regions)"}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const bottleneck = bottleneckLine(rows);
  const out: string[] = bottleneck ? [...foldLine(bottleneck), ""] : [];
  for (const [title, group] of groups) {
    const lines: Array<string[] | string> = [];
    const perQuota = new Map<string, number>();
    for (const r of group) perQuota.set(r.quota, (perQuota.get(r.quota) ?? 0) + 1);
    let heading: string | undefined;
    for (const r of group) {
      // A lone short subject stays on its row (`database connections (platform database)`).
      const inline = r.subject && perQuota.get(r.quota) === 1 && `${r.title} (${shortSubject(r.subject)})`.length <= INLINE_SUBJECT_WIDTH;
      if (r.subject && !inline && heading !== r.title) lines.push((heading = r.title));
      if (!r.subject || inline) heading = undefined;
      lines.push([
        !r.subject ? r.title : inline ? `${r.title} (${shortSubject(r.subject)})` : `  ${shortSubject(r.subject)}`,
        formatCount(r.used),
        formatCount(r.limit),
        `${r.percent}%`,
        r.headroomTenants === null ? "—" : `${formatCount(r.headroomTenants)} more`,
        r.status === "ok" ? "" : r.status.toUpperCase(),
      ]);
    }
    const header = ["quota", "used", "limit", "percent", "room (tenants)", ""];
    const cells = lines.filter((l): l is string[] => typeof l !== "string");
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((l) => l[i].length)));
    const format = (c: string[] | string) => (typeof c === "string" ? c : c.map((x, i) => (i >= 1 && i <= 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join("  ").trimEnd());
    out.push(title, format(header), widths.map((w) => "-".repeat(w)).join("  ").trimEnd(), ...lines.map(format), "");
  }
  return out.join("\n");
}

/** Quotas a change moves to 80% or more: one line for the plan comment, or nothing. */
export function crossingLine(base: readonly QuotaRow[], head: readonly QuotaRow[]): string | undefined {
  const key = (r: QuotaRow) => [r.environment, r.region, r.quota, r.subject].join("|");
  const before = new Map(base.map((r) => [key(r), r]));
  const crossed = head.filter((r) => r.status !== "ok" && (before.get(key(r))?.status ?? "ok") === "ok");
  if (crossed.length === 0) return undefined;
  const parts = crossed.map((r) => `${r.title} in ${r.environment} ${r.region ?? "(account-wide)"} at ${r.percent}% (${formatCount(r.used)} of ${formatCount(r.limit)})`);
  return `:warning: **Capacity:** this change moves ${parts.join("; ")} past 80% of the account quota. See \`npm run capacity\`.`;
}
