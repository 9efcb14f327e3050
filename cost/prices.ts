import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * One committed price table per region (cost/prices/<region>.json): every price with its unit and
 * the AWS pricing page it comes from, and the date it was read. Nothing is fetched at run time, so
 * an estimate depends only on the synthesized JSON and these files; `npm run prices:update` refreshes
 * them from the AWS Price List API (scripts/update-prices.ts) for a user with AWS credentials.
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
  /**
   * Where the values come from, in one sentence with the date: "AWS Price List API ..." when
   * prices:update wrote the table, "AWS public pricing pages ..." (and which values are estimates)
   * when it was written by hand.
   */
  basis: z.string().min(1),
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

/**
 * Regions the environment schema knows (config/availability-zones.ts DEFAULT_ZONE_IDS) that have no
 * committed table, and why. Their stacks still get a plan comment: the cost section says in one line
 * (unpricedRegionLine) that the region is unpriced and how to price it. A table is committed only
 * from prices known to be AWS's: these tables were written without access to AWS or its pricing
 * pages, and a guessed price would look as precise as a read one.
 */
const NOT_VERIFIED = "no verified on-demand prices for every line of the estimate (RDS classes, NAT gateway, PrivateLink differ by region); run npm run prices:update with AWS credentials";
export const UNPRICED_REGIONS: Readonly<Record<string, string>> = Object.fromEntries(
  [
    "us-west-1",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
  ].map((region) => [region, NOT_VERIFIED]),
);

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
