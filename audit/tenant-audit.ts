/**
 * The tenant audit: for one tenant, every resource of its stack with the key that encrypts it,
 * what each of its IAM roles can reach (own policies intersected with the platform permissions
 * boundary), and what is exposed (security groups, public access, public IPs). Everything is
 * read from synthesized Terraform JSON, so it describes exactly what would be deployed; its
 * template strings are read with the pipeline's own parser (pipeline/lib/terraform-expressions.ts),
 * the one the stack policy admits stacks with, never re-parsed with patterns.
 */
import { dashboardConsoleUrl } from "../modules/dashboard-body";
import { auditTrailName, platformStackName, tenantStackName } from "../modules/naming";
import { PLATFORM_CONTRACT_PARAMETER, type PlatformContractKey } from "../modules/platform-contract";
import { type Expression, soleExpression, templateParts } from "../pipeline/lib/terraform-expressions";
import { AlarmRouting, alarmRoutingOf, formatAlarmRouting } from "./alarm-routing";
import { asList, BoundaryVerdict, boundaryAllows, conditionSatisfied, Grant, grantsOf, parseStatements, pinnedValue, Statement, substituteVariables } from "./iam";

type Json = Record<string, any>;

export interface AuditedResource {
  readonly address: string;
  readonly type: string;
  /** The AWS name of the resource, where it has one. */
  readonly name?: string;
  /** The key that encrypts what the resource stores; "n/a" for resources that store no data. */
  readonly encryption: string;
}

export interface RoleReach {
  readonly address: string;
  readonly name: string;
  readonly trustedBy: string[];
  readonly permissionsBoundary: string;
  readonly tags: Record<string, string>;
  /** What the role's own policies grant, grouped per resource, with the boundary's verdict. */
  readonly grants: Array<{ actions: string[]; resource: string; sids: string[]; boundary: BoundaryVerdict }>;
  /** Grants the boundary cuts off (a role policy wider than its ceiling: harmless, but a smell). */
  readonly deniedByBoundary: number;
  /** Managed policies attached to the role (none expected). */
  readonly attachedPolicies: string[];
}

export interface SecurityGroupExposure {
  readonly group: string;
  readonly owner: "tenant" | "platform";
  readonly ingress: string[];
  readonly egress: string[];
}

export interface TenantAudit {
  readonly tenant: string;
  readonly stack: string;
  readonly platformStack: string;
  readonly environment: string;
  readonly region: string;
  readonly accountId: string;
  readonly resources: AuditedResource[];
  readonly dataSources: string[];
  readonly roles: RoleReach[];
  readonly boundaryCeiling: Array<{ sid: string; actions: string[]; resources: string[]; condition?: string }>;
  readonly exposure: {
    readonly securityGroups: SecurityGroupExposure[];
    readonly services: Array<{ name: string; assignPublicIp: boolean; securityGroups: string[]; subnets: string; execEnabled: boolean }>;
    readonly buckets: Array<{ bucket: string; publicAccessBlocked: string[]; policy: string[] }>;
    readonly keyPolicies: Array<{ key: string; statements: string[] }>;
    readonly publicIps: string[];
    readonly internetEgress: string[];
  };
  /** Where the tenant's alarms go and who receives them. */
  readonly alarmRouting: AlarmRouting;
  /** Where an operator looks: the tenant's dashboard, its fleet's, and the environment's audit trail. */
  readonly visibility: Visibility;
  readonly notes: string[];
}

export interface Visibility {
  /** The tenant stack's dashboard; null when the stack declares none. */
  readonly dashboard: { readonly name: string; readonly consoleUrl: string } | null;
  /** The fleet dashboard of its environment and region (platform stack). */
  readonly fleetDashboard: { readonly name: string; readonly consoleUrl: string } | null;
  /** The environment's access audit trail (naming.auditTrailName) and the stack that declares it, if synthesized here. */
  readonly auditTrail: { readonly name: string; readonly declaredIn: string | null };
}

function dashboardOf(json: Json | undefined, region: string): Visibility["dashboard"] {
  const dashboard = Object.values<Json>(json?.resource?.aws_cloudwatch_dashboard ?? {})[0];
  if (!dashboard) return null;
  const name = String(dashboard.dashboard_name);
  return { name, consoleUrl: dashboardConsoleUrl(region, name) };
}

function visibilityOf(stacks: Record<string, Json>, tenantJson: Json, platformJson: Json | undefined, environment: string, region: string): Visibility {
  const trail = auditTrailName(environment);
  const declaredIn = Object.entries(stacks).find(([, json]) => Object.values<Json>(json.resource?.aws_cloudtrail ?? {}).some((t) => t.name === trail))?.[0] ?? null;
  return { dashboard: dashboardOf(tenantJson, region), fleetDashboard: dashboardOf(platformJson, region), auditTrail: { name: trail, declaredIn } };
}

