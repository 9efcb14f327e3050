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
const compiled = new Map<string, RegExp>();

export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const cacheKey = `${caseInsensitive ? "i" : "s"}${pattern}`;
  let regex = compiled.get(cacheKey);
  if (!regex) {
    const source = pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${source}$`, caseInsensitive ? "is" : "s");
    compiled.set(cacheKey, regex);
  }
  return regex.test(value);
}

/** Actions match case-insensitively (`s3:getobject` is `s3:GetObject`). */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

/**
 * Does `pattern` (a policy resource, maybe with wildcards) cover every ARN that `resource`
 * (another pattern) can stand for? A `*` of the resource stands for any run of characters, so
 * only a `*` of the pattern covers it; a `?` of the resource (one character) is covered by `?` or
 * `*`; a literal character by itself, `?` or `*`. (Matching the resource text with its wildcards
 * read literally let a boundary's `?` cover a grant's `*`: issue 24, item 6.)
 */
export function resourceCovered(pattern: string, resource: string): boolean {
  // covered[i][j]: the pattern from i covers the resource from j. Filled backwards from the ends;
  // column resource.length + 1 stands past the resource's end, where nothing is covered.
  const covered = Array.from({ length: pattern.length + 1 }, () => new Array<boolean>(resource.length + 2).fill(false));
  covered[pattern.length][resource.length] = true;
  for (let i = pattern.length - 1; i >= 0; i--) {
    for (let j = resource.length; j >= 0; j--) {
      covered[i][j] =
        pattern[i] === "*"
          ? covered[i + 1][j] || covered[i][j + 1]
          : resource[j] !== "*" && (pattern[i] === "?" || pattern[i] === resource[j]) && covered[i + 1][j + 1];
    }
  }
  return covered[0][0];
}

/** Replaces IAM policy variables (`${aws:PrincipalTag/tenant_id}`, escaped `$${...}` too) with values. */
export function substituteVariables(text: string, variables: Record<string, string>): string {
  return text.replace(/\$?\$\{(aws:[^}]+)\}/g, (whole, name: string) => variables[name] ?? whole);
}

/** Stands in for a variable the request context lacks: IAM then matches nothing, and no ARN holds this character. */
const UNRESOLVED = "\u0000";

/**
 * A policy value with its variables filled from the request context (IAM policy variables,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html). A variable
 * the context lacks makes the value match nothing. `${*}`/`${?}`/`${$}` and defaults
 * (`${aws:x, 'd'}`) are refused rather than approximated.
 */
export function resolveVariables(text: string, context: Readonly<Record<string, string | readonly string[]>>): string {
  return text.replace(/\$?\$\{([^}]*)\}/g, (whole, body: string) => {
    // A synthesized policy still holds Terraform's own references (`${aws_iam_role.x.arn}`): not IAM's.
    if (!body.includes(":") && !/^[*?$]$/.test(body)) return whole;
    if (!/^[A-Za-z0-9-]+:[A-Za-z0-9_\/.:-]+$/.test(body)) throw new Error(`policy variable \${${body}} is not modelled by audit/iam.ts`);
    const value = Object.entries(context).find(([k]) => k.toLowerCase() === body.toLowerCase())?.[1];
    return typeof value === "string" ? value : UNRESOLVED;
  });
}

/**
 * ArnEquals/ArnLike: "each of the six colon-delimited components of the ARN is checked
 * separately" (IAM condition operators), the last holding the rest. Text that is not an ARN
 * matches only itself: the audit and the isolation tests stand for an ARN Terraform learns at
 * apply by its reference (`${aws_bedrock_inference_profile.x.arn}`).
 */
function arnMatch(pattern: string, value: string): boolean {
  const split = (arn: string) => {
    const parts = arn.split(":");
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(":")];
  };
  const p = split(pattern);
  const v = split(value);
  if (p === undefined || v === undefined) return pattern === value;
  return p.every((segment, i) => wildcardMatch(segment, v[i]));
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
    // A NotAction or NotResource statement has no Action or Resource list: it admits nothing here.
    if (s.Effect !== "Allow") continue;
    if (!asList(s.Action).some((a) => actionMatches(a, grant.action))) continue;
    if (!asList(s.Resource).some((r) => resourceCovered(r, grant.resource))) continue;
    const holds = s.Condition ? conditionHolds(s.Condition) : true;
    if (holds === true) return { allowed: true, by: s.Sid ?? "(no Sid)" };
    if (holds === undefined) conditional ??= { allowed: true, by: s.Sid ?? "(no Sid)", condition: JSON.stringify(s.Condition) };
  }
  return conditional ?? { allowed: false };
}

/**
 * One API request as IAM sees it: the action, the resource ARN it acts on, and the request
 * context keys that conditions read (`iam:PermissionsBoundary`, `aws:RequestTag/ManagedBy`, ...).
 * A multi-valued key (`aws:TagKeys`) is a list.
 */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

/** `allow`, `deny` (an explicit Deny matched) or `implicit` (nothing allowed it). */
export type Decision = { readonly decision: "allow"; readonly by: string } | { readonly decision: "deny"; readonly by: string } | { readonly decision: "implicit" };

/**
 * Condition operators the project's policies use, with IAM's semantics
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
 * values of one key are ORed, keys and operators are ANDed; a key missing from the request makes
 * a positive operator false and a negated one true; `...IfExists` is true when the key is
 * missing; `ForAnyValue:` needs one request value to match, `ForAllValues:` needs every one
 * (true when the key is missing); `Null: true` means the key is missing.
 */
function matchOne(operator: string, pattern: string, value: string): boolean {
  switch (operator) {
    case "StringEquals":
      return pattern === value;
    case "StringEqualsIgnoreCase":
      return pattern.toLowerCase() === value.toLowerCase();
    case "StringLike":
      return wildcardMatch(pattern, value);
    case "ArnEquals":
    case "ArnLike":
      return arnMatch(pattern, value);
    case "Bool":
      return pattern.toLowerCase() === value.toLowerCase();
    default:
      throw new Error(`condition operator ${operator} is not modelled by audit/iam.ts`);
  }
}

const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

export function conditionHolds(condition: Record<string, Record<string, unknown>>, context: Readonly<Record<string, string | readonly string[]>>): boolean {
  return Object.entries(condition).every(([fullOperator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const patterns = asList(expected as string | string[]).map((p) => resolveVariables(String(p), context));
      const raw = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      const values = raw === undefined ? undefined : typeof raw === "string" ? [raw] : [...raw];
      if (fullOperator === "Null") return patterns.some((p) => (p === "true") === (values === undefined));
      let operator = fullOperator;
      let quantifier: "any" | "all" | undefined;
      if (operator.startsWith("ForAnyValue:")) [quantifier, operator] = ["any", operator.slice("ForAnyValue:".length)];
      else if (operator.startsWith("ForAllValues:")) [quantifier, operator] = ["all", operator.slice("ForAllValues:".length)];
      const ifExists = operator.endsWith("IfExists");
      if (ifExists) operator = operator.slice(0, -"IfExists".length);
      const negatedOf = NEGATED[operator];
      if (values === undefined) {
        if (ifExists || quantifier === "all") return true;
        if (quantifier === "any") return false;
        return negatedOf !== undefined;
      }
      const base = negatedOf ?? operator;
      const valueMatches = (v: string) => patterns.some((p) => matchOne(base, p, v));
      if (quantifier === "all") return values.every((v) => (negatedOf ? !valueMatches(v) : valueMatches(v)));
      if (quantifier === "any") return values.some((v) => (negatedOf ? !valueMatches(v) : valueMatches(v)));
      // "Multivalued context keys require a condition set operator" (IAM, single-valued vs.
      // multivalued context keys): what IAM does without one is not documented, so not guessed.
      if (values.length !== 1) throw new Error(`condition ${fullOperator} on ${key}: a multivalued key without ForAnyValue/ForAllValues is not modelled by audit/iam.ts`);
      // A single-valued key: a negated operator holds when the value matches none of the patterns.
      return negatedOf ? !valueMatches(values[0]) : valueMatches(values[0]);
    }),
  );
}

function statementApplies(s: Statement, request: IamRequest): boolean {
  const context = request.context ?? {};
  const actionHit = s.Action !== undefined ? asList(s.Action).some((a) => actionMatches(a, request.action)) : !asList(s.NotAction).some((a) => actionMatches(a, request.action));
  if (!actionHit) return false;
  const matches = (r: string) => wildcardMatch(resolveVariables(r, context), request.resource);
  const resourceHit = s.Resource !== undefined ? asList(s.Resource).some(matches) : !asList(s.NotResource).some(matches);
  if (!resourceHit) return false;
  return s.Condition ? conditionHolds(s.Condition, context) : true;
}

/**
 * Identity-policy evaluation for one request over all of a principal's policies: an explicit
 * Deny anywhere wins, otherwise some Allow must apply, otherwise the request is implicitly
 * denied. (No SCPs, resource policies or session policies: the pipeline roles have none of
 * their own, and this answers what the role's own policies let it do.)
 */
export function evaluate(statements: readonly Statement[], request: IamRequest): Decision {
  const applying = statements.filter((s) => statementApplies(s, request));
  const deny = applying.find((s) => s.Effect === "Deny");
  if (deny) return { decision: "deny", by: deny.Sid ?? "(no Sid)" };
  // No Deny applies, so whatever applies is an Allow.
  const [allow] = applying;
  return allow ? { decision: "allow", by: allow.Sid ?? "(no Sid)" } : { decision: "implicit" };
}

export function isAllowed(statements: readonly Statement[], request: IamRequest): boolean {
  return evaluate(statements, request).decision === "allow";
}

/**
 * A condition settled by the synthesized JSON alone, for the audit: `undefined` when the context
 * does not name every key the condition uses, or an operator is not modelled (the caller reports
 * it rather than guessing). A key named with the value `undefined` is known to be absent from the
 * request (e.g. a tag the resource does not carry). Otherwise conditionHolds decides, with IAM's
 * semantics: the same evaluator the isolation tests and the role tests use.
 */
export function conditionSatisfied(condition: Record<string, Record<string, unknown>>, context: Record<string, string | undefined>): boolean | undefined {
  const keys = Object.values(condition).flatMap((entries) => Object.keys(entries));
  if (!keys.every((key) => key in context)) return undefined;
  const known = Object.fromEntries(Object.entries(context).filter((entry): entry is [string, string] => entry[1] !== undefined));
  try {
    return conditionHolds(condition, known);
  } catch {
    return undefined; // an operator audit/iam.ts does not model
  }
}

/** The single value a grant's own condition pins a key to (`ArnEquals`/`StringEquals` with one value). */
export function pinnedValue(condition: Grant["condition"], key: string): string | undefined {
  for (const operator of ["ArnEquals", "StringEquals"]) {
    const values = asList(condition?.[operator]?.[key] as string | string[] | undefined);
    if (values.length === 1) return values[0];
  }
  return undefined;
}
