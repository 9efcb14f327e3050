import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingScheduledAction } from "@cdktf/provider-aws/lib/appautoscaling-scheduled-action";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { scheduleCron, ScalingRange, ScalingSchedule, ScalingTarget } from "../config/agent-scaling";
import { requireInteger } from "./prop-checks";

/** ECS services scale on this dimension of Application Auto Scaling. */
export const ECS_SCALABLE_DIMENSION = "ecs:service:DesiredCount";

/** Scale-in waits this long after the last scaling activity: agents keep in-flight conversations. */
export const SCALE_IN_COOLDOWN_SECONDS = 300;
export const SCALE_OUT_COOLDOWN_SECONDS = 60;

export interface AgentScalingProps {
  readonly clusterName: string;
  /** The ECS service; also what the scalable target waits for (RegisterScalableTarget needs it). */
  readonly serviceName: string;
  readonly service: ITerraformDependable;
  /** Range inside the schedule's hours, or always without a schedule. [0, 0] keeps the agent stopped. */
  readonly range: ScalingRange;
  /** Working hours; outside them the range is `schedule.outside`. */
  readonly schedule?: ScalingSchedule;
  /** Target tracking, if any. */
  readonly target?: ScalingTarget;
  /** Namespace and dimension of a custom target metric (the tenant's own). */
  readonly customMetric?: { readonly namespace: string; readonly agent: string };
  /** Names for scheduled actions and policies, by purpose (see naming.agentScalingName). */
  readonly name: (purpose: string) => string;
}

/**
 * Application Auto Scaling for one agent service: a scalable target over its desired count,
 * scheduled actions for working hours, and a target tracking policy. Scaling runs with AWS's
 * service-linked role for ECS (no role_arn: AWSServiceRoleForApplicationAutoScaling_ECSService,
 * whose policy AWS fixes to DescribeServices/UpdateService and the policy's own alarms), so
 * this stack creates no scaling role and grants nothing.
 */
export class AgentScaling extends Construct {
  constructor(scope: Construct, id: string, props: AgentScalingProps) {
    super(scope, id);
    const { range, schedule } = props;
    const what = `AgentScaling ${props.serviceName}`;
    requireInteger(what, "range.min", range.min, 0);
    requireInteger(what, "range.max", range.max, range.min);
    if (schedule && (schedule.outside.min > range.min || schedule.outside.max > range.max)) {
      throw new Error(`${what}: the range outside working hours must not exceed the range inside them`);
    }
    if (props.target?.metric === "custom" && !props.customMetric) throw new Error(`${what}: a custom target needs customMetric`);

    const resourceId = `service/${props.clusterName}/${props.serviceName}`;
    const scalable = { resourceId, scalableDimension: ECS_SCALABLE_DIMENSION, serviceNamespace: "ecs" };
    const target = new AppautoscalingTarget(this, "target", {
      ...scalable,
      minCapacity: range.min,
      maxCapacity: range.max,
      dependsOn: [props.service],
      // Scheduled actions rewrite the target's min and max (PutScheduledAction: "At the scheduled
      // time ... scales to the new minimum and maximum"), and target.go's Read stores what AWS
      // reports: without this every plan would reset the range to working hours.
      ...(schedule && { lifecycle: { ignoreChanges: ["min_capacity", "max_capacity"] } }),
    });

    if (schedule) {
      const action = (purpose: string, cron: string, r: ScalingRange) =>
        new AppautoscalingScheduledAction(this, purpose, {
          ...scalable,
          name: props.name(purpose),
          schedule: cron,
          timezone: schedule.timezone,
          // scheduled_action.go: min_capacity/max_capacity are nullable ints written as strings.
          scalableTargetAction: { minCapacity: String(r.min), maxCapacity: String(r.max) },
          dependsOn: [target],
        });
      action("hours-start", scheduleCron(schedule.from, schedule.days), range);
      // Every day, not only on working days: an agent (re)started outside working hours (a tenant
      // activated on a Saturday) starts at the working-hours range and is back to `outside` by the
      // end of that day at the latest.
      action("hours-end", scheduleCron(schedule.to), schedule.outside);
    }

    const tracking = props.target;
    if (tracking) {
      new AppautoscalingPolicy(this, "target-tracking", {
        ...scalable,
        name: props.name(`track-${tracking.metric === "custom" ? tracking.name : tracking.metric}`),
        policyType: "TargetTrackingScaling",
        targetTrackingScalingPolicyConfiguration: {
          targetValue: tracking.metric === "custom" ? tracking.value : tracking.percent,
          scaleInCooldown: SCALE_IN_COOLDOWN_SECONDS,
          scaleOutCooldown: SCALE_OUT_COOLDOWN_SECONDS,
          ...(tracking.metric === "custom"
            ? {
                customizedMetricSpecification: {
                  namespace: props.customMetric!.namespace,
                  metricName: tracking.name,
                  statistic: tracking.statistic,
                  dimensions: [{ name: "Agent", value: props.customMetric!.agent }],
                },
              }
            : {
                predefinedMetricSpecification: {
                  predefinedMetricType: tracking.metric === "cpu" ? "ECSServiceAverageCPUUtilization" : "ECSServiceAverageMemoryUtilization",
                },
              }),
        },
        dependsOn: [target],
      });
    }
  }
}
