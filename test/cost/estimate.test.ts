/**
 * The cost arithmetic per resource type, on small hand-written stacks with numbers checked by
 * hand against cost/prices/us-east-1.json (730 hours a month, 730 / 24 = 30.4167 days).
 */
import { AGENT_IMAGE_MIB, ASSUMED_DATA_EVENTS_PER_TENANT_BUCKET, endpointSubnetCount, estimateCost } from "../../cost/estimate";

type Json = Record<string, any>;
const provider = (tags: Record<string, string>, region = "us-east-1") => ({ aws: [{ region, default_tags: [{ tags: { Environment: "production", ...tags } }] }] });
const tenantStack = (id: string, resource: Json, region = "us-east-1"): Json => ({ provider: provider({ TenantID: id }, region), resource });
const platformStack = (resource: Json, region = "us-east-1"): Json => ({ provider: provider({}, region), resource });
const service = (task: string, desired: number, spot = false) => ({
  desired_count: desired,
  task_definition: `\${aws_ecs_task_definition.${task}.arn}`,
  capacity_provider_strategy: [{ capacity_provider: spot ? "FARGATE_SPOT" : "FARGATE", weight: 1 }],
});
const task = (cpu: number, memory: number) => ({ cpu: String(cpu), memory: String(memory), runtime_platform: { cpu_architecture: "X86_64" } });
const lineOf = (lines: Array<{ item: string; monthlyUsd: number }>, item: string) => lines.find((l) => l.item === item)?.monthlyUsd;

