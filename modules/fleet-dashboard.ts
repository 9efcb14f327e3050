import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CONTAINER_INSIGHTS_NAMESPACE, TASK_COUNT_METRICS } from "./agent-alarms";
import { alarmWidgets, dashboardsConsoleUrl, expressionRow, metricRow, renderBody, searchExpression, stackAlarmArns, WidgetSpec } from "./dashboard-body";
import { RDS_METRICS } from "./database";
import { EGRESS_METRIC_NAMESPACE, EGRESS_REFUSED_METRIC } from "./egress-proxy";
import { BEDROCK_METRICS } from "./tenant-inference-profiles";
import { LOG_ERRORS_METRIC } from "./tenant-logging";

/**
 * Fargate's account usage (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/monitoring-fargate-usage.html):
 * `AWS/Usage` ResourceCount with Service=Fargate, Type=Resource, Resource=vCPU and Class
 * Standard/OnDemand or Standard/Spot; SERVICE_QUOTA() of it is the applied quota.
 */
export const FARGATE_USAGE = { namespace: "AWS/Usage", metric: "ResourceCount", onDemand: "Standard/OnDemand", spot: "Standard/Spot" } as const;
/** Container Insights' cluster-level count of services (dimension ClusterName). */
export const CLUSTER_SERVICE_COUNT = "ServiceCount";
/** Container Insights' vCPU units reserved by a service's tasks: what Fargate bills by. */
export const SERVICE_CPU_RESERVED = "CpuReserved";
/** How many entries the "top" widgets show. */
export const TOP_N = 10;

export interface FleetDashboardProps {
  readonly dashboardName: string;
  readonly environment: string;
  readonly region: string;
  /** The shared cluster every tenant's agents run on. */
  readonly clusterName: string;
  /** The shared database's RDS identifier. */
  readonly databaseIdentifier: string;
  /** What every tenant dashboard's name starts with (naming.tenantDashboardName), for the header. */
  readonly tenantDashboardPrefix: string;
  /** Quotas in force (the environment's declared values or AWS's defaults), drawn as lines. */
  readonly limits: {
    readonly fargateOnDemandVcpu: number;
    readonly fargateSpotVcpu: number;
    readonly servicesPerCluster: number;
    /** Connections tenants may hold, when the instance class is known. */
    readonly databaseConnections?: number;
  };
}

/**
 * One dashboard per environment and region, over the whole fleet there, built only from what
 * CloudWatch already knows at view time (SEARCH over the cluster's services and the tenants'
 * metrics), never from the tenant files: a platform stack that listed tenants would change with
 * every onboarding, making each one a platform (fleet-wide) change. So "tenants by status" is the
 * services' desired task counts (0 for provisioning, suspended and offboarding tenants), and "top
 * by spend" ranks what drives the bill (reserved vCPU, Bedrock tokens): dollars per tenant are in
 * Cost Explorer by the TenantID tag, not in CloudWatch.
 */
export class FleetDashboard extends Construct {
  public readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const { clusterName, limits } = props;
    const services = (metric: string, stat: string) =>
      searchExpression(CONTAINER_INSIGHTS_NAMESPACE, ["ClusterName", "ServiceName"], metric, { ClusterName: clusterName }, stat, 300);
    const top = (expression: string) => `SORT(${expression}, SUM, DESC, ${TOP_N})`;
    const alarms = stackAlarmArns(this);

