import type { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";

/**
 * The parts of a CloudWatch dashboard body this project writes, and their layout
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
 * Widgets are placed left to right in rows of GRID_COLUMNS; the body is plain JSON text (not
 * jsonencode) so the plan comment shows it as written, with Terraform references only where a
 * value is known at apply time.
 */

/** Columns of the dashboard grid: a widget's x + width never exceeds it. */
export const GRID_COLUMNS = 24;
/** PutDashboard refuses a body over 1 MB (CloudWatch quotas: "Dashboard body: 1 MB"). */
export const MAX_BODY_BYTES = 1_000_000;
/** Alarms one alarm status widget may list (CloudWatch-Dashboard-Body-Structure: "alarms ... up to 100"). */
export const MAX_ALARMS_PER_WIDGET = 100;

/** `[namespace, metric, dim, value, ..., options?]` or `[{ expression, label, id }]`. */
export type MetricRow = unknown[];

export type WidgetSpec =
  | { readonly type: "text"; readonly width: number; readonly height: number; readonly markdown: string }
  | {
      readonly type: "metric";
      readonly width: number;
      readonly height: number;
      readonly title: string;
      readonly metrics: MetricRow[];
      readonly stat?: string;
      readonly period?: number;
      readonly view?: "timeSeries" | "singleValue" | "bar";
      readonly stacked?: boolean;
      /** Horizontal lines: a threshold or a quota. */
      readonly lines?: ReadonlyArray<{ readonly label: string; readonly value: number }>;
    }
  | { readonly type: "log"; readonly width: number; readonly height: number; readonly title: string; readonly query: string }
  | { readonly type: "alarm"; readonly width: number; readonly height: number; readonly title: string; readonly alarms: string[] };

/** One metric of a namespace with its dimensions, as a MetricRow. */
export function metricRow(namespace: string, metric: string, dimensions: Record<string, string>, options?: Record<string, unknown>): MetricRow {
  return [namespace, metric, ...Object.entries(dimensions).flat(), ...(options ? [options] : [])];
}

/** A metric math row (SEARCH, SORT, SERVICE_QUOTA ...). */
export function expressionRow(id: string, expression: string, label: string): MetricRow {
  return [{ id, expression, label }];
}

/**
 * `SEARCH('{namespace,dims} MetricName="metric" dim="value"', stat, period)`: every metric of that
 * schema whose listed dimensions equal the given values.
 */
export function searchExpression(namespace: string, schemaDimensions: readonly string[], metric: string, equal: Record<string, string>, stat: string, period: number): string {
  const terms = [`MetricName="${metric}"`, ...Object.entries(equal).map(([k, v]) => `${k}="${v}"`)];
  return `SEARCH('{${[namespace, ...schemaDimensions].join(",")}} ${terms.join(" ")}', '${stat}', ${period})`;
}

/** Rows of GRID_COLUMNS, left to right; a widget that does not fit starts the next row. */
export function layout(widgets: readonly WidgetSpec[], region: string): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const placed = widgets.map((w) => {
    if (!(Number.isInteger(w.width) && w.width >= 1 && w.width <= GRID_COLUMNS)) throw new Error(`dashboard widget width must be 1-${GRID_COLUMNS}, got ${w.width}`);
    if (x + w.width > GRID_COLUMNS) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const position = { x, y, width: w.width, height: w.height };
    x += w.width;
    rowHeight = Math.max(rowHeight, w.height);
    return { ...position, ...widgetBody(w, region) };
  });
  return { widgets: placed };
}

function widgetBody(w: WidgetSpec, region: string): Record<string, unknown> {
  switch (w.type) {
    case "text":
      return { type: "text", properties: { markdown: w.markdown } };
    case "log":
      return { type: "log", properties: { title: w.title, region, query: w.query, view: "table" } };
    case "alarm":
      if (w.alarms.length > MAX_ALARMS_PER_WIDGET) throw new Error(`dashboard alarm widget "${w.title}": at most ${MAX_ALARMS_PER_WIDGET} alarms, got ${w.alarms.length}`);
      return { type: "alarm", properties: { title: w.title, alarms: w.alarms, sortBy: "stateUpdatedTimestamp" } };
    case "metric":
      return {
        type: "metric",
        properties: {
          title: w.title,
          region,
          view: w.view ?? "timeSeries",
          stacked: w.stacked ?? false,
          stat: w.stat ?? "Average",
          period: w.period ?? 300,
          metrics: w.metrics,
          ...(w.lines?.length ? { annotations: { horizontal: w.lines.map((l) => ({ label: l.label, value: l.value })) } } : {}),
        },
      };
  }
}

/**
 * The dashboard body as JSON text, checked against PutDashboard's size limit. Terraform references
 * inside stay `${...}` templates, resolved at apply time.
 */
export function renderBody(widgets: readonly WidgetSpec[], region: string): string {
  const body = JSON.stringify(layout(widgets, region));
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new Error(`dashboard body is ${Buffer.byteLength(body)} bytes, over PutDashboard's ${MAX_BODY_BYTES}`);
  return body;
}

/**
 * ARNs of every metric alarm the construct's stack declares so far: a dashboard built last lists
 * what the stack alarms on without a second list of names to keep in step.
 */
export function stackAlarmArns(scope: Construct): string[] {
  return TerraformStack.of(scope)
    .node.findAll()
    .filter((c): c is CloudwatchMetricAlarm => c instanceof CloudwatchMetricAlarm)
    .map((alarm) => alarm.arn);
}

/** Alarm status widgets over `alarms`, MAX_ALARMS_PER_WIDGET each. */
export function alarmWidgets(alarms: readonly string[], title: string): WidgetSpec[] {
  const out: WidgetSpec[] = [];
  for (let i = 0; i < alarms.length; i += MAX_ALARMS_PER_WIDGET) {
    out.push({ type: "alarm", width: GRID_COLUMNS, height: 4, title: i === 0 ? title : `${title} (continued)`, alarms: alarms.slice(i, i + MAX_ALARMS_PER_WIDGET) });
  }
  return out;
}

/** The CloudWatch console's list of dashboards. */
export function dashboardsConsoleUrl(region: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:`;
}

/** The CloudWatch console page of a dashboard. */
export function dashboardConsoleUrl(region: string, name: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}`;
}