describe("cost estimate per resource type", () => {
  it("prices Fargate on demand: 1 vCPU × 730 h × $0.04048 = $29.5504; 2 GB × 730 h × $0.004445 = $6.4897", () => {
    const { tenants } = estimateCost({ "tenant-a": tenantStack("a", { aws_ecs_task_definition: { t: task(1024, 2048) }, aws_ecs_service: { s: service("t", 1) } }) });
    expect(lineOf(tenants[0].lines, "Fargate vCPU")).toBeCloseTo(29.5504, 6);
    expect(lineOf(tenants[0].lines, "Fargate memory")).toBeCloseTo(6.4897, 6);
    expect(tenants[0].vcpu).toBe(1);
  });

  it("multiplies by desired count and gives Fargate Spot 70% off: 2 × 0.25 vCPU × 730 h × $0.012144 = $4.43256", () => {
    const { tenants } = estimateCost({ "tenant-a": tenantStack("a", { aws_ecs_task_definition: { t: task(256, 512) }, aws_ecs_service: { s: service("t", 2, true) } }) });
    expect(lineOf(tenants[0].lines, "Fargate Spot vCPU (70% off)")).toBeCloseTo(4.43256, 6);
    // 2 × 0.5 GB × 730 h × $0.0013335 = $0.973455
    expect(lineOf(tenants[0].lines, "Fargate Spot memory (70% off)")).toBeCloseTo(0.973455, 6);
  });

  it("charges nothing for a service scaled to zero (a suspended tenant)", () => {
    const { tenants } = estimateCost({ "tenant-a": tenantStack("a", { aws_ecs_task_definition: { t: task(1024, 2048) }, aws_ecs_service: { s: service("t", 0) } }) });
    expect(tenants[0].lines.filter((l) => l.item.startsWith("Fargate"))).toEqual([]);
    expect(tenants[0].vcpu).toBe(0);
  });

  it("prices keys $1, secrets $0.40 and alarms $0.10 a month each", () => {
    const { tenants } = estimateCost({
      "tenant-a": tenantStack("a", {
        aws_kms_key: { k: {} },
        aws_secretsmanager_secret: { a: {}, b: {}, c: {} },
        aws_cloudwatch_metric_alarm: { a: {}, b: {}, c: {}, d: {} },
      }),
    });
    expect(tenants[0].lines.map((l) => [l.item, l.monthlyUsd])).toEqual([
      ["KMS keys", 1],
      ["Secrets Manager secrets", 1.2],
      ["CloudWatch alarms", 0.4],
    ]);
  });

  it("prices each tenant bucket's audit-trail data events at the assumed 100,000 a month × $0.10 per 100,000 = $0.10, and lists the trail's usage on its platform", () => {
    const { tenants, platforms } = estimateCost({
      "tenant-a": tenantStack("a", { aws_s3_bucket: { b: { bucket: "openclaw-a-111111111111-us-east-1" } } }),
      "platform-production-us-east-1": platformStack({ aws_cloudtrail: { t: { name: "openclaw-production-audit" } } }),
    });
    expect(tenants[0].lines.find((l) => l.item.startsWith("CloudTrail data events"))).toMatchObject({ quantity: ASSUMED_DATA_EVENTS_PER_TENANT_BUCKET, unitUsd: 0.000001, monthlyUsd: 0.1 });
    expect(platforms[0].usage.map((u) => [u.item, u.unitUsd, u.unit])).toEqual(
      expect.arrayContaining([
        ["Audit trail: data events beyond the tenants' assumed volume, and reads of the audit bucket", 0.000001, "data event"],
        ["Audit trail: Athena queries (npm run audit:trail)", 5, "TB scanned"],
      ]),
    );
  });

  it("prices a dashboard at $3.00 a month in a tenant or platform stack, and a tenant's error-line metric as usage only", () => {
    const { tenants, platforms } = estimateCost({
      p: platformStack({ aws_cloudwatch_dashboard: { d: {} } }),
      "tenant-a": tenantStack("a", { aws_cloudwatch_dashboard: { d: {} }, aws_cloudwatch_log_metric_filter: { f: {} } }),
    });
    expect(lineOf(tenants[0].lines, "CloudWatch dashboards")).toBe(3);
    expect(lineOf(platforms[0].lines, "CloudWatch dashboards")).toBe(3);
    expect(tenants[0].ownMonthlyUsd).toBe(3);
    expect(tenants[0].usage.map((u) => `${u.item} $${u.unitUsd}/${u.unit}`)).toEqual(["error-line metric (only in hours with error lines) $0.3/metric-month"]);
  });

  it("prices an action-enabled budget at $0.10 a day (30.4167 days: $3.0417) and a plain one at $0.02 ($0.6083)", () => {
    const withAction = tenantStack("a", {
      aws_budgets_budget: { b: { name: "openclaw-production-a", limit_amount: "300.00" } },
      aws_budgets_budget_action: { x: { budget_name: "${aws_budgets_budget.b.name}" } },
    });
    const plain = tenantStack("b", { aws_budgets_budget: { b: { name: "openclaw-production-b", limit_amount: "300.00" } } });
    const { tenants } = estimateCost({ "tenant-a": withAction, "tenant-b": plain });
    expect(lineOf(tenants[0].lines, "AWS Budgets (action-enabled)")).toBeCloseTo(3.041667, 5);
    expect(lineOf(tenants[1].lines, "AWS Budgets")).toBeCloseTo(0.608333, 5);
    expect(tenants[0].budgetMonthlyUsd).toBe(300);
  });

  it("lists log groups and Bedrock profiles as usage-dependent, never in the total", () => {
    const { tenants } = estimateCost({
      "tenant-a": tenantStack("a", {
        aws_cloudwatch_log_group: { l: {} },
        aws_bedrock_inference_profile: { p: { model_source: [{ copy_from: "arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0" }] } },
      }),
    });
    expect(tenants[0].ownMonthlyUsd).toBe(0);
    expect(tenants[0].usage.map((u) => `${u.item} $${u.unitUsd}/${u.unit}`)).toEqual([
      "log ingestion $0.5/GB ingested",
      "log storage $0.03/GB-month stored",
      "Bedrock claude-sonnet-4-5 input tokens $3/1M input tokens",
      "Bedrock claude-sonnet-4-5 output tokens $15/1M output tokens",
    ]);
  });

  it("prices the platform: NAT $32.85 + its IPv4 $3.65, interface endpoints per AZ $7.30, RDS Multi-AZ instance and storage", () => {
    const { platforms } = estimateCost({
      "platform-production-us-east-1": platformStack({
        aws_nat_gateway: { n: {} },
        aws_eip: { e: {} },
        aws_vpc_endpoint: {
          s3: { vpc_endpoint_type: "Gateway" },
          logs: { vpc_endpoint_type: "Interface", subnet_ids: ["a", "b"] },
          sts: { vpc_endpoint_type: "Interface", subnet_ids: ["a", "b", "c"] },
        },
        aws_db_instance: { db: { identifier: "db", instance_class: "db.t4g.medium", multi_az: true, storage_type: "gp3", allocated_storage: 50, manage_master_user_password: true } },
      }),
    });
    expect(platforms[0].lines.map((l) => [l.item, l.monthlyUsd])).toEqual([
      ["NAT gateways", 32.85],
      ["Public IPv4 addresses (NAT)", 3.65],
      ["VPC interface endpoints (per AZ)", 36.5], // 5 endpoint-AZs × 730 h × $0.01
      ["RDS db.t4g.medium (multi-az)", 94.9], // 730 h × $0.13
      ["RDS gp3 storage (multi-az)", 11.5], // 50 GB × $0.23
      ["Secrets Manager secrets", 0.4], // the RDS-managed master password
    ]);
    expect(platforms[0].monthlyUsd).toBeCloseTo(179.8, 6);
  });

  it("shares a platform among its region's tenants by vCPU: 1 and 3 vCPU carry 25% and 75%", () => {
    const platform = platformStack({ aws_nat_gateway: { n: {} } }); // $32.85
    const tenant = (id: string, cpu: number) => tenantStack(id, { aws_ecs_task_definition: { t: task(cpu, cpu * 2) }, aws_ecs_service: { s: service("t", 1) } });
    const { tenants } = estimateCost({ "platform-production-us-east-1": platform, "tenant-a": tenant("a", 1024), "tenant-b": tenant("b", 3072) });
    expect(tenants.map((t) => t.tenant)).toEqual(["a", "b"]);
    expect(tenants[0].platformShareUsd).toBeCloseTo(8.2125, 9); // $32.85 × 1/4
    expect(tenants[1].platformShareUsd).toBeCloseTo(24.6375, 9); // $32.85 × 3/4
  });

  it("shares a platform equally when none of its tenants runs a task", () => {
    const { tenants } = estimateCost({
      "platform-production-us-east-1": platformStack({ aws_nat_gateway: { n: {} } }),
      "tenant-a": tenantStack("a", {}),
      "tenant-b": tenantStack("b", {}),
    });
    expect(tenants.map((t) => t.platformShareUsd)).toEqual([16.425, 16.425]);
  });

  it("warns when a tenant's own fixed cost, what its TenantID budget sees, exceeds the budget", () => {
    const { warnings } = estimateCost({
      "tenant-a": tenantStack("a", {
        aws_ecs_task_definition: { t: task(1024, 2048) },
        aws_ecs_service: { s: service("t", 1) },
        aws_budgets_budget: { b: { name: "x", limit_amount: "30.00" } },
      }),
    });
    expect(warnings).toEqual([
      "cost: tenant a: fixed estimate $36.65/month exceeds its budget of $30.00/month by $6.65 before any Bedrock use (plus $0.00 platform share); its budget alerts fire every month; raise budget.monthlyUsd in tenants/a.yaml or shrink its agents. See `npm run cost`.",
    ]);
  });

  it("warns, by how much, when the own cost fits the budget but the platform share takes the tenant over it (#27)", () => {
    const tenant = tenantStack("a", { aws_kms_key: { k: {} }, aws_budgets_budget: { b: { name: "x", limit_amount: "30.00" } } });
    const platform = platformStack({ aws_nat_gateway: { n: {} } }); // 730 h × $0.045 = $32.85, + its address
    const { warnings, tenants } = estimateCost({ p: platform, "tenant-a": tenant });
    expect(tenants[0].ownMonthlyUsd).toBeLessThan(30);
    expect(tenants[0].totalMonthlyUsd).toBeGreaterThan(30);
    expect(warnings).toEqual([
      `cost: tenant a: fixed estimate $${tenants[0].totalMonthlyUsd.toFixed(2)}/month ($${tenants[0].ownMonthlyUsd.toFixed(2)} own + $${tenants[0].platformShareUsd.toFixed(2)} platform share) exceeds its budget of $30.00/month by $${(tenants[0].totalMonthlyUsd - 30).toFixed(2)} before any Bedrock use; its budget alerts see only the own part; raise budget.monthlyUsd in tenants/a.yaml or shrink its agents. See \`npm run cost\`.`,
    ]);
    expect(estimateCost({ p: platform, "tenant-a": tenantStack("a", { aws_budgets_budget: { b: { name: "x", limit_amount: "500.00" } } }) }).warnings).toEqual([]);
  });

  it("leaves a stack in a region without a price table out, with one line saying how to add the table (#27)", () => {
    const estimate = estimateCost({ "tenant-a": tenantStack("a", {}, "xx-nowhere-1"), "tenant-b": tenantStack("b", {}) });
    expect(estimate.tenants.map((t) => t.tenant)).toEqual(["b"]);
    expect(estimate.unpriced).toEqual([
      {
        stack: "tenant-a",
        region: "xx-nowhere-1",
        tenant: "a",
        reason: "no price table for region xx-nowhere-1 (cost/prices/xx-nowhere-1.json): `npm run prices:update -- --region xx-nowhere-1` writes it from the AWS Price List API with AWS credentials",
      },
    ]);
  });

  it("prices a tenant held at 0 tasks by its status as it will cost when active (#27)", () => {
    const held = { ...service("t", 0), tags: { DesiredCountWhenActive: "2" } };
    const [t] = estimateCost({ "tenant-a": tenantStack("a", { aws_ecs_task_definition: { t: task(1024, 2048) }, aws_ecs_service: { s: held } }) }).tenants;
    // 2 tasks × (1 vCPU × 730 h × $0.04048 + 2 GB × 730 h × $0.004445) = 2 × ($29.55 + $6.49) = $72.08
    expect(t.ownMonthlyUsd).toBe(0);
    expect(t.ownMonthlyWhenActiveUsd).toBeCloseTo(72.08, 2);
    const [running] = estimateCost({ "tenant-a": tenantStack("a", { aws_ecs_task_definition: { t: task(1024, 2048) }, aws_ecs_service: { s: service("t", 2) } }) }).tenants;
    expect(running.ownMonthlyWhenActiveUsd).toBeNull();
    expect(running.ownMonthlyUsd).toBeCloseTo(72.08, 2);
  });

  it("prices a held agent with working hours at those hours when active, not all month (#27)", () => {
    // 5 days × 10 h = 50 copy-hours a week: 50 × 730 / 168 = 217.2619 h of 1 vCPU and 2 GB.
    const held = { ...service("t", 0), tags: { DesiredCountWhenActive: "1", WeeklyCopyHoursWhenActive: "50" } };
    const [t] = estimateCost({ "tenant-a": tenantStack("a", { aws_ecs_task_definition: { t: task(1024, 2048) }, aws_ecs_service: { s: held } }) }).tenants;
    expect(t.ownMonthlyWhenActiveUsd).toBeCloseTo(50 * (730 / 168) * (0.04048 + 2 * 0.004445), 4);
  });

  it("fails on an instance class without a price in a table that exists", () => {
    expect(() => estimateCost({ p: platformStack({ aws_db_instance: { d: { instance_class: "db.x9.huge", storage_type: "gp3" } } }) })).toThrow(
      'cost/prices/us-east-1.json: no price "rds.db.x9.huge.single-az"',
    );
  });
});

