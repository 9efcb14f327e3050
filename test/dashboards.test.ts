// Enforces SECURITY.md C46 (the table "Enforcing tests" there lists this file).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STORAGE_METRIC } from "../db/contract";
import { CONTAINER_INSIGHTS_NAMESPACE, SERVICE_UTILIZATION, TASK_COUNT_METRICS } from "../modules/agent-alarms";
import { GRID_COLUMNS, MAX_BODY_BYTES } from "../modules/dashboard-body";
import { RDS_METRICS } from "../modules/database";
import { EGRESS_METRIC_NAMESPACE, EGRESS_REFUSED_METRIC } from "../modules/egress-proxy";
import { CLUSTER_SERVICE_COUNT, FARGATE_USAGE, SERVICE_CPU_RESERVED } from "../modules/fleet-dashboard";
import { fleetDashboardName, platformContractParameterName, platformStackName, tenantDashboardName, tenantIdOfStackName } from "../modules/naming";
import { BEDROCK_METRICS } from "../modules/tenant-inference-profiles";
import { LOG_ERRORS_METRIC } from "../modules/tenant-logging";
import { dashboardsOf, renderLayout, Widget } from "../scripts/dashboard-layout";
import { terraformAvailable } from "./support/terraform-evaluate";
import { itOnFixtures, REPO_ROOT, synthesize, SynthOutput } from "./support/synth";

/**
 * Every dashboard, read back from the synthesized Terraform JSON (what the pipeline applies), is
 * checked against what the stacks themselves create: each metric a widget plots must be one a
 * resource of the fleet emits (a service on a Container Insights cluster, an inference profile, a
 * log metric filter, the provisioner's measure schedule, the database instance, Fargate usage),
 * each alarm one the stack declares, each log query over the stack's own log group; each widget on
 * the 24-column grid without overlap; the body within PutDashboard's limits.
 */
type Json = Record<string, any>;
const output: SynthOutput = synthesize();

interface Dashboard {
  readonly stack: string;
  readonly json: Json;
  readonly address: string;
  readonly name: string;
  readonly raw: string;
  readonly body: { widgets: Widget[] };
}

const dashboards: Dashboard[] = Object.entries(output.stacks).flatMap(([stack, json]) =>
  dashboardsOf(json).map((d) => ({ stack, json, ...d, raw: String(json.resource.aws_cloudwatch_dashboard[d.address.split(".")[1]].dashboard_body) })),
);

/** Environment and region of a stack, from its provider block. */
function placeOf(json: Json): { environment: string; region: string } {
  const provider = json.provider.aws[0];
  return { environment: provider.default_tags[0].tags.Environment, region: provider.region };
}

const resources = (json: Json, type: string): [string, Json][] => Object.entries<Json>(json.resource?.[type] ?? {});
const ref = (type: string, name: string, attribute: string) => `\${${type}.${name}.${attribute}}`;

/** The platform stack a stack runs on (itself for a platform stack). */
function platformOf(stack: string, json: Json): Json {
  const { environment, region } = placeOf(json);
  const platform = output.stacks[platformStackName(environment, region)];
  if (!platform) throw new Error(`${stack}: no synthesized platform stack for ${environment} ${region}`);
  return platform;
}

/** How a stack writes the shared cluster's name: its own cluster, or the platform contract's field. */
function clusterNameExpressions(json: Json): string[] {
  const own = resources(json, "aws_ecs_cluster").map(([name]) => ref("aws_ecs_cluster", name, "name"));
  const { environment, region } = placeOf(json);
  const contract = Object.entries<Json>(json.data?.aws_ssm_parameter ?? {})
    .filter(([, p]) => String(p.name).startsWith(platformContractParameterName(environment, region, "")))
    .map(([name]) => `\${jsondecode(data.aws_ssm_parameter.${name}.insecure_value).clusterName}`);
  return [...own, ...contract];
}

/** A metric the fleet emits: namespace, name, dimension values (`*` for any value of a field). */
interface Emitted {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Record<string, string>;
  readonly source: string;
}

