/**
 * plan-comment: one Markdown PR comment for all planned stacks.
 *
 *   npm run -s plan-comment -- <plans-dir> [--removed a,b] [--notes-file f] [--artifact name] [--run-url url]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { log, parse, run, splitList, checkStackNames, UsageError } from "./lib/cli";
import { readAffected } from "./lib/affected-file";
import { missingPlan, readPlans, type StackPlan } from "./lib/plan";
import { redactText } from "./lib/redact";
import { htmlText, markdownCode, markdownText } from "./lib/markdown";
import { scheduledSecretMessage } from "./lib/scheduled-secrets";
import { splitRemovedStacks, tenantStatusInDir } from "./lib/tenant-files";
import { collapseGroups, groupMemberLines as groupMembers } from "./lib/plan-groups";

/** The workflow finds and updates the comment carrying this marker instead of adding a new one. */
export const MARKER = "<!-- openclaw-plan -->";

/** GitHub rejects comment bodies over 65,536 characters; stay below with a margin. */
export const DEFAULT_MAX_CHARS = 65_000;

/** Smallest excerpt of a plan worth showing; below that a stack gets no details. */
const MIN_USEFUL_DETAIL = 1_200;

export const HELP = `Usage: npm run -s plan-comment -- <plans-dir> [options]

Prints one Markdown pull-request comment summarising the plans in <plans-dir>, which
holds one subdirectory per stack with plan.json (terraform show -json) and plan.txt
(terraform show -no-color), or error.txt when the plan failed.

The comment starts with the marker ${MARKER} so the workflow updates the same comment
on every push. Destroys and replacements are called out first, then a summary table of
every stack, then collapsed per-stack details. Sensitive values and anything that looks
like a credential are redacted. Details are shortened to stay under --max-chars; the
summary never is.

Options:
  --removed <a,b>       stacks removed by this change: listed as needing offboarding
  --affected <file>     output of \`affected\`: its changed + added stacks missing from
                        <plans-dir> (a plan job died) are reported as "no result", and its
                        removed stacks are listed like --removed
  --tenants <dir>       the pull request's tenant files, read as data: a removed stack
                        whose tenant file is an offboarded tombstone is listed as
                        offboarded (the offboarding job destroyed it), as the deploy does
  --notes-file <file>   lines added above the table (e.g. quota warnings)
  --artifact <name>     workflow artifact holding the full plans (default: terraform-plans)
  --run-url <url>       link to the workflow run that holds the artifact
  --commit <sha>        commit the plans are for, shown in the footer
  --max-chars <n>       size limit of the comment (default: ${DEFAULT_MAX_CHARS})
  --out <file>          write the comment to this file instead of stdout
  --help                show this help

Exit codes: 0 ok, 1 bad input, 2 unexpected failure.`;

export interface CommentOptions {
  /** Stacks gone from the synth that still need offboarding. */
  readonly removed?: readonly string[];
  /** Stacks gone from the synth because their tenant is an offboarded tombstone. */
  readonly offboarded?: readonly string[];
  readonly notes?: readonly string[];
  readonly artifact?: string;
  readonly runUrl?: string;
  readonly commit?: string;
  readonly maxChars?: number;
  /** Hidden marker on the first line. @default MARKER */
  readonly marker?: string;
  /** Heading text; the default counts planned, changed, destroying, failed and removed stacks. */
  readonly title?: string;
}

const destructive = (p: StackPlan) => p.destroy + p.replace > 0;
const hasChanges = (p: StackPlan) => p.add + p.change + p.destroy + p.replace + p.outputsChanged > 0;

function status(p: StackPlan): string {
  if (p.status === "error") return "❌ plan failed";
  if (p.status === "refused") return "⛔ refused by the stack policy";
  if (p.status === "missing") return "❔ no result";
  if (p.replace > 0 && p.destroy > 0) return "⚠️ destroys + replaces";
  if (p.replace > 0) return "⚠️ replaces";
  if (p.destroy > 0) return "⚠️ destroys";
  if (hasChanges(p)) return "changes";
  return "no changes";
}

/** Failed first, then destroys/replacements, then changes, then the rest; by name within. */
function rank(p: StackPlan): number {
  if (p.status !== "ok") return 0;
  if (destructive(p)) return 1;
  if (hasChanges(p)) return 2;
  return 3;
}

export function sortPlans(plans: readonly StackPlan[]): StackPlan[] {
  return [...plans].sort((a, b) => rank(a) - rank(b) || a.stack.localeCompare(b.stack));
}

function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  return "`".repeat(Math.max(3, longest + 1));
}

