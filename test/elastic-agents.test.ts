/**
 * Elastic agents (issue #30) over whole synthesized stacks of every lifecycle status, from
 * fixture tenants this test owns: butler scales 1-3 on CPU, scout runs weekdays 08:00-18:00
 * only, writer is fixed. Statuses win over scaling; capacity counts each agent at its max; cost
 * prices the schedule's hours.
 */
import { measureUsage } from "../capacity/usage";
import { ConfigError, loadConfig } from "../config/loader";
import { customMetricNamespace } from "../config/agent-scaling";
import { estimateCost } from "../cost/estimate";
import { FIXTURE_CDKTF_JSON } from "./support/fixtures";
import { parsePolicy, REPO_ROOT, resourcesOfType, synthesize, SynthesizedResource } from "./support/synth";
import { FixtureTenant, writeTenants } from "./support/tenant-fixtures";

const CDKTF_JSON = FIXTURE_CDKTF_JSON;
const ELASTIC = {
  butler: "{ cpu: 512, memory: 1024, scaling: { min: 1, max: 3 } }",
  scout:
    "{ cpu: 256, memory: 512, spot: true, scaling: { min: 1, max: 1, schedule: { timezone: America/New_York, days: [mon, tue, wed, thu, fri], from: '08:00', to: '18:00' } } }",
  writer: "{ cpu: 512, memory: 1024, desiredCount: 1 }",
  counter: "{ cpu: 256, memory: 512, scaling: { min: 0, max: 4, target: { metric: custom, name: QueueDepth, value: 20 } } }",
};
const STATUSES = ["provisioning", "active", "suspended", "offboarding"] as const;
const tenants: FixtureTenant[] = STATUSES.map((status) => ({ id: `e-${status}`, status, agents: ELASTIC }));
const output = synthesize(writeTenants(tenants), CDKTF_JSON);
const stackOf = (status: string) => `tenant-e-${status}`;
const ofType = (type: string, stack?: string) => resourcesOfType(output, type).filter((r) => !stack || r.stack === stack);
/** The local name of the ECS service a scaling resource's resource_id points at. */
const serviceRef = (r: SynthesizedResource) => /\$\{aws_ecs_service\.([^.]+)\.name\}$/.exec(r.config.resource_id)?.[1];
const serviceNamed = (stack: string, agentName: string) => ofType("aws_ecs_service", stack).find((s) => s.config.name.endsWith(`-${agentName}`))!;
const targetOf = (stack: string, agentName: string) => ofType("aws_appautoscaling_target", stack).find((t) => serviceRef(t) === serviceNamed(stack, agentName).address.split(".")[1]);

describe("every status", () => {
  it.each(STATUSES)("%s: one scalable target per elastic agent, none for the fixed one, each on a service of its own stack", (status) => {
    const stack = stackOf(status);
    const targets = ofType("aws_appautoscaling_target", stack);
    expect(targets).toHaveLength(3);
    expect(targetOf(stack, "writer")).toBeUndefined();
    const own = new Set(ofType("aws_ecs_service", stack).map((s) => s.address.split(".")[1]));
    for (const type of ["aws_appautoscaling_target", "aws_appautoscaling_scheduled_action", "aws_appautoscaling_policy"]) {
      expect(ofType(type, stack).filter((r) => !own.has(serviceRef(r) ?? "")).map((r) => r.address)).toEqual([]);
    }
  });

  it.each(STATUSES)("%s: a tasks-short alarm on every agent service", (status) => {
    const names = ofType("aws_cloudwatch_metric_alarm", stackOf(status)).map((a) => a.config.alarm_name);
    expect(names.filter((n) => n.endsWith("-tasks-short")).sort()).toEqual(["butler", "counter", "scout", "writer"].map((a) => `openclaw-e-${status}-${a}-tasks-short`));
  });
});

