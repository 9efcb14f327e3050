import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * One committed price table per region (cost/prices/<region>.json): every price with its unit and
 * the AWS pricing page it comes from, and the date it was read. Nothing is fetched at run time, so
 * an estimate depends only on the synthesized JSON and these files; refresh them by hand (and the
 * date) when AWS changes a price.
 */
const PriceSchema = z.strictObject({
  usd: z.number().nonnegative(),
  unit: z.string().min(1),
  source: z.url().startsWith("https://aws.amazon.com/"),
  note: z.string().optional(),
});

export const PriceTableSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  currency: z.literal("USD"),
  /** When the prices were read from the sources (YYYY-MM-DD). */
  date: z.iso.date(),
  /** Hours billed in a month (AWS pricing pages use 730). */
  hoursPerMonth: z.number().positive(),
  fargateSpotDiscount: z.strictObject({ fraction: z.number().gt(0).lt(1), source: z.url(), note: z.string().optional() }),
  prices: z.record(z.string().regex(/^[a-z0-9.-]+$/i), PriceSchema),
});
export type PriceTable = z.infer<typeof PriceTableSchema>;
export type Price = z.infer<typeof PriceSchema>;

export const PRICES_DIR = join(__dirname, "prices");

/** Raised for input the estimate cannot price: a region or instance class without a price. */
export class CostInputError extends Error {}

/**
 * A region without a committed price table: the estimate leaves that region's stacks out and
 * says so in one line (CostEstimate.unpriced), so a new region never breaks a plan comment.
 */
export class MissingPriceTableError extends CostInputError {
  constructor(readonly region: string) {
    super(unpricedRegionLine(region));
  }
}

/** How the cost tools name a region without a table, and how to add one. */
export function unpricedRegionLine(region: string): string {
  return `no price table for region ${region} (cost/prices/${region}.json): \`npm run prices:update -- --region ${region}\` writes it from the AWS Price List API with AWS credentials`;
}

/** Reads and validates the price table of one region. */
export function loadPriceTable(region: string, dir = PRICES_DIR): PriceTable {
  let raw: string;
  try {
    raw = readFileSync(join(dir, `${region}.json`), "utf8");
  } catch {
    throw new MissingPriceTableError(region);
  }
  const table = PriceTableSchema.parse(JSON.parse(raw));
  if (table.region !== region) throw new CostInputError(`cost/prices/${region}.json: region says ${table.region}`);
  return table;
}

/** A price by key, or a CostInputError naming the key and the table. */
export function price(table: PriceTable, key: string): Price {
  const found = table.prices[key];
  if (!found) throw new CostInputError(`cost/prices/${table.region}.json: no price "${key}"`);
  return found;
}