export class UnknownTenantError extends Error {
  constructor(
    public readonly tenant: string,
    public readonly known: string[],
  ) {
    super(`unknown tenant "${tenant}" (known: ${known.join(", ") || "none"})`);
    this.name = "UnknownTenantError";
  }
}

/** Minimal view of the project config the audit needs. */
export interface AuditConfig {
  readonly tenants: ReadonlyArray<{ id: string; environment: string; region: string }>;
  readonly environments: Record<string, { accountId: string }>;
}

interface Context {
  readonly tenantJson: Json;
  readonly platformJson?: Json;
  readonly region: string;
  readonly accountId: string;
  /** Resolved strings that stand for resources of the tenant stack (all tagged TenantID=<tenant>). */
  readonly tenantOwned: Set<string>;
  /** Resolved strings that stand for platform resources (never tagged with a TenantID). */
  readonly platformOwned: Set<string>;
  /** The platform's contract document, field by field (see contractDocumentFields). */
  readonly contract: Map<string, string>;
}

/**
 * The platform's contract document (modules/platform-contract.ts), field by field, as template
 * strings over the platform stack: `${aws_vpc.x.id}`, or for a list its elements joined by ", ".
 * Only the document's own top-level entries are fields; a document outside the template grammar
 * has none (the stack policy refuses such a stack).
 */
export function contractDocumentFields(platformJson: Json | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  const document = Object.values<Json>(platformJson?.resource?.aws_ssm_parameter ?? {}).find((p) =>
    String(p.name).endsWith(`/platform/${PLATFORM_CONTRACT_PARAMETER}`),
  );
  const encoded = typeof document?.value === "string" ? soleExpression(document.value) : undefined;
  const object = encoded?.kind === "call" && encoded.name === "jsonencode" && encoded.args.length === 1 ? encoded.args[0] : undefined;
  if (object?.kind !== "object") return fields;
  const asTemplate = (e: Expression): string => {
    if (e.kind === "string") return e.value;
    if (e.kind === "tuple") return e.items.map(asTemplate).join(", ");
    return `\${${e.source}}`;
  };
  for (const { key, value } of object.entries) fields.set(key, asTemplate(value));
  return fields;
}

/** `a.b.c` as its names, when `e` is a traversal of plain attribute names from a root. */
function namesOf(e: Expression): string[] | undefined {
  if (e.kind === "root") return [e.name];
  if (e.kind !== "get" || e.of.kind !== "root" || e.steps.some((s) => typeof s !== "string")) return undefined;
  return [e.of.name, ...(e.steps as string[])];
}

/**
 * The contract field a tenant expression reads, `jsondecode(data.aws_ssm_parameter.<name>.insecure_value).<field>`,
 * with the tenant data source it reads it through.
 */
function contractFieldOf(e: Expression | undefined): { dataSource: string; field: PlatformContractKey } | undefined {
  if (e?.kind !== "get" || e.steps.length !== 1 || typeof e.steps[0] !== "string") return undefined;
  const call = e.of;
  if (call.kind !== "call" || call.name !== "jsondecode" || call.args.length !== 1) return undefined;
  const [root, type, dataSource, attribute, ...rest] = namesOf(call.args[0]) ?? [];
  if (root !== "data" || type !== "aws_ssm_parameter" || attribute !== "insecure_value" || rest.length) return undefined;
  return { dataSource, field: e.steps[0] as PlatformContractKey };
}

/** A reference to one attribute of a resource or data source: `[data.]<type>.<name>.<attribute>[[0].<attribute>]`. */
function referenceOf(e: Expression | undefined): { data: boolean; type: string; name: string; attribute: string } | undefined {
  if (e?.kind !== "get" || e.of.kind !== "root") return undefined;
  const data = e.of.name === "data";
  const path = data ? e.steps : [e.of.name, ...e.steps];
  const [type, name, attribute, ...rest] = path;
  const nested = rest.length === 0 || (rest.length === 2 && rest[0] === 0 && typeof rest[1] === "string");
  if (typeof type !== "string" || !type.startsWith("aws_") || typeof name !== "string" || typeof attribute !== "string" || !nested) return undefined;
  return { data, type, name, attribute };
}

/** Whether `text` is exactly `${<type>.<name>.<attribute>}` for one of `attributes` (a resource of the same stack). */
function refersTo(text: unknown, type: string, name: string, attributes: string[]): boolean {
  const reference = typeof text === "string" ? referenceOf(soleExpression(text)) : undefined;
  return reference !== undefined && !reference.data && reference.type === type && reference.name === name && attributes.includes(reference.attribute);
}

function resourceOf(json: Json | undefined, data: boolean, type: string, name: string): Json | undefined {
  return json?.[data ? "data" : "resource"]?.[type]?.[name];
}

