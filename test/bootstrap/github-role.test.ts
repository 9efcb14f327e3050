import { PolicyDocument, githubTrustPolicy } from "../../bootstrap/policies";
import { GithubRoleDesired, GithubRoleObserved, planGithubRole, retryWhilePrincipalPropagates, subjects } from "../../bootstrap/resources/github-role";
import { settingsFor } from "./helpers";

const settings = settingsFor();
const allowAll = (sid: string): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Sid: sid, Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });

const desired: GithubRoleDesired = {
  name: "openclaw-production-github-plan",
  description: "plan",
  trustPolicy: githubTrustPolicy(settings, ["repo:acme/openclaw-infra:ref:refs/heads/main"]),
  inlinePolicies: { state: allowAll("Read") },
  managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
  tags: {},
};

const inPlace: GithubRoleObserved = {
  arn: "arn:aws:iam::123456789012:role/openclaw-production-github-plan",
  trustPolicy: desired.trustPolicy,
  inlinePolicies: desired.inlinePolicies,
  managedPolicyArns: desired.managedPolicyArns,
};

describe("planGithubRole", () => {
  test("a missing role is created with its trust policy, then given its policies", () => {
    const plan = planGithubRole(desired, undefined);
    expect(plan.exists).toBe(false);
    expect(plan.actions.map((a) => a.description)).toEqual([
      "create, trusted for repo:acme/openclaw-infra:ref:refs/heads/main",
      "attach arn:aws:iam::aws:policy/ReadOnlyAccess",
      "inline policy state: add (Read)",
    ]);
  });

  test("a role as desired needs nothing", () => {
    expect(planGithubRole(desired, inPlace)).toEqual({ exists: true, actions: [], notes: [] });
  });

  test("a wider trust policy is replaced by exactly the desired one, naming both subject lists", () => {
    const wider = githubTrustPolicy(settings, ["repo:acme/openclaw-infra:ref:refs/heads/main", "repo:acme/other:ref:refs/heads/main"]);
    expect(planGithubRole(desired, { ...inPlace, trustPolicy: wider }).actions).toEqual([
      {
        kind: "trustPolicy",
        description: "trust policy: replaced (sub repo:acme/openclaw-infra:ref:refs/heads/main, repo:acme/other:ref:refs/heads/main → repo:acme/openclaw-infra:ref:refs/heads/main)",
      },
    ]);
  });

  test("an inline policy that drifted is rewritten, naming the statements that differ", () => {
    const drifted = { ...inPlace, inlinePolicies: { state: allowAll("Old") } };
    expect(planGithubRole(desired, drifted).actions).toEqual([{ kind: "inlinePolicy", policyName: "state", description: "inline policy state: statements added Read; removed Old" }]);
  });

  test("policies bootstrap does not own are left in place and reported", () => {
    const extra = { ...inPlace, inlinePolicies: { ...inPlace.inlinePolicies, handmade: allowAll("X") }, managedPolicyArns: [...inPlace.managedPolicyArns, "arn:aws:iam::aws:policy/AdministratorAccess"] };
    const plan = planGithubRole(desired, extra);
    expect(plan.actions).toEqual([]);
    expect(plan.notes).toEqual(["left in place, not managed by bootstrap (review them): handmade, arn:aws:iam::aws:policy/AdministratorAccess"]);
  });
});

