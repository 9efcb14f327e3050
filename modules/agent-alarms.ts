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

/** CPU and memory alarms for one agent service, sent to the platform's alarm topic. */
export class AgentAlarms extends Construct {
  constructor(scope: Construct, id: string, props: AgentAlarmsProps) {
    super(scope, id);
    const threshold = props.thresholdPercent ?? 85;
    if (!(threshold > 0 && threshold <= 100)) {
      throw new Error(`AgentAlarms ${props.serviceName}: thresholdPercent must be in (0, 100], got ${threshold}`);
    }
    for (const [metric, metricName] of [
      ["cpu-high", "CPUUtilization"],
      ["memory-high", "MemoryUtilization"],
    ] as const) {
      new CloudwatchMetricAlarm(this, metric, {
        alarmName: props.alarmName(metric),
        alarmDescription: `${metricName} of ${props.serviceName} above ${threshold}% for 15 minutes`,
        namespace: "AWS/ECS",
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
  }
}
