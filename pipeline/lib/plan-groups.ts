/**
 * Plan comments at fleet size: stacks whose changes are the same once the stack's own name is
 * taken out (a shared-module change touches every tenant alike) become one group, shown once
 * with its member list, so a 1,000-stack change reads as "1,000 stacks: the same 6 changes".
 */
import type { StackPlan } from "./plan";
import { tenantIdOfStackName } from "../../modules/naming";

/** Lines of `terraform show` that say what changes: resource headers and +, -, ~ attribute lines. */
const CHANGE_LINE = /^\s*(#\s|[-+~]\s|-\/\+\s|\+\/-\s|<=\s)/;

/**
 * What a stack's plan changes, with its stack name and tenant id replaced: equal for stacks
 * whose changes are the same. Unchanged context (ids, "unchanged attributes hidden") is left out.
 * Undefined for a failed, refused or empty plan (never grouped).
 */
export function changeSignature(p: StackPlan): string | undefined {
  if (p.status !== "ok" || p.add + p.change + p.destroy + p.replace + p.outputsChanged === 0) return undefined;
  const id = tenantIdOfStackName(p.stack);
  const names = [p.stack, ...(id ? [id] : [])].sort((a, b) => b.length - a.length);
  // whole names only (delimited by anything but a letter or digit): a short id never eats into words
  const patterns = names.map((n) => new RegExp(`(?<![a-z0-9])${n.replace(/[-]/g, "\\-")}(?![a-z0-9])`, "g"));
  const normalise = (line: string) => patterns.reduce((l, re) => l.replace(re, "<stack>"), line.trim());
  const lines = p.text.split("\n").filter((l) => CHANGE_LINE.test(l)).map(normalise);
  return [p.add, p.change, p.destroy, p.replace, p.outputsChanged, p.drifted, ...p.changes.map((c) => `${c.action} ${normalise(c.address)}`), ...lines].join("\n");
}

export interface PlanGroup {
  /** The first stack (in the given order): its plan is the one shown. */
  readonly representative: StackPlan;
  readonly members: StackPlan[];
}

/** Groups of two or more stacks with the same signature, and every other plan on its own, keeping order. */
export function groupPlans(plans: readonly StackPlan[]): PlanGroup[] {
  const bySignature = new Map<string, PlanGroup>();
  const out: PlanGroup[] = [];
  for (const p of plans) {
    const sig = changeSignature(p);
    const group = sig === undefined ? undefined : bySignature.get(sig);
    if (group) group.members.push(p);
    else {
      const g = { representative: p, members: [p] };
      if (sig !== undefined) bySignature.set(sig, g);
      out.push(g);
    }
  }
  return out;
}

/**
 * The plans as the comment shows them: a group as one plan named "<first> + N more with the same
 * changes", its text followed by every member's name. Plans without a twin are unchanged.
 */
export function collapseGroups(plans: readonly StackPlan[]): StackPlan[] {
  return groupPlans(plans).map(({ representative: r, members }) =>
    members.length < 2
      ? r
      : {
          ...r,
          stack: `${r.stack} + ${members.length - 1} more with the same changes`,
          text: `${r.text.trimEnd()}\n\n# The same changes (names aside) in these ${members.length} stacks:\n# ${members.map((m) => m.stack).join(" ")}\n`,
        },
  );
}

/**
 * Under the summary table: each group's members by name (never cut while they fit `budget`; past
 * it, only the counts, the names being in the artifact).
 */
export function groupMemberLines(plans: readonly StackPlan[], budget: number): string {
  const groups = groupPlans(plans).filter((g) => g.members.length > 1);
  if (groups.length === 0) return "";
  const full = groups.map((g) => `**The same changes as \`${g.representative.stack}\` (${g.members.length} stacks):** ${g.members.map((m) => `\`${m.stack}\``).join(", ")}\n`).join("\n");
  if (full.length + 1 <= budget) return `\n${full}`;
  return `\n${groups.map((g) => `**The same changes as \`${g.representative.stack}\`:** ${g.members.length} stacks (listed in the artifact).\n`).join("\n")}`;
}
