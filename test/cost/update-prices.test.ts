/**
 * `npm run prices:update` (scripts/update-prices.ts, cost/price-list.ts) against a Price List API
 * answer in the documented `aws_v1` format (PriceList entries are JSON strings of product and
 * terms; usagetype carries the region's prefix, `EU-` for eu-west-1): the products below are
 * written in that shape, with made-up prices, since this machine has no AWS access to record one.
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import { mockClient } from "aws-sdk-client-mock";
import { estimateCost } from "../../cost/estimate";
import { loadPriceTable, PRICES_DIR, PriceTableSchema } from "../../cost/prices";
import { main } from "../../scripts/update-prices";
import { runMain } from "../../pipeline/lib/cli";

/** One product of the aws_v1 format, as GetProducts returns it (a JSON string). */
function product(attributes: Record<string, string>, usd: string, productFamily = "Compute"): string {
  const sku = `SKU${Math.abs([...JSON.stringify(attributes)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7))}`;
  return JSON.stringify({
    product: { productFamily, sku, attributes: { regionCode: "eu-west-1", location: "EU (Ireland)", ...attributes } },
    serviceCode: attributes.servicecode,
    terms: { OnDemand: { [`${sku}.JRTCKXETXF`]: { priceDimensions: { [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: { unit: "Hrs", pricePerUnit: { USD: usd }, beginRange: "0", endRange: "Inf" } }, sku } } },
    version: "20261201000000",
    publicationDate: "2026-12-01T00:00:00Z",
  });
}

const template = loadPriceTable("us-east-1");
const rdsClasses = [...new Set(Object.keys(template.prices).flatMap((k) => /^rds\.(db\.[a-z0-9]+\.[a-z0-9]+)\.(single|multi)-az$/.exec(k)?.[1] ?? []))];

/** GetProducts answers by service code; ECS is split over two pages. */
const answers: Record<string, string[][]> = {
  AmazonECS: [
    [product({ usagetype: "EU-Fargate-ARM-vCPU-Hours:perCPU" }, "0.0360000000"), product({ usagetype: "EU-Fargate-vCPU-Hours:perCPU" }, "0.0450000000")],
    [product({ usagetype: "EU-Fargate-GB-Hours" }, "0.0049000000"), product({ usagetype: "EU-Fargate-ARM-GB-Hours" }, "0.0039000000")],
  ],
  AmazonEC2: [[product({ usagetype: "EU-NatGateway-Hours" }, "0.0480000000", "NAT Gateway")]],
  AmazonVPC: [[product({ usagetype: "EU-PublicIPv4:InUseAddress" }, "0.0050000000", "VPC Public IPv4 Address"), product({ usagetype: "EU-VpcEndpoint-Hours" }, "0.0110000000", "VpcEndpoint")]],
  awskms: [[product({ usagetype: "eu-west-1-KMS-Requests" }, "0.0000030000"), product({ usagetype: "EU-KMS-Keys" }, "1.0000000000", "Encryption Key")]],
  AWSSecretsManager: [[product({ usagetype: "EU-AWSSecretsManager-Secrets" }, "0.4000000000", "Secret")]],
  // Tiered: the first 10 alarms are free; the estimate wants the price past them.
  AmazonCloudWatch: [[product({ usagetype: "EU-CW:AlarmMonitorUsage" }, "0.0000000000", "Alarm"), product({ usagetype: "EU-CW:AlarmMonitorUsage" }, "0.1000000000", "Alarm")]],
  AmazonRDS: [
    [
      ...rdsClasses.flatMap((instanceType, i) => [
        product({ instanceType, databaseEngine: "PostgreSQL", deploymentOption: "Single-AZ", usagetype: `EU-InstanceUsage:${instanceType}` }, String(0.02 * (i + 1)), "Database Instance"),
        product({ instanceType, databaseEngine: "PostgreSQL", deploymentOption: "Multi-AZ", usagetype: `EU-Multi-AZUsage:${instanceType}` }, String(0.04 * (i + 1)), "Database Instance"),
      ]),
      product({ volumeType: "General Purpose-GP3", databaseEngine: "PostgreSQL", deploymentOption: "Single-AZ", usagetype: "EU-RDS:GP3-Storage" }, "0.1270000000", "Database Storage"),
      product({ volumeType: "General Purpose-GP3", databaseEngine: "PostgreSQL", deploymentOption: "Multi-AZ", usagetype: "EU-RDS:Multi-AZ-GP3-Storage" }, "0.2540000000", "Database Storage"),
    ],
  ],
};

function mockPriceList(overrides: Record<string, string[][]> = {}) {
  const mock = mockClient(PricingClient);
  const all = { ...answers, ...overrides };
  mock.on(GetProductsCommand).callsFake((input) => {
    const pages = all[input.ServiceCode] ?? [[]];
    const page = input.NextToken ? Number(input.NextToken) : 0;
    return { FormatVersion: "aws_v1", PriceList: pages[page] ?? [], NextToken: page + 1 < pages.length ? String(page + 1) : undefined };
  });
  return mock;
}

function pricesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-prices-"));
  copyFileSync(join(PRICES_DIR, "us-east-1.json"), join(dir, "us-east-1.json"));
  return dir;
}

