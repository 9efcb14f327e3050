import { HOURS_PER_WEEK, serviceCopiesOf } from "../config/agent-scaling";
import { BEDROCK_MODELS } from "../config/bedrock-models";
import { TRACING_CONTAINER_NAME } from "../modules/agent-tracing";
import { CostInputError, loadPriceTable, MissingPriceTableError, price, PriceTable, unpricedRegionLine } from "./prices";

/**
 * The fixed monthly cost the synthesized Terraform JSON implies, per tenant and per platform
 * stack, priced from the committed tables. "Fixed" means what the resources cost by existing and
 * running as declared, whatever the agents do; what depends on traffic (log volume, Bedrock
 * tokens, NAT data, storage) is listed with its unit price but never summed.
 *
 * Each platform's fixed cost is shared among the tenants of its environment and region by their
 * share of Fargate vCPU (desired tasks × task vCPU, spot included): the shared network, database
 * and endpoints are sized for the agents that run. Where no tenant runs a task, the platform is
 * shared equally; a platform without tenants is carried by nobody and shown on its own.
 */

/** One priced resource line: quantity per month × unit price. */
export interface CostLine {
  readonly item: string;
  /** Units per month, in `unit`. */
  readonly quantity: number;
  readonly unit: string;
  readonly unitUsd: number;
  readonly monthlyUsd: number;
}

/** A cost that depends on usage: its unit price, never added to a total. */
export interface UsageLine {
  readonly item: string;
  readonly unitUsd: number;
  readonly unit: string;
}

export interface PlatformEstimate {
  readonly stack: string;
  readonly environment: string;
  readonly region: string;
  readonly lines: CostLine[];
  readonly usage: UsageLine[];
  readonly monthlyUsd: number;
  /** Tenant stacks sharing it and their Fargate vCPU in total. */
  readonly tenants: number;
  readonly tenantVcpu: number;
  /** Of monthlyUsd, the egress path (proxy tasks, namespace, its alarm): lines starting EGRESS_LINE_PREFIX. */
  readonly egressMonthlyUsd: number;
  readonly priceDate: string;
}

export interface TenantEstimate {
  readonly stack: string;
  readonly tenant: string;
  readonly environment: string;
  readonly region: string;
  readonly lines: CostLine[];
  readonly usage: UsageLine[];
  readonly ownMonthlyUsd: number;
  /**
   * Own cost if every elastic agent ran at its max whenever its schedule allows (ownMonthlyUsd
   * prices them at their min): the top of the range. Equal to ownMonthlyUsd without elastic agents.
   */
  readonly ownMonthlyMaxUsd: number;
  /**
   * Own cost once activated, for a tenant whose status keeps its agents at 0 tasks (provisioning,
   * suspended): its services' DesiredCountWhenActive tasks added. Null when it runs as declared.
   */
  readonly ownMonthlyWhenActiveUsd: number | null;
  /** Fargate vCPU of the tenant's running tasks (its weight in the platform share). */
  readonly vcpu: number;
  readonly platformStack: string | null;
  readonly platformShareUsd: number;
  readonly totalMonthlyUsd: number;
  /** The tenant budget's monthly limit, when the stack has one. */
  readonly budgetMonthlyUsd: number | null;
  /** The tenant's own egress lines (credential secret, refused-connections alarm). */
  readonly egressOwnUsd: number;
  /** Its share of the platform's egress path, by the same weight as platformShareUsd. */
  readonly egressShareUsd: number;
  readonly priceDate: string;
}

/** A stack left out of the estimate: its region has no price table. */
export interface UnpricedStack {
  readonly stack: string;
  readonly region: string;
  /** The tenant, for a tenant stack. */
  readonly tenant: string | null;
  /** One line saying why and how to fix it. */
  readonly reason: string;
}

export interface CostEstimate {
  readonly platforms: PlatformEstimate[];
  readonly tenants: TenantEstimate[];
  /** Stacks in regions without a price table (not in platforms or tenants). */
  readonly unpriced: UnpricedStack[];
  /** One line per tenant whose own fixed estimate (what its budget sees) exceeds the budget. */
  readonly warnings: string[];
}

type Json = Record<string, any>;

function resources(json: Json, type: string): Json[] {
  return Object.values<Json>(json.resource?.[type] ?? {});
}