describe("planGithubRole with customer managed policies it owns", () => {
  const owned = { name: "openclaw-production-github-deploy-network", arn: "arn:aws:iam::123456789012:policy/openclaw-production-github-deploy-network", description: "d", document: allowAll("Net") };
  const deploy: GithubRoleDesired = { ...desired, managedPolicyArns: [owned.arn], ownedPolicies: [owned], retiredManagedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] };
  const current: GithubRoleObserved = { ...inPlace, managedPolicyArns: [owned.arn], ownedPolicies: { [owned.arn]: owned.document } };

  test("creates the policy before attaching it", () => {
    expect(planGithubRole(deploy, undefined).actions.map((a) => a.description)).toEqual([
      `create, trusted for ${subjects(desired.trustPolicy).join(", ")}`,
      "managed policy openclaw-production-github-deploy-network: create (Net)",
      `attach ${owned.arn}`,
      "inline policy state: add (Read)",
    ]);
  });

  test("writes a new version when the policy drifted, naming the statements", () => {
    expect(planGithubRole(deploy, { ...current, ownedPolicies: { [owned.arn]: allowAll("Wider") } }).actions).toEqual([
      { kind: "ownedPolicy", policyArn: owned.arn, create: false, description: "managed policy openclaw-production-github-deploy-network: statements added Net; removed Wider" },
    ]);
  });

  test("detaches a policy earlier bootstrap versions attached (ReadOnlyAccess on the plan role)", () => {
    const withReadOnly = { ...current, managedPolicyArns: [...current.managedPolicyArns, "arn:aws:iam::aws:policy/ReadOnlyAccess"] };
    const plan = planGithubRole(deploy, withReadOnly);
    expect(plan.actions).toEqual([{ kind: "detachPolicy", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", description: "detach arn:aws:iam::aws:policy/ReadOnlyAccess (no longer part of this role)" }]);
    expect(plan.notes).toEqual([]);
  });

  test("a role as desired needs nothing", () => {
    expect(planGithubRole(deploy, current)).toEqual({ exists: true, actions: [], notes: [] });
  });
});

describe("planGithubRole when the number of parts changes (regions added or removed)", () => {
  const ROLE = "openclaw-production-github-deploy";
  const part = (name: string, document: PolicyDocument) => ({ name: `${ROLE}-${name}`, arn: `arn:aws:iam::123456789012:policy/${ROLE}-${name}`, description: "d", document });
  const twoStatements: PolicyDocument = { Version: "2012-10-17", Statement: [...allowAll("A").Statement, { ...allowAll("B").Statement[0], Sid: "B" }] };
  const denyAll = (sid: string): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Sid: sid, Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*" }] });
  const base: GithubRoleDesired = { ...desired, name: ROLE, managedPolicyArns: [], inlinePolicies: {}, ownedPolicyNamePattern: new RegExp(`^${ROLE}-(identity|guardrails)(-[0-9]+)?$`) };

  test("a statement moving to a new overflow part: the part is created and attached before the old part loses it, and nothing is detached", () => {
    const identity = part("identity", allowAll("A"));
    const overflow = part("identity-2", { ...allowAll("B"), Statement: [{ ...allowAll("B").Statement[0], Sid: "B" }] });
    const wanted: GithubRoleDesired = { ...base, ownedPolicies: [identity, overflow], managedPolicyArns: [identity.arn, overflow.arn] };
    const before: GithubRoleObserved = { ...inPlace, inlinePolicies: {}, managedPolicyArns: [identity.arn], ownedPolicies: { [identity.arn]: twoStatements }, strayOwnedPolicies: [] };
    expect(planGithubRole(wanted, before).actions.map((a) => a.kind)).toEqual(["ownedPolicy", "attachPolicy", "ownedPolicy"]);
    expect(planGithubRole(wanted, before).actions.map((a) => a.description)).toEqual([
      `managed policy ${ROLE}-identity-2: create (B)`,
      `attach ${overflow.arn}`,
      `managed policy ${ROLE}-identity: statements removed B`,
    ]);
  });

  test("an overflow part no longer produced is detached and deleted only after the parts that take over its statements are written", () => {
    const identity = part("identity", twoStatements);
    const stray = { name: `${ROLE}-identity-2`, arn: `arn:aws:iam::123456789012:policy/${ROLE}-identity-2`, otherAttachments: 0 };
    const wanted: GithubRoleDesired = { ...base, ownedPolicies: [identity], managedPolicyArns: [identity.arn], inlinePolicies: { guardrails: denyAll("D") } };
    const before: GithubRoleObserved = {
      ...inPlace,
      inlinePolicies: {},
      managedPolicyArns: [identity.arn, stray.arn],
      ownedPolicies: { [identity.arn]: allowAll("A") },
      strayOwnedPolicies: [stray],
    };
    const plan = planGithubRole(wanted, before);
    expect(plan.actions).toEqual([
      { kind: "ownedPolicy", policyArn: identity.arn, create: false, description: `managed policy ${ROLE}-identity: statements added B` },
      { kind: "inlinePolicy", policyName: "guardrails", description: "inline policy guardrails: add (D)" },
      { kind: "detachPolicy", policyArn: stray.arn, description: `detach managed policy ${ROLE}-identity-2 (bootstrap's, no longer needed: its statements are in the other parts)` },
      { kind: "deletePolicy", policyArn: stray.arn, description: `delete managed policy ${ROLE}-identity-2 (bootstrap's, no longer needed)` },
    ]);
    expect(plan.notes).toEqual([]);
  });

  test("a stray part someone attached elsewhere too is detached from the role but not deleted, and reported", () => {
    const stray = { name: `${ROLE}-guardrails`, arn: `arn:aws:iam::123456789012:policy/${ROLE}-guardrails`, otherAttachments: 1 };
    const plan = planGithubRole(base, { ...inPlace, inlinePolicies: {}, managedPolicyArns: [stray.arn], strayOwnedPolicies: [stray] });
    expect(plan.actions.map((a) => a.kind)).toEqual(["detachPolicy"]);
    expect(plan.notes).toEqual([`managed policy ${ROLE}-guardrails is no longer part of this role but is attached to 1 other user(s), group(s) or role(s): left in place, review it`]);
  });

  test("inline policies that shrink are written before those that grow (IAM checks the role's total on every write)", () => {
    const wanted: GithubRoleDesired = { ...base, inlinePolicies: { grows: twoStatements, shrinks: allowAll("A") } };
    const before: GithubRoleObserved = { ...inPlace, inlinePolicies: { grows: allowAll("A"), shrinks: twoStatements }, managedPolicyArns: [] };
    expect(planGithubRole(wanted, before).actions.map((a) => (a.kind === "inlinePolicy" ? a.policyName : a.kind))).toEqual(["shrinks", "grows"]);
  });

  test("fails before any change when the role would pass IAM's 10 attached managed policies during the run", () => {
    const parts = Array.from({ length: 9 }, (_v, i) => part(`identity-${i + 2}`, allowAll("A")));
    const wanted: GithubRoleDesired = { ...base, ownedPolicies: parts, managedPolicyArns: parts.map((p) => p.arn) };
    const foreign = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/handmade"];
    expect(() => planGithubRole(wanted, { ...inPlace, inlinePolicies: {}, managedPolicyArns: foreign })).toThrow(
      /^role openclaw-production-github-deploy would have 11 managed policies attached during this run \(9 bootstrap's, 2 others: arn:aws:iam::aws:policy\/ReadOnlyAccess, arn:aws:iam::123456789012:policy\/handmade\); IAM attaches at most 10 to a role \(quota "Managed policies per role", https:\/\/docs.aws.amazon.com\/IAM\/latest\/UserGuide\/reference_iam-quotas.html\)/,
    );
  });
});

describe("subjects", () => {
  test("lists the sub claims a trust policy accepts", () => {
    expect(subjects(githubTrustPolicy(settings, ["a", "b"]))).toEqual(["a", "b"]);
  });
});

describe("retryWhilePrincipalPropagates", () => {
  const propagating = Object.assign(new Error("Invalid principal in policy: \"Federated\""), { name: "MalformedPolicyDocument" });

  test("retries a trust policy write refused while the new OIDC provider propagates", async () => {
    const write = jest.fn().mockRejectedValueOnce(propagating).mockResolvedValueOnce("ok");
    await expect(retryWhilePrincipalPropagates(write, [0, 0])).resolves.toBe("ok");
    expect(write).toHaveBeenCalledTimes(2);
  });

  test("gives up after the last delay with the AWS error", async () => {
    const write = jest.fn().mockRejectedValue(propagating);
    await expect(retryWhilePrincipalPropagates(write, [0, 0])).rejects.toBe(propagating);
    expect(write).toHaveBeenCalledTimes(3);
  });

  test("does not retry other errors", async () => {
    const denied = Object.assign(new Error("no"), { name: "AccessDenied" });
    const write = jest.fn().mockRejectedValue(denied);
    await expect(retryWhilePrincipalPropagates(write, [0, 0])).rejects.toBe(denied);
    expect(write).toHaveBeenCalledTimes(1);
  });
});
