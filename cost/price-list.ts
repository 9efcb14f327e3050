/**
 * Builds a region's price table (cost/prices/<region>.json) from the AWS Price List Query API
 * (`pricing:GetProducts`, served from us-east-1): every price the fixed-cost estimate sums —
 * Fargate, NAT gateway and its public IPv4 address, interface endpoints, KMS keys, secrets,
 * alarms, every RDS instance class the tables carry and gp3 storage — is read from the region's
 * on-demand price list. The few prices the query does not carry per region (AWS Budgets is
 * global; the usage-dependent unit prices, which the estimate lists but never sums; the Fargate
 * Spot planning discount) are kept from a template table and say so in their note.
 *
 * The products' shape (attributes.usagetype with a region prefix such as `EU-` or `USE1-`,
 * terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD) is the Price List's documented
 * `aws_v1` format: https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/price-changes.html
 */
import { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import { Price, PriceTable, PriceTableSchema } from "./prices";

/** One product of a GetProducts answer (PriceList entries are JSON strings). */
interface Product {
  readonly product: { readonly productFamily?: string; readonly attributes: Record<string, string> };
  readonly terms: { readonly OnDemand?: Record<string, { readonly priceDimensions: Record<string, { readonly unit: string; readonly pricePerUnit: { readonly USD?: string } }> }> };
}

/** One GetProducts query (service and exact-match filters besides the region) and the prices picked from its products. */
interface Query {
  readonly serviceCode: string;
  readonly filters: Readonly<Record<string, string>>;
  readonly picks: ReadonlyArray<{ readonly key: string; readonly matches: (attributes: Record<string, string>) => boolean; readonly describe: string }>;
}

/** usagetype without its region prefix (`USE1-`, `EU-`, `APS2-`; us-east-1 often has none). */
const usage = (pattern: string) => (a: Record<string, string>) => new RegExp(`^([A-Z]{2,4}\\d?-)?${pattern}$`).test(a.usagetype ?? "");

/** The RDS instance classes of a template table (`rds.<class>.single-az` / `.multi-az`). */
function rdsPicks(template: PriceTable): Query["picks"] {
  return Object.keys(template.prices)
    .map((key) => /^rds\.(db\.[a-z0-9]+\.[a-z0-9]+)\.(single|multi)-az$/.exec(key))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([key, instanceType, az]) => {
      const deploymentOption = az === "single" ? "Single-AZ" : "Multi-AZ";
      return { key, describe: `${instanceType} ${deploymentOption}`, matches: (a) => a.instanceType === instanceType && a.deploymentOption === deploymentOption };
    });
}

export function queries(template: PriceTable): Query[] {
  return [
    {
      serviceCode: "AmazonECS",
      filters: {},
      picks: [
        { key: "fargate.vcpu", describe: "Fargate-vCPU-Hours:perCPU", matches: usage("Fargate-vCPU-Hours:perCPU") },
        { key: "fargate.memory", describe: "Fargate-GB-Hours", matches: usage("Fargate-GB-Hours") },
      ],
    },
    { serviceCode: "AmazonEC2", filters: { productFamily: "NAT Gateway" }, picks: [{ key: "ec2.natGateway", describe: "NatGateway-Hours", matches: usage("NatGateway-Hours") }] },
    {
      serviceCode: "AmazonVPC",
      filters: {},
      picks: [
        { key: "ec2.publicIpv4", describe: "PublicIPv4:InUseAddress", matches: usage("PublicIPv4:InUseAddress") },
        { key: "vpc.interfaceEndpoint", describe: "VpcEndpoint-Hours", matches: usage("VpcEndpoint-Hours") },
      ],
    },
    { serviceCode: "awskms", filters: {}, picks: [{ key: "kms.key", describe: "KMS-Keys", matches: usage("KMS-Keys") }] },
    { serviceCode: "AWSSecretsManager", filters: {}, picks: [{ key: "secretsmanager.secret", describe: "AWSSecretsManager-Secrets", matches: usage("AWSSecretsManager-Secrets") }] },
    { serviceCode: "AmazonCloudWatch", filters: {}, picks: [{ key: "cloudwatch.alarm", describe: "CW:AlarmMonitorUsage", matches: usage("CW:AlarmMonitorUsage") }] },
    {
      serviceCode: "AmazonRDS",
      filters: { databaseEngine: "PostgreSQL" },
      picks: [
        ...rdsPicks(template),
        { key: "rds.gp3.single-az", describe: "General Purpose-GP3 Single-AZ", matches: (a) => a.volumeType === "General Purpose-GP3" && a.deploymentOption === "Single-AZ" },
        { key: "rds.gp3.multi-az", describe: "General Purpose-GP3 Multi-AZ", matches: (a) => a.volumeType === "General Purpose-GP3" && a.deploymentOption === "Multi-AZ" },
      ],
    },
  ];
}

