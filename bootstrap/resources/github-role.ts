import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { hasCode, isNotFound } from "../aws-errors";
import { Action, ResourcePlan, resourcePlan } from "../plan";
import { GITHUB_OIDC_HOST, tagList } from "../settings";
import { PolicyDocument, describePolicyDiff, diffPolicies, isPolicyDiffEmpty, parsePolicy } from "../policies";

/**
 * A role GitHub Actions assumes through OIDC (plan or deploy). Bootstrap owns its trust
 * policy, which it sets to exactly the desired one, its inline policies of the given names
 * and the listed managed policies. Other policies someone attached are reported, not removed.
 */

export interface GithubRoleDesired {
  readonly name: string;
  readonly description: string;
  readonly trustPolicy: PolicyDocument;
  /** Inline policies by name. */
  readonly inlinePolicies: Readonly<Record<string, PolicyDocument>>;
  readonly managedPolicyArns: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface GithubRoleObserved {
  readonly arn: string;
  readonly trustPolicy: PolicyDocument;
  readonly inlinePolicies: Readonly<Record<string, PolicyDocument>>;
  readonly managedPolicyArns: readonly string[];
}

export type GithubRoleAction =
  | Action<"create">
  | Action<"trustPolicy">
  | (Action<"inlinePolicy"> & { readonly policyName: string })
  | (Action<"attachPolicy"> & { readonly policyArn: string });

export function planGithubRole(desired: GithubRoleDesired, observed: GithubRoleObserved | undefined): ResourcePlan<GithubRoleAction> {
  const actions: GithubRoleAction[] = [];
  const notes: string[] = [];
  if (!observed) {
    actions.push({ kind: "create", description: `create, trusted for ${subjects(desired.trustPolicy).join(", ")}` });
  } else if (!isPolicyDiffEmpty(diffPolicies(observed.trustPolicy, desired.trustPolicy))) {
    const before = subjects(observed.trustPolicy);
    actions.push({
      kind: "trustPolicy",
      description: `trust policy: replaced (sub ${before.length ? before.join(", ") : "(other principals)"} → ${subjects(desired.trustPolicy).join(", ")})`,
    });
  }
  for (const [policyName, document] of Object.entries(desired.inlinePolicies)) {
    const current = observed?.inlinePolicies[policyName];
    const diff = diffPolicies(current, document);
    if (isPolicyDiffEmpty(diff)) continue;
    actions.push({
      kind: "inlinePolicy",
      policyName,
      description: current ? `inline policy ${policyName}: ${describePolicyDiff(diff)}` : `inline policy ${policyName}: add (${document.Statement.map((s) => s.Sid).join(", ")})`,
    });
  }
  for (const policyArn of desired.managedPolicyArns) {
    if (!observed?.managedPolicyArns.includes(policyArn)) actions.push({ kind: "attachPolicy", policyArn, description: `attach ${policyArn}` });
  }
  if (observed) {
    const foreignInline = Object.keys(observed.inlinePolicies).filter((n) => !(n in desired.inlinePolicies));
    const foreignManaged = observed.managedPolicyArns.filter((a) => !desired.managedPolicyArns.includes(a));
    if (foreignInline.length + foreignManaged.length > 0) {
      notes.push(`left in place, not managed by bootstrap (review them): ${[...foreignInline, ...foreignManaged].join(", ")}`);
    }
  }
  return resourcePlan(Boolean(observed), actions, notes);
}

/** The `sub` claims a trust policy accepts, for messages. */
export function subjects(trust: PolicyDocument): string[] {
  const out: string[] = [];
  for (const statement of trust.Statement) {
    for (const operator of Object.values(statement.Condition ?? {})) {
      const value = operator[`${GITHUB_OIDC_HOST}:sub`];
      if (value !== undefined) out.push(...(Array.isArray(value) ? value : [value]));
    }
  }
  return out;
}

export async function observeGithubRole(iam: IAMClient, desired: GithubRoleDesired): Promise<GithubRoleObserved | undefined> {
  const RoleName = desired.name;
  let role;
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName }))).Role;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (!role?.Arn) return undefined;
  // Both lists are far below one page for a role bootstrap manages (10 managed policies max).
  const [inlineNames, attached] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName })),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
  ]);
  const inlinePolicies: Record<string, PolicyDocument> = {};
  for (const PolicyName of inlineNames.PolicyNames ?? []) {
    const document = (await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument;
    if (document) inlinePolicies[PolicyName] = parsePolicy(document);
  }
  return {
    arn: role.Arn,
    trustPolicy: role.AssumeRolePolicyDocument ? parsePolicy(role.AssumeRolePolicyDocument) : { Version: "2012-10-17", Statement: [] },
    inlinePolicies,
    managedPolicyArns: (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn!).filter(Boolean),
  };
}

/**
 * IAM is eventually consistent: right after the OIDC provider is created, a trust policy
 * naming it can be refused as an invalid principal for a few seconds.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
 */
export async function retryWhilePrincipalPropagates<T>(write: () => Promise<T>, delaysMs: readonly number[] = [2000, 4000, 8000, 16000]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      const propagating = hasCode(err, "MalformedPolicyDocument") && /principal/i.test(String((err as Error).message));
      if (!propagating || attempt >= delaysMs.length) throw err;
      await new Promise((r) => setTimeout(r, delaysMs[attempt]));
    }
  }
}

/** Carries out one action; returns the role's ARN when it creates the role. */
export async function applyGithubRoleAction(iam: IAMClient, desired: GithubRoleDesired, action: GithubRoleAction): Promise<string | undefined> {
  const RoleName = desired.name;
  switch (action.kind) {
    case "create": {
      const created = await retryWhilePrincipalPropagates(() =>
        iam.send(
          new CreateRoleCommand({
            RoleName,
            Description: desired.description,
            AssumeRolePolicyDocument: JSON.stringify(desired.trustPolicy),
            // One hour covers a deploy of every stack; GitHub's token is short-lived anyway.
            MaxSessionDuration: 3600,
            Tags: tagList(desired.tags),
          }),
        ),
      );
      return created.Role?.Arn;
    }
    case "trustPolicy":
      await retryWhilePrincipalPropagates(() => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: JSON.stringify(desired.trustPolicy) })));
      break;
    case "inlinePolicy":
      await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: action.policyName, PolicyDocument: JSON.stringify(desired.inlinePolicies[action.policyName]) }));
      break;
    case "attachPolicy":
      await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: action.policyArn }));
      break;
  }
  return undefined;
}
