import { z } from "zod";
import { CostEstimate, CostLine, overBudget, TenantEstimate, UnpricedStack, usd, UsageLine } from "./estimate";

const LineSchema = z.strictObject({
  item: z.string(),
  quantity: z.number().nonnegative(),
  unit: z.string(),
  unitUsd: z.number().nonnegative(),
  monthlyUsd: z.number().nonnegative(),
});
const UsageSchema = z.strictObject({ item: z.string(), unitUsd: z.number().nonnegative(), unit: z.string() });

/** The documented shape of `npm run cost -- --json`. */
export const CostReportSchema = z.strictObject({
  platforms: z.array(
    z.strictObject({
      stack: z.string(),
      environment: z.string(),
      region: z.string(),
      lines: z.array(LineSchema),
      usage: z.array(UsageSchema),
      monthlyUsd: z.number().nonnegative(),
      tenants: z.number().int().nonnegative(),
      tenantVcpu: z.number().nonnegative(),
      egressMonthlyUsd: z.number().nonnegative(),
      priceDate: z.iso.date(),
    }),
  ),
  tenants: z.array(
    z.strictObject({
      stack: z.string(),
      tenant: z.string(),
      environment: z.string(),
      region: z.string(),
      lines: z.array(LineSchema),
      usage: z.array(UsageSchema),
      ownMonthlyUsd: z.number().nonnegative(),
      ownMonthlyMaxUsd: z.number().nonnegative(),
      ownMonthlyWhenActiveUsd: z.number().nonnegative().nullable(),
      vcpu: z.number().nonnegative(),
      platformStack: z.string().nullable(),
      platformShareUsd: z.number().nonnegative(),
      totalMonthlyUsd: z.number().nonnegative(),
      budgetMonthlyUsd: z.number().positive().nullable(),
      egressOwnUsd: z.number().nonnegative(),
      egressShareUsd: z.number().nonnegative(),
      priceDate: z.iso.date(),
    }),
  ),
  unpriced: z.array(z.strictObject({ stack: z.string(), region: z.string(), tenant: z.string().nullable(), reason: z.string() })),
  warnings: z.array(z.string()),
});
export type CostReport = z.infer<typeof CostReportSchema>;

