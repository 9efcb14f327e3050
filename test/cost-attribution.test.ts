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
nonEmpty(output.config.tenants, "tenants");
const ofType = (type: string) => nonEmpty(allResources(output).filter((r) => r.type === type), `${type} resources`);

describe("cost-allocation tags", () => {
  it("activates nothing by default: no first apply of a new account depends on a key AWS has not listed yet", () => {
    expect(allResources(output).filter((r) => r.type === "aws_ce_cost_allocation_tag")).toEqual([]);
  });

  itOnFixtures("activates TenantID, CostCenter and Environment once per account that opts in, in the first always-on region's platform stack", () => {
    const path = writeCdktfJson((production, all) => {
      production.activateCostAllocationTags = true;
      all.staging.activateCostAllocationTags = true;
    });
    const activated = synthesize(undefined, path);
    const byStack = allResources(activated).filter((r) => r.type === "aws_ce_cost_allocation_tag").map((r) => `${r.stack}: ${r.config.tag_key}`);
    expect(byStack.sort()).toEqual(
      ["platform-production-us-east-1", "platform-staging-us-east-1"].flatMap((s) => ["CostCenter", "Environment", "TenantID"].map((k) => `${s}: ${k}`)),
    );
  });

  it("picks the owner from cdktf.json order and alwaysOn, not from which regions have tenants", () => {
    expect(accountResourceOwner([["us-west-2", { alwaysOn: false }], ["us-east-1", { alwaysOn: true }]])).toBe("us-east-1");
    expect(accountResourceOwner([["eu-west-1", { alwaysOn: false }], ["us-west-2", { alwaysOn: false }]])).toBe("eu-west-1");
    expect(accountResourceOwner([])).toBeUndefined();
  });

  itOnFixtures("activates in exactly the accounts that opt in (a member account leaves it to its payer account)", () => {
    const member = synthesize(undefined, writeCdktfJson((_production, all) => (all.staging.activateCostAllocationTags = true)));
    const stacks = allResources(member).filter((r) => r.type === "aws_ce_cost_allocation_tag").map((r) => r.stack);
    expect([...new Set(stacks)]).toEqual(["platform-staging-us-east-1"]);
  });
});

// Tests that synthesize their own variant of the fixture cdktf.json, or name the fixtures' stacks,
// run on the fixtures only (`npm run check:fleet` runs this file on the repository's own fleet).
describe("cost anomalies to the alarm topic", () => {
  itOnFixtures("gives every account one services monitor subscribed to the alarm topic of the stack that owns account resources (the default)", () => {
    const monitors = ofType("aws_ce_anomaly_monitor").map((r) => `${r.stack}: ${r.config.monitor_type} ${r.config.monitor_dimension}`);
    expect(monitors.sort()).toEqual(["platform-production-us-east-1: DIMENSIONAL SERVICE", "platform-staging-us-east-1: DIMENSIONAL SERVICE"]);
    const subscriptions = ofType("aws_ce_anomaly_subscription");
    expect(subscriptions.map((s) => s.config.subscriber[0].address)).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\.alarms_topic_/), expect.stringMatching(/^\$\{aws_sns_topic\.alarms_topic_/)]);
  });

  itOnFixtures("subscribes to the account's existing services monitor instead of creating a second one", () => {
    const arn = "arn:aws:ce::111111111111:anomalymonitor/0b5f2e1c-1111-2222-3333-444455556666";
    const existing = synthesize(undefined, writeCdktfJson((production) => (production.costAnomalies = { existingServicesMonitorArn: arn })));
    const inProduction = (type: string) => allResources(existing).filter((r) => r.type === type && r.stack === "platform-production-us-east-1");
    expect(inProduction("aws_ce_anomaly_monitor")).toEqual([]);
    expect(inProduction("aws_ce_anomaly_subscription").map((s) => s.config.monitor_arn_list)).toEqual([[arn]]);
  });

  itOnFixtures("gives every tenant its own tag monitor, subscribed to its platform's alarm topic, where the environment chose per-tenant", () => {
    const perTenant = synthesize(undefined, writeCdktfJson((production) => (production.costAnomalies = { monitors: "per-tenant" })));
    const monitors = allResources(perTenant).filter((r) => r.type === "aws_ce_anomaly_monitor").map((r) => r.stack);
    const production = perTenant.config.tenants.filter((t) => t.environment === "production").map((t) => `tenant-${t.id}`);
    expect(monitors.sort()).toEqual([...production, "platform-staging-us-east-1"].sort());
    const subscriptions = allResources(perTenant).filter((r) => r.type === "aws_ce_anomaly_subscription" && r.stack.startsWith("tenant-"));
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