/** Rounds away float noise (0.04048 × 0.3 = 0.012144000000000002) so lines read as written. */
const tidy = (n: number) => Number(n.toFixed(8));

function line(item: string, quantity: number, unit: string, unitUsd: number): CostLine {
  return { item, quantity: tidy(quantity), unit, unitUsd: tidy(unitUsd), monthlyUsd: tidy(quantity * unitUsd) };
}

/** Builds lines for one stack; `table` answers prices and the month's length. */
class Pricer {
  readonly lines: CostLine[] = [];
  readonly usage: UsageLine[] = [];
  constructor(readonly table: PriceTable) {}

  /** `count` of something billed per hour, for the whole month. */
  hourly(item: string, count: number, key: string): void {
    if (count <= 0) return;
    const p = price(this.table, key);
    this.lines.push(line(item, count * this.table.hoursPerMonth, p.unit, p.usd));
  }
  monthly(item: string, count: number, key: string): void {
    if (count <= 0) return;
    const p = price(this.table, key);
    this.lines.push(line(item, count, p.unit, p.usd));
  }
  daily(item: string, count: number, key: string): void {
    if (count <= 0) return;
    const p = price(this.table, key);
    this.lines.push(line(item, count * (this.table.hoursPerMonth / 24), p.unit, p.usd));
  }
  usageOf(item: string, key: string): void {
    const p = price(this.table, key);
    if (!this.usage.some((u) => u.item === item && u.unit === p.unit)) this.usage.push({ item, unitUsd: p.usd, unit: p.unit });
  }
  get total(): number {
    return this.lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
  }
}

interface StackIdentity {
  readonly environment: string;
  readonly region: string;
  readonly tenant?: string;
}

function identify(name: string, json: Json): StackIdentity {
  const provider = json.provider?.aws?.[0];
  const tags: Record<string, string> = provider?.default_tags?.[0]?.tags ?? {};
  if (!tags.Environment || typeof provider?.region !== "string") {
    throw new CostInputError(`stack ${name}: no Environment tag or provider region (is it a cdktf synth output of this project?)`);
  }
  return { environment: tags.Environment, region: provider.region, tenant: tags.TenantID };
}

/**
 * Fargate services: on-demand and spot vCPU/memory hours, and the tenant's vCPU weight (average
 * vCPU over the month). Elastic agents are priced at their min through their schedule (copy-hours
 * inside and outside working hours, config/agent-scaling.ts serviceCopiesOf), which is what the
 * month costs at least; `maxExtraUsd` is what running at their max whenever allowed would add.
 * `label` prefixes the lines (a platform's only service is its egress proxy).
 */