/** Turns one Terraform reference into an ARN or name where the synthesized JSON determines it. */
function resolveRef(ctx: Context, json: Json, expression: Expression, inTenant: boolean): string | undefined {
  const contract = contractFieldOf(expression);
  if (contract) {
    // A platform contract value: follow it to the platform resource the document names.
    const published = ctx.contract.get(contract.field);
    if (published !== undefined && ctx.platformJson) return resolveString(ctx, ctx.platformJson, published, false);
    return `{platform ${contract.field}}`;
  }
  const reference = referenceOf(expression);
  if (!reference) return undefined;
  const { data, type, name, attribute: attr } = reference;
  const r = resourceOf(json, data, type, name);
  if (!r) return undefined;
  const { region, accountId } = ctx;
  const mark = (value: string) => {
    (inTenant ? ctx.tenantOwned : ctx.platformOwned).add(value);
    return value;
  };
  switch (type) {
    case "aws_s3_bucket":
      return mark(attr === "arn" ? `arn:aws:s3:::${r.bucket}` : r.bucket);
    case "aws_kms_key": {
      const alias = Object.values<Json>(json.resource?.aws_kms_alias ?? {}).find((a) => refersTo(a.target_key_id, "aws_kms_key", name, ["key_id"]))?.name;
      const label = `(key ${alias ?? name})`;
      return mark(attr === "arn" ? `arn:aws:kms:${region}:${accountId}:key/${label}` : label);
    }
    case "aws_secretsmanager_secret":
      // Secrets Manager appends six random characters to every secret ARN.
      return mark(attr === "arn" ? `arn:aws:secretsmanager:${region}:${accountId}:secret:${r.name}-??????` : r.name);
    case "aws_cloudwatch_log_group":
      return mark(attr === "arn" ? `arn:aws:logs:${region}:${accountId}:log-group:${r.name}` : r.name);
    case "aws_iam_role":
      return mark(attr === "arn" ? `arn:aws:iam::${accountId}:role/${r.name}` : r.name);
    case "aws_iam_policy":
      return mark(attr === "arn" ? `arn:aws:iam::${accountId}:policy/${r.name}` : r.name);
    case "aws_ecr_repository":
      return mark(attr === "arn" ? `arn:aws:ecr:${region}:${accountId}:repository/${r.name}` : attr === "repository_url" ? `${accountId}.dkr.ecr.${region}.amazonaws.com/${r.name}` : r.name);
    case "aws_sns_topic":
      return mark(attr === "arn" ? `arn:aws:sns:${region}:${accountId}:${r.name}` : r.name);
    case "aws_ecs_cluster":
      return mark(attr === "arn" ? `arn:aws:ecs:${region}:${accountId}:cluster/${r.name}` : r.name);
    case "aws_db_instance":
      return attr === "resource_id" ? `(resource id of ${r.identifier})` : attr === "address" ? `(address of ${r.identifier})` : `(${attr} of ${r.identifier})`;
    case "aws_security_group":
      return mark(`sg ${r.name}`);
    case "aws_bedrock_inference_profile":
      // Bedrock gives application profiles a random id; the name stands in for it.
      return mark(attr === "arn" ? `arn:aws:bedrock:${region}:${accountId}:application-inference-profile/(${r.name})` : r.name);
    case "aws_lambda_function":
      return attr === "arn" ? `arn:aws:lambda:${region}:${accountId}:function:${r.function_name}` : r.function_name;
    default:
      return r.name ? mark(`(${type} ${r.name})`) : undefined;
  }
}

/**
 * A string with every interpolation replaced: a reference the JSON determines by its value, any
 * other expression shown as `(…)` with the references inside it resolved. A string outside the
 * template grammar is shown as it is, marked (the stack policy refuses such a stack).
 */
function resolveString(ctx: Context, json: Json, text: string, inTenant: boolean): string {
  const { parts, error } = templateParts(text);
  if (!parts) return `(not a template the pipeline admits: ${text}; ${error})`;
  const render = (e: Expression): string => {
    const resolved = resolveRef(ctx, json, e, inTenant);
    if (resolved !== undefined) return resolved;
    switch (e.kind) {
      case "call":
        return `${e.name}(${e.args.map(render).join(", ")})`;
      case "tuple":
        return `[${e.items.map(render).join(", ")}]`;
      case "object":
        return `{${e.entries.map(({ key, value }) => `"${key}" = ${render(value)}`).join(", ")}}`;
      case "equals":
        return `${render(e.left)} == ${render(e.right)}`;
      case "get":
        return `${render(e.of)}${e.steps.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("")}`;
      default:
        return e.source;
    }
  };
  return parts
    .map((part) => {
      if (part.kind === "literal") return part.text;
      return resolveRef(ctx, json, part.expression, inTenant) ?? `(${render(part.expression)})`;
    })
    .join("");
}

