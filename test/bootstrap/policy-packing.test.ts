/**
 * Packing the deploy role's statements into IAM's size quotas (bootstrap/policy-packing.ts,
 * deployPolicies in bootstrap/policies.ts). What must hold for every region count: each
 * managed policy within 6,144 characters, the inline ones within 10,240 together, at most 10
 * attached, and the packed policies mean exactly what the statements as written mean: no deny
 * lost, split or changed, no allow added or widened. Environments of one or two regions keep
 * the layout bootstrap always had, so existing deployments see no change; the golden record of
 * both pipeline roles (test/bootstrap/golden/pipeline-role-policies.json) holds its bytes.
 */
import {
  DEPLOY_MANAGED_POLICY_PARTS,
  PolicyQuotaError,
  PolicyStatement,
  deployPolicies,
  deployStatements,
  statePolicy,
} from "../../bootstrap/policies";
import { MANAGED_POLICY_MAX_CHARS, packStatements, policyDocument, policySize, splitByResource } from "../../bootstrap/policy-packing";
import { assertDeployRoleFitsQuotas, deployRoleDesired } from "../../bootstrap/resources/pipeline-roles";
import { KEY_ARN, OTHER_KEY_ARN, settingsFor } from "./helpers";
import { EIGHT_REGIONS } from "./pipeline-roles-support";

/** Real region names, in the order an environment would add them. */
const REGIONS = EIGHT_REGIONS;
/** Enough more real regions to need more than 10 managed policies. */
const MANY_REGIONS = [...REGIONS, "ap-southeast-1", "eu-north-1", "us-east-2", "ap-south-1", "eu-west-2", "eu-west-3", "ap-northeast-2", "ap-northeast-3", "us-west-1", "eu-south-1", "me-south-1", "af-south-1"];
const KEYS = [KEY_ARN, OTHER_KEY_ARN];
const withRegions = (count: number, regions = REGIONS) => ({ ...settingsFor(), regions: regions.slice(0, count) });
const COUNTS = REGIONS.map((_r, i) => i + 1);

const allow = (sid: string, resources: string[], extra: Partial<PolicyStatement> = {}): PolicyStatement => ({ Sid: sid, Effect: "Allow", Action: "iam:PassRole", Resource: resources, ...extra });
const arns = (n: number) => Array.from({ length: n }, (_v, i) => `arn:aws:iam::123456789012:role/openclaw-production-region-${String(i).padStart(3, "0")}-db-provisioner-role`);

describe("packStatements", () => {
  test("fills policies in order, starting the next one when a statement does not fit", () => {
    const statements = ["A", "B", "C", "D"].map((sid) => allow(sid, arns(40)));
    const parts = packStatements(statements);
    expect(parts.map((p) => p.map((s) => s.Sid))).toEqual([["A"], ["B"], ["C"], ["D"]]);
    const small = ["A", "B", "C"].map((sid) => allow(sid, arns(2)));
    expect(packStatements(small).map((p) => p.map((s) => s.Sid))).toEqual([["A", "B", "C"]]);
    for (const part of parts) expect(policySize(policyDocument(part))).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
  });

  test("an Allow too large alone is split into consecutive slices of its Resource list, same Effect, Action and Condition", () => {
    const condition = { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } };
    const big = allow("PassRolesToLambda", arns(120), { Condition: condition });
    const pieces = splitByResource(big, MANAGED_POLICY_MAX_CHARS);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.map((p) => p.Sid)).toEqual(pieces.map((_p, i) => (i === 0 ? "PassRolesToLambda" : `PassRolesToLambdaPart${i + 1}`)));
    expect(pieces.flatMap((p) => p.Resource as string[])).toEqual(big.Resource);
    for (const piece of pieces) {
      expect({ ...piece, Sid: big.Sid, Resource: big.Resource }).toEqual(big);
      expect(policySize(policyDocument([piece]))).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    }
  });

  test("fails when a Deny is too large for one policy: a deny is never split", () => {
    const deny: PolicyStatement = { Sid: "DenyAll", Effect: "Deny", Action: "s3:GetObject", NotResource: arns(120) };
    expect(() => packStatements([deny])).toThrow(PolicyQuotaError);
    expect(() => packStatements([deny])).toThrow(/^statement DenyAll is \d+ characters, more than the 6144 of one IAM customer managed policy \(https:.*\), and a Deny is never split/);
    expect(() => packStatements([{ ...deny, NotResource: undefined, Resource: arns(120) }])).toThrow(/a Deny is never split/);
  });

  test("fails when an Allow too large for one policy has no Resource list (NotResource or a wildcard is never split nor widened)", () => {
    expect(() => packStatements([{ Sid: "Wide", Effect: "Allow", Action: arns(120), Resource: "*" }])).toThrow(/statement Wide .* it has no Resource list to split it by/);
    expect(() => packStatements([{ Sid: "Not", Effect: "Allow", Action: "s3:GetObject", NotResource: arns(120) }])).toThrow(/statement Not .* no Resource list/);
  });
});

