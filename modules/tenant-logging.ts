import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { PolicyStatement } from "./iam-policy-document";

/**
 * Error lines of a tenant's agents, counted by a metric filter on its log group: namespace, metric
 * and its one dimension, whose value is always the tenant id (the filter matches only lines that
 * carry it, images/agent/CONTRACT.md "Logging").
 */
export const LOG_ERRORS_METRIC = { namespace: "OpenClaw/Agents", name: "ErrorLogEvents", dimension: "TenantId" } as const;

export interface TenantLoggingProps {
  readonly logGroupName: string;
  /** The tenant's key; the key policy must let CloudWatch Logs use it for this group. */
  readonly kmsKeyArn: string;
  /** Days logs are kept; one of CloudWatch's allowed values. */
  readonly retentionDays: number;
  /**
   * `skip_destroy`: a destroy removes the group from state and leaves it (and its logs, until
   * their retention expires) in place. @default false (a destroy deletes the group)
   */
  readonly retainOnDestroy?: boolean;
  /**
   * Counts the agents' JSON error lines (`level` error or fatal) as LOG_ERRORS_METRIC for this
   * tenant. @default no metric filter
   */
  readonly errorMetric?: { readonly tenantId: string; readonly filterName: string };
}

/** The tenant's log group: every agent's container output, encrypted with the tenant key. */
export class TenantLogging extends Construct {
  public readonly logGroupName: string;
  public readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: TenantLoggingProps) {
    super(scope, id);
    const group = new CloudwatchLogGroup(this, "log-group", {
      name: props.logGroupName,
      kmsKeyId: props.kmsKeyArn,
      retentionInDays: props.retentionDays,
      skipDestroy: props.retainOnDestroy || undefined,
    });
    this.logGroupName = group.name;
    this.logGroupArn = group.arn;
    if (props.errorMetric) {
      const { tenantId, filterName } = props.errorMetric;
      // The dimension takes the line's own `tenant` field, so the pattern pins it to this tenant:
      // an agent writing another id counts nowhere, and the filter never meets the 1,000
      // dimension values at which CloudWatch Logs disables it (PutMetricFilter).
      new CloudwatchLogMetricFilter(this, "errors", {
        name: filterName,
        logGroupName: group.name,
        pattern: `{ ($.tenant = "${tenantId}") && (($.level = "error") || ($.level = "ERROR") || ($.level = "fatal") || ($.level = "FATAL")) }`,
        metricTransformation: {
          name: LOG_ERRORS_METRIC.name,
          namespace: LOG_ERRORS_METRIC.namespace,
          value: "1",
          unit: "Count",
          dimensions: { [LOG_ERRORS_METRIC.dimension]: "$.tenant" },
        },
      });
    }
  }

  /** Write access to this group's streams only, for the execution role's awslogs driver. */
  public writeStatements(): PolicyStatement[] {
    return [{ Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${this.logGroupArn}:log-stream:*` }];
  }
}