/** Resolves every string inside a JSON value (an IAM condition block). */
function resolveDeep<T>(value: T, resolve: (text: string) => string): T {
  if (typeof value === "string") return resolve(value) as T;
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, resolve)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, resolve)])) as T;
  return value;
}

function nameOf(type: string, config: Json): string | undefined {
  for (const key of ["bucket", "name", "family", "function_name", "budget_name", "alarm_name", "identifier"]) {
    if (typeof config[key] === "string" && !(type.startsWith("aws_s3_bucket_") && key === "bucket")) return config[key];
  }
  return undefined;
}

function encryptionOf(ctx: Context, type: string, name: string, config: Json): string {
  const json = ctx.tenantJson;
  const resolve = (v: string) => resolveString(ctx, json, v, true);
  switch (type) {
    case "aws_s3_bucket": {
      const sse = Object.values<Json>(json.resource?.aws_s3_bucket_server_side_encryption_configuration ?? {}).find(
        (c) => refersTo(c.bucket, "aws_s3_bucket", name, ["id", "bucket"]),
      );
      const rule = sse?.rule?.[0]?.apply_server_side_encryption_by_default;
      if (!rule) return "NONE configured (S3 default SSE-S3)";
      return rule.sse_algorithm === "aws:kms" ? `SSE-KMS ${resolve(String(rule.kms_master_key_id))}` : rule.sse_algorithm;
    }
    case "aws_secretsmanager_secret":
    case "aws_cloudwatch_log_group":
      return config.kms_key_id ? resolve(String(config.kms_key_id)) : "NONE (AWS managed key)";
    case "aws_sns_topic":
      return config.kms_master_key_id ? resolve(String(config.kms_master_key_id)) : "NONE";
    case "aws_kms_key":
      return `is a key (rotation ${config.enable_key_rotation === true ? "on" : "OFF"})`;
    case "aws_lambda_invocation":
      return "n/a (input and result are kept in state: the state bucket's key)";
    default:
      return "n/a (stores no data)";
  }
}

function describePrincipal(principal: unknown, resolve: (v: string) => string = (v) => v): string {
  if (principal === "*") return "*";
  const p = (principal ?? {}) as Record<string, string | string[]>;
  return Object.entries(p)
    .map(([kind, values]) => `${kind}: ${asList(values).map(resolve).join(", ")}`)
    .join("; ");
}

function describeStatement(ctx: Context, json: Json, s: Statement, inTenant: boolean): string {
  const actions = asList(s.Action ?? s.NotAction).join(", ");
  const resources = asList(s.Resource ?? s.NotResource).map((r) => resolveString(ctx, json, r, inTenant)).join(", ");
  const condition = s.Condition ? ` if ${JSON.stringify(resolveDeep(s.Condition, (v) => resolveString(ctx, json, v, inTenant)))}` : "";
  return `${s.Effect} ${describePrincipal(s.Principal, (v) => resolveString(ctx, json, v, inTenant))} ${actions} on ${resources}${condition}`.replace(/\s+/g, " ");
}

function ruleText(ctx: Context, json: Json, r: Json, inTenant: boolean): string {
  const ports = r.ip_protocol === "-1" ? "all traffic" : `${r.ip_protocol} ${r.from_port === r.to_port ? r.from_port : `${r.from_port}-${r.to_port}`}`;
  const peer = r.cidr_ipv4 ?? r.cidr_ipv6 ?? r.prefix_list_id ?? (r.referenced_security_group_id ? resolveString(ctx, json, String(r.referenced_security_group_id), inTenant) : "?");
  return `${ports} ${peer}${r.description ? ` (${r.description})` : ""}`;
}

function groupExposure(ctx: Context, json: Json, owner: "tenant" | "platform", groupRef: string): SecurityGroupExposure {
  const inTenant = owner === "tenant";
  const rules = (type: string) =>
    Object.values<Json>(json.resource?.[type] ?? {})
      .filter((r) => r.security_group_id === groupRef)
      .map((r) => ruleText(ctx, json, r, inTenant));
  const group = referenceOf(soleExpression(groupRef));
  const inline = group?.type === "aws_security_group" ? resourceOf(json, group.data, group.type, group.name) : undefined;
  const inlineRules = (key: string) => asList<Json>(inline?.[key]).map((r) => `${r.protocol} ${r.from_port}-${r.to_port} ${asList(r.cidr_blocks).join(",")}`);
  return {
    group: resolveString(ctx, json, groupRef, inTenant),
    owner,
    ingress: [...rules("aws_vpc_security_group_ingress_rule"), ...inlineRules("ingress")],
    egress: [...rules("aws_vpc_security_group_egress_rule"), ...inlineRules("egress")],
  };
}

