import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { STORAGE_METRIC } from "../db/contract";
import { CONTAINER_INSIGHTS_NAMESPACE, SERVICE_UTILIZATION, TASK_COUNT_METRICS } from "./agent-alarms";
import { alarmWidgets, dashboardConsoleUrl, metricRow, renderBody, stackAlarmArns, WidgetSpec } from "./dashboard-body";
import { RDS_METRICS } from "./database";
import { EGRESS_METRIC_NAMESPACE, EGRESS_REFUSED_METRIC } from "./egress-proxy";
import { BEDROCK_METRICS } from "./tenant-inference-profiles";
import { LOG_ERRORS_METRIC } from "./tenant-logging";

export interface TenantDashboardProps {
  readonly dashboardName: string;
  readonly tenantId: string;
  readonly environment: string;
  readonly region: string;
  /** The shared cluster's name (platform contract). */
  readonly clusterName: string;
  /** Agent name → its ECS service's name. */
  readonly services: Readonly<Record<string, string>>;
  /** The tenant's log group (TenantLogging), searched for error lines. */
  readonly logGroupName: string;
  /** Model short name → application inference profile id (TenantInferenceProfiles.profileIds). */
  readonly inferenceProfileIds: Readonly<Record<string, string>>;
  /** The shared database's RDS identifier (its connections are shared by every tenant). */
  readonly databaseIdentifier: string;
  /** The tenant role's connection limit (TenantDatabase connectionLimit). */
  readonly databaseConnectionLimit: number;
  /** Storage at which the tenant's database alarm fires, in GiB. */
  readonly databaseStorageAlarmGiB: number;
  /** The tenant's AWS budget: its numbers are not CloudWatch metrics, so the dashboard names and links it. */
  readonly budget: { readonly name: string; readonly monthlyUsd: number };
  /** Where the tenant's alarms go (alarmEmails), shown on the dashboard. @default the platform topic's subscribers only */
  readonly alarmRecipients?: readonly string[];
}

/**
 * One dashboard per tenant: each agent's tasks running against desired, CPU and memory, error
 * lines from its logs, Bedrock invocations and tokens through its own inference profiles, its
 * database storage and the shared instance's connections, refused egress, and the state of every
 * alarm the tenant stack declares. Built last in the stack, so the alarm widget lists them all.
 *
 * Spend has no CloudWatch metric per tenant: AWS/Billing EstimatedCharges exists only in
 * us-east-1, per service and account, never per cost-allocation tag, and a budget's actual and
 * forecast spend are not metrics. The dashboard names the budget and links to it instead.
 */
export class TenantDashboard extends Construct {
  public readonly dashboardName: string;
  public readonly dashboardArn: string;

