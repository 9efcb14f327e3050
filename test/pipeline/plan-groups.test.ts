/**
 * Plan comments at fleet size (#25): stacks whose normalised changes are identical are shown
 * once, so a fleet-wide change fits one comment with every stack named.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPlans } from "../../pipeline/lib/plan";
import { changeSignature, groupPlans } from "../../pipeline/lib/plan-groups";
import { renderComment } from "../../pipeline/plan-comment";

function writeStack(dir: string, stack: string, threshold: string, extra = "") {
  const id = stack.replace(/^tenant-/, "");
  const plan = {
    format_version: "1.2",
    resource_changes: [
      { address: "aws_cloudwatch_metric_alarm.cpu", mode: "managed", type: "aws_cloudwatch_metric_alarm", name: "cpu", change: { actions: ["update"], before: {}, after: {}, after_unknown: {} } },
      { address: "aws_cloudwatch_metric_alarm.memory", mode: "managed", type: "aws_cloudwatch_metric_alarm", name: "memory", change: { actions: ["update"], before: {}, after: {}, after_unknown: {} } },
    ],
    output_changes: {},
  };
  const text = [
    "Terraform will perform the following actions:",
    "",
    "  # aws_cloudwatch_metric_alarm.cpu will be updated in-place",
    '  ~ resource "aws_cloudwatch_metric_alarm" "cpu" {',
    `        alarm_name = "openclaw-production-${id}-cpu"`,
    `        id         = "openclaw-production-${id}-cpu-${Math.random().toString(16).slice(2)}"`,
    `      ~ threshold  = 80 -> ${threshold}`,
    "        # (18 unchanged attributes hidden)",
    "    }",
    "  # aws_cloudwatch_metric_alarm.memory will be updated in-place",
    '  ~ resource "aws_cloudwatch_metric_alarm" "memory" {',
    `      ~ alarm_description = "${stack} memory" -> "${stack} memory high"${extra}`,
    "    }",
    "",
    "Plan: 0 to add, 2 to change, 0 to destroy.",
  ].join("\n");
  mkdirSync(join(dir, stack), { recursive: true });
  writeFileSync(join(dir, stack, "plan.json"), JSON.stringify(plan));
  writeFileSync(join(dir, stack, "plan.txt"), text);
}

describe("grouping identical changes", () => {
  test("1,000 stacks changing the same alarm threshold: one group, one details block, every stack named, far under the limit", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-groups-"));
    const stacks = Array.from({ length: 1000 }, (_, i) => `tenant-t${String(i).padStart(4, "0")}`);
    for (const s of stacks) writeStack(dir, s, "90");
    const plans = readPlans(dir);
    expect(groupPlans(plans).map((g) => g.members.length)).toEqual([1000]);
    const comment = renderComment(plans);
    expect(comment.length).toBeLessThan(40_000);
    expect(comment).toContain("| `tenant-t0000 + 999 more with the same changes` | 0 | 2 | 0 | 0 | changes |");
    expect(comment.match(/<details>/g)).toHaveLength(1);
    expect(comment).toContain("**The same changes as `tenant-t0000` (1000 stacks):**");
    for (const s of stacks) expect(comment).toContain(`\`${s}\``);
    expect(comment).not.toContain("Details cut");
  });

  test("a stack whose change differs (another threshold) stays apart; names and ids do not split a group", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-groups-"));
    for (const s of ["tenant-a", "tenant-b", "tenant-c"]) writeStack(dir, s, "90");
    writeStack(dir, "tenant-d", "95");
    const plans = readPlans(dir);
    const groups = groupPlans(plans);
    expect(groups.map((g) => g.members.map((m) => m.stack))).toEqual([["tenant-a", "tenant-b", "tenant-c"], ["tenant-d"]]);
    expect(changeSignature(plans[0])).toContain("~ threshold  = 80 -> 90");
    expect(changeSignature(plans[0])).toContain('"<stack> memory"');
    const comment = renderComment(plans);
    expect(comment).toContain("| `tenant-d` | 0 | 2 | 0 | 0 | changes |");
    expect(comment).toContain("`tenant-a + 2 more with the same changes`");
  });

  test("failed and unchanged plans are never grouped", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-groups-"));
    for (const s of ["tenant-x", "tenant-y"]) {
      mkdirSync(join(dir, s));
      writeFileSync(join(dir, s, "error.txt"), "Error: boom");
    }
    const plans = readPlans(dir);
    expect(plans.map(changeSignature)).toEqual([undefined, undefined]);
    expect(groupPlans(plans)).toHaveLength(2);
  });
});
