import { AccountCostAnomalyMonitor } from "../../modules/account-cost-anomaly-monitor";
import { all, only, synthModule } from "../support/module-synth";

const TOPIC = "arn:aws:sns:us-east-1:111111111111:alarms";

describe("AccountCostAnomalyMonitor", () => {
  it("creates the account's AWS services monitor and sends anomalies over the threshold to the alarm topic immediately", () => {
    const { json } = synthModule((scope) => new AccountCostAnomalyMonitor(scope, "anomalies", { name: "openclaw-production-services", alarmTopicArn: TOPIC, thresholdUsd: 100 }));
    expect(only(json, "aws_ce_anomaly_monitor")).toMatchObject({ monitor_type: "DIMENSIONAL", monitor_dimension: "SERVICE" });
    expect(only(json, "aws_ce_anomaly_monitor").monitor_specification).toBeUndefined();
    const subscription = only(json, "aws_ce_anomaly_subscription");
    expect(subscription).toMatchObject({ frequency: "IMMEDIATE", subscriber: [{ type: "SNS", address: TOPIC }] });
    expect(subscription.threshold_expression.dimension.values).toEqual(["100.00"]);
  });

  it("subscribes to an existing services monitor without creating one (an account may have only one)", () => {
    const arn = "arn:aws:ce::111111111111:anomalymonitor/0b5f2e1c-1111-2222-3333-444455556666";
    const { json } = synthModule((scope) => new AccountCostAnomalyMonitor(scope, "anomalies", { name: "n", alarmTopicArn: TOPIC, thresholdUsd: 5, existingMonitorArn: arn }));
    expect(all(json, "aws_ce_anomaly_monitor")).toEqual([]);
    expect(only(json, "aws_ce_anomaly_subscription").monitor_arn_list).toEqual([arn]);
  });

  it("fails when the threshold is below one dollar", () => {
    expect(() => synthModule((scope) => new AccountCostAnomalyMonitor(scope, "a", { name: "n", alarmTopicArn: TOPIC, thresholdUsd: 0 }))).toThrow(
      "AccountCostAnomalyMonitor n: thresholdUsd must be at least 1, got 0",
    );
  });
});
