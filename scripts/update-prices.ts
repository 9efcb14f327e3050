/**
 * `npm run prices:update -- --region <region> [--region ...] [--date YYYY-MM-DD] [--dry-run]`:
 * writes cost/prices/<region>.json from the AWS Price List API (cost/price-list.ts), for a user
 * with AWS credentials allowed `pricing:GetProducts` (the default credential chain; the API is
 * served from us-east-1). Existing tables are refreshed, new regions get one, dated today.
 *
 * Exit codes: 0 written, 1 bad arguments, 2 AWS failure or a price the list does not carry.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PricingClient } from "@aws-sdk/client-pricing";
import { REGION_PATTERN } from "../config/environment-schema";
import { log, parse, run, ToolFailure, UsageError } from "../pipeline/lib/cli";
import { fetchPriceTable, PriceListError } from "../cost/price-list";
import { loadPriceTable, MissingPriceTableError, PRICES_DIR } from "../cost/prices";

export const HELP = `Usage: npm run prices:update -- --region <region> [--region <region> ...] [--date YYYY-MM-DD] [--dry-run]

Reads every price the fixed monthly estimate sums from the AWS Price List API (pricing:GetProducts,
us-east-1 endpoint, your AWS credentials) and writes cost/prices/<region>.json, dated --date
(default: today). A region without a table gets one modelled on us-east-1's. Review the diff.

  --dry-run   print the tables instead of writing them

Exit codes: 0 written, 1 bad arguments, 2 AWS failure or a price the list does not carry.`;

export interface UpdateOptions {
  readonly client?: PricingClient;
  readonly dir?: string;
  readonly today?: () => string;
  readonly out?: (text: string) => void;
}

export async function main(argv: string[], options: UpdateOptions = {}): Promise<number> {
  const { values } = parse(argv, { region: { type: "string", multiple: true }, date: { type: "string" }, "dry-run": { type: "boolean" } });
  const regions = values.region ?? [];
  if (regions.length === 0) throw new UsageError("--region <region> is required (repeat it for several)");
  const bad = regions.filter((r) => !REGION_PATTERN.test(r));
  if (bad.length > 0) throw new UsageError(`not an AWS region code: ${bad.join(", ")}`);
  const date = values.date ?? (options.today ?? (() => new Date().toISOString().slice(0, 10)))();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new UsageError(`--date must be YYYY-MM-DD, got ${date}`);
  const dir = options.dir ?? PRICES_DIR;
  const client = options.client ?? new PricingClient({ region: "us-east-1" });
  for (const [i, region] of regions.entries()) {
    let template;
    try {
      template = loadPriceTable(region, dir);
    } catch (err) {
      if (!(err instanceof MissingPriceTableError)) throw err;
      template = loadPriceTable("us-east-1", dir);
    }
    let table;
    try {
      table = await fetchPriceTable(client, region, template, date);
    } catch (err) {
      if (err instanceof PriceListError) throw new ToolFailure(err.message);
      throw new ToolFailure(`${region}: AWS Price List API: ${(err as Error).message} (credentials allowed pricing:GetProducts are needed)`);
    }
    const text = `${JSON.stringify(table, null, 2)}\n`;
    if (values["dry-run"]) (options.out ?? ((t) => process.stdout.write(t)))(text);
    else writeFileSync(join(dir, `${region}.json`), text);
    log(`[${i + 1}/${regions.length}] ${region}: ${Object.keys(table.prices).length} prices of ${date}${values["dry-run"] ? " (dry run, nothing written)" : ` written to cost/prices/${region}.json`}`);
  }
  return 0;
}

if (require.main === module) run("prices:update", HELP, main);
