import { estimateCost } from "../../cost/estimate";
import { planCommentLines } from "../../cost/report";

const tenant = (id: string, cpu: number) => ({
  provider: { aws: [{ region: "us-east-1", default_tags: [{ tags: { Environment: "production", TenantID: id } }] }] },
  resource: {
    aws_ecs_task_definition: { t: { cpu: String(cpu), memory: String(cpu * 2) } },
    aws_ecs_service: { s: { desired_count: 1, task_definition: "${aws_ecs_task_definition.t.arn}", capacity_provider_strategy: [{ capacity_provider: "FARGATE" }] } },
  },
});

describe("plan-comment lines", () => {
  it("says nothing when no stack changed", () => {
    const e = estimateCost({ "tenant-a": tenant("a", 256) });
    expect(planCommentLines(e, e, () => false)).toEqual([]);
  });

  it("shows an added tenant from — and a removed one to —", () => {
    const base = estimateCost({ "tenant-old": tenant("old", 256) });
    const head = estimateCost({ "tenant-new": tenant("new", 256) });
    // 0.25 vCPU × 730 × $0.04048 = $7.3876; 0.5 GB × 730 × $0.004445 = $1.622425: $9.01.
    expect(planCommentLines(base, head, () => true).slice(1)).toEqual([
      "- `tenant-new`: — → $9.01 per month (+$9.01) + platform share — → $0.00",
      "- `tenant-old`: $9.01 → — per month (−$9.01) + platform share $0.00 → —",
    ]);
  });

  it("sums the tenant stacks past the line limit in one line, so a shared-module change stays short", () => {
    const stacks = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`tenant-t${i}`, tenant(`t${i}`, 256)]));
    const e = estimateCost(stacks);
    const lines = planCommentLines(e, e, () => true, 2);
    expect(lines).toHaveLength(1 + 2 + 1);
    expect(lines[3]).toBe("- and 3 more tenant stacks: $27.03 → $27.03 per month together");
  });
});