function priceServices(json: Json, pricer: Pricer, label = ""): { vcpu: number; maxExtraUsd: number; whenActiveExtraUsd: number | null } {
  const spotFactor = 1 - pricer.table.fargateSpotDiscount.fraction;
  const hours = pricer.table.hoursPerMonth;
  const vcpuPrice = price(pricer.table, "fargate.vcpu");
  const gbPrice = price(pricer.table, "fargate.memory");
  // vCPU-hours and GB-hours per month, at min and at max.
  const totals = { onDemandVcpu: 0, onDemandGb: 0, spotVcpu: 0, spotGb: 0 };
  let maxExtraUsd = 0;
  let vcpuHours = 0;
  // Services held at 0 by the tenant's status carry what activation starts (DesiredCountWhenActive).
  let whenActiveExtraUsd: number | null = null;
  const copies = serviceCopiesOf(json);
  for (const [name, service] of Object.entries<Json>(json.resource?.aws_ecs_service ?? {})) {
    const taskName = /^\$\{aws_ecs_task_definition\.([^.]+)\.arn\}$/.exec(String(service.task_definition ?? ""))?.[1];
    const task = taskName ? json.resource?.aws_ecs_task_definition?.[taskName] : undefined;
    const weekly = copies.get(name)!.weeklyCopyHours;
    // Task-hours a month once active: an agent with working hours runs their copy-hours (the
    // same arithmetic as an active tenant's, config/agent-scaling.ts copyHoursPerWeek), any
    // other its count all month.
    const weeklyWhenActive = service.tags?.WeeklyCopyHoursWhenActive;
    const taskHoursWhenActive = weeklyWhenActive !== undefined ? (Number(weeklyWhenActive) * hours) / HOURS_PER_WEEK : Number(service.tags?.DesiredCountWhenActive) * hours;
    if (task && weekly.max <= 0 && taskHoursWhenActive > 0) {
      const spotService = (service.capacity_provider_strategy ?? []).some((s: Json) => s.capacity_provider === "FARGATE_SPOT");
      const perTaskHour = (Number(task.cpu) / 1024) * vcpuPrice.usd + (Number(task.memory) / 1024) * gbPrice.usd;
      whenActiveExtraUsd = (whenActiveExtraUsd ?? 0) + taskHoursWhenActive * perTaskHour * (spotService ? spotFactor : 1);
    }
    if (!task || weekly.max <= 0) continue;
    const architecture = task.runtime_platform?.cpu_architecture ?? "X86_64";
    if (architecture !== "X86_64") throw new CostInputError(`task ${task.family}: no Fargate price for ${architecture} in the price table`);
    const toMonth = hours / HOURS_PER_WEEK;
    const taskVcpu = Number(task.cpu) / 1024;
    const taskGb = Number(task.memory) / 1024;
    const spot = (service.capacity_provider_strategy ?? []).some((s: Json) => s.capacity_provider === "FARGATE_SPOT");
    const factor = spot ? spotFactor : 1;
    const atMin = weekly.min * toMonth;
    totals[spot ? "spotVcpu" : "onDemandVcpu"] += taskVcpu * atMin;
    totals[spot ? "spotGb" : "onDemandGb"] += taskGb * atMin;
    maxExtraUsd += (weekly.max - weekly.min) * toMonth * (taskVcpu * vcpuPrice.usd + taskGb * gbPrice.usd) * factor;
    vcpuHours += taskVcpu * atMin;
  }
  const add = (item: string, amount: number, p: { unit: string; usd: number }, factor: number) => {
    if (amount > 0) pricer.lines.push(line(item, amount, p.unit, p.usd * factor));
  };
  add(`${label}Fargate vCPU`, totals.onDemandVcpu, vcpuPrice, 1);
  add(`${label}Fargate memory`, totals.onDemandGb, gbPrice, 1);
  add(`Fargate Spot vCPU (${Math.round(pricer.table.fargateSpotDiscount.fraction * 100)}% off)`, totals.spotVcpu, vcpuPrice, spotFactor);
  add(`Fargate Spot memory (${Math.round(pricer.table.fargateSpotDiscount.fraction * 100)}% off)`, totals.spotGb, gbPrice, spotFactor);
  return { vcpu: tidy(vcpuHours / hours), maxExtraUsd: tidy(maxExtraUsd), whenActiveExtraUsd: whenActiveExtraUsd === null ? null : tidy(whenActiveExtraUsd) };
}

/** Lines of the egress path (SECURITY.md G1) start with this, so reports can total them. */
export const EGRESS_LINE_PREFIX = "Egress";
const isEgressSecret = (secret: Json) => String(secret.name ?? "").endsWith("/platform/egress-proxy");
const isEgressAlarm = (alarm: Json) => alarm.namespace === "OpenClaw/Egress";

/** What both kinds of stack hold: keys, secrets, alarms, log groups. */
function priceCommon(json: Json, pricer: Pricer): void {
  pricer.monthly("KMS keys", resources(json, "aws_kms_key").length, "kms.key");
  const managedMasterSecrets = resources(json, "aws_db_instance").filter((db) => db.manage_master_user_password === true).length;
  const secrets = resources(json, "aws_secretsmanager_secret");
  const alarms = resources(json, "aws_cloudwatch_metric_alarm");
  pricer.monthly("Secrets Manager secrets", secrets.filter((x) => !isEgressSecret(x)).length + managedMasterSecrets, "secretsmanager.secret");
  // CloudWatch bills an alarm per metric it evaluates: a metric math alarm for each metric in it.
  const alarmMetrics = (list: Json[]) => list.reduce((n, alarm) => n + (Array.isArray(alarm.metric_query) ? alarm.metric_query.filter((q: Json) => q.metric).length : 1), 0);
  pricer.monthly("CloudWatch alarms", alarmMetrics(alarms.filter((x) => !isEgressAlarm(x))), "cloudwatch.alarm");
  // Dashboards are global and billed per account; each stack's is counted whole.
  pricer.monthly("CloudWatch dashboards", resources(json, "aws_cloudwatch_dashboard").length, "cloudwatch.dashboard");
  pricer.monthly(`${EGRESS_LINE_PREFIX}: proxy credential secret`, secrets.filter(isEgressSecret).length, "secretsmanager.secret");
  pricer.monthly(`${EGRESS_LINE_PREFIX}: refused-connections alarms`, alarmMetrics(alarms.filter(isEgressAlarm)), "cloudwatch.alarm");
  if (resources(json, "aws_cloudwatch_log_group").length > 0) {
    pricer.usageOf("log ingestion", "usage.logs.ingestion");
    pricer.usageOf("log storage", "usage.logs.storage");
  }
  if (resources(json, "aws_s3_bucket").length > 0) pricer.usageOf("S3 storage", "usage.s3.storage");
  if (resources(json, "aws_lambda_function").length > 0) pricer.usageOf("Lambda requests", "usage.lambda.requests");
}

