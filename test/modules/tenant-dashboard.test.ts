import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { TenantDashboard, TenantDashboardProps } from "../../modules/tenant-dashboard";
import { only, synthModule } from "../support/module-synth";

const props: TenantDashboardProps = {
  dashboardName: "openclaw-tenant-acme",
  tenantId: "acme",
  environment: "production",
  region: "us-east-1",
  clusterName: "openclaw-production-us-east-1-agents",
  services: { writer: "acme-writer", butler: "acme-butler" },
  logGroupName: "/openclaw/production/acme",
  inferenceProfileIds: { "claude-sonnet-4-5": "abcd1234efgh" },
  databaseIdentifier: "openclaw-production-us-east-1-db",
  databaseConnectionLimit: 8,
  databaseStorageAlarmGiB: 5,
  budget: { name: "openclaw-production-acme", monthlyUsd: 300 },
  alarmRecipients: ["oncall@acme.example"],
};
const build = (overrides: Partial<TenantDashboardProps> = {}, before?: (scope: any) => void) => {
  const dashboard = only(
    synthModule((scope) => {
      before?.(scope);
      new TenantDashboard(scope, "dashboard", { ...props, ...overrides });
    }).json,
    "aws_cloudwatch_dashboard",
  );
  return { name: dashboard.dashboard_name, body: JSON.parse(dashboard.dashboard_body) as { widgets: any[] } };
};
const titled = (body: { widgets: any[] }, title: string) => body.widgets.find((w) => w.properties.title === title);

describe("TenantDashboard", () => {
  it("plots each agent's running and desired tasks, in agent order, on the shared cluster", () => {
    const { name, body } = build();
    expect(name).toBe("openclaw-tenant-acme");
    expect(titled(body, "butler: tasks running vs desired").properties.metrics).toEqual([
      ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", props.clusterName, "ServiceName", "acme-butler", { label: "running" }],
      ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", props.clusterName, "ServiceName", "acme-butler", { label: "desired" }],
    ]);
    expect(titled(body, "CPU utilization (%)").properties.metrics.map((m: unknown[]) => m[5])).toEqual(["acme-butler", "acme-writer"]);
  });

  it("plots Bedrock by inference profile id, errors by tenant, storage and connections with their limits", () => {
    const { body } = build();
    expect(titled(body, "Bedrock output tokens").properties.metrics).toEqual([["AWS/Bedrock", "OutputTokenCount", "ModelId", "abcd1234efgh", { label: "claude-sonnet-4-5" }]]);
    expect(titled(body, "Error log lines").properties.metrics).toEqual([["OpenClaw/Agents", "ErrorLogEvents", "TenantId", "acme", { label: "error lines" }]]);
    expect(titled(body, "Database storage (bytes)").properties.annotations.horizontal).toEqual([{ label: "alarm", value: 5 * 1024 ** 3 }]);
    expect(titled(body, "Database connections (shared instance, all tenants)").properties.annotations.horizontal).toEqual([{ label: "this tenant's role limit", value: 8 }]);
    expect(titled(body, "Latest errors (Logs Insights)").properties.query).toMatch(/^SOURCE '\/openclaw\/production\/acme' \|/);
  });

  it("shows spend as the budget's name and a link, never a billing metric", () => {
    const { body } = build();
    expect(body.widgets[0].properties.markdown).toContain("budget **openclaw-production-acme**, 300 USD a month");
    expect(JSON.stringify(body)).not.toContain("AWS/Billing");
  });

  it("lists the alarms its stack declared before it", () => {
    const { body } = build({}, (scope) => new CloudwatchMetricAlarm(scope, "an-alarm", { alarmName: "x", comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 1 }));
    expect(body.widgets.filter((w) => w.type === "alarm").flatMap((w) => w.properties.alarms)).toEqual([expect.stringMatching(/^\$\{aws_cloudwatch_metric_alarm\.an-alarm\.arn\}$/)]);
  });

  it("says so when the tenant has no Bedrock models", () => {
    const { body } = build({ inferenceProfileIds: {} });
    expect(body.widgets.some((w) => w.type === "text" && /No Bedrock models/.test(w.properties.markdown))).toBe(true);
    expect(titled(body, "Bedrock invocations")).toBeUndefined();
  });

  it("fails when databaseConnectionLimit is not a positive integer", () => {
    expect(() => build({ databaseConnectionLimit: 0 })).toThrow("TenantDashboard acme: databaseConnectionLimit must be a positive integer, got 0");
  });
});