function counts(p: StackPlan): string {
  if (p.status !== "ok") return status(p);
  const parts = [`${p.add} to add`, `${p.change} to change`, `${p.destroy} to destroy`, `${p.replace} to replace`];
  if (p.outputsChanged > 0) parts.push(`${p.outputsChanged} output(s) changed`);
  return parts.join(", ");
}

const ACTION_LABEL: Record<string, string> = {
  create: "create",
  update: "update",
  delete: "**destroy**",
  replace: "**replace**",
  forget: "forget (removed from state, kept in AWS)",
  import: "import",
};

/**
 * One stack's collapsed section, at most `allowance` characters, or undefined when even
 * a shortened version does not fit.
 */
export function renderDetails(p: StackPlan, allowance: number): { text: string; shortened: boolean } | undefined {
  const open = `<details><summary><b>${htmlText(p.stack)}</b>: ${counts(p)}</summary>\n\n`;
  const close = `\n</details>\n`;
  const resources = p.changes.map((c) => `- ${ACTION_LABEL[c.action] ?? c.action} ${markdownCode(c.address)}`);
  if (p.drifted > 0) resources.push(`- ${p.drifted} resource(s) changed outside Terraform since the last apply`);
  const body = p.text.trimEnd();
  const fence = fenceFor(body);
  const full = `${open}${resources.join("\n")}${resources.length ? "\n\n" : ""}${fence}text\n${body}\n${fence}${close}`;
  if (full.length <= allowance) return { text: full, shortened: false };

  // Shorten: keep as much of the resource list and the text as fits, say what was cut.
  const minimum = open.length + close.length + 160;
  if (allowance < minimum) return undefined;
  let budget = allowance - open.length - close.length - 160;
  const keptResources: string[] = [];
  for (const line of resources) {
    if (line.length + 1 > budget / 2) break;
    keptResources.push(line);
    budget -= line.length + 1;
  }
  const keptLines: string[] = [];
  const lines = body.split("\n");
  for (const line of lines) {
    if (line.length + 1 > budget) break;
    keptLines.push(line);
    budget -= line.length + 1;
  }
  const cutResources = resources.length - keptResources.length;
  const cutLines = lines.length - keptLines.length;
  const note =
    `_Shortened: ${cutResources ? `${cutResources} resource line(s) and ` : ""}${cutLines} of ${lines.length} plan line(s) cut; ` +
    `the full plan is in the artifact._`;
  const text =
    `${open}${keptResources.join("\n")}${keptResources.length ? "\n\n" : ""}` +
    (keptLines.length ? `${fence}text\n${keptLines.join("\n")}\n${fence}\n` : "") +
    `${note}${close}`;
  return { text, shortened: true };
}

