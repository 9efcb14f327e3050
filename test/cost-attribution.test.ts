/**
 * Cost attribution over the whole synthesized app: the account-wide cost-allocation tags live in
 * exactly one stack per account, and every tenant's anomalies can reach the encrypted alarm topic.
 */
import { accountResourceOwner } from "../stacks/build-app";
import { allResources, itOnFixtures, parsePolicy, synthesize } from "./support/synth";
import { writeCdktfJson } from "./support/tenant-fixtures";
import { nonEmpty } from "./support/non-empty";

const output = synthesize();
// Each check runs over a non-empty list (mutation tried: an empty tenants directory; all 5 passed).
const tenants = nonEmpty(output.config.tenants, "tenants");
const ofType = (type: string) => nonEmpty(allResources(output).filter((r) => r.type === type), `${type} resources`);

describe("cost-allocation tags", () => {
  it("activates TenantID, CostCenter and Environment once per account, in the first always-on region's platform stack", () => {
    const byStack = ofType("aws_ce_cost_allocation_tag").map((r) => `${r.stack}: ${r.config.tag_key}`);
    const owners = Object.entries(output.config.environments)
      .filter(([, env]) => env.activateCostAllocationTags)
      .map(([name, env]) => {
        const synthesized = Object.entries(env.regions).filter(([region]) => `platform-${name}-${region}` in output.stacks);
        return `platform-${name}-${accountResourceOwner(synthesized)}`;
      });
    expect(owners.length).toBeGreaterThan(0);
    expect(byStack.sort()).toEqual(owners.flatMap((s) => ["CostCenter", "Environment", "TenantID"].map((k) => `${s}: ${k}`)).sort());
  });

  itOnFixtures("activates them in the fixtures' production and staging us-east-1 stacks", () => {
    const byStack = ofType("aws_ce_cost_allocation_tag").map((r) => `${r.stack}: ${r.config.tag_key}`);
    expect(byStack.sort()).toEqual(
      ["platform-production-us-east-1", "platform-staging-us-east-1"].flatMap((s) => ["CostCenter", "Environment", "TenantID"].map((k) => `${s}: ${k}`)),
    );
  });

  it("picks the owner from cdktf.json order and alwaysOn, not from which regions have tenants", () => {
    expect(accountResourceOwner([["us-west-2", { alwaysOn: false }], ["us-east-1", { alwaysOn: true }]])).toBe("us-east-1");
    expect(accountResourceOwner([["eu-west-1", { alwaysOn: false }], ["us-west-2", { alwaysOn: false }]])).toBe("eu-west-1");
    expect(accountResourceOwner([])).toBeUndefined();
  });

  it("activates nothing in an account whose payer account activates the tags", () => {
    const member = synthesize(undefined, writeCdktfJson((production) => (production.activateCostAllocationTags = false)));
    const stacks = allResources(member).filter((r) => r.type === "aws_ce_cost_allocation_tag").map((r) => r.stack);
    expect([...new Set(stacks)]).toEqual(["platform-staging-us-east-1"]);
  });
});

describe("cost anomalies to the alarm topic", () => {
  it("gives every tenant one anomaly monitor subscribed to its platform's alarm topic", () => {
    const monitors = ofType("aws_ce_anomaly_monitor").map((r) => r.stack);
    expect(monitors.sort()).toEqual(tenants.map((t) => `tenant-${t.id}`).sort());
    const subscriptions = ofType("aws_ce_anomaly_subscription");
    expect(subscriptions.every((s) => String(s.config.subscriber[0].address).includes("data.aws_ssm_parameter.platform_"))).toBe(true);
  });

  it("lets costalerts.amazonaws.com use the key that encrypts the alarm topic", () => {
    const keys = nonEmpty(ofType("aws_kms_key").filter((k) => k.address.includes("platform-key")), "platform keys");
    const missing = keys.filter((k) => {
      const statements = parsePolicy(k.config.policy).Statement;
      return !statements.some((s) => [s.Principal?.Service].flat().includes("costalerts.amazonaws.com") && [s.Action].flat().some((a: string) => a.startsWith("kms:GenerateDataKey")));
    });
    expect(missing.map((k) => k.address)).toEqual([]);
  });
});
