/** The README's "What a tenant costs" table stays the estimate of the example tenants. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { endpointSubnetCount, estimateCost, usd } from "../../cost/estimate";
import { loadPriceTable } from "../../cost/prices";
import { REPO_ROOT, synthesize } from "../support/synth";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## What a tenant costs"), readme.indexOf("### Attribution and the spend stop"));
const fleetTable = section.slice(section.indexOf("| fleet | platforms |"));
const output = synthesize();
const estimate = estimateCost(output.stacks);

describe('README "What a tenant costs"', () => {
  it.each(["acme", "globex", "initech"])("shows %s's own fixed cost and total as npm run cost computes them", (id) => {
    const tenant = estimate.tenants.find((t) => t.tenant === id)!;
    expect(section).toContain(`**${usd(tenant.ownMonthlyUsd)}**`);
    expect(section).toContain(`**${usd(tenant.totalMonthlyUsd)}**`);
  });

  it("shows the production platform's total", () => {
    expect(section).toContain(`**${usd(estimate.platforms.find((p) => p.stack === "platform-production-us-east-1")!.monthlyUsd)}**`);
  });

  it("names acme's total where it says what a lone tenant carries", () => {
    const acme = estimate.tenants.find((t) => t.tenant === "acme")!;
    expect(section).toContain(`a lone tenant carries a whole platform (${usd(acme.totalMonthlyUsd)} for acme)`);
  });

  // The bench runs on the repository's cdktf.json, where no environment traces; the fixtures
  // trace staging (#29), whose platform has the X-Ray endpoint on top.
  it("prices the 100-tenant fleet's platforms as the example platforms (same database class), staging without its X-Ray endpoint", () => {
    const monthly = (stack: string) => estimate.platforms.find((p) => p.stack === stack)!.monthlyUsd;
    const xray = endpointSubnetCount(Object.values<any>(output.stacks["platform-staging-us-east-1"].resource.aws_vpc_endpoint).find((e) => e.service_name.endsWith(".xray")).subnet_ids);
    const table = loadPriceTable("us-east-1");
    const stagingUntraced = monthly("platform-staging-us-east-1") - xray * table.hoursPerMonth * table.prices["vpc.interfaceEndpoint"].usd;
    const row = fleetTable.split("\n").find((line) => line.startsWith("| 100 tenants |"));
    // Production us-east-1 holds the environment's audit trail (its key), us-west-2 does not.
    expect(row).toContain(`${usd(monthly("platform-production-us-east-1"))} + ${usd(monthly("platform-production-us-west-2"))} + ${usd(stagingUntraced)} = `);
    expect(section).toContain(`Staging (single-AZ database, 20 GB) is ${usd(stagingUntraced)},\nand ${usd(monthly("platform-staging-us-east-1"))} with tracing on`);
  });
});
