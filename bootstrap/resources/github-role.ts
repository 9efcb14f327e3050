import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { hasCode, isNotFound } from "../aws-errors";
import { Action, ConflictError, ResourcePlan, resourcePlan } from "../plan";
import { GITHUB_OIDC_HOST, tagList } from "../settings";
import { PolicyDocument, describePolicyDiff, diffPolicies, isPolicyDiffEmpty, parsePolicy, policySize } from "../policies";
import { IAM_QUOTAS_URL, MANAGED_POLICIES_PER_ROLE } from "../policy-packing";

/**
 * A role GitHub Actions assumes through OIDC (plan or deploy). Bootstrap owns its trust
 * policy, which it sets to exactly the desired one, its inline policies of the given names,
 * the customer managed policies it writes for the role, and the listed managed policies.
 * Managed policies bootstrap attached in earlier versions and no longer wants are detached;
 * other policies someone attached are reported, not removed. Customer managed policies named
 * like the role's own (`ownedPolicyNamePattern`) that the desired state no longer lists (the
 * overflow parts of a region since removed) are detached and deleted.
 *
 * Order of the actions, so that no statement is ever missing from the role while a run moves
 * it between policies (a deny moving from inline to a managed part, an allow from `identity` to
 * `identity-2`): new policies are created and attached first, then existing ones updated, then
 * inline policies written (those that shrink first: IAM checks the total on each write), and
 * only then is anything detached or deleted.
 */

/** A customer managed policy bootstrap writes for one role (too large to be inline). */
export interface OwnedPolicy {
  readonly name: string;
  readonly arn: string;
  readonly description: string;
  readonly document: PolicyDocument;
}

export interface GithubRoleDesired {
  readonly name: string;
  readonly description: string;
  readonly trustPolicy: PolicyDocument;
  /** Inline policies by name. */
  readonly inlinePolicies: Readonly<Record<string, PolicyDocument>>;
  /** Attached; includes the ARNs of `ownedPolicies`. */
  readonly managedPolicyArns: readonly string[];
  /** Customer managed policies bootstrap creates and keeps equal to the document. */
  readonly ownedPolicies?: readonly OwnedPolicy[];
  /** Managed policies earlier bootstrap versions attached: detached when found. */
  readonly retiredManagedPolicyArns?: readonly string[];
  /**
   * Every name an owned policy of this role can have. One that exists in the account and is
   * not in `ownedPolicies` is bootstrap's and no longer needed: detached and deleted.
   */
  readonly ownedPolicyNamePattern?: RegExp;
  readonly tags: Readonly<Record<string, string>>;
}

export interface GithubRoleObserved {
  readonly arn: string;
  readonly trustPolicy: PolicyDocument;
  readonly inlinePolicies: Readonly<Record<string, PolicyDocument>>;
  readonly managedPolicyArns: readonly string[];
  /** Default version of each owned policy by ARN; absent when the policy does not exist. */
  readonly ownedPolicies?: Readonly<Record<string, PolicyDocument>>;
  /** Policies matching `ownedPolicyNamePattern` that `ownedPolicies` does not list. */
  readonly strayOwnedPolicies?: readonly StrayOwnedPolicy[];
}

/** A customer managed policy bootstrap once wrote for the role and no longer produces. */
export interface StrayOwnedPolicy {
  readonly name: string;
  readonly arn: string;
  /** Attachments to users, groups and roles other than this role. */
  readonly otherAttachments: number;
}