/** Packed statements back to the statements as written: split pieces joined, by Sid. */
function unpack(statements: readonly PolicyStatement[]): Map<string, PolicyStatement> {
  const bySid = new Map<string, PolicyStatement>();
  for (const s of statements) {
    const sid = s.Sid.replace(/Part\d+$/, "");
    const seen = bySid.get(sid);
    if (!seen) bySid.set(sid, { ...s, Sid: sid });
    else {
      // A piece of a split: everything but the Resource slice is the statement's own.
      expect({ ...s, Sid: sid, Resource: seen.Resource }).toEqual(seen);
      bySid.set(sid, { ...seen, Resource: [...(seen.Resource as string[]), ...(s.Resource as string[])] });
    }
  }
  return bySid;
}

describe("the deploy role's policies at every region count", () => {
  test.each(COUNTS)("%i region(s): the packed policies hold exactly the statements as written, every deny whole", (count) => {
    const settings = withRegions(count);
    const written = deployStatements(settings, KEYS);
    const packed = deployPolicies(settings, KEYS);
    const documents = [packed.guardrails, ...Object.values(packed.managed)];
    const all = documents.flatMap((d) => d.Statement);

    // Each deny exactly once, unchanged: never split, never duplicated.
    const denies = all.filter((s) => s.Effect === "Deny");
    expect(denies.map((d) => d.Sid).sort()).toEqual(written.denies.map((d) => d.Sid).sort());
    for (const deny of written.denies) expect(denies.find((d) => d.Sid === deny.Sid)).toEqual(deny);

    // The allows, split pieces joined again, are the allows as written: none added, none widened.
    const allows = unpack(all.filter((s) => s.Effect === "Allow"));
    const writtenAllows = DEPLOY_MANAGED_POLICY_PARTS.flatMap((group) => written.allows[group]);
    expect([...allows.keys()].sort()).toEqual(writtenAllows.map((s) => s.Sid).sort());
    for (const statement of writtenAllows) expect(allows.get(statement.Sid)).toEqual(statement);

    // Each allow stays in its group's parts; Sids are unique within each policy.
    for (const [name, document] of Object.entries(packed.managed)) {
      const group = name.replace(/-\d+$/, "");
      if (group !== "guardrails") {
        const own = written.allows[group as (typeof DEPLOY_MANAGED_POLICY_PARTS)[number]].map((s) => s.Sid);
        expect(document.Statement.map((s) => s.Sid.replace(/Part\d+$/, "")).filter((sid) => !own.includes(sid))).toEqual([]);
      } else {
        expect(document.Statement.every((s) => s.Effect === "Deny")).toBe(true);
      }
    }
    for (const document of documents) expect(new Set(document.Statement.map((s) => s.Sid)).size).toBe(document.Statement.length);
  });

  test.each(COUNTS)("%i region(s): every managed policy fits 6,144 characters, the inline ones 10,240 together, at most 10 attached", (count) => {
    const desired = deployRoleDesired(withRegions(count), KEYS);
    expect((desired.ownedPolicies ?? []).filter((p) => policySize(p.document) > 6144).map((p) => p.name)).toEqual([]);
    expect(Object.values(desired.inlinePolicies).reduce((sum, d) => sum + policySize(d), 0)).toBeLessThanOrEqual(10240);
    expect(desired.managedPolicyArns.length).toBeLessThanOrEqual(10);
    expect(desired.managedPolicyArns).toEqual((desired.ownedPolicies ?? []).map((p) => p.arn));
  });

  // Four regions stopped fitting when Application Auto Scaling's actions joined ManageServices
  // (#30), three when the egress proxy's metric filters did (#31; its private DNS actions went to
  // `network`): from three on, `services` has one overflow part (next test).
  test.each([1, 2])("%i region(s): the four policies bootstrap always wrote, each group whole, every deny inline", (count) => {
    const settings = withRegions(count);
    const written = deployStatements(settings, KEYS);
    const packed = deployPolicies(settings, KEYS);
    expect(Object.keys(packed.managed)).toEqual([...DEPLOY_MANAGED_POLICY_PARTS]);
    for (const group of DEPLOY_MANAGED_POLICY_PARTS) expect(JSON.stringify(packed.managed[group])).toBe(JSON.stringify(policyDocument(written.allows[group])));
    expect(JSON.stringify(packed.guardrails)).toBe(JSON.stringify(policyDocument(written.denies)));
  });

  // From 3 regions: the egress proxy's per-region roles (#31) join the identity statements.
  test.each([3, 4])("%i regions: services and identity spill into a second part each, in order; the other groups and every deny stay as written", (count) => {
    const settings = withRegions(count);
    const written = deployStatements(settings, KEYS);
    const packed = deployPolicies(settings, KEYS);
    expect(Object.keys(packed.managed)).toEqual(["network", "services", "services-2", "identity", "identity-2", "offboarding"]);
    expect([...packed.managed.services.Statement, ...packed.managed["services-2"].Statement]).toEqual(written.allows.services);
    expect(JSON.stringify(packed.guardrails)).toBe(JSON.stringify(policyDocument(written.denies)));
  });

  // The bytes of this layout are recorded in test/bootstrap/golden/pipeline-role-policies.json
  // ("two regions, S3 managed state keys"), written only by `npm run golden:update`. This test
  // says what the layout is: it was a hand-regenerated copy of that record (fixtures/deploy-role-2-regions.json) until #32.
  test("2 regions: one managed policy per group named <deploy role>-<group>, attached in that order; inline the state policy and every deny", () => {
    const settings = withRegions(2);
    const written = deployStatements(settings, KEYS);
    const desired = deployRoleDesired(settings, KEYS);
    const owned = desired.ownedPolicies ?? [];
    const prefix = `${settings.deployRoleName}-`;
    expect(owned.map((p) => p.name)).toEqual(DEPLOY_MANAGED_POLICY_PARTS.map((group) => `${prefix}${group}`));
    for (const policy of owned) {
      expect(policy.document).toEqual(policyDocument(written.allows[policy.name.slice(prefix.length) as (typeof DEPLOY_MANAGED_POLICY_PARTS)[number]]));
      expect(policy.arn).toBe(`arn:aws:iam::${settings.accountId}:policy/${policy.name}`);
    }
    expect(Object.keys(desired.inlinePolicies)).toEqual(["openclaw-terraform-state", "openclaw-deploy"]);
    expect(desired.inlinePolicies["openclaw-terraform-state"]).toEqual(statePolicy(settings, KEYS, true));
    expect(desired.inlinePolicies["openclaw-deploy"]).toEqual(policyDocument(written.denies));
    expect(desired.managedPolicyArns).toEqual(owned.map((p) => p.arn));
  });

  test("overflow parts get stable names after their group, and the denies that no longer fit inline move whole to guardrails parts", () => {
    const names = (count: number) => Object.keys(deployPolicies(withRegions(count), KEYS).managed);
    // identity-2 from 4 regions: each boundary bound to its role names (#24 item 6).
    expect(names(4)).toEqual(["network", "services", "services-2", "identity", "identity-2", "offboarding"]);
    expect(names(5)).toEqual(["network", "services", "services-2", "identity", "identity-2", "offboarding"]);
    expect(names(6)).toEqual(["network", "services", "services-2", "identity", "identity-2", "offboarding"]);
    expect(names(8)).toEqual(["network", "services", "services-2", "identity", "identity-2", "offboarding", "guardrails"]);
    // The inline guardrails keep the first denies, the pipeline's own identity among them.
    const eight = deployPolicies(withRegions(8), KEYS);
    const written = deployStatements(withRegions(8), KEYS).denies;
    expect(eight.guardrails.Statement).toEqual(written.slice(0, eight.guardrails.Statement.length));
    expect(eight.guardrails.Statement[0].Sid).toBe("DenyChangingPipelineIdentity");
    expect(eight.managed.guardrails.Statement).toEqual(written.slice(eight.guardrails.Statement.length));
    expect(policySize(eight.guardrails) + policySize(statePolicy(withRegions(8), KEYS, true))).toBeLessThanOrEqual(10240);
  });

  test("the same settings always give the same layout", () => {
    const a = deployRoleDesired(withRegions(8), KEYS);
    const b = deployRoleDesired(withRegions(8), KEYS);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe("an environment too large for IAM's quotas", () => {
  const huge = withRegions(MANY_REGIONS.length, MANY_REGIONS);

  test("fails naming the quota and the policies it would need", () => {
    expect(() => deployPolicies(huge, KEYS)).toThrow(PolicyQuotaError);
    expect(() => deployPolicies(huge, KEYS)).toThrow(
      /^environment production has 20 regions: the deploy role openclaw-production-github-deploy would need 1[1-9] customer managed policies \(network, services, .*\), and IAM attaches at most 10 to a role \(quota "Managed policies per role", https:\/\/docs\.aws\.amazon\.com\/IAM\/latest\/UserGuide\/reference_iam-quotas\.html\)/,
    );
  });

  test("the check bootstrap runs before any AWS call refuses it, and accepts eight regions", () => {
    expect(() => assertDeployRoleFitsQuotas(huge)).toThrow(PolicyQuotaError);
    expect(() => assertDeployRoleFitsQuotas(withRegions(8))).not.toThrow();
  });
});
