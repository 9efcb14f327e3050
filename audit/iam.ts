/**
 * A small model of IAM policy evaluation, enough to answer "what can this role touch" from
 * synthesized policies: Allow statements of the role's own policies, intersected with its
 * permissions boundary (an action on a resource is allowed only if both allow it). Explicit
 * denies in resource policies are reported separately by the audit; SCPs, session policies
 * and most condition keys are out of scope and said so in the report.
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function parseStatements(policy: string): Statement[] {
  const document = JSON.parse(policy) as { Statement: Statement | Statement[] };
  return asList(document.Statement);
}

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, caseInsensitive ? "is" : "s").test(value);
}

/** Actions match case-insensitively (`s3:getobject` is `s3:GetObject`). */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

/**
 * Does `pattern` (a policy resource, maybe with wildcards) cover every ARN that `resource`
 * (another pattern) can stand for? Exact for the shapes policies here use: a resource pattern is
 * covered when it matches the pattern text itself with its wildcards read literally.
 */
export function resourceCovered(pattern: string, resource: string): boolean {
  return wildcardMatch(pattern, resource);
}

/** Replaces IAM policy variables (`${aws:PrincipalTag/tenant_id}`, escaped `$${...}` too) with values. */
export function substituteVariables(text: string, variables: Record<string, string>): string {
  return text.replace(/\$?\$\{(aws:[^}]+)\}/g, (whole, name: string) => variables[name] ?? whole);
}

export interface Grant {
  readonly sid?: string;
  readonly action: string;
  readonly resource: string;
  /** The granting statement's condition, if any. */
  readonly condition?: Record<string, Record<string, unknown>>;
}

/** Every (action, resource) pair an Allow statement grants; NotAction/NotResource are kept as-is. */
export function grantsOf(statements: Statement[]): Grant[] {
  const grants: Grant[] = [];
  for (const s of statements) {
    if (s.Effect !== "Allow") continue;
    const actions = s.Action !== undefined ? asList(s.Action) : asList(s.NotAction).map((a) => `NOT ${a}`);
    const resources = s.Resource !== undefined ? asList(s.Resource) : asList(s.NotResource).map((r) => `NOT ${r}`);
    for (const action of actions) for (const resource of resources) grants.push({ sid: s.Sid, action, resource, ...(s.Condition ? { condition: s.Condition } : {}) });
  }
  return grants;
}

export type BoundaryVerdict =
  | { readonly allowed: true; readonly by: string; readonly condition?: string }
  | { readonly allowed: false };

/**
 * Whether the permissions boundary lets a role use a grant. Conditions of the boundary
 * statement are returned for the reader; `conditionHolds` may settle the ones it knows.
 */
export function boundaryAllows(
  boundary: Statement[],
  grant: Grant,
  conditionHolds: (condition: Record<string, Record<string, unknown>>) => boolean | undefined = () => undefined,
): BoundaryVerdict {
  if (grant.action.startsWith("NOT ") || grant.resource.startsWith("NOT ")) return { allowed: false };
  // A statement that certainly applies beats one whose condition cannot be settled here.
  let conditional: BoundaryVerdict | undefined;
  for (const s of boundary) {
    if (s.Effect !== "Allow" || s.Action === undefined || s.Resource === undefined) continue;
    if (!asList(s.Action).some((a) => actionMatches(a, grant.action))) continue;
    if (!asList(s.Resource).some((r) => resourceCovered(r, grant.resource))) continue;
    const holds = s.Condition ? conditionHolds(s.Condition) : true;
    if (holds === true) return { allowed: true, by: s.Sid ?? "(no Sid)" };
    if (holds === undefined) conditional ??= { allowed: true, by: s.Sid ?? "(no Sid)", condition: JSON.stringify(s.Condition) };
  }
  return conditional ?? { allowed: false };
}

const CONDITION_OPERATORS: Record<string, (pattern: string, value: string) => boolean> = {
  StringEquals: (p, v) => p === v,
  StringLike: (p, v) => wildcardMatch(p, v),
  ArnEquals: (p, v) => p === v,
  ArnLike: (p, v) => wildcardMatch(p, v),
};

/**
 * Evaluates a condition block against request context values: every key must have a value that
 * matches one of the condition's patterns. `undefined` when an operator or key is unknown here
 * (the caller reports it rather than guessing).
 */
export function conditionSatisfied(condition: Record<string, Record<string, unknown>>, context: Record<string, string | undefined>): boolean | undefined {
  for (const [operator, entries] of Object.entries(condition)) {
    const matches = CONDITION_OPERATORS[operator];
    if (!matches) return undefined;
    for (const [key, patterns] of Object.entries(entries)) {
      if (!(key in context)) return undefined;
      const value = context[key];
      if (value === undefined || !asList(patterns as string | string[]).some((p) => matches(String(p), value))) return false;
    }
  }
  return true;
}

/** The single value a grant's own condition pins a key to (`ArnEquals`/`StringEquals` with one value). */
export function pinnedValue(condition: Grant["condition"], key: string): string | undefined {
  for (const operator of ["ArnEquals", "StringEquals"]) {
    const values = asList(condition?.[operator]?.[key] as string | string[] | undefined);
    if (values.length === 1) return values[0];
  }
  return undefined;
}

/**
 * Whether identity-policy statements allow one request: some Allow statement matches action,
 * resource and condition, and no Deny does. Conditions it cannot settle count as not matching
 * for an Allow and as matching for a Deny (the safe reading for "can this role do X").
 */
export function policyAllows(statements: Statement[], action: string, resource: string, context: Record<string, string | undefined> = {}): boolean {
  const applies = (s: Statement, unknownMeans: boolean) =>
    s.Action !== undefined &&
    asList(s.Action).some((a) => actionMatches(a, action)) &&
    asList(s.Resource).some((r) => wildcardMatch(r, resource)) &&
    (s.Condition ? (conditionSatisfied(s.Condition, context) ?? unknownMeans) : true);
  if (statements.some((s) => s.Effect === "Deny" && applies(s, true))) return false;
  return statements.some((s) => s.Effect === "Allow" && applies(s, false));
}
