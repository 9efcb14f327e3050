import { serviceCopiesOf } from "../config/agent-scaling";
import { maxConnections, QuotaName } from "../aws/quotas";

/**
 * What the synthesized stacks will create, counted against each quota. Counting the Terraform
 * JSON (not the tenant files) means every resource any module adds is counted, including ones a
 * future change introduces without thinking about quotas.
 */
export interface Meter {
  readonly quota: QuotaName;
  readonly environment: string;
  /** Region, or undefined for account-wide quotas. */
  readonly region?: string;
  /** What the quota applies to within the scope: a security group, a cluster, a database. */
  readonly subject?: string;
  used: number;
  /** Usage contributed by each tenant, for "room for N more tenants". */
  readonly perTenant: Map<string, number>;
  /** Limit fixed by the synthesized resource itself (max_connections of the DB class). */
  limit?: number;
}

type StackJson = Record<string, any>;

const ACCOUNT_COUNTED: Partial<Record<QuotaName, string[]>> = {
  iamRoles: ["aws_iam_role"],
  iamCustomerManagedPolicies: ["aws_iam_policy"],
  s3Buckets: ["aws_s3_bucket"],
  budgets: ["aws_budgets_budget"],
};
const REGION_COUNTED: Partial<Record<QuotaName, string[]>> = {
  // Every VPC's default group counts against the quota too.
  securityGroups: ["aws_security_group", "aws_default_security_group"],
  kmsKeys: ["aws_kms_key"],
  secrets: ["aws_secretsmanager_secret"],
  metricAlarms: ["aws_cloudwatch_metric_alarm"],
  logGroups: ["aws_cloudwatch_log_group"],
};

/**
 * Lambda refuses a function's reserved concurrency when it would leave fewer than this many
 * unreserved executions in the region (PutFunctionConcurrency), so a region with reservations
 * uses the reservations plus this floor of its concurrency quota.
 */
export const LAMBDA_UNRESERVED_MINIMUM = 100;

function resourcesOf(json: StackJson, type: string): Array<[string, Record<string, any>]> {
  return Object.entries(json.resource?.[type] ?? {});
}

/**
 * Counts every meter, one stack at a time (`add`), so a fleet's output is read once and shared
 * with the other fleet-wide checks (capacity/fleet-checks.ts) instead of holding every parsed stack
 * in memory.
 */
export class UsageCounter {
  private readonly counted = new Map<string, Meter>();