/** Every resource of the tenant stack, with its AWS name and what encrypts it. */
function resourcesOf(ctx: Context, resolveT: (v: string) => string): AuditedResource[] {
  const { tenantJson } = ctx;
  const resources: AuditedResource[] = [];
  for (const [type, byName] of Object.entries<Record<string, Json>>(tenantJson.resource ?? {})) {
    for (const [name, cfg] of Object.entries(byName)) {
      const awsName = nameOf(type, cfg);
      resources.push({ address: `${type}.${name}`, type, name: awsName && resolveT(awsName), encryption: encryptionOf(ctx, type, name, cfg) });
    }
  }
  resources.sort((a, b) => a.address.localeCompare(b.address));
  return resources;
}

/** The data sources the tenant stack reads, as `data.<type> <name>`. */
function dataSourcesOf(tenantJson: Json): string[] {
  return Object.entries<Record<string, Json>>(tenantJson.data ?? {})
    .flatMap(([type, byName]) => Object.values(byName).map((cfg) => `data.${type} ${cfg.name ?? ""}`.trim()))
    .sort();

}

/** The permissions boundary policy's statements, or none (with a note) when the platform stack lacks it. */
function tenantBoundaryOf(ctx: Context, notes: string[]): { boundaryPolicy: Json | undefined; boundaryStatements: Statement[] } {
  const { contract, platformJson } = ctx;
  // The permissions boundary: the platform policy the tenant's roles name through the contract.
  const boundaryRef = contract.get("permissionsBoundaryArn" satisfies PlatformContractKey);
  const boundaryReference = boundaryRef === undefined ? undefined : referenceOf(soleExpression(boundaryRef));
  const boundaryName = boundaryReference?.type === "aws_iam_policy" && !boundaryReference.data ? boundaryReference.name : undefined;
  const boundaryPolicy = boundaryName ? platformJson?.resource?.aws_iam_policy?.[boundaryName] : undefined;
  const boundaryStatements: Statement[] = boundaryPolicy ? parseStatements(boundaryPolicy.policy) : [];
  if (platformJson && !boundaryPolicy) notes.push("no permissions boundary policy found in the platform stack");
  return { boundaryPolicy, boundaryStatements };
}

/**
 * Whether the request context the synthesized JSON settles satisfies a boundary statement's
 * condition for `grant` (the callback boundaryAllows asks); undefined when the JSON cannot tell.
 */
function requestSatisfies(
  ctx: Context,
  tenantId: string,
  grant: Grant,
  condition: Record<string, Record<string, unknown>>,
  roleTags: (arn: string) => Record<string, string> | undefined,
): boolean | undefined {
  const keys = Object.entries(condition).flatMap(([op, kv]) => Object.entries(kv).map(([k, v]) => ({ op, k, v })));
  if (keys.length === 1 && keys[0].op === "StringEquals" && keys[0].k === "aws:ResourceTag/TenantID") {
    // Every resource of the tenant stack carries TenantID=<tenant> (provider default_tags).
    if (ctx.tenantOwned.has(grant.resource)) return keys[0].v === tenantId;
    if (ctx.platformOwned.has(grant.resource)) return false;
  }
  // Request context the synthesized JSON settles: the values the grant itself pins a
  // key to (the inference profile, the policy being attached) and the target role's tags.
  const context: Record<string, string | undefined> = {};
  for (const { k } of keys) {
    const pinned = pinnedValue(grant.condition, k);
    if (pinned !== undefined) context[k] = pinned;
    const tag = /^aws:ResourceTag\/(.+)$/.exec(k)?.[1];
    const tags = tag ? roleTags(grant.resource) : undefined;
    if (tag && tags) context[k] = tags[tag];
  }
  return conditionSatisfied(condition, context);
}

