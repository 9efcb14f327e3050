import { FleetDashboard, FleetDashboardProps } from "../../modules/fleet-dashboard";
import { only, synthModule } from "../support/module-synth";

const props: FleetDashboardProps = {
  dashboardName: "openclaw-fleet-production-us-east-1",
  environment: "production",
  region: "us-east-1",
  clusterName: "openclaw-production-us-east-1-agents",
  databaseIdentifier: "openclaw-production-us-east-1-db",
  tenantDashboardPrefix: "openclaw-tenant-",
  limits: { fargateOnDemandVcpu: 4000, fargateSpotVcpu: 200, servicesPerCluster: 5000, databaseConnections: 400 },
};
const build = (overrides: Partial<FleetDashboardProps> = {}) => {
  const d = only(synthModule((scope) => new FleetDashboard(scope, "fleet", { ...props, ...overrides })).json, "aws_cloudwatch_dashboard");
  return JSON.parse(d.dashboard_body) as { widgets: any[] };
};
const titled = (body: { widgets: any[] }, title: string) => body.widgets.find((w) => w.properties.title === title);

describe("FleetDashboard", () => {
  it("ranks tenants by error lines with a SEARCH over the tenants' metric, top 10", () => {
    expect(titled(build(), "Top 10 tenants by error log lines").properties.metrics).toEqual([
      [{ id: "errors", expression: `SORT(SEARCH('{OpenClaw/Agents,TenantId} MetricName="ErrorLogEvents"', 'Sum', 3600), SUM, DESC, 10)`, label: "error lines" }],
    ]);
  });

  it("keeps its searches over services to its own cluster", () => {
    const desired = titled(build(), "Services by desired tasks (0: provisioning, suspended, offboarding)");
    expect(desired.properties.metrics[0][0].expression).toBe(
      `SEARCH('{ECS/ContainerInsights,ClusterName,ServiceName} MetricName="DesiredTaskCount" ClusterName="openclaw-production-us-east-1-agents"', 'Average', 300)`,
    );
  });

  it("draws the quotas in force and the applied quota beside Fargate usage", () => {
    const spot = titled(build(), "Fargate Spot vCPU vs quota").properties;
    expect(spot.metrics).toEqual([
      ["AWS/Usage", "ResourceCount", "Service", "Fargate", "Type", "Resource", "Resource", "vCPU", "Class", "Standard/Spot", { id: "usage", label: "vCPU in use" }],
      [{ id: "quota", expression: "SERVICE_QUOTA(usage)", label: "applied quota" }],
    ]);
    expect(spot.annotations.horizontal).toEqual([{ label: "declared quota", value: 200 }]);
  });

  it("draws no connections line when the instance class's maximum is unknown", () => {
    expect(titled(build({ limits: { ...props.limits, databaseConnections: undefined } }), "Database connections vs tenant maximum").properties.annotations).toBeUndefined();
  });
});
