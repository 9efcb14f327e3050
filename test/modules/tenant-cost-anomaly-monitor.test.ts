import { TenantCostAnomalyMonitor } from "../../modules/tenant-cost-anomaly-monitor";
import { only, synthModule } from "../support/module-synth";

const build = (monthlyBudgetUsd = 300) =>
  synthModule(
    (scope) =>
      new TenantCostAnomalyMonitor(scope, "anomalies", {
        tenantId: "acme",
        monitorName: "openclaw-production-acme",
        alarmTopicArn: "arn:aws:sns:us-east-1:111111111111:alarms",
        monthlyBudgetUsd,
      }),
  ).json;

describe("TenantCostAnomalyMonitor", () => {
  // Arguments: internal/service/ce/anomaly_monitor.go, anomaly_subscription.go (terraform-provider-aws).
  it("monitors the spend tagged with this tenant's TenantID on its own", () => {
    const monitor = only(build(), "aws_ce_anomaly_monitor");
    expect(monitor.monitor_type).toBe("CUSTOM");
    expect(monitor.monitor_dimension).toBeUndefined();
    // Exactly what the provider stores (Go's json.Marshal of costexplorer/types.Expression), or every plan replaces it.
    expect(monitor.monitor_specification).toBe(
      '{"And":null,"CostCategories":null,"Dimensions":null,"Not":null,"Or":null,"Tags":{"Key":"TenantID","MatchOptions":["EQUALS"],"Values":["acme"]}}',
    );
  });

  it("sends anomalies of at least a tenth of the budget to the alarm topic immediately (SNS requires IMMEDIATE)", () => {
    const subscription = only(build(), "aws_ce_anomaly_subscription");
    expect(subscription.frequency).toBe("IMMEDIATE");
    expect(subscription.subscriber).toEqual([{ type: "SNS", address: "arn:aws:sns:us-east-1:111111111111:alarms" }]);
    expect(subscription.monitor_arn_list).toEqual([expect.stringMatching(/^\$\{aws_ce_anomaly_monitor\.anomalies_monitor_[A-F0-9]+\.arn\}$/)]);
    expect(subscription.threshold_expression.dimension).toEqual({ key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", match_options: ["GREATER_THAN_OR_EQUAL"], values: ["30.00"] });
  });

  it("never alerts on anomalies under $5, however small the budget", () => {
    expect(only(build(20), "aws_ce_anomaly_subscription").threshold_expression.dimension.values).toEqual(["5.00"]);
  });
});