function table(lines: readonly CostLine[], usage: readonly UsageLine[], total: string): string[] {
  const rows = lines.map((l) => [l.item, `${formatQuantity(l.quantity)} ${l.unit}`, `× $${l.unitUsd}`, usd(l.monthlyUsd)]);
  rows.push(["total fixed", "", "", total]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const out = rows.map((r) => `  ${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3].padStart(widths[3])}`.trimEnd());
  if (usage.length > 0) out.push(`  usage-dependent, not included: ${usage.map((u) => `${u.item} $${u.unitUsd}/${u.unit}`).join("; ")}`);
  return out;
}

function formatQuantity(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/**
 * The top of an elastic tenant's range: elastic agents are priced at their min through their
 * schedule; this is the month with each at its max whenever its schedule allows.
 */
function upTo(t: TenantEstimate): string {
  const whenActive = t.ownMonthlyWhenActiveUsd !== null ? ` (when active: own ${usd(t.ownMonthlyWhenActiveUsd)})` : "";
  return `${t.ownMonthlyMaxUsd > t.ownMonthlyUsd + 0.005 ? ` (own up to ${usd(t.ownMonthlyMaxUsd)} with elastic agents at their max)` : ""}${whenActive}`;
}

/** The human report: each platform, then each tenant with its platform share. */
export function renderReport(estimate: CostEstimate): string {
  const out: string[] = [];
  for (const p of estimate.platforms) {
    out.push(
      `${p.stack} (prices of ${p.priceDate}): ${usd(p.monthlyUsd)}/month (egress path ${usd(p.egressMonthlyUsd)}), shared by ${p.tenants} tenant(s) over ${formatQuantity(p.tenantVcpu)} vCPU`,
    );
    out.push(...table(p.lines, p.usage, usd(p.monthlyUsd)), "");
  }
  for (const t of estimate.tenants) {
    const budget = t.budgetMonthlyUsd === null ? "" : `, budget ${usd(t.budgetMonthlyUsd)}`;
    const egress = `; egress path ${usd(t.egressOwnUsd)} own + ${usd(t.egressShareUsd)} share`;
    out.push(`${t.stack}: ${usd(t.ownMonthlyUsd)} own + ${usd(t.platformShareUsd)} platform share = ${usd(t.totalMonthlyUsd)}/month${budget}${upTo(t)}${egress}`);
    out.push(...table(t.lines, t.usage, usd(t.ownMonthlyUsd)), "");
  }
  out.push(...unpricedLines(estimate.unpriced));
  return `${out.join("\n")}\n`;
}

/** One line per region without a price table, naming its stacks: the estimate says what it left out. */
export function unpricedLines(unpriced: readonly UnpricedStack[]): string[] {
  const byRegion = new Map<string, UnpricedStack[]>();
  for (const u of unpriced) byRegion.set(u.region, [...(byRegion.get(u.region) ?? []), u]);
  return [...byRegion.values()].map((stacks) => `no estimate for ${stacks.map((s) => s.stack).join(", ")}: ${stacks[0].reason}`);
}

/** ", over its $300.00 budget by $21.18" when the fixed estimate (with the share) exceeds the budget. */
function budgetNote(t: TenantEstimate | undefined): string {
  const over = t && overBudget(t);
  if (!over) return "";
  return ` — **over its ${usd(t.budgetMonthlyUsd!)} budget by ${usd(over.by)}**${over.ownOver ? " (own cost alone: its alerts fire every month)" : ""}`;
}

/** Tenant lines in the plan comment before the rest are summed in one line. */
export const PLAN_COMMENT_MAX_TENANT_LINES = 30;

/**
 * Plan-comment lines: for every tenant stack that differs between base and head synth (added,
 * changed or removed), its fixed monthly estimate before → after and its platform share; then the
 * same for changed platform stacks, whose cost every tenant of the region shares. Nothing when no
 * stack changed.
 */
export function planCommentLines(
  base: CostEstimate,
  head: CostEstimate,
  changed: (stack: string) => boolean,
  maxTenantLines = PLAN_COMMENT_MAX_TENANT_LINES,
): string[] {
  const lines: string[] = [];
  const allChanged = [...new Set([...base.tenants, ...head.tenants].map((t) => t.stack))].sort().filter(changed);
  // A change to a shared module touches every tenant stack: keep the comment far below GitHub's
  // 65,536 characters with a few lines and one sum for the rest.
  const tenantStacks = allChanged.slice(0, maxTenantLines);
  const find = (e: CostEstimate, stack: string) => e.tenants.find((t) => t.stack === stack);
  const money = (t: TenantEstimate | undefined, pick: (t: TenantEstimate) => number) => (t ? usd(pick(t)) : "—");
  for (const stack of tenantStacks) {
    const before = find(base, stack);
    const after = find(head, stack);
    const delta = (after?.ownMonthlyUsd ?? 0) - (before?.ownMonthlyUsd ?? 0);
    const sign = delta > 0.005 ? `+${usd(delta)}` : delta < -0.005 ? `−${usd(-delta)}` : "±$0.00";
    lines.push(
      `- \`${stack}\`: ${money(before, (t) => t.ownMonthlyUsd)} → ${money(after, (t) => t.ownMonthlyUsd)} per month (${sign})${after ? upTo(after) : ""}` +
        ` + platform share ${money(before, (t) => t.platformShareUsd)} → ${money(after, (t) => t.platformShareUsd)}${budgetNote(after)}`,
    );
  }
  const rest = allChanged.slice(maxTenantLines);
  if (rest.length > 0) {
    const sum = (e: CostEstimate) => e.tenants.filter((t) => rest.includes(t.stack)).reduce((n, t) => n + t.ownMonthlyUsd, 0);
    lines.push(`- and ${rest.length} more tenant stacks: ${usd(sum(base))} → ${usd(sum(head))} per month together`);
  }
  // A changed stack in a region without a price table gets a line saying so (never a failed comment).
  const unpriced = [...base.unpriced, ...head.unpriced].filter((u) => changed(u.stack));
  for (const stack of [...new Set(unpriced.map((u) => u.stack))].sort()) {
    lines.push(`- \`${stack}\`: no estimate: ${unpriced.find((u) => u.stack === stack)!.reason}`);
  }
  const platformStacks = [...new Set([...base.platforms, ...head.platforms].map((p) => p.stack))].sort().filter(changed);
  for (const stack of platformStacks) {
    const before = base.platforms.find((p) => p.stack === stack);
    const after = head.platforms.find((p) => p.stack === stack);
    lines.push(
      `- \`${stack}\`: ${before ? usd(before.monthlyUsd) : "—"} → ${after ? usd(after.monthlyUsd) : "—"} per month, shared by ${after?.tenants ?? 0} tenant(s)`,
    );
  }
  if (lines.length === 0) return [];
  return [
    "**Estimated fixed monthly cost** (before → after; usage such as Bedrock tokens, logs and data transfer not included; `npm run cost`):",
    ...lines,
  ];
}
