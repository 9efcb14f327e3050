import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";

export interface AgentAlarmsProps {
  readonly clusterName: string;
  readonly serviceName: string;
  /** Alarm name per metric; see naming.agentAlarmName. */
  readonly alarmName: (metric: string) => string;
  /** The platform's alarm topic. */
  readonly alarmTopicArn: string;
  /** Utilization percent that raises the alarm. @default 85 */
  readonly thresholdPercent?: number;
}

/**
 * Container Insights (the cluster's `containerInsights` setting) reports each service's running
 * and desired task counts here, dimensions ClusterName and ServiceName.
 */
export const CONTAINER_INSIGHTS_NAMESPACE = "ECS/ContainerInsights";
/** Container Insights' task counts of a service (dimensions ClusterName, ServiceName). */
export const TASK_COUNT_METRICS = { running: "RunningTaskCount", desired: "DesiredTaskCount" } as const;
/** ECS's own service utilization metrics (dimensions ClusterName, ServiceName). */
export const SERVICE_UTILIZATION = { namespace: "AWS/ECS", cpu: "CPUUtilization", memory: "MemoryUtilization" } as const;

/**
 * CPU and memory alarms for one agent service, and a "tasks short" alarm when fewer tasks run
 * than the service asks for, sent to the platform's alarm topic. The shortfall, not the running
 * count, is what is unhealthy: a service its schedule scaled to 0 asks for 0 and runs 0, while
 * one running below its minimum asks for at least the minimum (Application Auto Scaling keeps
 * the desired count inside its range) and is short.
 */
export class AgentAlarms extends Construct {
  /** Names of the alarms created, for routing them (AlarmSubscriptions alarmNames). */
  public readonly alarmNames: string[];

  constructor(scope: Construct, id: string, props: AgentAlarmsProps) {
    super(scope, id);
    this.alarmNames = ["cpu-high", "memory-high", "tasks-short"].map(props.alarmName);
    const threshold = props.thresholdPercent ?? 85;
    if (!(threshold > 0 && threshold <= 100)) {
      throw new Error(`AgentAlarms ${props.serviceName}: thresholdPercent must be in (0, 100], got ${threshold}`);
    }
    for (const [metric, metricName] of [
      ["cpu-high", SERVICE_UTILIZATION.cpu],
      ["memory-high", SERVICE_UTILIZATION.memory],
    ] as const) {
      new CloudwatchMetricAlarm(this, metric, {
        alarmName: props.alarmName(metric),
        alarmDescription: `${metricName} of ${props.serviceName} above ${threshold}% for 15 minutes`,
        namespace: SERVICE_UTILIZATION.namespace,
        metricName,
        dimensions: { ClusterName: props.clusterName, ServiceName: props.serviceName },
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        threshold,
        comparisonOperator: "GreaterThanThreshold",
        // A suspended tenant runs no tasks and reports nothing: that is not an alarm.
        treatMissingData: "notBreaching",
        alarmActions: [props.alarmTopicArn],
        okActions: [props.alarmTopicArn],
      });
    }
    const dimensions = { ClusterName: props.clusterName, ServiceName: props.serviceName };
    const taskCount = (id: string, metricName: string) => ({
      id,
      returnData: false,
      metric: { namespace: CONTAINER_INSIGHTS_NAMESPACE, metricName, dimensions, period: 300, stat: "Average" },
    });
    new CloudwatchMetricAlarm(this, "tasks-short", {
      alarmName: props.alarmName("tasks-short"),
      alarmDescription: `${props.serviceName} ran fewer tasks than it asks for (its minimum or more) for 15 minutes: tasks fail to start or keep stopping`,
      metricQuery: [
        taskCount("running", TASK_COUNT_METRICS.running),
        taskCount("desired", TASK_COUNT_METRICS.desired),
        { id: "short", expression: "desired - running", label: "tasks short of desired", returnData: true },
      ],
      evaluationPeriods: 3,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      // No data means no service metrics yet (a new tenant): not a shortfall.
      treatMissingData: "notBreaching",
      alarmActions: [props.alarmTopicArn],
      okActions: [props.alarmTopicArn],
    });
  }
}
