/**
 * What tracing (#29) adds to `npm run cost`: on the synthesized fixtures, where staging traces
 * and production does not, so both sides come from the same stacks the goldens hold.
 */
import { estimateCost } from "../../cost/estimate";
import { loadPriceTable } from "../../cost/prices";
import { itOnFixtures, synthesize } from "../support/synth";

const output = synthesize();
const estimate = estimateCost(output.stacks);
const table = loadPriceTable("us-east-1");

describe("tracing in the cost estimate", () => {
  itOnFixtures("lists X-Ray traces recorded and retrieved as usage for a traced tenant only, never in a total", () => {
    const traced = estimate.tenants.find((t) => t.tenant === "initech")!;
    const untraced = estimate.tenants.find((t) => t.tenant === "acme")!;
    expect(traced.usage.filter((u) => u.item.startsWith("X-Ray"))).toEqual([
      { item: "X-Ray traces recorded (after sampling)", unitUsd: 5, unit: "million traces recorded" },
      { item: "X-Ray traces retrieved or scanned", unitUsd: 0.5, unit: "million traces retrieved or scanned" },
    ]);
    expect(untraced.usage.filter((u) => u.item.startsWith("X-Ray"))).toEqual([]);
    expect(traced.lines.some((l) => l.item.includes("X-Ray"))).toBe(false);
  });

  itOnFixtures("prices the collector inside the agent's task: a traced tenant's Fargate lines are its task sizes, nothing added", () => {
    const traced = estimate.tenants.find((t) => t.tenant === "initech")!;
    const tasks = Object.values<any>(output.stacks["tenant-initech"].resource.aws_ecs_task_definition);
    expect(tasks.every((t) => JSON.parse(t.container_definitions).some((c: any) => c.name === "tracing"))).toBe(true);
    const services = Object.values<any>(output.stacks["tenant-initech"].resource.aws_ecs_service);
    const vcpu = services.reduce((n, s) => {
      const task = output.stacks["tenant-initech"].resource.aws_ecs_task_definition[/aws_ecs_task_definition\.([^.]+)\.arn/.exec(s.task_definition)![1]];
      return n + s.desired_count * (Number(task.cpu) / 1024);
    }, 0);
    expect(traced.vcpu).toBeCloseTo(vcpu, 8);
  });

  itOnFixtures("adds the X-Ray interface endpoint to the traced environment's platform: one more endpoint in each of its zones", () => {
    const line = (stack: string) => estimate.platforms.find((p) => p.stack === stack)!.lines.find((l) => l.item === "VPC interface endpoints (per AZ)")!;
    const staging = line("platform-staging-us-east-1");
    const production = line("platform-production-us-east-1");
    // Both VPCs span 2 zones; staging has the 9 endpoints every platform has plus X-Ray.
    expect(production.quantity).toBe(9 * 2 * table.hoursPerMonth);
    expect(staging.quantity).toBe(10 * 2 * table.hoursPerMonth);
    expect(staging.monthlyUsd - production.monthlyUsd).toBeCloseTo(2 * table.hoursPerMonth * table.prices["vpc.interfaceEndpoint"].usd, 6);
  });
});
