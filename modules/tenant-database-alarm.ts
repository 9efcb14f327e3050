import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { STORAGE_METRIC } from "../db/contract";

export interface TenantDatabaseAlarmProps {
  readonly tenantId: string;
  /** Environment, a dimension of the metric (the provisioner reports its own environment). */
  readonly environment: string;
  /** Alarm name, e.g. agentAlarmName(tenantId, "database", "storage-high"). */
  readonly alarmName: string;
  /** The platform's alarm topic. */
  readonly alarmTopicArn: string;
  /** Storage (own schema plus rows in the shared tables) that raises the alarm, in GiB. */
  readonly storageGiB: number;
}

/**
 * Alarms when the tenant's database storage passes a threshold. PostgreSQL has no storage
 * quota per schema or role, so the platform's provisioner measures each tenant every 15
 * minutes (`measure` operation, db/provisioner/storage.ts) and this alarm tells the operator
 * which tenant grows, long before the instance's FreeStorageSpace alarm would.
 */
export class TenantDatabaseAlarm extends Construct {
  constructor(scope: Construct, id: string, props: TenantDatabaseAlarmProps) {
    super(scope, id);
    if (!(Number.isInteger(props.storageGiB) && props.storageGiB >= 1)) {
      throw new Error(`TenantDatabaseAlarm ${props.tenantId}: storageGiB must be a positive integer, got ${props.storageGiB}`);
    }
    new CloudwatchMetricAlarm(this, "storage-high", {
      alarmName: props.alarmName,
      alarmDescription: `Database storage of tenant ${props.tenantId} above ${props.storageGiB} GiB`,
      namespace: STORAGE_METRIC.namespace,
      metricName: STORAGE_METRIC.bytes,
      dimensions: { Environment: props.environment, TenantID: props.tenantId },
      statistic: "Maximum",
      period: 900,
      evaluationPeriods: 1,
      threshold: props.storageGiB * 1024 ** 3,
      comparisonOperator: "GreaterThanThreshold",
      // A retired tenant or a platform without the measure schedule reports nothing.
      treatMissingData: "notBreaching",
      alarmActions: [props.alarmTopicArn],
      okActions: [props.alarmTopicArn],
    });
  }
}