    const widgets: WidgetSpec[] = [
      { type: "text", width: 24, height: 3, markdown: header(props) },
      {
        type: "metric",
        width: 12,
        height: 6,
        title: "Services by desired tasks (0: provisioning, suspended, offboarding)",
        view: "bar",
        metrics: [expressionRow("desired", services(TASK_COUNT_METRICS.desired, "Average"), "desired")],
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        title: "Services by running tasks",
        view: "bar",
        metrics: [expressionRow("running", services(TASK_COUNT_METRICS.running, "Average"), "running")],
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        title: `Top ${TOP_N} tenants by error log lines`,
        view: "bar",
        stat: "Sum",
        metrics: [expressionRow("errors", top(searchExpression(LOG_ERRORS_METRIC.namespace, [LOG_ERRORS_METRIC.dimension], LOG_ERRORS_METRIC.name, {}, "Sum", 3600)), "error lines")],
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        title: `Top ${TOP_N} tenants by refused egress`,
        view: "bar",
        stat: "Sum",
        metrics: [expressionRow("refused", top(searchExpression(EGRESS_METRIC_NAMESPACE, ["TenantId"], EGRESS_REFUSED_METRIC, {}, "Sum", 3600)), "refused")],
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        title: `Top ${TOP_N} services by reserved vCPU units (Fargate spend)`,
        view: "bar",
        metrics: [expressionRow("cpu", top(services(SERVICE_CPU_RESERVED, "Average")), "CPU units reserved")],
      },
      {
        type: "metric",
        width: 12,
        height: 6,
        title: `Top ${TOP_N} inference profiles by output tokens (Bedrock spend)`,
        view: "bar",
        stat: "Sum",
        metrics: [
          expressionRow("tokens", top(searchExpression(BEDROCK_METRICS.namespace, [BEDROCK_METRICS.dimension], BEDROCK_METRICS.outputTokens, {}, "Sum", 3600)), "output tokens"),
        ],
      },
      fargateWidget("Fargate On-Demand vCPU vs quota", FARGATE_USAGE.onDemand, limits.fargateOnDemandVcpu),
      fargateWidget("Fargate Spot vCPU vs quota", FARGATE_USAGE.spot, limits.fargateSpotVcpu),
      {
        type: "metric",
        width: 6,
        height: 6,
        title: "Services in the cluster vs quota",
        metrics: [metricRow(CONTAINER_INSIGHTS_NAMESPACE, CLUSTER_SERVICE_COUNT, { ClusterName: clusterName }, { label: "services" })],
        lines: [{ label: "quota", value: limits.servicesPerCluster }],
      },
      {
        type: "metric",
        width: 6,
        height: 6,
        title: "Database connections vs tenant maximum",
        metrics: [metricRow(RDS_METRICS.namespace, RDS_METRICS.connections, { DBInstanceIdentifier: props.databaseIdentifier }, { label: "connections" })],
        lines: limits.databaseConnections === undefined ? [] : [{ label: "max for tenants", value: limits.databaseConnections }],
      },
      ...alarmWidgets(alarms, "Platform alarms"),
    ];
    const dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.dashboardName,
      dashboardBody: renderBody(widgets, props.region),
    });
    this.dashboardName = dashboard.dashboardName;
  }
}

function header(props: FleetDashboardProps): string {
  const alarmsInAlarm = `https://${props.region}.console.aws.amazon.com/cloudwatch/home?region=${props.region}#alarmsV2:?~(search~'openclaw-~state~'ALARM)`;
  return [
    `# Fleet ${props.environment} ${props.region}`,
    `Live from CloudWatch; no tenant list is embedded (tenant statuses are in the tenant files, \`npm run audit:tenant -- <id>\` names each tenant's dashboard). Tenant alarms in ALARM: [alarms console](${alarmsInAlarm}); tenant dashboards: [dashboards console](${dashboardsConsoleUrl(props.region)}) (named ${props.tenantDashboardPrefix}<tenant>). The alarm widget below lists the platform's own alarms.`,
  ].join("\n\n");
}

/** The account's Fargate vCPU of one class against the quota Service Quotas applies and the one the environment declares. */
function fargateWidget(title: string, klass: string, declared: number): WidgetSpec {
  return {
    type: "metric",
    width: 6,
    height: 6,
    title,
    metrics: [
      metricRow(FARGATE_USAGE.namespace, FARGATE_USAGE.metric, { Service: "Fargate", Type: "Resource", Resource: "vCPU", Class: klass }, { id: "usage", label: "vCPU in use" }),
      expressionRow("quota", "SERVICE_QUOTA(usage)", "applied quota"),
    ],
    lines: [{ label: "declared quota", value: declared }],
  };
}
