import { IamRequest, Statement } from "../../audit/iam";
import { BootstrapSettings, resolveSettings } from "../../bootstrap/settings";
import { statementsOf } from "../../bootstrap/policies";
import { GithubRoleDesired } from "../../bootstrap/resources/github-role";
import { deployRoleDesired, planRoleDesired } from "../../bootstrap/resources/pipeline-roles";
import { auditDatabaseName, MANAGED_BY, platformResourceName, TENANT_BOUNDARY_SUFFIX } from "../../modules/naming";
import { SynthOutput, SynthesizedResource } from "../support/synth";
import { settingsFor } from "./helpers";

/**
 * Shared by the pipeline-role tests: the roles' policies for an environment of the real
 * cdktf.json, and the IAM requests Terraform makes for a synthesized resource.
 */

export const STATE_KEY = "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555";

/**
 * Bootstrap settings for one environment of the synthesized config, as the CLI resolves them:
 * the command-line options of helpers.ts's fixture, pointed at this environment.
 */
export function settingsForEnvironment(output: SynthOutput, env: string): BootstrapSettings {
  const environment = output.config.environments[env];
  return resolveSettings({ ...settingsFor(), env, region: environment.stateRegion, sse: undefined }, environment);
}

export interface RoleStatements {
  readonly deploy: Statement[];
  readonly plan: Statement[];
}

/**
 * Every statement a role holds, as bootstrap writes it: its inline policies and all of its
 * customer managed parts, however many the environment's regions need. IAM evaluates their
 * union, so the tests do too.
 */
export function roleStatements(settings: BootstrapSettings, keys: readonly string[] = [STATE_KEY]): RoleStatements {
  const documents = (role: GithubRoleDesired) => [...Object.values(role.inlinePolicies), ...(role.ownedPolicies ?? []).map((p) => p.document)];
  return {
    deploy: statementsOf(documents(deployRoleDesired(settings, keys))) as Statement[],
    plan: statementsOf(documents(planRoleDesired(settings, keys))) as Statement[],
  };
}

/** The production environment of cdktf.json grown to five regions: the deploy role's identity group overflows. */
export const FIVE_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "eu-central-1"];
/** Eight regions: services and identity overflow, and denies move from inline to a guardrails part. */
export const EIGHT_REGIONS = [...FIVE_REGIONS, "ap-northeast-1", "ca-central-1", "sa-east-1"];

/** Environment, region and account of a synthesized stack (from its provider block). */
export function stackTarget(output: SynthOutput, stack: string): { env: string; region: string; accountId: string; tags: Record<string, string> } {
  const provider = output.stacks[stack].provider.aws[0];
  const tags = provider.default_tags[0].tags as Record<string, string>;
  return { env: tags.Environment, region: provider.region, accountId: provider.allowed_account_ids[0], tags };
}

/**
 * `${aws_iam_role.x.arn}` → the referenced resource's config in the same stack. Also finds the
 * reference inside a function call (`${jsondecode(data.aws_ssm_parameter.contract.insecure_value).x}`),
 * since the platform contract may be read as one JSON parameter.
 */
export function referenced(output: SynthOutput, stack: string, expression: string): { type: string; config: Record<string, any> } | undefined {
  const match = /^\$\{.*?\b(data\.)?(aws_[a-z0-9_]+)\.([^.}()\s]+)\.[^}]+\}$/.exec(expression);
  if (!match) return undefined;
  const [, data, type, name] = match;
  const config = output.stacks[stack][data ? "data" : "resource"]?.[type]?.[name];
  return config ? { type: `${data ?? ""}${type}`, config } : undefined;
}

/**
 * The ARN a role's permissions_boundary resolves to at apply time: a platform role names the
 * boundary policy of its stack; a tenant role reads the platform contract parameter that
 * publishes the tenant boundary of its environment and region.
 */
export function boundaryOf(output: SynthOutput, stack: string, role: Record<string, any>): string | undefined {
  const { env, region, accountId } = stackTarget(output, stack);
  const expression = role.permissions_boundary as string | undefined;
  if (!expression) return undefined;
  const target = referenced(output, stack, expression);
  if (target?.type === "aws_iam_policy") return `arn:aws:iam::${accountId}:policy/${target.config.name}`;
  // The platform publishes the boundary in its contract under /openclaw/<env>/<region>/platform/.
  if (target?.type === "data.aws_ssm_parameter" && String(target.config.name).startsWith(`/openclaw/${env}/${region}/platform/`)) {
    return `arn:aws:iam::${accountId}:policy/${platformResourceName(env, region, TENANT_BOUNDARY_SUFFIX)}`;
  }
  return undefined;
}

/** The role a reference (`${aws_iam_role.x.arn}`, `.name`, `.id`) points at, with its name. */
export function roleOf(output: SynthOutput, stack: string, expression: string): { name: string; config: Record<string, any> } | undefined {
  const target = referenced(output, stack, expression);
  return target?.type === "aws_iam_role" ? { name: target.config.name, config: target.config } : undefined;
}