/**
 * Object reads and writes on one tenant bucket a month that the environment's audit trail logs as
 * data events (SECURITY.md G2): the planning figure, about two operations a minute around the
 * clock. A tenant whose agents touch objects more often costs $0.10 more per 100,000; the trail
 * bucket's usage in Cost Explorer (or `npm run audit:trail`) shows the real volume.
 */
export const ASSUMED_DATA_EVENTS_PER_TENANT_BUCKET = 100_000;

/** Task definitions running the tracing collector (#29) beside the agent. */
export function tracedTaskDefinitions(json: Json): number {
  return resources(json, "aws_ecs_task_definition").filter((task) =>
    (JSON.parse(String(task.container_definitions ?? "[]")) as Json[]).some((c) => c.name === TRACING_CONTAINER_NAME),
  ).length;
}

function priceTenant(json: Json, pricer: Pricer): { vcpu: number; maxExtraUsd: number; whenActiveExtraUsd: number | null } {
  const services = priceServices(json, pricer);
  priceCommon(json, pricer);
  pricer.monthly(
    `CloudTrail data events on its bucket (assumed ${ASSUMED_DATA_EVENTS_PER_TENANT_BUCKET.toLocaleString("en-US")} a month)`,
    resources(json, "aws_s3_bucket").length * ASSUMED_DATA_EVENTS_PER_TENANT_BUCKET,
    "cloudtrail.dataEvent",
  );
  // Traced agents: X-Ray bills the sampled traces it records and those read back, which depend
  // on traffic and the environment's samplingRate. The collector runs inside the agent's task
  // size (modules/agent-tracing.ts), so it adds no Fargate line; the X-Ray endpoint is the platform's.
  if (tracedTaskDefinitions(json) > 0) {
    pricer.usageOf("X-Ray traces recorded (after sampling)", "usage.xray.tracesRecorded");
    pricer.usageOf("X-Ray traces retrieved or scanned", "usage.xray.tracesRetrieved");
  }
  if (resources(json, "aws_cloudwatch_log_metric_filter").length > 0) pricer.usageOf("error-line metric (only in hours with error lines)", "usage.cloudwatch.customMetric");
  // A budget with an action is billed as an action-enabled budget.
  const withAction = new Set(resources(json, "aws_budgets_budget_action").map((a) => String(a.budget_name)));
  const budgets = Object.entries<Json>(json.resource?.aws_budgets_budget ?? {});
  const actionEnabled = budgets.filter(([name, b]) => withAction.has(`\${aws_budgets_budget.${name}.name}`) || withAction.has(String(b.name))).length;
  pricer.daily("AWS Budgets (action-enabled)", actionEnabled, "budgets.actionBudget");
  pricer.daily("AWS Budgets", budgets.length - actionEnabled, "budgets.budget");
  for (const profile of resources(json, "aws_bedrock_inference_profile")) {
    const model = String(profile.model_source?.[0]?.copy_from ?? "").split("/").pop()!.replace(/^(us|eu|apac|global)\./, "");
    const shortName = BEDROCK_MODELS[model]?.shortName;
    // The profile itself is free; its tokens are the agent's largest usage-dependent cost.
    for (const direction of ["input", "output"]) {
      const key = `usage.bedrock.${shortName}.${direction}`;
      if (shortName && pricer.table.prices[key]) pricer.usageOf(`Bedrock ${shortName} ${direction} tokens`, key);
    }
  }
  return services;
}

