import { TerraformResource } from "cdktf";
import { AgentScaling } from "../../modules/agent-scaling";
import { all, synthModule } from "../support/module-synth";
import type { AgentScalingProps } from "../../modules/agent-scaling";

const base: Omit<AgentScalingProps, "service"> = {
  clusterName: "agents",
  serviceName: "acme-scout",
  range: { min: 1, max: 3 },
  name: (purpose) => `openclaw-acme-scout-${purpose}`,
};

function synth(props: Partial<AgentScalingProps>) {
  return synthModule((scope) => {
    const service = new TerraformResource(scope, "service", { terraformResourceType: "null_resource" });
    return new AgentScaling(scope, "scaling", { ...base, service, ...props });
  }).json;
}

const schedule = { timezone: "America/New_York", days: ["mon", "tue", "wed", "thu", "fri"] as const, from: "08:00", to: "18:00", outside: { min: 0, max: 0 } };

describe("AgentScaling", () => {
  it("registers the service's desired count with Application Auto Scaling, through the service-linked role", () => {
    const [target] = all(synth({}), "aws_appautoscaling_target");
    expect(target).toMatchObject({
      service_namespace: "ecs",
      scalable_dimension: "ecs:service:DesiredCount",
      resource_id: "service/agents/acme-scout",
      min_capacity: 1,
      max_capacity: 3,
    });
    // No role_arn: AWSServiceRoleForApplicationAutoScaling_ECSService, whose policy AWS fixes.
    expect(target.role_arn).toBeUndefined();
    expect(target.depends_on).toEqual(["null_resource.service"]);
  });

  it("leaves min and max to Terraform without a schedule, and to the scheduled actions with one", () => {
    expect(all(synth({}), "aws_appautoscaling_target")[0].lifecycle).toBeUndefined();
    // scheduled_action.go rewrites the range at each boundary; target.go's Read stores it.
    expect(all(synth({ schedule }), "aws_appautoscaling_target")[0].lifecycle).toEqual({ ignore_changes: ["min_capacity", "max_capacity"] });
  });

  it("scales up on working days at `from` and down every day at `to`, in the schedule's time zone", () => {
    const actions = all(synth({ schedule }), "aws_appautoscaling_scheduled_action");
    expect(actions.map((a) => [a.name, a.schedule, a.timezone, a.scalable_target_action])).toEqual([
      ["openclaw-acme-scout-hours-end", "cron(0 18 ? * * *)", "America/New_York", { min_capacity: "0", max_capacity: "0" }],
      ["openclaw-acme-scout-hours-start", "cron(0 8 ? * MON,TUE,WED,THU,FRI *)", "America/New_York", { min_capacity: "1", max_capacity: "3" }],
    ]);
  });

  it("tracks a CPU, memory or the tenant's own custom metric", () => {
    const policy = (target: AgentScalingProps["target"]) =>
      all(synth({ target, customMetric: { namespace: "OpenClaw/Tenant/acme", agent: "scout" } }), "aws_appautoscaling_policy")[0];
    expect(policy({ metric: "cpu", percent: 70 }).target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 70,
      predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
    });
    expect(policy({ metric: "memory", percent: 60 }).target_tracking_scaling_policy_configuration.predefined_metric_specification).toEqual({
      predefined_metric_type: "ECSServiceAverageMemoryUtilization",
    });
    expect(policy({ metric: "custom", name: "QueueDepth", value: 10, statistic: "Average" }).target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 10,
      customized_metric_specification: { namespace: "OpenClaw/Tenant/acme", metric_name: "QueueDepth", statistic: "Average", dimensions: [{ name: "Agent", value: "scout" }] },
    });
    expect(all(synth({}), "aws_appautoscaling_policy")).toEqual([]);
  });

  it("refuses a range outside working hours wider than inside, and a max below min", () => {
    expect(() => synth({ schedule: { ...schedule, outside: { min: 0, max: 4 } } })).toThrow(/outside working hours must not exceed/);
    expect(() => synth({ range: { min: 2, max: 1 } })).toThrow(/range.max must be an integer >= 2, got 1/);
    expect(() => synth({ target: { metric: "custom", name: "Q", value: 1, statistic: "Sum" } })).toThrow(/custom target needs customMetric/);
  });
});