/** ARNs and request context Terraform presents for an action on one synthesized resource. */
export function requestsFor(output: SynthOutput, resource: SynthesizedResource, action: string): IamRequest[] {
  const { env, region, accountId, tags } = stackTarget(output, resource.stack);
  const config = resource.config;
  const [service] = action.split(":");
  const tagContext = {
    [`aws:RequestTag/ManagedBy`]: tags.ManagedBy,
    [`aws:ResourceTag/ManagedBy`]: tags.ManagedBy,
    "aws:TagKeys": Object.keys(tags),
  };
  const someKey = `arn:aws:kms:${region}:${accountId}:key/0a1b2c3d-0000-4000-8000-000000000000`;
  const iamRole = (name: string, role: Record<string, any>): IamRequest[] => {
    const boundary = boundaryOf(output, resource.stack, role);
    const context: Record<string, string> = boundary ? { "iam:PermissionsBoundary": boundary } : {};
    if (resource.type === "aws_iam_role_policy_attachment") context["iam:PolicyARN"] = config.policy_arn;
    return [{ action, resource: `arn:aws:iam::${accountId}:role/${name}`, context }];
  };

  if (service === "kms") {
    // Keys: each project key carries the provider's ManagedBy tag. RDS and Secrets Manager use
    // them on the caller's behalf (kms:ViaService).
    const context = { ...tagContext, "kms:ViaService": `secretsmanager.${region}.amazonaws.com` };
    if (resource.type === "aws_kms_alias" && /Alias$/.test(action)) {
      return [
        { action, resource: `arn:aws:kms:${region}:${accountId}:${config.name}`, context },
        { action, resource: someKey, context },
      ];
    }
    return [{ action, resource: action === "kms:CreateKey" || action === "kms:ListAliases" ? "*" : someKey, context }];
  }
  if (service === "iam") {
    if (resource.type === "aws_iam_role") return iamRole(config.name, config);
    if (resource.type === "aws_iam_role_policy" || resource.type === "aws_iam_role_policy_attachment") {
      const role = roleOf(output, resource.stack, config.role);
      if (!role) throw new Error(`${resource.address}: role ${config.role} is not a role of the stack`);
      return iamRole(role.name, role.config);
    }
    if (resource.type === "aws_iam_policy") return [{ action, resource: `arn:aws:iam::${accountId}:policy/${config.name}` }];
  }
  if (service === "lambda") {
    const fn = resource.type === "aws_lambda_invocation" ? platformResourceName(env, region, "db-provisioner") : config.function_name;
    const arn = `arn:aws:lambda:${region}:${accountId}:function:${fn}`;
    return [{ action, resource: resource.type === "aws_lambda_invocation" ? `${arn}:$LATEST` : arn }];
  }
  if (action === "s3:DeleteObjectVersion") {
    // Only tenant buckets are ever emptied (the offboarding job, before destroy); platform
    // buckets (the offboarding archive) keep every version: DenyDeletingArchivedData.
    return resource.stack.startsWith("tenant-") ? [{ action, resource: `arn:aws:s3:::${config.bucket}/any/key` }] : [];
  }
  if (service === "cloudtrail") {
    // The deploy role never deletes the trail (DenyStoppingTheAuditTrail; test/bootstrap/audit-trail-role.test.ts).
    if (action === "cloudtrail:DeleteTrail") return [];
    return [{ action, resource: action === "cloudtrail:DescribeTrails" ? "*" : `arn:aws:cloudtrail:${region}:${accountId}:trail/${config.name}`, context: tagContext }];
  }
  if (service === "glue") {
    const database = resource.type === "aws_glue_catalog_database" ? config.name : String(config.database_name).replace(/^\$\{.*\}$/, auditDatabaseName(env));
    const arns = [`catalog`, `database/${database}`, ...(resource.type === "aws_glue_catalog_table" ? [`table/${database}/${config.name}`] : [])];
    return arns.map((r) => ({ action, resource: `arn:aws:glue:${region}:${accountId}:${r}`, context: tagContext }));
  }
  if (service === "athena") return [{ action, resource: `arn:aws:athena:${region}:${accountId}:workgroup/${config.name}`, context: tagContext }];
  if (resource.type === "aws_cloudwatch_dashboard") {
    // Dashboards are global: no region in their ARN (Service Authorization Reference, CloudWatch "dashboard").
    return [{ action, resource: `arn:aws:cloudwatch::${accountId}:dashboard/${config.dashboard_name}` }];
  }
  if (service === "ssm" && action.startsWith("ssm:GetParameter")) {
    return [{ action, resource: `arn:aws:ssm:${region}:${accountId}:parameter${config.name}` }];
  }
  return [{ action, resource: `arn:aws:${service}:${region}:${accountId}:${resource.type}/${resource.address.split(".").pop()}`, context: tagContext }];
}

export { MANAGED_BY };