  constructor(scope: Construct, id: string, props: TenantDashboardProps) {
    super(scope, id);
    if (!Number.isInteger(props.databaseConnectionLimit) || props.databaseConnectionLimit < 1) {
      throw new Error(`TenantDashboard ${props.tenantId}: databaseConnectionLimit must be a positive integer, got ${props.databaseConnectionLimit}`);
    }
    const service = (agent: string) => ({ ClusterName: props.clusterName, ServiceName: props.services[agent] });
    const agents = Object.keys(props.services).sort();
    const profiles = Object.entries(props.inferenceProfileIds).sort(([a], [b]) => a.localeCompare(b));
    const alarms = stackAlarmArns(this);

    const widgets: WidgetSpec[] = [
      { type: "text", width: 24, height: 3, markdown: header(props) },
      ...agents.map(
        (agent): WidgetSpec => ({
          type: "metric",
          width: 8,
          height: 6,
          title: `${agent}: tasks running vs desired`,
          metrics: [
            metricRow(CONTAINER_INSIGHTS_NAMESPACE, TASK_COUNT_METRICS.running, service(agent), { label: "running" }),
            metricRow(CONTAINER_INSIGHTS_NAMESPACE, TASK_COUNT_METRICS.desired, service(agent), { label: "desired" }),
          ],
        }),
      ),
      ...(
        [
          ["CPU utilization (%)", SERVICE_UTILIZATION.cpu],
          ["Memory utilization (%)", SERVICE_UTILIZATION.memory],
        ] as const
      ).map(
        ([title, metric]): WidgetSpec => ({
          type: "metric",
          width: 12,
          height: 6,
          title,
          metrics: agents.map((agent) => metricRow(SERVICE_UTILIZATION.namespace, metric, service(agent), { label: agent })),
        }),
      ),
      {
        type: "metric",
        width: 8,
        height: 6,
        title: "Error log lines",
        stat: "Sum",
        metrics: [metricRow(LOG_ERRORS_METRIC.namespace, LOG_ERRORS_METRIC.name, { [LOG_ERRORS_METRIC.dimension]: props.tenantId }, { label: "error lines" })],
      },
      {
        type: "log",
        width: 16,
        height: 6,
        title: "Latest errors (Logs Insights)",
        // Any line that says error, JSON or not: the metric counts only lines that follow the contract.
        query: `SOURCE '${props.logGroupName}' | fields @timestamp, @logStream, @message | filter @message like /(?i)(error|exception|fatal)/ | sort @timestamp desc | limit 50`,
      },
      ...bedrockWidgets(profiles),
      {
        type: "metric",
        width: 8,
        height: 6,
        title: "Database storage (bytes)",
        stat: "Maximum",
        period: 900,
        metrics: [metricRow(STORAGE_METRIC.namespace, STORAGE_METRIC.bytes, { Environment: props.environment, TenantID: props.tenantId }, { label: "schema and shared rows" })],
        lines: [{ label: "alarm", value: props.databaseStorageAlarmGiB * 1024 ** 3 }],
      },
      {
        type: "metric",
        width: 8,
        height: 6,
        title: "Database connections (shared instance, all tenants)",
        metrics: [metricRow(RDS_METRICS.namespace, RDS_METRICS.connections, { DBInstanceIdentifier: props.databaseIdentifier }, { label: "all tenants" })],
        lines: [{ label: "this tenant's role limit", value: props.databaseConnectionLimit }],
      },
      {
        type: "metric",
        width: 8,
        height: 6,
        title: "Egress connections refused",
        stat: "Sum",
        metrics: [metricRow(EGRESS_METRIC_NAMESPACE, EGRESS_REFUSED_METRIC, { TenantId: props.tenantId }, { label: "refused" })],
      },
      ...alarmWidgets(alarms, "Alarms of this tenant"),
    ];
    const dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.dashboardName,
      dashboardBody: renderBody(widgets, props.region),
    });
    this.dashboardName = dashboard.dashboardName;
    this.dashboardArn = dashboard.dashboardArn;
  }
}

function header(props: TenantDashboardProps): string {
  const routing = props.alarmRecipients?.length ? props.alarmRecipients.join(", ") : "the platform topic's subscribers only";
  return [
    `# Tenant ${props.tenantId} (${props.environment}, ${props.region})`,
    `Spend: budget **${props.budget.name}**, ${props.budget.monthlyUsd} USD a month. Budgets and per-tenant spend are not CloudWatch metrics: see [AWS Budgets](https://console.aws.amazon.com/costmanagement/home#/budgets) and Cost Explorer grouped by the TenantID tag. Alarms go to: ${routing}.`,
    `Dashboard: ${dashboardConsoleUrl(props.region, props.dashboardName)}`,
  ].join("\n\n");
}

/** Invocations, input and output tokens, one line per inference profile. */
function bedrockWidgets(profiles: ReadonlyArray<[string, string]>): WidgetSpec[] {
  if (profiles.length === 0) return [{ type: "text", width: 24, height: 2, markdown: "No Bedrock models: the tenant file declares no bedrockModels." }];
  return (
    [
      ["Bedrock invocations", BEDROCK_METRICS.invocations],
      ["Bedrock input tokens", BEDROCK_METRICS.inputTokens],
      ["Bedrock output tokens", BEDROCK_METRICS.outputTokens],
    ] as const
  ).map(([title, metric]) => ({
    type: "metric",
    width: 8,
    height: 6,
    title,
    stat: "Sum",
    metrics: profiles.map(([model, profileId]) => metricRow(BEDROCK_METRICS.namespace, metric, { [BEDROCK_METRICS.dimension]: profileId }, { label: model })),
  }));
}