export type GithubRoleAction =
  | Action<"create">
  | Action<"trustPolicy">
  | (Action<"inlinePolicy"> & { readonly policyName: string })
  | (Action<"ownedPolicy"> & { readonly policyArn: string; readonly create: boolean })
  | (Action<"attachPolicy"> & { readonly policyArn: string })
  | (Action<"detachPolicy"> & { readonly policyArn: string })
  | (Action<"deletePolicy"> & { readonly policyArn: string });

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
  const ownedWrites: GithubRoleAction[] = [];
  for (const owned of desired.ownedPolicies ?? []) {
    const current = observed?.ownedPolicies?.[owned.arn];
    const diff = diffPolicies(current, owned.document);
    if (isPolicyDiffEmpty(diff)) continue;
    ownedWrites.push({
      kind: "ownedPolicy",
      policyArn: owned.arn,
      create: current === undefined,
      description: current ? `managed policy ${owned.name}: ${describePolicyDiff(diff)}` : `managed policy ${owned.name}: create (${owned.document.Statement.map((s) => s.Sid).join(", ")})`,
    });
  }
  // New policies first, attached before any statement leaves the policies that hold it today.
  actions.push(...ownedWrites.filter((a) => a.kind === "ownedPolicy" && a.create));
  for (const policyArn of desired.managedPolicyArns) {
    if (!observed?.managedPolicyArns.includes(policyArn)) actions.push({ kind: "attachPolicy", policyArn, description: `attach ${policyArn}` });
  }
  actions.push(...ownedWrites.filter((a) => a.kind === "ownedPolicy" && !a.create));

  const inlineWrites: { action: GithubRoleAction; growth: number }[] = [];
  for (const [policyName, document] of Object.entries(desired.inlinePolicies)) {
    const current = observed?.inlinePolicies[policyName];
    const diff = diffPolicies(current, document);
    if (isPolicyDiffEmpty(diff)) continue;
    inlineWrites.push({
      growth: policySize(document) - (current ? policySize(current) : 0),
      action: {
        kind: "inlinePolicy",
        policyName,
        description: current ? `inline policy ${policyName}: ${describePolicyDiff(diff)}` : `inline policy ${policyName}: add (${document.Statement.map((s) => s.Sid).join(", ")})`,
      },
    });
  }
  // IAM checks the role's inline total on every write: shrinking ones first (stable otherwise).
  actions.push(...inlineWrites.sort((a, b) => Math.sign(a.growth) - Math.sign(b.growth)).map((w) => w.action));

  const retired = desired.retiredManagedPolicyArns ?? [];
  for (const policyArn of observed?.managedPolicyArns ?? []) {
    if (retired.includes(policyArn)) actions.push({ kind: "detachPolicy", policyArn, description: `detach ${policyArn} (no longer part of this role)` });
  }
  const strays = observed?.strayOwnedPolicies ?? [];
  for (const stray of strays) {
    if (observed?.managedPolicyArns.includes(stray.arn)) {
      actions.push({ kind: "detachPolicy", policyArn: stray.arn, description: `detach managed policy ${stray.name} (bootstrap's, no longer needed: its statements are in the other parts)` });
    }
    if (stray.otherAttachments === 0) {
      actions.push({ kind: "deletePolicy", policyArn: stray.arn, description: `delete managed policy ${stray.name} (bootstrap's, no longer needed)` });
    } else {
      notes.push(`managed policy ${stray.name} is no longer part of this role but is attached to ${stray.otherAttachments} other user(s), group(s) or role(s): left in place, review it`);
    }
  }
  if (observed) {
    const strayArns = strays.map((p) => p.arn);
    const foreignInline = Object.keys(observed.inlinePolicies).filter((n) => !(n in desired.inlinePolicies));
    const foreignManaged = observed.managedPolicyArns.filter((a) => !desired.managedPolicyArns.includes(a) && !retired.includes(a) && !strayArns.includes(a));
    if (foreignInline.length + foreignManaged.length > 0) {
      notes.push(`left in place, not managed by bootstrap (review them): ${[...foreignInline, ...foreignManaged].join(", ")}`);
    }
    // Attaching comes before detaching (see above), so the count peaks at both sets together.
    const peak = new Set([...observed.managedPolicyArns, ...desired.managedPolicyArns]);
    if (peak.size > MANAGED_POLICIES_PER_ROLE) {
      throw new ConflictError(
        "ManagedPolicyQuota",
        `role ${desired.name} would have ${peak.size} managed policies attached during this run (${desired.managedPolicyArns.length} bootstrap's, ` +
          `${peak.size - desired.managedPolicyArns.length} others: ${[...peak].filter((a) => !desired.managedPolicyArns.includes(a)).join(", ") || "none"}); ` +
          `IAM attaches at most ${MANAGED_POLICIES_PER_ROLE} to a role (quota "Managed policies per role", ${IAM_QUOTAS_URL}): detach the others, or raise the quota, and run again`,
      );
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
  const ownedPolicies: Record<string, PolicyDocument> = {};
  for (const owned of desired.ownedPolicies ?? []) {
    const document = await defaultPolicyDocument(iam, owned.arn);
    if (document) ownedPolicies[owned.arn] = document;
  }
  const managedPolicyArns = (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn!).filter(Boolean);
  return {
    arn: role.Arn,
    ownedPolicies,
    strayOwnedPolicies: desired.ownedPolicyNamePattern ? await strayOwnedPolicies(iam, desired, desired.ownedPolicyNamePattern, managedPolicyArns) : [],
    trustPolicy: role.AssumeRolePolicyDocument ? parsePolicy(role.AssumeRolePolicyDocument) : { Version: "2012-10-17", Statement: [] },
    inlinePolicies,
    managedPolicyArns,
  };
}

/**
 * The account's customer managed policies named like the role's own that the desired state does
 * not list. Looked up in the whole account, not only among the role's attachments: a run stopped
 * between detaching and deleting one leaves it unattached.
 */
async function strayOwnedPolicies(iam: IAMClient, desired: GithubRoleDesired, pattern: RegExp, attachedArns: readonly string[]): Promise<StrayOwnedPolicy[]> {
  const wanted = new Set((desired.ownedPolicies ?? []).map((p) => p.arn));
  const strays: StrayOwnedPolicy[] = [];
  let Marker: string | undefined;
  do {
    const page = await iam.send(new ListPoliciesCommand({ Scope: "Local", Marker }));
    for (const policy of page.Policies ?? []) {
      if (!policy.PolicyName || !policy.Arn || !pattern.test(policy.PolicyName) || wanted.has(policy.Arn)) continue;
      const onThisRole = attachedArns.includes(policy.Arn) ? 1 : 0;
      strays.push({ name: policy.PolicyName, arn: policy.Arn, otherAttachments: Math.max(0, (policy.AttachmentCount ?? 0) - onThisRole) });
    }
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return strays.sort((a, b) => a.name.localeCompare(b.name));
}

/** The default version's document of a customer managed policy; undefined when it does not exist. */
async function defaultPolicyDocument(iam: IAMClient, PolicyArn: string): Promise<PolicyDocument | undefined> {
  let versionId: string | undefined;
  try {
    versionId = (await iam.send(new GetPolicyCommand({ PolicyArn }))).Policy?.DefaultVersionId;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (!versionId) return undefined;
  const document = (await iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: versionId }))).PolicyVersion?.Document;
  return document ? parsePolicy(document) : undefined;
}