const update = (argv: string[], dir: string) => runMain("prices:update", "help", (a) => main(a, { client: new PricingClient({ region: "us-east-1" }), dir, today: () => "2026-12-07" }), argv);

afterEach(() => mockClient(PricingClient).restore());

describe("npm run prices:update", () => {
  it("writes a new region's table from the Price List, dated, every summed price from the API", async () => {
    const mock = mockPriceList();
    const dir = pricesDir();
    expect(await update(["--region", "eu-west-1"], dir)).toBe(0);
    const table = PriceTableSchema.parse(JSON.parse(readFileSync(join(dir, "eu-west-1.json"), "utf8")));
    expect({ region: table.region, date: table.date }).toEqual({ region: "eu-west-1", date: "2026-12-07" });
    expect(table.basis).toMatch(/^AWS Price List API \(pricing:GetProducts, on demand\), read 2026-12-07 by npm run prices:update/);
    expect(table.prices["fargate.vcpu"].usd).toBe(0.045); // x86, not the ARM product listed first
    expect(table.prices["fargate.memory"].usd).toBe(0.0049); // read from the second page
    expect(table.prices["cloudwatch.alarm"].usd).toBe(0.1); // past the free tier
    expect(table.prices["rds.gp3.multi-az"].usd).toBe(0.254);
    expect(table.prices["fargate.vcpu"].note).toMatch(/^AWS Price List API AmazonECS Fargate-vCPU-Hours:perCPU, on demand/);
    expect(table.prices["budgets.budget"].note).toMatch(/not queried by prices:update: value of us-east-1's table/);
    expect(Object.keys(table.prices)).toEqual(Object.keys(template.prices));
    // One query per service, with the region (and RDS's engine) as exact-match filters.
    const rds = mock.commandCalls(GetProductsCommand).find((c) => c.args[0].input.ServiceCode === "AmazonRDS")!.args[0].input;
    expect(rds.Filters).toEqual([
      { Type: "TERM_MATCH", Field: "regionCode", Value: "eu-west-1" },
      { Type: "TERM_MATCH", Field: "databaseEngine", Value: "PostgreSQL" },
    ]);
    expect(mock.commandCalls(GetProductsCommand).filter((c) => c.args[0].input.ServiceCode === "AmazonECS")).toHaveLength(2);
  });

  it("gives the estimate a table it prices the region's stacks with", async () => {
    mockPriceList();
    const dir = pricesDir();
    await update(["--region", "eu-west-1"], dir);
    const stack = { provider: { aws: [{ region: "eu-west-1", default_tags: [{ tags: { Environment: "production", TenantID: "a" } }] }] }, resource: { aws_kms_key: { k: {} } } };
    const estimate = estimateCost({ "tenant-a": stack }, (region) => loadPriceTable(region, dir));
    expect(estimate.unpriced).toEqual([]);
    expect(estimate.tenants[0]).toMatchObject({ tenant: "a", ownMonthlyUsd: expect.any(Number), priceDate: "2026-12-07" });
  });

  it("writes nothing and names every price the list lacks (a service the region does not offer)", async () => {
    mockPriceList({ AmazonRDS: [[]] });
    const dir = pricesDir();
    let stderr = "";
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
    try {
      expect(await update(["--region", "eu-west-1"], dir)).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(stderr).toMatch(/eu-west-1: the AWS Price List has no on-demand price for rds\.db\.t4g\.micro\.single-az \(AmazonRDS db\.t4g\.micro Single-AZ\), .*rds\.gp3\.multi-az/);
    expect(existsSync(join(dir, "eu-west-1.json"))).toBe(false);
  });

  it("prints with --dry-run, and refuses a region that is not a region code", async () => {
    mockPriceList();
    const dir = pricesDir();
    let stdout = "";
    const out = jest.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
    const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await runMain("prices:update", "help", (a) => main(a, { client: new PricingClient({ region: "us-east-1" }), dir, today: () => "2026-12-07", out: (t) => (stdout += t) }), ["--region", "eu-west-1", "--dry-run"])).toBe(0);
      expect(await update(["--region", "Europe"], dir)).toBe(1);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(JSON.parse(stdout).region).toBe("eu-west-1");
    expect(existsSync(join(dir, "eu-west-1.json"))).toBe(false);
  });
});