/** Every metric a stack's own resources (and its platform's) make CloudWatch carry, as seen from that stack. */
function emittedMetrics(stack: string, json: Json): Emitted[] {
  const platform = platformOf(stack, json);
  const { environment } = placeOf(json);
  const clusters = clusterNameExpressions(json);
  const out: Emitted[] = [];
  // Container Insights is on for the shared cluster (its setting), so each service reports task
  // counts and reservations; ECS reports CPU and memory utilization of every service.
  const insights = resources(platform, "aws_ecs_cluster").every(([, c]) =>
    (c.setting ?? []).some((s: Json) => s.name === "containerInsights" && ["enabled", "enhanced"].includes(s.value)),
  );
  for (const [name, service] of resources(json, "aws_ecs_service")) {
    for (const cluster of clusters) {
      const dimensions = { ClusterName: cluster, ServiceName: ref("aws_ecs_service", name, "name") };
      const source = `aws_ecs_service.${name} (${service.name})`;
      for (const metric of [SERVICE_UTILIZATION.cpu, SERVICE_UTILIZATION.memory]) out.push({ namespace: SERVICE_UTILIZATION.namespace, metric, dimensions, source });
      if (insights) {
        for (const metric of [TASK_COUNT_METRICS.running, TASK_COUNT_METRICS.desired, SERVICE_CPU_RESERVED]) out.push({ namespace: CONTAINER_INSIGHTS_NAMESPACE, metric, dimensions, source });
      }
    }
  }
  if (insights) {
    for (const [name] of resources(json, "aws_ecs_cluster")) {
      out.push({ namespace: CONTAINER_INSIGHTS_NAMESPACE, metric: CLUSTER_SERVICE_COUNT, dimensions: { ClusterName: ref("aws_ecs_cluster", name, "name") }, source: `aws_ecs_cluster.${name}` });
    }
  }
  for (const [name] of resources(json, "aws_bedrock_inference_profile")) {
    for (const metric of [BEDROCK_METRICS.invocations, BEDROCK_METRICS.inputTokens, BEDROCK_METRICS.outputTokens]) {
      out.push({ namespace: BEDROCK_METRICS.namespace, metric, dimensions: { [BEDROCK_METRICS.dimension]: ref("aws_bedrock_inference_profile", name, "id") }, source: `aws_bedrock_inference_profile.${name}` });
    }
  }
  // A metric filter's dimension takes a field of the line; a pattern that pins the field to one
  // literal (`$.tenant = "acme"`) fixes the value, otherwise any value may appear.
  for (const [owner, filters] of [
    [json, resources(json, "aws_cloudwatch_log_metric_filter")],
    [platform, json === platform ? [] : resources(platform, "aws_cloudwatch_log_metric_filter")],
  ] as const) {
    for (const [name, filter] of filters) {
      const t = filter.metric_transformation;
      const dimensions = Object.fromEntries(
        Object.entries<string>(t.dimensions ?? {}).map(([dim, field]) => {
          const pinned = new RegExp(`\\${field.replace(".", "\\.")} = "([^"]+)"`).exec(String(filter.pattern));
          return [dim, pinned ? pinned[1] : "*"];
        }),
      );
      out.push({ namespace: t.namespace, metric: t.name, dimensions, source: `${owner === json ? "" : "platform "}aws_cloudwatch_log_metric_filter.${name}` });
    }
  }
  // The provisioner's measure schedule reports every tenant's storage for its environment.
  for (const [name, target] of resources(platform, "aws_cloudwatch_event_target")) {
    const input = JSON.parse(String(target.input ?? "{}"));
    if (input.operation === "measure" && input.environment === environment) {
      out.push({ namespace: STORAGE_METRIC.namespace, metric: STORAGE_METRIC.bytes, dimensions: { Environment: environment, TenantID: "*" }, source: `platform aws_cloudwatch_event_target.${name}` });
    }
  }
  for (const [name, db] of resources(platform, "aws_db_instance")) {
    for (const metric of [RDS_METRICS.connections, RDS_METRICS.freeStorage]) {
      out.push({ namespace: RDS_METRICS.namespace, metric, dimensions: { DBInstanceIdentifier: db.identifier }, source: `platform aws_db_instance.${name}` });
    }
  }
  // Fargate reports the account's vCPU in use per class wherever services run on it.
  const fargate = [...resources(json, "aws_ecs_service"), ...resources(platform, "aws_ecs_service")].some(([, s]) =>
    (s.capacity_provider_strategy ?? []).some((c: Json) => String(c.capacity_provider).startsWith("FARGATE")),
  );
  if (fargate) {
    for (const klass of [FARGATE_USAGE.onDemand, FARGATE_USAGE.spot]) {
      out.push({ namespace: FARGATE_USAGE.namespace, metric: FARGATE_USAGE.metric, dimensions: { Service: "Fargate", Type: "Resource", Resource: "vCPU", Class: klass }, source: "Fargate services" });
    }
  }
  return out;
}