function table(rows: readonly StackPlan[]): string {
  const lines = ["| Stack | Add | Change | Destroy | Replace | Status |", "|---|--:|--:|--:|--:|---|"];
  for (const p of rows) {
    const n = (v: number) => (p.status === "ok" ? String(v) : "–");
    lines.push(`| ${markdownCode(p.stack)} | ${n(p.add)} | ${n(p.change)} | ${n(p.destroy)} | ${n(p.replace)} | ${status(p)} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** The summary: every stack, compacted (never cut) when a row per stack would not fit. */
function summary(sorted: readonly StackPlan[], budget: number): string {
  const full = table(sorted);
  const noChange = sorted.filter((p) => p.status === "ok" && !hasChanges(p));
  // nothing to compact: the rows are all needed (hardLimit cuts them if the comment is over the limit)
  if (full.length <= budget || noChange.length === 0) return full;
  const rest = sorted.filter((p) => !noChange.includes(p));
  const listed = `${table(rest)}\n**No changes (${noChange.length}):** ${noChange.map((p) => markdownCode(p.stack)).join(", ")}\n`;
  if (listed.length <= budget) return listed;
  return `${table(rest)}\n**No changes:** ${noChange.length} more stacks (listed in the artifact).\n`;
}

export function renderComment(plans: readonly StackPlan[], opts: CommentOptions = {}): string {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const artifact = opts.artifact ?? "terraform-plans";
  const sorted = sortPlans(plans);
  const removed = [...(opts.removed ?? [])].sort();
  const offboarded = [...(opts.offboarded ?? [])].sort();
  const failed = sorted.filter((p) => p.status !== "ok" && p.status !== "refused");
  const refused = sorted.filter((p) => p.status === "refused");
  // a failed, refused or missing plan has no counts (readStackPlan, missingPlan)
  const risky = sorted.filter(destructive);
  const changed = sorted.filter(hasChanges);

  const head: string[] = [opts.marker ?? MARKER];
  const headline = [`${sorted.length} stack(s) planned`];
  if (changed.length) headline.push(`${changed.length} with changes`);
  if (risky.length) headline.push(`${risky.length} destroying or replacing`);
  if (failed.length) headline.push(`${failed.length} failed`);
  if (refused.length) headline.push(`${refused.length} refused`);
  if (removed.length) headline.push(`${removed.length} removed`);
  if (offboarded.length) headline.push(`${offboarded.length} offboarded`);
  head.push(`## ${opts.title ?? `Terraform plan: ${headline.join(", ")}`}`, "");
  for (const line of opts.notes ?? []) head.push(redactText(line));
  if ((opts.notes ?? []).length) head.push("");

  if (risky.length) {
    // Called out before anything else: these lose data or cause downtime.
    const items = risky.flatMap((p) =>
      p.changes.filter((c) => c.action === "delete" || c.action === "replace").map((c) => `> - ${markdownCode(p.stack)}: ${ACTION_LABEL[c.action]} ${markdownCode(c.address)}`),
    );
    const shown = items.slice(0, 40);
    head.push("> [!CAUTION]", "> **Destroys and replacements.** Check each one before merging:");
    head.push(...shown);
    if (items.length > shown.length) head.push(`> - … and ${items.length - shown.length} more (see the table and details)`);
    head.push("");
  }
  head.push(...secretNotes(sorted));
  if (removed.length) {
    head.push(
      "> [!WARNING]",
      `> **Removed stacks need offboarding:** ${capped(removed)}.`,
      "> The pipeline never destroys a removed stack: the deploy will stop with instructions.",
      "> To offboard a tenant, keep its file and set `status: offboarding` instead: the deploy's offboard job exports, destroys and",
      "> records, then prints the tombstone edit to merge (`.github/README.md`, *Offboarding a tenant*).",
      "",
    );
  }
  if (offboarded.length) {
    // The pull request's claim: the deploy believes it only after reading the offboarding record (#24 item 3).
    head.push(`**Offboarded (tombstone):** ${capped(offboarded)}: destroyed by the offboarding job; nothing to plan or deploy. The deploy checks the offboarding record and the emptied state first.`, "");
  }
  if (refused.length) {
    head.push(
      "> [!CAUTION]",
      `> **Refused by the stack policy (not planned):** ${capped(refused.map((p) => p.stack))}. Their synthesized Terraform holds something the`,
      "> project's stacks never contain (reasons in the details below); see `pipeline/lib/stack-policy.ts`.",
      "",
    );
  }
  if (failed.length) {
    head.push("> [!WARNING]", `> **Plan failed for:** ${capped(failed.map((p) => p.stack))} (errors in the details below).`, "");
  }
  if (sorted.length === 0) head.push(removed.length + offboarded.length ? "No stack to plan." : "No stack changed: nothing to plan.", "");

  const where = opts.runUrl ? `artifact \`${artifact}\` of [this workflow run](${opts.runUrl})` : `artifact \`${artifact}\``;
  const footerBase = `\n---\nFull plans: ${where}.${opts.commit ? ` Planned for ${opts.commit}.` : ""}\n`;
  const footerReserve = footerBase.length + 300;

  const headText = `${head.join("\n")}\n`;
  // stacks with the same changes (a shared-module change across the fleet) are shown once
  const shownPlans = collapseGroups(sorted);
  const tableText = sorted.length ? summary(shownPlans, maxChars - headText.length - footerReserve) : "";
  const summaryText = tableText + groupMembers(sorted, maxChars - headText.length - tableText.length - footerReserve);

  // Details get what is left, shared fairly: each stack may use the remaining budget
  // divided by the stacks still waiting, so one huge plan cannot starve the others. When
  // that share is too small to be useful, stacks in priority order (failed, destroying,
  // changing) get a useful excerpt each until the budget runs out.
  let remaining = maxChars - headText.length - summaryText.length - footerReserve - 2;
  const candidates = shownPlans.filter((p) => p.status !== "ok" || hasChanges(p) || p.drifted > 0);
  const details: string[] = [];
  let shortened = 0;
  let omitted = 0;
  candidates.forEach((p, i) => {
    const allowance = Math.min(remaining, Math.max(Math.floor(remaining / (candidates.length - i)), MIN_USEFUL_DETAIL));
    const d = renderDetails(p, allowance);
    if (!d) {
      omitted += 1;
      return;
    }
    if (d.shortened) shortened += 1;
    details.push(d.text);
    remaining -= d.text.length + 1; // + the newline joining details
  });

  let footer = footerBase;
  if (shortened || omitted) {
    const parts = [];
    if (shortened) parts.push(`${shortened} stack(s) shortened`);
    if (omitted) parts.push(`${omitted} stack(s) without details`);
    footer =
      `\n---\n**Details cut to fit GitHub's comment limit:** ${parts.join(", ")}. ` +
      `Full plans: ${where}.${opts.commit ? ` Planned for ${opts.commit}.` : ""}\n`;
  }
  const out = `${headText}${summaryText}${details.length ? `\n${details.join("\n")}` : ""}${footer}`;
  if (out.length <= maxChars) return out;
  // Only reachable with thousands of failed or changed stacks, whose rows alone exceed the
  // limit: a comment GitHub rejects helps nobody, so keep the first rows and say so.
  return hardLimit(headText, summaryText, where, maxChars);
}

/** Names as `a`, `b`, ... with at most `max` shown. */
/**
 * Secrets the plans create whose name is scheduled for deletion (secrets.json of plan-stacks): the
 * apply would fail on CreateSecret, so each is named with its fix; the deploy refuses such a stack
 * before any apply. A lookup that failed is one line, never a broken comment.
 */
function secretNotes(plans: readonly StackPlan[]): string[] {
  const items: string[] = [];
  for (const { stack, secrets } of plans) {
    if (!secrets) continue;
    for (const d of secrets.scheduled) items.push(`> - ${scheduledSecretMessage(stack, d, secrets.recoveryWindowDays, markdownCode)}`);
    if (secrets.error) items.push(`> - ${markdownCode(stack)}: the secrets this plan creates could not be checked for a pending deletion (${markdownText(redactText(secrets.error))}).`);
  }
  if (items.length === 0) return [];
  return ["> [!WARNING]", "> **Secrets scheduled for deletion.** Applying would fail on CreateSecret; the deploy refuses these stacks before any apply:", ...items, ""];
}

function capped(names: readonly string[], max = 30): string {
  const shown = names.slice(0, max).map(markdownCode).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function hardLimit(headText: string, summaryText: string, where: string, maxChars: number): string {
  const rows = summaryText.split("\n");
  const render = (kept: number) =>
    `${headText}${rows.slice(0, kept).join("\n")}\n\n**${rows.length - kept} summary row(s) cut: too many stacks for one comment.** Full plans: ${where}.\n`;
  let kept = 0;
  while (kept < rows.length && render(kept + 1).length <= maxChars) kept += 1;
  return render(kept);
}

export function main(argv: string[]): number {
  const { values, positionals } = parse(
    argv,
    {
      removed: { type: "string" },
      affected: { type: "string" },
      "notes-file": { type: "string" },
      artifact: { type: "string" },
      "run-url": { type: "string" },
      commit: { type: "string" },
      tenants: { type: "string" },
      "max-chars": { type: "string" },
      out: { type: "string" },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError(`expected exactly one <plans-dir>, got ${positionals.length}`);
  const removed = splitList(values.removed);
  checkStackNames(removed, "--removed");
  let notes: string[] = [];
  if (values["notes-file"]) {
    try {
      notes = readFileSync(values["notes-file"], "utf8").split("\n").filter((l) => l.trim().length > 0);
    } catch {
      throw new UsageError(`--notes-file: cannot read ${values["notes-file"]}`);
    }
  }
  const maxChars = values["max-chars"] === undefined ? DEFAULT_MAX_CHARS : Number(values["max-chars"]);
  if (!Number.isInteger(maxChars) || maxChars < 2000 || maxChars > 65_536) {
    throw new UsageError(`--max-chars must be an integer between 2000 and 65536, got ${values["max-chars"]}`);
  }
  const plans = readPlans(positionals[0]);
  if (values.affected) {
    const affected = readAffected(values.affected);
    const have = new Set(plans.map((p) => p.stack));
    for (const stack of [...affected.changed, ...affected.added]) {
      if (!have.has(stack)) plans.push(missingPlan(stack));
    }
    for (const stack of affected.removed) if (!removed.includes(stack)) removed.push(stack);
  }
  const { offboarded, needOffboarding } = values.tenants
    ? splitRemovedStacks(removed, (id) => tenantStatusInDir(values.tenants!, id))
    : { offboarded: [], needOffboarding: removed };
  const comment = renderComment(plans, {
    removed: needOffboarding,
    offboarded,
    notes,
    artifact: values.artifact,
    runUrl: values["run-url"],
    commit: values.commit,
    maxChars,
  });
  if (values.out) writeFileSync(values.out, comment);
  else process.stdout.write(comment);
  log(`plan-comment: ${plans.length} stack(s), ${comment.length} characters`);
  return 0;
}

if (require.main === module) run("plan-comment", HELP, main);