  /** Counts one synthesized stack. */
  add(stackName: string, json: StackJson): void {
    const meter = (quota: QuotaName, environment: string, region?: string, subject?: string): Meter => {
      const key = [quota, environment, region ?? "", subject ?? ""].join("|");
      let m = this.counted.get(key);
      if (!m) {
        m = { quota, environment, region, subject, used: 0, perTenant: new Map() };
        this.counted.set(key, m);
      }
      return m;
    };
    const add = (m: Meter, amount: number, tenant: string | undefined) => {
      m.used += amount;
      if (tenant) m.perTenant.set(tenant, (m.perTenant.get(tenant) ?? 0) + amount);
    };

    const provider = json.provider?.aws?.[0];
    const tags: Record<string, string> = provider?.default_tags?.[0]?.tags ?? {};
    const environment = tags.Environment;
    const region: string = provider?.region;
    if (!environment || !region) throw new Error(`capacity: stack ${stackName} has no Environment tag or provider region`);
    const tenant = tags.TenantID;

    for (const [quota, types] of Object.entries(ACCOUNT_COUNTED) as Array<[QuotaName, string[]]>) {
      const count = types.reduce((n, t) => n + resourcesOf(json, t).length, 0);
      if (count > 0) add(meter(quota, environment), count, tenant);
    }
    for (const [quota, types] of Object.entries(REGION_COUNTED) as Array<[QuotaName, string[]]>) {
      const count = types.reduce((n, t) => n + resourcesOf(json, t).length, 0);
      if (count > 0) add(meter(quota, environment, region), count, tenant);
    }
    // Cost Anomaly Detection: one AWS services monitor (DIMENSIONAL) and 500 custom monitors per account.
    for (const [, monitor] of resourcesOf(json, "aws_ce_anomaly_monitor")) {
      add(meter(monitor.monitor_type === "DIMENSIONAL" ? "costAnomalyServicesMonitors" : "costAnomalyCustomMonitors", environment), 1, tenant);
    }
    const standardParameters = resourcesOf(json, "aws_ssm_parameter").filter(([, p]) => (p.tier ?? "Standard") === "Standard").length;
    if (standardParameters > 0) add(meter("ssmStandardParameters", environment, region), standardParameters, tenant);

    // Quotas per resource (rules per security group, metric filters per log group), counted per
    // group first. A shared group (a platform stack's) is one meter that every tenant adding to it
    // fills; a group a tenant stack owns is that tenant's alone, so all tenants' copies share one
    // meter at the largest copy and carry no per-tenant usage: adding tenants adds groups, not
    // rules to this one, and "room for N more tenants" would be meaningless.
    const perGroup = new Map<string, { quota: QuotaName; reference: string; count: number }>();
    const count = (quota: QuotaName, reference: string, n: number) => {
      const key = `${quota}|${reference}`;
      const entry = perGroup.get(key) ?? { quota, reference, count: 0 };
      entry.count += n;
      perGroup.set(key, entry);
    };
    for (const [direction, type, inline] of [
      ["inboundRulesPerSecurityGroup", "aws_vpc_security_group_ingress_rule", "ingress"],
      ["outboundRulesPerSecurityGroup", "aws_vpc_security_group_egress_rule", "egress"],
    ] as const) {
      for (const [, rule] of resourcesOf(json, type)) count(direction, String(rule.security_group_id), 1);
      for (const [name, group] of resourcesOf(json, "aws_security_group")) {
        const n = (group[inline] ?? []).length;
        if (n > 0) count(direction, `\${aws_security_group.${name}.id}`, n);
      }
    }
    // Metric filters, attributed to the log group they read (by name or reference).
    for (const [, filter] of resourcesOf(json, "aws_cloudwatch_log_metric_filter")) count("metricFiltersPerLogGroup", String(filter.log_group_name), 1);
    for (const { quota, reference, count: n } of perGroup.values()) {
      const own = ownResource(reference);
      if (tenant && own) {
        const m = meter(quota, environment, region, `each tenant's ${own}`);
        m.used = Math.max(m.used, n);
      } else add(meter(quota, environment, region, own ? `${stackName}/${own}` : reference), n, tenant);
    }

    // Services, Fargate vCPU and database connections, from services and their task definitions.
    // An elastic agent counts at its max: capacity must hold every copy it may scale to.
    const copies = serviceCopiesOf(json);
    for (const [name, service] of resourcesOf(json, "aws_ecs_service")) {
      const desired = copies.get(name)!.peak;
      add(meter("ecsServicesPerCluster", environment, region, "agents cluster"), 1, tenant);
      const taskName = /^\$\{aws_ecs_task_definition\.([^.]+)\.arn\}$/.exec(service.task_definition ?? "")?.[1];
      const task = taskName ? json.resource.aws_ecs_task_definition[taskName] : undefined;
      if (!task) continue;
      const spot = (service.capacity_provider_strategy ?? []).some((s: any) => s.capacity_provider === "FARGATE_SPOT");
      add(meter(spot ? "fargateSpotVcpu" : "fargateOnDemandVcpu", environment, region), (Number(task.cpu) / 1024) * desired, tenant);
      const containers: Array<{ environment?: Array<{ name: string; value: string }> }> = JSON.parse(task.container_definitions);
      const pool = containers.reduce((n, c) => n + Number(c.environment?.find((e) => e.name === "DB_POOL_SIZE")?.value ?? 0), 0);
      if (pool > 0) add(meter("databaseConnections", environment, region, "platform database"), pool * desired, tenant);
    }
    for (const [, fn] of resourcesOf(json, "aws_lambda_function")) {
      const reserved = Number(fn.reserved_concurrent_executions ?? -1);
      if (reserved <= 0) continue; // -1 (the provider's default) reserves nothing
      const m = meter("lambdaConcurrentExecutions", environment, region);
      if (m.used === 0) add(m, LAMBDA_UNRESERVED_MINIMUM, undefined);
      add(m, reserved, tenant);
    }
    for (const [, instance] of resourcesOf(json, "aws_db_instance")) {
      const parameters = parameterGroupOf(json, instance.parameter_group_name);
      const reserved = parameters.get("rds.rds_superuser_reserved_connections");
      const max = parameters.get("max_connections");
      const limit = maxConnections(instance.instance_class, reserved === undefined ? undefined : Number(reserved), max === undefined ? undefined : Number(max));
      if (limit !== undefined) meter("databaseConnections", environment, region, "platform database").limit = limit;
    }
  }

  /** The meters counted so far that are in use or have a known limit. */
  meters(): Meter[] {
    return [...this.counted.values()].filter((m) => m.used > 0 || m.limit !== undefined);
  }
}

/**
 * Collects every meter over all stacks: a name → JSON record, or an iterable of [name, JSON]
 * pairs so a fleet's output can be read one stack at a time (eachSynthesizedStack) instead of
 * holding every parsed stack in memory at once.
 */
export function measureUsage(stacks: Record<string, StackJson> | Iterable<[string, StackJson]>): Meter[] {
  const counter = new UsageCounter();
  const entries: Iterable<[string, StackJson]> = Symbol.iterator in stacks ? (stacks as Iterable<[string, StackJson]>) : Object.entries(stacks);
  for (const [stackName, json] of entries) counter.add(stackName, json);
  return counter.meters();
}

/**
 * The parameters of the instance's parameter group in the same stack (by its
 * `${aws_db_parameter_group.x.name}` reference), so reserved slots and a max_connections
 * override count as the database will apply them. Non-numeric values (formulas) are left out.
 */
function parameterGroupOf(json: StackJson, reference: string | undefined): Map<string, string> {
  const local = /^\$\{aws_db_parameter_group\.([^.]+)\.name\}$/.exec(reference ?? "");
  const group = local ? json.resource?.aws_db_parameter_group?.[local[1]] : undefined;
  const entries: Array<{ name: string; value: string }> = group?.parameter ?? [];
  return new Map(entries.filter((p) => /^\d+$/.test(String(p.value))).map((p) => [p.name, String(p.value)]));
}

/** The stack's own security group or log group a reference names (`${aws_security_group.x.id}` → x), or undefined. */
function ownResource(reference: string): string | undefined {
  // Security groups by id, log groups (metric filters) by name: both references to the stack's own resource.
  return /^\$\{aws_(?:security_group|cloudwatch_log_group)\.([^.]+)\.(?:id|name)\}$/.exec(reference)?.[1];
}