/** Metric rows of a widget: plain metrics and metric math expressions. */
function rowsOf(w: Widget): { metrics: { namespace: string; metric: string; dimensions: Record<string, string> }[]; expressions: { id?: string; expression: string }[] } {
  const metrics = [];
  const expressions = [];
  for (const row of w.properties.metrics ?? []) {
    if (row.length === 1 && typeof row[0] === "object") {
      expressions.push(row[0]);
      continue;
    }
    const values = row.filter((v: unknown) => typeof v === "string") as string[];
    const [namespace, metric, ...pairs] = values;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
    metrics.push({ namespace, metric, dimensions });
  }
  return { metrics, expressions };
}

function matches(emitted: Emitted, metric: { namespace: string; metric: string; dimensions: Record<string, string> }): boolean {
  if (emitted.namespace !== metric.namespace || emitted.metric !== metric.metric) return false;
  const a = Object.keys(emitted.dimensions).sort();
  const b = Object.keys(metric.dimensions).sort();
  return a.join() === b.join() && a.every((k) => emitted.dimensions[k] === "*" || emitted.dimensions[k] === metric.dimensions[k]);
}

/** `SEARCH('{ns,dim,...} MetricName="m" k="v"', ...)` inside an expression. */
function searchesOf(expression: string): { namespace: string; dimensions: string[]; metric?: string; equal: Record<string, string> }[] {
  return [...expression.matchAll(/SEARCH\('\{([^}]*)\}([^']*)'/g)].map(([, schema, terms]) => {
    const [namespace, ...dimensions] = schema.split(",");
    const equal = Object.fromEntries([...terms.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    const { MetricName: metric, ...rest } = equal;
    return { namespace, dimensions, metric, equal: rest };
  });
}

describe("dashboards, read back from the synthesized stacks", () => {
  it("gives every stack exactly one dashboard: each tenant its own, each platform its fleet's", () => {
    expect(Object.keys(output.stacks).length).toBeGreaterThan(0);
    const problems = Object.entries(output.stacks).flatMap(([stack, json]) => {
      const names = dashboardsOf(json).map((d) => d.name);
      const tenant = tenantIdOfStackName(stack);
      const { environment, region } = placeOf(json);
      const expected = tenant ? tenantDashboardName(tenant) : fleetDashboardName(environment, region);
      return names.length === 1 && names[0] === expected ? [] : [`${stack}: dashboards ${JSON.stringify(names)}, expected [${expected}]`];
    });
    expect(problems).toEqual([]);
  });

  // The provider checks the name against ^[0-9A-Za-z_-]+$ and 255 characters
  // (internal/service/cloudwatch/validate.go validDashboardName), as PutDashboard documents
  // (botocore cloudwatch 2010-08-01 PutDashboard DashboardName: "maximum length is 255, and valid
  // characters are A-Z, a-z, 0-9, "-", and "_"").
  it("names each dashboard as PutDashboard accepts", () => {
    expect(dashboards.length).toBeGreaterThan(0);
    expect(dashboards.filter((d) => !/^[A-Za-z0-9_-]{1,255}$/.test(d.name)).map((d) => `${d.stack}: ${d.name}`)).toEqual([]);
  });

  // dashboard_body must be JSON (internal/service/cloudwatch/dashboard.go: ValidateFunc
  // validation.StringIsJSON, and state keeps it normalized by structure.NormalizeJsonString, so a
  // re-ordered body is no diff). References stay inside JSON strings and may only name attributes
  // whose values never hold a quote or a backslash, so the body is still JSON after apply.
  it("writes a JSON body whose Terraform references are JSON-safe values, within the 1 MB limit", () => {
    const safeReference = /^\$\{(aws_ecs_service\.[\w-]+\.name|aws_ecs_cluster\.[\w-]+\.name|aws_bedrock_inference_profile\.[\w-]+\.id|aws_cloudwatch_metric_alarm\.[\w-]+\.arn|aws_budgets_budget\.[\w-]+\.name|aws_cloudwatch_log_group\.[\w-]+\.name|jsondecode\(data\.aws_ssm_parameter\.[\w-]+\.insecure_value\)\.clusterName)\}$/;
    const problems = dashboards.flatMap((d) => {
      const references = d.raw.match(/\$\{[^}]*\}/g) ?? [];
      const unsafe = references.filter((r) => !safeReference.test(r)).map((r) => `${d.stack}: reference ${r}`);
      // Every reference replaced by a 255-character value (the longest name any of them can be).
      const worstCase = Buffer.byteLength(d.raw) + references.length * 255;
      return [...unsafe, ...(worstCase > MAX_BODY_BYTES ? [`${d.stack}: body up to ${worstCase} bytes`] : [])];
    });
    expect(problems).toEqual([]);
  });

  it("places every widget on the 24-column grid, none overlapping another", () => {
    const problems = dashboards.flatMap((d) => {
      const out: string[] = [];
      const cells = new Map<string, number>();
      d.body.widgets.forEach((w, i) => {
        const ints = [w.x, w.y, w.width, w.height].every((n) => Number.isInteger(n));
        if (!ints || w.x < 0 || w.y < 0 || w.width < 1 || w.height < 1 || w.x + w.width > GRID_COLUMNS) out.push(`${d.stack}: widget ${i} at ${w.x},${w.y} ${w.width}x${w.height}`);
        for (let x = w.x; x < w.x + w.width; x++) {
          for (let y = w.y; y < w.y + w.height; y++) {
            const other = cells.get(`${x},${y}`);
            if (other !== undefined) out.push(`${d.stack}: widget ${i} overlaps widget ${other} at ${x},${y}`);
            cells.set(`${x},${y}`, i);
          }
        }
      });
      return out;
    });
    expect(problems).toEqual([]);
  });

  it("plots only metrics the stacks emit, with the dimensions they emit them under", () => {
    let checked = 0;
    // Which metric schemas exist anywhere, for SEARCH: namespace, metric and dimension names.
    const fleet = new Set(
      Object.entries(output.stacks).flatMap(([stack, json]) => emittedMetrics(stack, json).map((e) => [e.namespace, e.metric, ...Object.keys(e.dimensions).sort()].join("|"))),
    );
    const problems = dashboards.flatMap((d) => {
      const emitted = emittedMetrics(d.stack, d.json);
      const clusters = clusterNameExpressions(d.json);
      return d.body.widgets
        .filter((w) => w.type === "metric")
        .flatMap((w) => {
          const { metrics, expressions } = rowsOf(w);
          const ids = new Set(metrics.map((_, i) => (w.properties.metrics[i].at(-1) as Json)?.id).filter(Boolean));
          const out = metrics
            .filter((m) => {
              checked++;
              return !emitted.some((e) => matches(e, m));
            })
            .map((m) => `${d.stack}: "${w.properties.title}" plots ${m.namespace} ${m.metric} ${JSON.stringify(m.dimensions)}, which nothing emits`);
          for (const { expression } of expressions) {
            for (const id of expression.match(/SERVICE_QUOTA\((\w+)\)/g) ?? []) {
              if (!ids.has(id.slice("SERVICE_QUOTA(".length, -1))) out.push(`${d.stack}: "${w.properties.title}": ${id} names no metric of the widget`);
            }
            for (const s of searchesOf(expression)) {
              checked++;
              const schemaMatch = fleet.has([s.namespace, s.metric, ...[...s.dimensions].sort()].join("|"));
              if (!schemaMatch) out.push(`${d.stack}: "${w.properties.title}" searches ${s.namespace} ${s.metric} {${s.dimensions}}, which nothing in the fleet emits`);
              if (s.equal.ClusterName !== undefined && !clusters.includes(s.equal.ClusterName)) out.push(`${d.stack}: "${w.properties.title}" searches cluster ${s.equal.ClusterName}, not the stack's`);
            }
          }
          return out;
        });
    });
    expect(checked).toBeGreaterThan(dashboards.length);
    expect(problems).toEqual([]);
  });

  it("lists every alarm of its stack in an alarm widget, and only those", () => {
    const problems = dashboards.flatMap((d) => {
      const listed = d.body.widgets.filter((w) => w.type === "alarm").flatMap((w) => w.properties.alarms as string[]);
      const declared = resources(d.json, "aws_cloudwatch_metric_alarm").map(([name]) => ref("aws_cloudwatch_metric_alarm", name, "arn"));
      return JSON.stringify([...listed].sort()) === JSON.stringify([...declared].sort()) ? [] : [`${d.stack}: lists ${listed.length} alarms, declares ${declared.length}`];
    });
    expect(problems).toEqual([]);
  });

  it("queries only the stack's own log group", () => {
    const problems = dashboards.flatMap((d) => {
      const groups = resources(d.json, "aws_cloudwatch_log_group").flatMap(([name, g]) => [g.name, ref("aws_cloudwatch_log_group", name, "name")]);
      return d.body.widgets
        .filter((w) => w.type === "log")
        .flatMap((w) => {
          const sources = [...String(w.properties.query).matchAll(/SOURCE '([^']+)'/g)].map((m) => m[1]);
          return sources.length > 0 && sources.every((s) => groups.includes(s)) ? [] : [`${d.stack}: "${w.properties.title}" queries ${JSON.stringify(sources)}`];
        });
    });
    expect(problems).toEqual([]);
  });

  it("counts a tenant's error lines only for that tenant: the filter pins the dimension to its id", () => {
    const tenants = Object.entries(output.stacks).filter(([stack]) => tenantIdOfStackName(stack));
    expect(tenants.length).toBeGreaterThan(0);
    const problems = tenants.flatMap(([stack, json]) => {
      const filters = resources(json, "aws_cloudwatch_log_metric_filter").filter(([, f]) => f.metric_transformation.name === LOG_ERRORS_METRIC.name);
      const tenant = tenantIdOfStackName(stack)!;
      return filters.length === 1 && String(filters[0][1].pattern).includes(`$.tenant = "${tenant}"`) && filters[0][1].metric_transformation.dimensions[LOG_ERRORS_METRIC.dimension] === "$.tenant"
        ? []
        : [`${stack}: ${filters.length} error filters, pattern ${filters[0]?.[1].pattern}`];
    });
    expect(problems).toEqual([]);
  });

  it("keeps the egress refusals it plots to the platform's per-tenant filter", () => {
    const platforms = Object.entries(output.stacks).filter(([stack]) => !tenantIdOfStackName(stack));
    expect(platforms.every(([, json]) => resources(json, "aws_cloudwatch_log_metric_filter").some(([, f]) => f.metric_transformation.namespace === EGRESS_METRIC_NAMESPACE && f.metric_transformation.name === EGRESS_REFUSED_METRIC))).toBe(true);
  });

  itOnFixtures("the README shows the fixture tenant acme's dashboard as `npm run dashboard:layout` renders it", () => {
    const acme = dashboards.find((d) => d.stack === "tenant-acme")!;
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).toContain(renderLayout(acme.body));
  });

  // The body is a template: Terraform substitutes the references, then the provider checks the
  // result is JSON (validation.StringIsJSON). Real Terraform renders each dashboard here with every
  // reference stood in by a local of the same shape (a plan of locals and outputs needs no provider).
  const withTerraform = terraformAvailable() || process.env.CI ? itOnFixtures : itOnFixtures.skip;
  withTerraform("renders to the JSON it was written as, once Terraform has substituted every reference", () => {
    const value = (reference: string) => `stand-in-${reference.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}`;
    const locals: Json = {};
    const expected: string[] = [];
    const outputs: Json = {};
    for (const [i, d] of dashboards.entries()) {
      for (const reference of new Set(d.raw.match(/\$\{[^}]*\}/g) ?? [])) {
        const inner = reference.slice(2, -1);
        const contract = /^jsondecode\(data\.aws_ssm_parameter\.([\w-]+)\.insecure_value\)\.(\w+)$/.exec(inner);
        const [type, name, attribute] = contract ? ["data", `aws_ssm_parameter`, contract[1]] : inner.split(".");
        const target = ((locals[type] ??= {})[name] ??= {});
        if (contract) (target[attribute] ??= { insecure_value: "{}" }).insecure_value = JSON.stringify({ ...JSON.parse(target[attribute].insecure_value), [contract[2]]: value(reference) });
        else target[attribute] = value(reference);
      }
      const rewritten = d.raw.replace(/\$\{([^}]*)\}/g, (_, inner: string) => `\${${inner.replace(/(?<![\w.-])(data|aws_[a-z0-9_]+)\./, "local.$1.")}}`);
      outputs[`d${i}`] = { value: rewritten };
      expected.push(d.raw.replace(/\$\{[^}]*\}/g, (reference) => value(reference)));
    }
    const dir = mkdtempSync(join(tmpdir(), "openclaw-dashboards-"));
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ locals, output: outputs }));
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: join(dir, "none.tfrc"), CHECKPOINT_DISABLE: "1" };
    writeFileSync(join(dir, "none.tfrc"), "");
    const run = (args: string[]) => spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8", maxBuffer: 1 << 28 });
    for (const args of [["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]]) {
      const result = run(args);
      expect({ args, status: result.status, stderr: result.stderr }).toEqual({ args, status: 0, stderr: "" });
    }
    const rendered = JSON.parse(run(["output", "-json"]).stdout) as Record<string, { value: string }>;
    expect(dashboards.length).toBeGreaterThan(0);
    dashboards.forEach((d, i) => {
      expect({ stack: d.stack, body: JSON.parse(rendered[`d${i}`].value) }).toEqual({ stack: d.stack, body: JSON.parse(expected[i]) });
    });
  }, 120_000);
});