describe("a running (active) tenant", () => {
  const stack = stackOf("active");

  it("lets the autoscaler own desired_count of elastic agents, and Terraform keep the fixed one's", () => {
    for (const agent of ["butler", "scout", "counter"]) expect(serviceNamed(stack, agent).config.lifecycle).toEqual({ ignore_changes: ["desired_count"] });
    expect(serviceNamed(stack, "writer").config.lifecycle).toBeUndefined();
    // Created at the min; the autoscaler moves it from there.
    expect(["butler", "scout", "counter", "writer"].map((a) => serviceNamed(stack, a).config.desired_count)).toEqual([1, 1, 0, 1]);
  });

  it("keeps each range, tracks CPU at the default 70% where min < max, and schedules scout's working hours", () => {
    expect([targetOf(stack, "butler")!.config.min_capacity, targetOf(stack, "butler")!.config.max_capacity]).toEqual([1, 3]);
    const policies = ofType("aws_appautoscaling_policy", stack);
    expect(policies.map((p) => p.config.name).sort()).toEqual(["openclaw-e-active-butler-track-cpu", "openclaw-e-active-counter-track-QueueDepth"]);
    expect(policies.find((p) => p.config.name.endsWith("cpu"))!.config.target_tracking_scaling_policy_configuration.target_value).toBe(70);
    expect(targetOf(stack, "scout")!.config.lifecycle).toEqual({ ignore_changes: ["min_capacity", "max_capacity"] });
    expect(ofType("aws_appautoscaling_scheduled_action", stack).map((a) => a.config.schedule).sort()).toEqual(["cron(0 18 ? * * *)", "cron(0 8 ? * MON,TUE,WED,THU,FRI *)"]);
  });

  it("lets an agent with a custom target publish only into its own tenant's namespace", () => {
    const policies = ofType("aws_iam_role_policy", stack).map((p) => parsePolicy(p.config.policy).Statement.filter((s) => s.Action === "cloudwatch:PutMetricData"));
    const publishing = policies.filter((s) => s.length > 0);
    expect(publishing).toHaveLength(1); // the counter's task role alone
    expect(publishing[0][0].Condition).toEqual({ StringEquals: { "cloudwatch:namespace": customMetricNamespace("e-active") } });
    // The boundary on every tenant role allows no other namespace (its tenant from the principal tag).
    const boundary = ofType("aws_iam_policy").find((p) => parsePolicy(p.config.policy).Statement.some((s) => s.Sid === "OwnScalingMetrics"))!;
    const statement = parsePolicy(boundary.config.policy).Statement.find((s) => s.Sid === "OwnScalingMetrics")!;
    expect(statement.Condition).toEqual({ StringEquals: { "cloudwatch:namespace": "OpenClaw/Tenant/$${aws:PrincipalTag/tenant_id}" } });
  });

  it("keeps the spend stop on the task roles of elastic agents", () => {
    expect(ofType("aws_budgets_budget_action", stack).length).toBeGreaterThan(0);
  });
});

describe.each(["provisioning", "suspended", "offboarding"] as const)("a stopped (%s) tenant", (status) => {
  const stack = stackOf(status);

  it("sets 0 tasks through Terraform, with no scaling of its own", () => {
    const services = ofType("aws_ecs_service", stack);
    expect(services).toHaveLength(4);
    expect(services.map((s) => [s.config.desired_count, s.config.lifecycle])).toEqual(services.map(() => [0, undefined]));
  });

  it("pins every scalable target to 0-0 with no schedule or policy that could raise it", () => {
    expect(ofType("aws_appautoscaling_target", stack).map((t) => [t.config.min_capacity, t.config.max_capacity, t.config.lifecycle])).toEqual([
      [0, 0, undefined],
      [0, 0, undefined],
      [0, 0, undefined],
    ]);
    expect(ofType("aws_appautoscaling_scheduled_action", stack)).toEqual([]);
    expect(ofType("aws_appautoscaling_policy", stack)).toEqual([]);
  });
});

describe("capacity and cost", () => {
  it("counts an elastic agent at its max in Fargate vCPU and database connections", () => {
    const only = { [stackOf("active")]: output.stacks[stackOf("active")] };
    const meters = measureUsage(only);
    const used = (quota: string) => meters.find((m) => m.quota === quota)!.used;
    // On demand: butler 0.5 vCPU × 3, writer 0.5 × 1, counter 0.25 × 4; on spot: scout 0.25 × 1.
    expect(used("fargateOnDemandVcpu")).toBe(0.5 * 3 + 0.5 * 1 + 0.25 * 4);
    expect(used("fargateSpotVcpu")).toBe(0.25);
    expect(used("databaseConnections")).toBe(5 * (3 + 1 + 1 + 4));
  });

  it("prices the month at each elastic agent's min through its schedule, and shows the top of the range", () => {
    const { tenants } = estimateCost({ [stackOf("active")]: output.stacks[stackOf("active")] });
    const [acme] = tenants;
    const line = (item: string) => acme.lines.find((l) => l.item.startsWith(item))!;
    // Scout: 0.25 vCPU × 5 days × 10 h a week × 730/168 weeks a month.
    expect(line("Fargate Spot vCPU").quantity).toBeCloseTo(0.25 * 50 * (730 / 168), 6);
    // At min: butler 1 and writer 1 all month, counter 0.
    expect(line("Fargate vCPU").quantity).toBeCloseTo((0.5 + 0.5) * 730, 6);
    // At max: butler 2 more copies and counter 4, all month.
    const vcpu = 0.04048;
    const gb = 0.004445;
    expect(acme.ownMonthlyMaxUsd - acme.ownMonthlyUsd).toBeCloseTo(730 * (2 * (0.5 * vcpu + 1 * gb) + 4 * (0.25 * vcpu + 0.5 * gb)), 4);
  });

  it.each(["provisioning", "suspended", "offboarding"])("%s: costs when active what the same tenant costs active, its schedule's hours included (#27)", (status) => {
    const [held] = estimateCost({ [stackOf(status)]: output.stacks[stackOf(status)] }).tenants;
    const [active] = estimateCost({ [stackOf("active")]: output.stacks[stackOf("active")] }).tenants;
    const fargate = (t: typeof active) => t.lines.filter((l) => l.item.includes("Fargate")).reduce((sum, l) => sum + l.monthlyUsd, 0);
    expect(held.ownMonthlyWhenActiveUsd! - held.ownMonthlyUsd).toBeCloseTo(fargate(active), 2);
  });
});

