import { evaluate } from "../../capacity/evaluate";
import { maxConnections } from "../../aws/quotas";
import { measureUsage, Meter } from "../../capacity/usage";
import { synthesize } from "../support/synth";
import { writeCdktfJson, writeTenants } from "../support/tenant-fixtures";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";

const CDKTF_JSON = FIXTURE_CDKTF_JSON;

/** Two production tenants in us-east-1 (one suspended) and one in us-west-2. */
const output = synthesize(
  writeTenants([
    { id: "alpha", agents: { aa: "{ cpu: 1024, memory: 2048, desiredCount: 2, dbConnections: 4 }", bb: "{ cpu: 256, memory: 512, spot: true }" }, integrations: ["slack"] },
    { id: "beta", status: "suspended", agents: { aa: "{ cpu: 4096, memory: 8192, desiredCount: 3 }" }, integrations: [] },
    { id: "gamma", region: "us-west-2", agents: { aa: "{ cpu: 512, memory: 1024 }" }, integrations: ["gmail", "slack"] },
  ]),
  CDKTF_JSON,
);
const meters = measureUsage(output.stacks);
const find = (quota: Meter["quota"], region?: string, subject?: string) =>
  meters.find((m) => m.quota === quota && m.environment === "production" && m.region === region && (subject === undefined || m.subject?.includes(subject)));

