/**
 * `npm run dashboard:layout -- <stack>`: prints the layout of a synthesized stack's CloudWatch
 * dashboard as text, one box per widget on the 24-column grid with its title, so a reviewer sees
 * what the console will show without an AWS account.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, run, UsageError } from "../pipeline/lib/cli";
import { GRID_COLUMNS } from "../modules/dashboard-body";

export const HELP = `Usage: npm run -s dashboard:layout -- <stack> [--out <dir>] [--cell <n>]

Prints the CloudWatch dashboard of a synthesized stack (tenant-<id> or platform-<env>-<region>)
as a text grid of widget titles, from <dir>/stacks/<stack>/cdk.tf.json.

  --out <dir>   synth output directory (default cdktf.out; run npm run synth first)
  --cell <n>    characters per grid column (default 4)

Exit codes: 0 printed, 1 bad input (no such stack, no dashboard), 2 unexpected failure.`;

type Json = Record<string, any>;

export interface Widget {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly type: string;
  readonly properties: Json;
}

/** The dashboards of one synthesized stack: Terraform address, name and parsed body. */
export function dashboardsOf(stackJson: Json): { address: string; name: string; body: { widgets: Widget[] } }[] {
  return Object.entries<Json>(stackJson.resource?.aws_cloudwatch_dashboard ?? {}).map(([address, d]) => ({
    address: `aws_cloudwatch_dashboard.${address}`,
    name: String(d.dashboard_name),
    body: JSON.parse(String(d.dashboard_body)),
  }));
}

/** What a widget shows as its title on the grid. */
export function widgetTitle(w: Widget): string {
  if (w.type === "text") return `[text] ${String(w.properties.markdown ?? "").split("\n")[0].replace(/^#+\s*/, "")}`;
  if (w.type === "log") return `[logs] ${w.properties.title}`;
  if (w.type === "alarm") return `[alarms] ${w.properties.title} (${(w.properties.alarms ?? []).length})`;
  return String(w.properties.title ?? w.type);
}

/**
 * The grid as text: each widget a box `cell` characters per column and a line per two grid rows,
 * its title wrapped inside. Widgets must not overlap (the test checks); an overlap would show as
 * overwritten borders.
 */
export function renderLayout(body: { widgets: readonly Widget[] }, cell = 4): string {
  // Two grid rows per text line: a character is about twice as tall as it is wide.
  const line = (gridRow: number) => Math.ceil(gridRow / 2);
  const rows = line(Math.max(0, ...body.widgets.map((w) => w.y + w.height)));
  const width = GRID_COLUMNS * cell + 1;
  const canvas = Array.from({ length: rows + 1 }, () => Array<string>(width).fill(" "));
  for (const w of body.widgets) {
    const left = w.x * cell;
    const right = (w.x + w.width) * cell;
    const top = line(w.y);
    const bottom = line(w.y + w.height);
    for (let c = left; c <= right; c++) {
      canvas[top][c] = canvas[bottom][c] = c === left || c === right ? "+" : "-";
    }
    for (let r = top + 1; r < bottom; r++) canvas[r][left] = canvas[r][right] = "|";
    const inner = right - left - 3;
    const lines = wrap(widgetTitle(w), inner).slice(0, Math.max(bottom - top - 1, 1));
    lines.forEach((text, i) => {
      for (let k = 0; k < text.length; k++) canvas[top + 1 + i][left + 2 + k] = text[k];
    });
  }
  return canvas.map((line) => line.join("").trimEnd()).join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/)) {
    const piece = word.length > width ? `${word.slice(0, width - 1)}…` : word;
    if (current && current.length + 1 + piece.length > width) {
      lines.push(current);
      current = piece;
    } else current = current ? `${current} ${piece}` : piece;
  }
  if (current) lines.push(current);
  return lines;
}

export function main(argv: string[]): number {
  const { values, positionals } = parse(argv, { out: { type: "string" }, cell: { type: "string" } }, true);
  if (positionals.length !== 1) throw new UsageError("name exactly one stack, e.g. tenant-acme or platform-production-us-east-1");
  const cell = values.cell === undefined ? 4 : Number(values.cell);
  if (!Number.isInteger(cell) || cell < 3 || cell > 12) throw new UsageError(`--cell must be an integer from 3 to 12 (got ${values.cell})`);
  const file = join(values.out ?? "cdktf.out", "stacks", positionals[0], "cdk.tf.json");
  if (!existsSync(file)) throw new UsageError(`${file}: no such synthesized stack (run npm run synth first, or pass --out)`);
  const dashboards = dashboardsOf(JSON.parse(readFileSync(file, "utf8")));
  if (dashboards.length === 0) throw new UsageError(`${file}: the stack declares no CloudWatch dashboard`);
  for (const d of dashboards) process.stdout.write(`${d.name} (${d.body.widgets.length} widgets)\n${renderLayout(d.body, cell)}\n`);
  return 0;
}

if (require.main === module) run("dashboard:layout", HELP, main);
