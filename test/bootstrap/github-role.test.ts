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
      "inline policy state: add (Read)",
      "attach arn:aws:iam::aws:policy/ReadOnlyAccess",
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
      "inline policy state: add (Read)",
      "managed policy openclaw-production-github-deploy-network: create (Net)",
      `attach ${owned.arn}`,
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