/**
 * Subnets an interface endpoint is placed in. Endpoints pick, at apply time, the private subnets
 * whose zone the service offers (`matchkeys([subnets], [zones], service zones)`): count every
 * candidate subnet, the most the endpoint can cost (fewer only where AWS lacks the service in a zone).
 */
export function endpointSubnetCount(subnetIds: unknown): number {
  if (Array.isArray(subnetIds)) return subnetIds.length;
  const candidates = typeof subnetIds === "string" ? /matchkeys\(\s*\[([^\]]*)\]/.exec(subnetIds) : null;
  if (candidates) return candidates[1].split(",").filter((s) => s.trim() !== "").length;
  return 1;
}

function pricePlatform(json: Json, pricer: Pricer): void {
  // The platform's one ECS service is the egress proxy; its name resolves through a Cloud Map
  // namespace, which is a private hosted zone.
  priceServices(json, pricer, `${EGRESS_LINE_PREFIX} proxy `);
  pricer.monthly(`${EGRESS_LINE_PREFIX}: Cloud Map namespace (private hosted zone)`, resources(json, "aws_service_discovery_private_dns_namespace").length, "route53.hostedZone");
  if (resources(json, "aws_cloudwatch_log_metric_filter").length > 0) pricer.usageOf(`${EGRESS_LINE_PREFIX}: refusal metrics (one per tenant with refusals)`, "usage.cloudwatch.customMetric");
  pricer.hourly("NAT gateways", resources(json, "aws_nat_gateway").length, "ec2.natGateway");
  pricer.hourly("Public IPv4 addresses (NAT)", resources(json, "aws_eip").length, "ec2.publicIpv4");
  const endpointAzs = resources(json, "aws_vpc_endpoint")
    .filter((e) => e.vpc_endpoint_type === "Interface")
    .reduce((n, e) => n + endpointSubnetCount(e.subnet_ids), 0);
  pricer.hourly("VPC interface endpoints (per AZ)", endpointAzs, "vpc.interfaceEndpoint");
  for (const db of resources(json, "aws_db_instance")) {
    const deployment = db.multi_az === true ? "multi-az" : "single-az";
    pricer.hourly(`RDS ${db.instance_class} (${deployment})`, 1, `rds.${db.instance_class}.${deployment}`);
    const storage = db.storage_type ?? "gp2";
    if (storage !== "gp3") throw new CostInputError(`database ${db.identifier}: no price for storage type ${storage}`);
    pricer.monthly(`RDS ${storage} storage (${deployment})`, Number(db.allocated_storage ?? 0), `rds.${storage}.${deployment}`);
    pricer.usageOf("RDS backups beyond the database size", "usage.rds.backup");
  }
  priceCommon(json, pricer);
  if (resources(json, "aws_cloudtrail").length > 0) {
    // The trail's management events are the account's first copy: free. Its log files are S3
    // storage (the usage line above); its own key is counted with the KMS keys.
    pricer.usageOf("Audit trail: data events beyond the tenants' assumed volume, and reads of the audit bucket", "cloudtrail.dataEvent");
    pricer.usageOf("Audit trail: Athena queries (npm run audit:trail)", "usage.athena.scanned");
  }
  if (resources(json, "aws_nat_gateway").length > 0) pricer.usageOf("NAT data processed", "usage.ec2.natGatewayData");
  if (endpointAzs > 0) pricer.usageOf("VPC endpoint data processed", "usage.vpc.interfaceEndpointData");
  priceImageStorage(json, pricer);
}

/**
 * Compressed size of one agent image, in MiB: the reference image (images/agent) measured 38.7
 * MiB with `npm run -s image:build` (Debian packages layer 38.7, application layer under 0.1);
 * test/integration/agent-image.test.ts fails if a build outgrows it. A fork whose image is larger
 * raises it here.
 */
export const AGENT_IMAGE_MIB = 40;

/**
 * ECR storage of the agent repository at its lifecycle limit: every image the lifecycle policy
 * keeps (`imageCountMoreThan`), each counted whole. Images built from the same package lock share
 * their large layer and ECR bills a shared layer once, so this is the most it costs.
 */