describe("capacity arithmetic", () => {
  it("counts IAM roles account-wide across regions: 1 + agents per tenant plus the platform's", () => {
    const platformRoles = 5 * 2; // flow logs, RDS monitoring, DB provisioner, egress proxy execution and task, in each of the two production regions
    expect(find("iamRoles")!.used).toBe(3 + 2 + 2 + platformRoles);
    expect(Object.fromEntries(find("iamRoles")!.perTenant)).toEqual({ alpha: 3, beta: 2, gamma: 2 });
  });

  it("counts one bucket and one budget per tenant, account-wide, plus each platform region's offboarding archive and the environment's audit and query-results buckets", () => {
    expect(find("s3Buckets")!.used).toBe(3 + 2 + 2);
    expect(find("budgets")!.used).toBe(3);
  });

  it("adds Fargate vCPU as cpu × desired count, on-demand and spot apart, suspended tenants at zero", () => {
    expect(find("fargateOnDemandVcpu", "us-east-1")!.used).toBe(2 + 1); // alpha.aa: 1 vCPU × 2; beta suspended; the egress proxy's 2 × 0.5
    expect(find("fargateSpotVcpu", "us-east-1")!.used).toBe(0.25);
    expect(find("fargateOnDemandVcpu", "us-west-2")!.used).toBe(0.5 + 1); // gamma, the egress proxy
  });

  it("counts ECS services per cluster, suspended ones included", () => {
    expect(find("ecsServicesPerCluster", "us-east-1")!.used).toBe(3 + 1); // agents, the egress proxy
  });

  it("counts database connections as pool size × running tasks against what the database admits for tenants", () => {
    const meter = find("databaseConnections", "us-east-1")!;
    expect(meter.used).toBe(4 * 2 + 5 * 1); // alpha.aa pool 4 × 2 tasks, alpha.bb default 5 × 1
    // max_connections of the class less rdsadmin's 3 and the parameter group's 10 provisioner slots.
    expect(meter.limit).toBe(maxConnections("db.t4g.medium", 10));
    expect(meter.limit).toBe(Math.floor((4 * 1024 ** 3) / 9531392) - 3 - 10);
  });

  it("counts rules per security group, attributed to the group they attach to", () => {
    expect(find("inboundRulesPerSecurityGroup", "us-east-1", "database_security-group")!.used).toBe(1);
    expect(find("outboundRulesPerSecurityGroup", "us-east-1", "each tenant's network_security-group")!.used).toBe(3); // endpoints, S3, egress proxy
  });

  it("shows a per-tenant group once per region, at its largest tenant, with no headroom in tenants: another tenant brings its own group (#27)", () => {
    const tenantGroups = meters.filter((m) => m.quota === "outboundRulesPerSecurityGroup" && m.environment === "production" && m.region === "us-east-1" && !/^platform-/.test(m.subject ?? ""));
    expect(tenantGroups.map((m) => m.subject)).toEqual([expect.stringMatching(/^each tenant's network_security-group/)]); // alpha and beta: one row
    expect(tenantGroups[0].used).toBe(3);
    const row = evaluate(meters, output.config.environments).find((r) => r.quota === "outboundRulesPerSecurityGroup" && r.subject === tenantGroups[0].subject)!;
    expect(row.headroomTenants).toBeNull();
  });

  it("counts secrets, keys, alarms, log groups and standard SSM parameters per region", () => {
    expect(find("secrets", "us-east-1")!.used).toBe(1 + 2); // alpha's slack, an egress credential per tenant
    expect(find("kmsKeys", "us-east-1")!.used).toBe(2 + 1 + 2); // two platform keys, the audit trail's (us-east-1 holds it) + two tenant keys
    expect(find("metricAlarms", "us-east-1")!.used).toBe(3 * 3 + 2 + 1 + 2 + 2 + 1); // CPU, memory and tasks-short per service, database connections + storage, provisioner failed runs, storage and refused egress per tenant, the proxy's fleet alarm
    // The egress proxy's two filters (per tenant by dimension, and in total) on its one log group.
    expect(find("metricFiltersPerLogGroup", "us-east-1", "egress-proxy_log-group")!.used).toBe(2);
    expect(find("logGroups", "us-east-1")!.used).toBe(5 + 2); // flow logs, provisioner, the database's postgresql and upgrade exports, egress proxy + one per tenant (ECS Exec logs to it)
    expect(find("ssmStandardParameters", "us-east-1")!.used).toBeGreaterThanOrEqual(16);
  });

  it("computes headroom from the median tenant", () => {
    const rows = evaluate(meters, output.config.environments);
    const roles = rows.find((r) => r.quota === "iamRoles" && r.environment === "production")!;
    expect(roles.headroomTenants).toBe(Math.floor((1000 - roles.used) / 2)); // median of 3, 2, 2
    const rulesOnDb = rows.find((r) => r.quota === "inboundRulesPerSecurityGroup" && r.subject?.includes("database"))!;
    expect(rulesOnDb.headroomTenants).toBeNull(); // tenants add no rule to platform groups
  });

  it("uses a declared quota over AWS's default", () => {
    const environments = { ...output.config.environments, production: { ...output.config.environments.production, quotas: { iamRoles: 10 } } };
    const roles = evaluate(meters, environments).find((r) => r.quota === "iamRoles" && r.environment === "production")!;
    expect(roles).toMatchObject({ limit: 10, status: "exceeded" });
  });
});

describe("Lambda concurrency", () => {
  it("counts nothing while no function reserves concurrency (the default)", () => {
    expect(meters.filter((m) => m.quota === "lambdaConcurrentExecutions")).toEqual([]);
  });

  it("counts a reservation plus the 100 executions Lambda keeps unreserved, per region, against the account's quota", () => {
    const reserving = synthesize(
      writeTenants([{ id: "alpha" }]),
      writeCdktfJson((production) => {
        production.provisionerReservedConcurrency = 5;
        production.quotas = { lambdaConcurrentExecutions: 10 }; // a new account's quota
      }),
    );
    const lambda = measureUsage(reserving.stacks).filter((m) => m.quota === "lambdaConcurrentExecutions" && m.environment === "production");
    expect(lambda.map((m) => [m.region, m.used])).toEqual([["us-east-1", 105]]);
    const row = evaluate(lambda, reserving.config.environments)[0];
    expect(row).toMatchObject({ limit: 10, status: "exceeded" });
    expect(evaluate(lambda, { ...reserving.config.environments, production: { ...reserving.config.environments.production, quotas: { lambdaConcurrentExecutions: 1000 } } })[0].status).toBe("ok");
  });
});

describe("maxConnections", () => {
  it("follows RDS PostgreSQL's default formula by instance memory", () => {
    expect(maxConnections("db.t4g.medium")).toBe(Math.floor((4 * 1024 ** 3) / 9531392) - 5);
    expect(maxConnections("db.r6g.large")).toBe(Math.floor((16 * 1024 ** 3) / 9531392) - 5);
    expect(maxConnections("db.r6g.16xlarge")).toBe(5000 - 5);
    expect(maxConnections("db.unknown.size")).toBeUndefined();
  });
});