/** What each IAM role of the tenant can reach: its own policies intersected with the boundary. */
function rolesOf(
  ctx: Context,
  tenantId: string,
  { boundaryPolicy, boundaryStatements }: { boundaryPolicy: Json | undefined; boundaryStatements: Statement[] },
  resolveT: (v: string) => string,
  resolveP: (v: string) => string,
): RoleReach[] {
  const { tenantJson, accountId } = ctx;
  const roles: RoleReach[] = [];
  for (const [name, role] of Object.entries<Json>(tenantJson.resource?.aws_iam_role ?? {})) {
    const ofRole = (p: Json) => refersTo(p.role, "aws_iam_role", name, ["id", "name"]);
    const policies = Object.values<Json>(tenantJson.resource?.aws_iam_role_policy ?? {}).filter(ofRole);
    const attached = Object.values<Json>(tenantJson.resource?.aws_iam_role_policy_attachment ?? {})
      .filter(ofRole)
      .map((p) => resolveT(String(p.policy_arn)));
    const tags: Record<string, string> = role.tags ?? {};
    const variables = Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]));
    const boundary = boundaryStatements.map((s) => ({
      ...s,
      Resource: s.Resource === undefined ? undefined : asList(s.Resource).map((r) => substituteVariables(resolveP(r), variables)),
      Condition: s.Condition ? JSON.parse(substituteVariables(JSON.stringify(s.Condition), variables)) : undefined,
    }));
    const grants: Grant[] = policies
      .flatMap((p) => grantsOf(parseStatements(p.policy)))
      .map((g) => ({ ...g, resource: resolveT(g.resource), condition: g.condition && resolveDeep(g.condition, resolveT) }));
    const roleTags = (arn: string) =>
      Object.values<Json>(tenantJson.resource?.aws_iam_role ?? {}).find((r) => arn === `arn:aws:iam::${accountId}:role/${r.name}`)?.tags as Record<string, string> | undefined;
    const grouped = new Map<string, { actions: string[]; resource: string; sids: string[]; boundary: BoundaryVerdict }>();
    let deniedByBoundary = 0;
    for (const grant of grants) {
      const verdict: BoundaryVerdict = boundaryPolicy
        ? boundaryAllows(boundary, grant, (condition) => requestSatisfies(ctx, tenantId, grant, condition, roleTags))
        : { allowed: true, by: "(boundary not checked)" };
      if (!verdict.allowed) deniedByBoundary++;
      const key = `${grant.resource}|${JSON.stringify(verdict)}`;
      const entry = grouped.get(key) ?? { actions: [], resource: grant.resource, sids: [], boundary: verdict };
      if (!entry.actions.includes(grant.action)) entry.actions.push(grant.action);
      if (grant.sid && !entry.sids.includes(grant.sid)) entry.sids.push(grant.sid);
      grouped.set(key, entry);
    }
    const trust = parseStatements(role.assume_role_policy);
    roles.push({
      address: `aws_iam_role.${name}`,
      name: role.name,
      trustedBy: trust.map((s) => `${describePrincipal(s.Principal)}${s.Condition ? ` if ${JSON.stringify(s.Condition)}` : ""}`),
      permissionsBoundary: role.permissions_boundary ? resolveT(String(role.permissions_boundary)) : "NONE",
      tags,
      grants: [...grouped.values()],
      deniedByBoundary,
      attachedPolicies: attached,
    });
  }
  roles.sort((a, b) => a.name.localeCompare(b.name));

  return roles;
}

/** The most any of the tenant's roles could ever be granted: the boundary's Allows, with its tags filled in. */
function boundaryCeilingOf(roles: RoleReach[], boundaryStatements: Statement[], resolveP: (v: string) => string): TenantAudit["boundaryCeiling"] {
  // The tenant's principal tags (every role has tenant_id; task roles add db_user).
  const tenantTags = Object.fromEntries(
    roles.flatMap((r) => Object.entries(r.tags)).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]),
  );
  return boundaryStatements
    .filter((s) => s.Effect === "Allow")
    .map((s) => ({
      sid: s.Sid ?? "(no Sid)",
      actions: asList(s.Action ?? s.NotAction),
      resources: asList(s.Resource ?? s.NotResource).map((r) => substituteVariables(resolveP(r), tenantTags)),
      condition: s.Condition ? substituteVariables(JSON.stringify(s.Condition), tenantTags) : undefined,
    }));

}

/** The tenant's security groups (and the platform groups its services join) and its services' network settings. */
function networkExposureOf(ctx: Context, resolveT: (v: string) => string): Pick<TenantAudit["exposure"], "securityGroups" | "services"> {
  const { tenantJson, platformJson, contract } = ctx;
  // Exposure.
  const securityGroups: SecurityGroupExposure[] = Object.keys(tenantJson.resource?.aws_security_group ?? {}).map((name) =>
    groupExposure(ctx, tenantJson, "tenant", `\${aws_security_group.${name}.id}`),
  );
  const services = Object.values<Json>(tenantJson.resource?.aws_ecs_service ?? {}).map((s) => {
    const network = s.network_configuration ?? {};
    return {
      name: s.name,
      assignPublicIp: network.assign_public_ip === true,
      securityGroups: asList<string>(network.security_groups).map(resolveT),
      subnets: asList<string>(network.subnets).map(resolveT).join(", "),
      execEnabled: s.enable_execute_command === true,
    };
  });
  // Platform groups the tenant's services join (db-clients): show their rules too.
  const platformGroups = new Set(
    Object.values<Json>(tenantJson.resource?.aws_ecs_service ?? {}).flatMap((s) =>
      asList<string>(s.network_configuration?.security_groups).flatMap((g) => contractFieldOf(soleExpression(g))?.field ?? []),
    ),
  );
  for (const field of platformGroups) {
    const published = contract.get(field);
    if (published && platformJson) securityGroups.push(groupExposure(ctx, platformJson, "platform", published));
  }

  return { securityGroups, services };
}