/**
 * Writes an owned policy: creates it, or adds a new default version. IAM keeps at most five
 * versions, so the oldest non-default one goes first when five exist.
 */
async function writeOwnedPolicy(iam: IAMClient, owned: OwnedPolicy, tags: Readonly<Record<string, string>>, create: boolean): Promise<void> {
  const PolicyDocument = JSON.stringify(owned.document);
  if (create) {
    await iam.send(new CreatePolicyCommand({ PolicyName: owned.name, PolicyDocument, Description: owned.description, Tags: tagList(tags) }));
    return;
  }
  const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: owned.arn }))).Versions ?? [];
  if (versions.length >= 5) {
    const oldest = versions
      .filter((v) => !v.IsDefaultVersion)
      .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
    if (oldest?.VersionId) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: owned.arn, VersionId: oldest.VersionId }));
  }
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: owned.arn, PolicyDocument, SetAsDefault: true }));
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
    case "ownedPolicy": {
      const owned = desired.ownedPolicies?.find((p) => p.arn === action.policyArn);
      if (!owned) throw new Error(`no owned policy ${action.policyArn} in the desired role`);
      await writeOwnedPolicy(iam, owned, desired.tags, action.create);
      break;
    }
    case "attachPolicy":
      await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: action.policyArn }));
      break;
    case "detachPolicy":
      await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: action.policyArn }));
      break;
    case "deletePolicy": {
      // IAM deletes a policy only once its non-default versions are gone.
      const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: action.policyArn }))).Versions ?? [];
      for (const version of versions.filter((v) => !v.IsDefaultVersion && v.VersionId)) {
        await iam.send(new DeletePolicyVersionCommand({ PolicyArn: action.policyArn, VersionId: version.VersionId }));
      }
      await iam.send(new DeletePolicyCommand({ PolicyArn: action.policyArn }));
      break;
    }
  }
  return undefined;
}