function priceImageStorage(json: Json, pricer: Pricer): void {
  const repositories = resources(json, "aws_ecr_repository");
  if (repositories.length === 0) return;
  const kept = resources(json, "aws_ecr_lifecycle_policy").map((p) => {
    const rules = (JSON.parse(String(p.policy)) as { rules?: { selection?: { countType?: string; countNumber?: number } }[] }).rules ?? [];
    const counts = rules.filter((r) => r.selection?.countType === "imageCountMoreThan").map((r) => Number(r.selection?.countNumber));
    if (counts.length === 0) throw new CostInputError(`ECR lifecycle policy without an image count limit: no bound on image storage to price`);
    return Math.max(...counts);
  });
  if (kept.length !== repositories.length) throw new CostInputError(`${repositories.length} ECR repositories but ${kept.length} lifecycle policies: unbounded image storage cannot be priced`);
  const images = kept.reduce((a, b) => a + b, 0);
  pricer.monthly(`ECR image storage (at most ${images} images of ${AGENT_IMAGE_MIB} MiB)`, (images * AGENT_IMAGE_MIB) / 1024, "usage.ecr.storage");
}

/** Estimates every stack of a synth output (stack name → parsed cdk.tf.json). */
/**
 * Stacks by name, as a record or as a stream of `[name, json]` in name order (the synth reads
 * one stack at a time, so a fleet's JSON is never all in memory at once).
 */
export type SynthesizedStacks = Record<string, Json> | Iterable<[string, Json]>;