describe("interface endpoint placement", () => {
  it("counts a literal subnet list", () => {
    expect(endpointSubnetCount(["subnet-a", "subnet-b", "subnet-c"])).toBe(3);
  });

  it("counts every candidate subnet of a zone-filtered placement (the most it can cost)", () => {
    const placement =
      "${matchkeys([aws_subnet.private-0.id, aws_subnet.private-1.id], [element(data.aws_availability_zones.z.names, 0), element(data.aws_availability_zones.z.names, 1)], tolist(data.aws_vpc_endpoint_service.s.availability_zones))}";
    expect(endpointSubnetCount(placement)).toBe(2);
  });
});

describe("ECR image storage (issue 28)", () => {
  const pricePlatformFixture = (policy: unknown) => estimateCost({ "platform-production-us-east-1": platformJson(policy) });
  function platformJson(policy: unknown) {
    return {
      provider: { aws: [{ region: "us-east-1", default_tags: [{ tags: { Environment: "production" } }] }] },
      resource: {
        aws_ecr_repository: { repo: { name: "openclaw/agent" } },
        ...(policy === undefined ? {} : { aws_ecr_lifecycle_policy: { lifecycle: { repository: "openclaw/agent", policy: JSON.stringify(policy) } } }),
      },
    };
  }

  it("counts the repository at its lifecycle limit in the platform's fixed cost", () => {
    const rules = [{ rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 200 }, action: { type: "expire" } }];
    const platform = pricePlatformFixture({ rules }).platforms[0];
    const ecr = platform.lines.find((l) => l.item.startsWith("ECR image storage"));
    expect(ecr).toEqual({ item: `ECR image storage (at most 200 images of ${AGENT_IMAGE_MIB} MiB)`, quantity: (200 * AGENT_IMAGE_MIB) / 1024, unit: "GB-month stored", unitUsd: 0.1, monthlyUsd: Number(((200 * AGENT_IMAGE_MIB) / 1024 * 0.1).toFixed(8)) });
    expect(platform.monthlyUsd).toBeCloseTo(ecr!.monthlyUsd, 8);
    expect(platform.usage.map((u) => u.item)).not.toContain("ECR image storage");
  });

  it("fails on a repository without an image count limit (storage without a bound)", () => {
    expect(() => pricePlatformFixture(undefined)).toThrow("1 ECR repositories but 0 lifecycle policies");
    expect(() => pricePlatformFixture({ rules: [{ selection: { tagStatus: "any", countType: "sinceImagePushed", countNumber: 30 } }] })).toThrow("without an image count limit");
  });
});