/** The tenant's buckets (public access block, policy) and key policies. */
function storageExposureOf(ctx: Context, resolveT: (v: string) => string): Pick<TenantAudit["exposure"], "buckets" | "keyPolicies"> {
  const { tenantJson } = ctx;
  const buckets = Object.entries<Json>(tenantJson.resource?.aws_s3_bucket ?? {}).map(([name, b]) => {
    const ofBucket = (p: Json) => refersTo(p.bucket, "aws_s3_bucket", name, ["id", "bucket"]);
    const pab = Object.values<Json>(tenantJson.resource?.aws_s3_bucket_public_access_block ?? {}).find(ofBucket);
    const policy = Object.values<Json>(tenantJson.resource?.aws_s3_bucket_policy ?? {}).find(ofBucket);
    return {
      bucket: b.bucket,
      publicAccessBlocked: pab ? ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].filter((k) => pab[k] === true) : [],
      policy: policy ? parseStatements(policy.policy).map((s) => describeStatement(ctx, tenantJson, s, true)) : [],
    };
  });
  const keyPolicies = Object.entries<Json>(tenantJson.resource?.aws_kms_key ?? {}).map(([name, k]) => ({
    key: resolveT(`\${aws_kms_key.${name}.key_id}`),
    statements: parseStatements(k.policy).map((s) => describeStatement(ctx, tenantJson, s, true)),
  }));
  return { buckets, keyPolicies };
}

/** What is exposed: security groups, services, buckets, key policies, public IPs, internet egress. */
function exposureOf(ctx: Context, resolveT: (v: string) => string): TenantAudit["exposure"] {
  const { tenantJson } = ctx;
  const { securityGroups, services } = networkExposureOf(ctx, resolveT);
  const { buckets, keyPolicies } = storageExposureOf(ctx, resolveT);
  const publicIps = [
    ...services.filter((s) => s.assignPublicIp).map((s) => `ECS service ${s.name} assigns public IPs`),
    ...Object.keys(tenantJson.resource?.aws_eip ?? {}).map((n) => `aws_eip.${n}`),
    ...Object.entries<Json>(tenantJson.resource?.aws_instance ?? {}).filter(([, i]) => i.associate_public_ip_address !== false).map(([n]) => `aws_instance.${n}`),
  ];
  const internetEgress = securityGroups.flatMap((g) => g.egress.filter((e) => /0\.0\.0\.0\/0|::\/0/.test(e)).map((e) => `${g.group}: ${e}`));

  return { securityGroups, services, buckets, keyPolicies, publicIps, internetEgress };
}

/** Builds the audit of one tenant from the synthesized stacks (name → parsed cdk.tf.json). */
export function auditTenant(tenantId: string, config: AuditConfig, stacks: Record<string, Json>): TenantAudit {
  const tenant = config.tenants.find((t) => t.id === tenantId);
  const stack = tenantStackName(tenantId);
  if (!tenant || !stacks[stack]) throw new UnknownTenantError(tenantId, config.tenants.map((t) => t.id));
  const platformStack = platformStackName(tenant.environment, tenant.region);
  const tenantJson = stacks[stack];
  const platformJson = stacks[platformStack];
  const accountId = config.environments[tenant.environment].accountId;
  const contract = contractDocumentFields(platformJson);
  const ctx: Context = { tenantJson, platformJson, region: tenant.region, accountId, tenantOwned: new Set(), platformOwned: new Set(), contract };
  const notes: string[] = [];
  if (!platformJson) notes.push(`platform stack ${platformStack} not synthesized: platform values stay symbolic and the boundary cannot be checked`);
  const resolveT = (v: string) => resolveString(ctx, tenantJson, v, true);
  const resolveP = (v: string) => (platformJson ? resolveString(ctx, platformJson, v, false) : v);

  const resources = resourcesOf(ctx, resolveT);
  const dataSources = dataSourcesOf(tenantJson);
  const boundary = tenantBoundaryOf(ctx, notes);
  const roles = rolesOf(ctx, tenantId, boundary, resolveT, resolveP);
  const boundaryCeiling = boundaryCeilingOf(roles, boundary.boundaryStatements, resolveP);
  const exposure = exposureOf(ctx, resolveT);

  notes.push(
    "IAM reach = the role's inline policies intersected with the permissions boundary; SCPs, session policies and resource-policy denies (listed under exposure) are not evaluated.",
    "Secret ARNs end in six random characters (shown as ??????); key ids are known only after apply (shown as the key's alias).",
  );

  return {
    tenant: tenantId,
    stack,
    platformStack,
    environment: tenant.environment,
    region: tenant.region,
    accountId,
    resources,
    dataSources,
    roles,
    boundaryCeiling,
    exposure,
    alarmRouting: alarmRoutingOf(tenantJson, platformJson),
    visibility: visibilityOf(stacks, tenantJson, platformJson, tenant.environment, tenant.region),
    notes,
  };
}

