import { Construct } from "constructs";
import { CeAnomalyMonitor } from "@cdktf/provider-aws/lib/ce-anomaly-monitor";
import { CeAnomalySubscription } from "@cdktf/provider-aws/lib/ce-anomaly-subscription";

export interface AccountCostAnomalyMonitorProps {
  /** Name of the monitor and of its subscription. */
  readonly name: string;
  /** The platform's alarm topic; its policy and key must admit costalerts.amazonaws.com. */
  readonly alarmTopicArn: string;
  /** Smallest anomaly (total impact in USD) sent to the topic. */
  readonly thresholdUsd: number;
  /**
   * The account's existing AWS services monitor, to subscribe to instead of creating one (an
   * account may have only one). @default a services monitor is created
   */
  readonly existingMonitorArn?: string;
}

/**
 * Cost Anomaly Detection for a whole environment (account): the account's one AWS services monitor
 * (DIMENSIONAL on SERVICE, each service evaluated on its own) with an immediate subscription to the
 * alarm topic. Unlike tag monitors it can be created in an Organizations member account, and it is
 * one monitor whatever the number of tenants (an account may have one services monitor and 500
 * custom ones: https://aws.amazon.com/aws-cost-management/aws-cost-anomaly-detection/faqs/).
 * Per-tenant spend is still bounded by each tenant's budget and spend stop.
 */
export class AccountCostAnomalyMonitor extends Construct {
  public readonly monitorArn: string;

  constructor(scope: Construct, id: string, props: AccountCostAnomalyMonitorProps) {
    super(scope, id);
    if (!(props.thresholdUsd >= 1)) {
      throw new Error(`AccountCostAnomalyMonitor ${props.name}: thresholdUsd must be at least 1, got ${props.thresholdUsd}`);
    }
    this.monitorArn =
      props.existingMonitorArn ?? new CeAnomalyMonitor(this, "monitor", { name: props.name, monitorType: "DIMENSIONAL", monitorDimension: "SERVICE" }).arn;
    new CeAnomalySubscription(this, "subscription", {
      name: props.name,
      // SNS subscribers must be IMMEDIATE.
      frequency: "IMMEDIATE",
      monitorArnList: [this.monitorArn],
      subscriber: [{ type: "SNS", address: props.alarmTopicArn }],
      thresholdExpression: {
        dimension: { key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", matchOptions: ["GREATER_THAN_OR_EQUAL"], values: [props.thresholdUsd.toFixed(2)] },
      },
    });
  }
}