function stackEntries(stacks: SynthesizedStacks): Iterable<[string, Json]> {
  if (typeof (stacks as Iterable<unknown>)[Symbol.iterator] === "function") return stacks as Iterable<[string, Json]>;
  return Object.entries(stacks as Record<string, Json>).sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Prices stacks one at a time (`add`), so the synth reads its output once for every fleet-wide
 * check (capacity/fleet-checks.ts); `estimate()` then splits each platform over its tenants.
 */
export class CostEstimator {
  private readonly tables = new Map<string, PriceTable | null>();
  private readonly unpriced: UnpricedStack[] = [];
  private readonly platformByPlace = new Map<string, { stack: string; pricer: Pricer; id: StackIdentity }>();
  private readonly tenantParts: Array<{ stack: string; pricer: Pricer; id: StackIdentity; vcpu: number; maxExtraUsd: number; whenActiveExtraUsd: number | null; budget: number | null }> = [];

  constructor(private readonly loadTable: (region: string) => PriceTable = (r) => loadPriceTable(r)) {}

  /** The region's table, or null when it has none (remembered, so a fleet reads each file once). */
  private tableFor(region: string): PriceTable | null {
    if (!this.tables.has(region)) {
      try {
        this.tables.set(region, this.loadTable(region));
      } catch (err) {
        if (!(err instanceof MissingPriceTableError)) throw err;
        this.tables.set(region, null);
      }
    }
    return this.tables.get(region)!;
  }

  /**
   * Prices one synthesized stack. A stack in a region without a price table is recorded as
   * unpriced; a price missing from a table that exists throws CostInputError.
   */
  add(stack: string, json: Json): void {
    const id = identify(stack, json);
    const table = this.tableFor(id.region);
    if (!table) {
      this.unpriced.push({ stack, region: id.region, tenant: id.tenant ?? null, reason: unpricedRegionLine(id.region) });
      return;
    }
    const pricer = new Pricer(table);
    if (id.tenant) {
      const { vcpu, maxExtraUsd, whenActiveExtraUsd } = priceTenant(json, pricer);
      const limit = resources(json, "aws_budgets_budget").map((b) => Number(b.limit_amount))[0];
      this.tenantParts.push({ stack, pricer, id, vcpu, maxExtraUsd, whenActiveExtraUsd, budget: Number.isFinite(limit) ? limit : null });
    } else {
      pricePlatform(json, pricer);
      this.platformByPlace.set(`${id.environment}/${id.region}`, { stack, pricer, id });
    }
  }

  /** Every stack added so far, with each platform's cost shared over its tenants. */
  estimate(): CostEstimate {
    const platforms: PlatformEstimate[] = [...this.platformByPlace.values()].map(({ stack, pricer, id }) => {
      const sharing = this.tenantParts.filter((t) => t.id.environment === id.environment && t.id.region === id.region);
      return {
        stack,
        environment: id.environment,
        region: id.region,
        lines: pricer.lines,
        usage: pricer.usage,
        monthlyUsd: pricer.total,
        tenants: sharing.length,
        tenantVcpu: sharing.reduce((n, t) => n + t.vcpu, 0),
        egressMonthlyUsd: egressTotal(pricer.lines),
        priceDate: pricer.table.date,
      };
    });

    const tenants: TenantEstimate[] = this.tenantParts.map(({ stack, pricer, id, vcpu, maxExtraUsd, whenActiveExtraUsd, budget }) => {
      const platform = platforms.find((p) => p.environment === id.environment && p.region === id.region);
      const fraction = !platform ? 0 : platform.tenantVcpu > 0 ? vcpu / platform.tenantVcpu : 1 / platform.tenants;
      const share = platform ? platform.monthlyUsd * fraction : 0;
      return {
        stack,
        tenant: id.tenant!,
        environment: id.environment,
        region: id.region,
        lines: pricer.lines,
        usage: pricer.usage,
        ownMonthlyUsd: pricer.total,
        ownMonthlyMaxUsd: tidy(pricer.total + maxExtraUsd),
        ownMonthlyWhenActiveUsd: whenActiveExtraUsd === null ? null : tidy(pricer.total + whenActiveExtraUsd),
        vcpu,
        platformStack: platform?.stack ?? null,
        platformShareUsd: share,
        totalMonthlyUsd: pricer.total + share,
        budgetMonthlyUsd: budget,
        egressOwnUsd: egressTotal(pricer.lines),
        egressShareUsd: platform ? platform.egressMonthlyUsd * fraction : 0,
        priceDate: pricer.table.date,
      };
    });

    const warnings = tenants.map(budgetWarning).filter((w): w is string => w !== undefined);
    return { platforms, tenants, unpriced: [...this.unpriced], warnings };
  }
}

/** How far a tenant's fixed estimate is over its budget (own part first, what the budget sees), or undefined. */
export function overBudget(t: TenantEstimate): { by: number; ownOver: boolean } | undefined {
  if (t.budgetMonthlyUsd === null) return undefined;
  if (t.ownMonthlyUsd > t.budgetMonthlyUsd) return { by: t.ownMonthlyUsd - t.budgetMonthlyUsd, ownOver: true };
  if (t.totalMonthlyUsd > t.budgetMonthlyUsd + 0.005) return { by: t.totalMonthlyUsd - t.budgetMonthlyUsd, ownOver: false };
  return undefined;
}

/**
 * The warning for a tenant whose fixed estimate exceeds its budget. The budget filters on the
 * TenantID tag, so it sees the tenant's own resources (and Bedrock), never the platform share:
 * own fixed cost above it means it alerts every month, and past stopAtPercent the spend stop fires
 * with no model use at all. Own cost within the budget but the total (with the platform share)
 * above it means the tenant costs more than was budgeted for it, which the alerts never show.
 */
function budgetWarning(t: TenantEstimate): string | undefined {
  const over = overBudget(t);
  if (!over) return undefined;
  const fix = `raise budget.monthlyUsd in tenants/${t.tenant}.yaml or shrink its agents. See \`npm run cost\`.`;
  return over.ownOver
    ? `cost: tenant ${t.tenant}: fixed estimate ${usd(t.ownMonthlyUsd)}/month exceeds its budget of ${usd(t.budgetMonthlyUsd!)}/month by ${usd(over.by)} before any Bedrock use (plus ${usd(t.platformShareUsd)} platform share); its budget alerts fire every month; ${fix}`
    : `cost: tenant ${t.tenant}: fixed estimate ${usd(t.totalMonthlyUsd)}/month (${usd(t.ownMonthlyUsd)} own + ${usd(t.platformShareUsd)} platform share) exceeds its budget of ${usd(t.budgetMonthlyUsd!)}/month by ${usd(over.by)} before any Bedrock use; its budget alerts see only the own part; ${fix}`;
}

/** Prices every stack of a synth output (see CostEstimator). */
export function estimateCost(stacks: SynthesizedStacks, loadTable?: (region: string) => PriceTable): CostEstimate {
  const estimator = new CostEstimator(loadTable);
  for (const [stack, json] of stackEntries(stacks)) estimator.add(stack, json);
  return estimator.estimate();
}

function egressTotal(lines: readonly CostLine[]): number {
  return tidy(lines.filter((l) => l.item.startsWith(EGRESS_LINE_PREFIX)).reduce((n, l) => n + l.monthlyUsd, 0));
}

/** `$1,234.56`. */
export function usd(amount: number): string {
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
