import { Construct } from "constructs";
import { CeAnomalyMonitor } from "@cdktf/provider-aws/lib/ce-anomaly-monitor";
import { CeAnomalySubscription } from "@cdktf/provider-aws/lib/ce-anomaly-subscription";
import { tagExpressionJson } from "./cost-anomaly-expression";
import { TENANT_RESOURCE_TAG } from "./tenant-permissions-boundary";

export interface TenantCostAnomalyMonitorProps {
  readonly tenantId: string;
  /** Name of the monitor and of its subscription. */
  readonly monitorName: string;
  /** The platform's alarm topic; its policy must admit costalerts.amazonaws.com. */
  readonly alarmTopicArn: string;
  /** The tenant's monthly budget in USD; anomalies below a tenth of it (at least $5) are not sent. */
  readonly monthlyBudgetUsd: number;
}

/**
 * Cost Anomaly Detection on one tenant's spend (an environment's `costAnomalies.monitors:
 * per-tenant`): a customer-managed (CUSTOM) monitor over costs
 * tagged TenantID=<tenant>, whose anomalies go straight to the platform alarm topic (SNS
 * subscriptions must be IMMEDIATE). One monitor per tenant is the tenant dimension: an AWS-managed
 * DIMENSIONAL monitor on the TAG dimension would need monitor_dimension and
 * monitor_specification together, which the AWS provider (6.x, ce/anomaly_monitor.go
 * ConflictsWith) does not allow. Tag monitors exist only in management (or standalone) accounts,
 * at most 500 custom monitors per account; the capacity gate counts them.
 */
export class TenantCostAnomalyMonitor extends Construct {
  constructor(scope: Construct, id: string, props: TenantCostAnomalyMonitorProps) {
    super(scope, id);
    if (!(props.monthlyBudgetUsd > 0)) {
      throw new Error(`TenantCostAnomalyMonitor ${props.tenantId}: monthlyBudgetUsd must be > 0, got ${props.monthlyBudgetUsd}`);
    }
    const thresholdUsd = Math.max(5, props.monthlyBudgetUsd / 10);
    const monitor = new CeAnomalyMonitor(this, "monitor", {
      name: props.monitorName,
      monitorType: "CUSTOM",
      // One tag value, in the form the provider stores (null for every unset field), or every
      // plan would replace the monitor.
      monitorSpecification: tagExpressionJson({ Key: TENANT_RESOURCE_TAG, MatchOptions: ["EQUALS"], Values: [props.tenantId] }),
    });
    new CeAnomalySubscription(this, "subscription", {
      name: props.monitorName,
      frequency: "IMMEDIATE",
      monitorArnList: [monitor.arn],
      subscriber: [{ type: "SNS", address: props.alarmTopicArn }],
      thresholdExpression: {
        dimension: { key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", matchOptions: ["GREATER_THAN_OR_EQUAL"], values: [thresholdUsd.toFixed(2)] },
      },
    });
  }
}