/** The human-readable report. */
export function formatAudit(a: TenantAudit): string {
  const out: string[] = [];
  const h = (title: string) => out.push("", title, "-".repeat(title.length));
  out.push(`Tenant audit: ${a.tenant} (stack ${a.stack}; ${a.environment} ${a.region}, account ${a.accountId}; platform ${a.platformStack})`);

  h(`Resources (${a.resources.length}) and their encryption`);
  const width = Math.max(...a.resources.map((r) => r.address.length));
  for (const r of a.resources) out.push(`  ${r.address.padEnd(width)}  ${r.name ? `${r.name}  ` : ""}[${r.encryption}]`);
  out.push(`  reads ${a.dataSources.length} data sources: ${a.dataSources.join("; ")}`);

  h("IAM reach (own policies ∩ permissions boundary)");
  for (const role of a.roles) {
    out.push(`  role ${role.name}  (${role.address})`);
    out.push(`    trusted by: ${role.trustedBy.join(" | ")}`);
    out.push(`    boundary:   ${role.permissionsBoundary}`);
    out.push(`    tags:       ${Object.entries(role.tags).map(([k, v]) => `${k}=${v}`).join(", ")}`);
    if (role.attachedPolicies.length) out.push(`    ATTACHED MANAGED POLICIES: ${role.attachedPolicies.join(", ")}`);
    for (const g of role.grants) {
      const verdict = g.boundary.allowed ? `boundary ${g.boundary.by}${g.boundary.condition ? ` if ${g.boundary.condition}` : ""}` : "CUT OFF by the boundary";
      out.push(`    ${g.actions.join(", ")}`);
      out.push(`      on ${g.resource}  [${verdict}]`);
    }
  }
  h(`Permissions boundary ceiling for ${a.tenant} (the most any of its roles could ever be granted)`);
  for (const s of a.boundaryCeiling) out.push(`  ${s.sid}: ${s.actions.join(", ")} on ${s.resources.join(", ")}${s.condition ? ` if ${s.condition}` : ""}`);

  h("Exposure");
  for (const g of a.exposure.securityGroups) {
    out.push(`  security group ${g.group} (${g.owner})`);
    out.push(`    ingress: ${g.ingress.length ? g.ingress.join("; ") : "none"}`);
    out.push(`    egress:  ${g.egress.length ? g.egress.join("; ") : "none"}`);
  }
  for (const s of a.exposure.services) {
    out.push(`  service ${s.name}: public IP ${s.assignPublicIp ? "YES" : "no"}, ECS Exec ${s.execEnabled ? "on (through SSM, no inbound port)" : "off"}, groups ${s.securityGroups.join(" + ")}, subnets ${s.subnets}`);
  }
  for (const b of a.exposure.buckets) {
    out.push(`  bucket ${b.bucket}: public access blocked: ${b.publicAccessBlocked.length === 4 ? "all four settings" : b.publicAccessBlocked.join(", ") || "NO"}`);
    for (const s of b.policy) out.push(`    policy: ${s}`);
  }
  for (const k of a.exposure.keyPolicies) {
    out.push(`  key policy of ${k.key}:`);
    for (const s of k.statements) out.push(`    ${s}`);
  }
  out.push(`  public IPs: ${a.exposure.publicIps.length ? a.exposure.publicIps.join("; ") : "none"}`);
  out.push(`  internet egress: ${a.exposure.internetEgress.length ? a.exposure.internetEgress.join("; ") : "none"}`);

  h("Alarm routing");
  out.push(...formatAlarmRouting(a.alarmRouting, (ref) => (ref.includes("alarmTopicArn") ? "the platform alarm topic" : ref)));

  h("Dashboards and audit trail");
  const v = a.visibility;
  out.push(`  tenant dashboard: ${v.dashboard ? `${v.dashboard.name}  ${v.dashboard.consoleUrl}` : "NONE declared"}`);
  out.push(`  fleet dashboard:  ${v.fleetDashboard ? `${v.fleetDashboard.name}  ${v.fleetDashboard.consoleUrl}` : "none (platform stack not synthesized)"}`);
  out.push(`  audit trail:      ${v.auditTrail.name} (${a.environment})${v.auditTrail.declaredIn ? `, declared in ${v.auditTrail.declaredIn}` : ": not in this synth output"}`);
  out.push(`  who touched its bucket and secrets: npm run audit:trail -- ${a.tenant} [--since YYYY-MM-DD] [--until YYYY-MM-DD]`);

  h("Notes");
  for (const n of a.notes) out.push(`  ${n}`);
  return `${out.join("\n")}\n`;
}