describe("tenant file validation", () => {
  const problems = (agents: Record<string, string>): string[] => {
    try {
      loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: writeTenants([{ id: "bad", agents }]), displayRoot: REPO_ROOT });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems.map((p) => p.replace(/^.*bad\.yaml: /, ""));
    }
    return [];
  };

  it("accepts the example shapes", () => {
    expect(problems(ELASTIC)).toEqual([]);
  });

  it.each([
    ["{ cpu: 256, memory: 512, scaling: { min: 3, max: 1 } }", "agents.agent.scaling.max: max (1) is below min (3)"],
    ["{ cpu: 256, memory: 512, desiredCount: 2, scaling: { min: 1, max: 3 } }", "agents.agent.desiredCount: desiredCount is the fixed case"],
    ["{ cpu: 256, memory: 512, scaling: { min: 2, max: 2 } }", "agents.agent.scaling: min equals max (2) and no schedule: that is a fixed count, write desiredCount: 2 instead"],
    ["{ cpu: 256, memory: 512, scaling: { min: 0, max: 0 } }", "agents.agent.scaling.max: max 0 never runs the agent"],
    ["{ cpu: 256, memory: 512, singleton: true, scaling: { min: 1, max: 3 } }", "agents.agent.scaling.max: a singleton agent (singleton: true) runs exactly one copy"],
    ["{ cpu: 256, memory: 512, singleton: true, scaling: { min: 0, max: 1, target: { metric: cpu } } }", "agents.agent.scaling.target: a singleton agent (singleton: true) runs exactly one copy: target tracking would add copies"],
    ["{ cpu: 256, memory: 512, singleton: true, desiredCount: 2 }", "agents.agent.desiredCount: a singleton agent (singleton: true) runs exactly one copy"],
    [
      "{ cpu: 256, memory: 512, scaling: { min: 1, max: 1, schedule: { timezone: UTC, days: [], from: '08:00', to: '18:00' } } }",
      "agents.agent.scaling.schedule.days: no days: the schedule would never scale the agent up",
    ],
    [
      "{ cpu: 256, memory: 512, scaling: { min: 1, max: 1, schedule: { timezone: UTC, days: [mon], from: '08:00', to: '18:00', outside: { min: 1, max: 1 } } } }",
      "agents.agent.scaling.schedule: the schedule never scales up",
    ],
    ["{ cpu: 256, memory: 512, scaling: { min: 1, max: 1, schedule: { timezone: Mars/Olympus, days: [mon], from: '08:00', to: '18:00' } } }", "agents.agent.scaling.schedule.timezone: \"Mars/Olympus\" is not an IANA time zone"],
    ["{ cpu: 256, memory: 512, scaling: { min: 1, max: 1, schedule: { timezone: UTC, days: [mon], from: '18:00', to: '08:00' } } }", "agents.agent.scaling.schedule.to: working hours end (08:00) must be after they start (18:00)"],
    ["{ cpu: 256, memory: 512, scaling: { min: 1, max: 1, schedule: { timezone: UTC, days: [mon], from: '8am', to: '18:00' } } }", "agents.agent.scaling.schedule.from: \"8am\" is not a time like \"08:00\""],
  ])("refuses %s", (spec, message) => {
    const found = problems({ agent: spec });
    expect(found.some((p) => p.startsWith(message))).toBe(true);
  });

  it("reports every scaling problem of a file at once", () => {
    expect(problems({ one: "{ cpu: 256, memory: 512, scaling: { min: 3, max: 1 } }", two: "{ cpu: 256, memory: 512, scaling: { min: 1, max: 1 } }" })).toEqual([
      "agents.one.scaling.max: max (1) is below min (3)",
      "agents.two.scaling: min equals max (1) and no schedule: that is a fixed count, write desiredCount: 1 instead",
    ]);
  });
});