/** Every product of one query, all pages. */
async function products(client: PricingClient, query: Query, region: string): Promise<Product[]> {
  const filters = Object.entries({ regionCode: region, ...query.filters }).map(([Field, Value]) => ({ Type: "TERM_MATCH" as const, Field, Value }));
  const found: Product[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new GetProductsCommand({ ServiceCode: query.serviceCode, Filters: filters, FormatVersion: "aws_v1", MaxResults: 100, NextToken }));
    for (const entry of page.PriceList ?? []) found.push(JSON.parse(typeof entry === "string" ? entry : String(entry)) as Product);
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return found;
}

/** The on-demand price of a product with a single non-zero dimension (tiered products: the first tier). */
function onDemandUsd(product: Product): number | undefined {
  const dimensions = Object.values(product.terms.OnDemand ?? {}).flatMap((term) => Object.values(term.priceDimensions));
  const prices = dimensions.map((d) => Number(d.pricePerUnit.USD)).filter((n) => Number.isFinite(n) && n > 0);
  return prices[0];
}

export class PriceListError extends Error {}

/**
 * The price table of `region`, fetched now. Throws PriceListError naming every price the
 * Price List did not answer (a service that does not exist in the region), so no partial table
 * is ever written.
 */
export async function fetchPriceTable(client: PricingClient, region: string, template: PriceTable, date: string): Promise<PriceTable> {
  const prices: Record<string, Price> = {};
  const missing: string[] = [];
  for (const query of queries(template)) {
    const answer = await products(client, query, region);
    for (const pick of query.picks) {
      const usd = answer.filter((p) => pick.matches(p.product.attributes)).map(onDemandUsd).find((n) => n !== undefined);
      const base = template.prices[pick.key];
      if (usd === undefined || !base) {
        missing.push(`${pick.key} (${query.serviceCode} ${pick.describe})`);
        continue;
      }
      prices[pick.key] = { usd, unit: base.unit, source: base.source, note: `AWS Price List API ${query.serviceCode} ${pick.describe}, on demand${base.note ? `; ${base.note}` : ""}` };
    }
  }
  if (missing.length > 0) throw new PriceListError(`${region}: the AWS Price List has no on-demand price for ${missing.join(", ")}; is the service offered in ${region}?`);
  // Global or usage-dependent prices (never summed into the fixed estimate): kept, and marked.
  for (const [key, price] of Object.entries(template.prices)) {
    if (prices[key]) continue;
    const kept = template.region === region ? price.note : `${price.note ? `${price.note}; ` : ""}not queried by prices:update: value of ${template.region}'s table`;
    prices[key] = { ...price, ...(kept ? { note: kept } : {}) };
  }
  const basis = `AWS Price List API (pricing:GetProducts, on demand), read ${date} by npm run prices:update; AWS Budgets, the Fargate Spot planning discount and usage prices kept from ${template.region}'s table, as their notes say`;
  return PriceTableSchema.parse({ ...template, region, date, basis, prices: Object.fromEntries(Object.keys(template.prices).map((k) => [k, prices[k]])) });
}
