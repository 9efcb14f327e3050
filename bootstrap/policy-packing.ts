import { ConflictError } from "./plan";
import type { PolicyDocument, PolicyStatement } from "./policy-document";

/**
 * Fitting a role's statements into IAM's size quotas without changing what they mean.
 *
 * IAM counts policy characters without whitespace: 6,144 per customer managed policy, 10,240
 * for all inline policies of a role together, and attaches at most 10 managed policies to a
 * role by default (the quota can be raised; bootstrap assumes the default).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 *
 * What packing may do, and why it keeps the meaning:
 * - move whole statements between policies: IAM evaluates the union of a role's identity
 *   policies, inline or managed, so where a statement sits changes nothing;
 * - split an *Allow* whose `Resource` is a list into Allows with the same Effect, Action and
 *   Condition over consecutive slices of that list: an Allow on A or B is an Allow on A plus an
 *   Allow on B.
 * What it never does: split a Deny (one on `NotResource` [A, B] split in two would deny
 * everything), split a `NotResource` or a condition's values (negated operators and
 * ForAllValues change meaning when split), or widen a Resource to a wildcard. A statement that
 * cannot be placed is an error, raised before any AWS call.
 */

export const MANAGED_POLICY_MAX_CHARS = 6144;
export const INLINE_POLICIES_MAX_CHARS = 10240;
export const MANAGED_POLICIES_PER_ROLE = 10;
export const IAM_QUOTAS_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";

/**
 * A role's policies cannot fit IAM's quotas; the message names the quota and the statement or
 * policies. A ConflictError, so that a run reaching it stops before changing anything; the CLI
 * checks for it before its first AWS call (pipeline-roles.ts assertDeployRoleFitsQuotas).
 */
export class PolicyQuotaError extends ConflictError {
  constructor(message: string) {
    super("IamPolicyQuota", message);
    this.name = "PolicyQuotaError";
  }
}

/** Characters IAM counts against its policy size limits: the JSON without whitespace. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, "").length;
}

export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: [...statements] };
}

/**
 * Splits an Allow too large for one policy of `limit` characters into Allows over consecutive
 * slices of its Resource list, each fitting alone. The first keeps the Sid, the next are
 * `<Sid>Part2`, `<Sid>Part3`... (Sids are alphanumeric and unique within a policy).
 */
export function splitByResource(statement: PolicyStatement, limit: number): PolicyStatement[] {
  const refuse = (why: string) =>
    new PolicyQuotaError(
      `statement ${statement.Sid} is ${policySize(policyDocument([statement]))} characters, more than the ${limit} of one IAM customer managed policy (${IAM_QUOTAS_URL}), and ${why}`,
    );
  if (statement.Effect !== "Allow") throw refuse("a Deny is never split (splitting can change what it denies)");
  if (!Array.isArray(statement.Resource) || statement.Resource.length < 2) throw refuse("it has no Resource list to split it by");
  const slices: string[][] = [];
  let slice: string[] = [];
  const fits = (resources: string[], index: number) => policySize(policyDocument([withResources(statement, resources, index)])) <= limit;
  for (const resource of statement.Resource) {
    if (slice.length > 0 && !fits([...slice, resource], slices.length)) {
      slices.push(slice);
      slice = [];
    }
    slice.push(resource);
    if (!fits(slice, slices.length)) throw refuse(`even its Resource ${resource} alone does not fit`);
  }
  slices.push(slice);
  return slices.map((resources, i) => withResources(statement, resources, i));
}

function withResources(statement: PolicyStatement, resources: string[], index: number): PolicyStatement {
  return { ...statement, Sid: index === 0 ? statement.Sid : `${statement.Sid}Part${index + 1}`, Resource: resources };
}

/**
 * Packs statements, in order, into as few policies of at most `limit` characters as next-fit
 * gives: a statement goes into the current policy if it fits, else it starts the next one. In
 * order rather than best-fit so that the layout is predictable and a statement moves only when
 * the ones before it grow. Statements too large alone are split first (splitByResource).
 */
export function packStatements(statements: readonly PolicyStatement[], limit: number = MANAGED_POLICY_MAX_CHARS): PolicyStatement[][] {
  const parts: PolicyStatement[][] = [];
  let current: PolicyStatement[] = [];
  for (const statement of statements) {
    const pieces = policySize(policyDocument([statement])) <= limit ? [statement] : splitByResource(statement, limit);
    for (const piece of pieces) {
      if (current.length > 0 && policySize(policyDocument([...current, piece])) > limit) {
        parts.push(current);
        current = [];
      }
      current.push(piece);
    }
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/**
 * Names of the packed parts of one group: the group's name for the first, `<group>-2`,
 * `<group>-3`... for overflow, so that a layout that fits keeps the names it always had.
 */
export function partNames(group: string, count: number): string[] {
  return Array.from({ length: count }, (_v, i) => (i === 0 ? group : `${group}-${i + 1}`));
}
