/**
 * What a synthesized stack may contain before the plan job runs `terraform init` and `plan` on
 * it with AWS credentials. A pull request's synth output is untrusted input: `init` downloads
 * whatever providers and modules it names and configures the backend it names, and `plan`
 * configures the provider, reads data sources and evaluates every expression. So the policy is
 * an allow-list of what this project's own stacks contain, nothing more:
 *
 * - top level: `terraform`, `provider`, `resource`, `data` (and cdktf's `//` metadata);
 * - `terraform`: `required_providers` = hashicorp/aws only, `required_version`, and a `backend`
 *   equal to the one base's cdktf.json gives this stack name (StackSettings builds both);
 * - one `aws` provider block with only the arguments StackSettings writes, pinned to the
 *   environment's account and one of its regions (no endpoints, proxies, credential files or
 *   role chaining that would send the plan role's credentials elsewhere);
 * - resources of `aws_*` types without provisioners or connections;
 * - data sources of the types and names the stacks read (availability zones, and SSM parameters
 *   under the stack's own platform contract prefix, never decrypted);
 * - expressions that call only the functions the stacks use (none reads a file or the
 *   environment) and reference only resources and data sources.
 *
 * `stackPolicyViolations` returns every reason at once, one line each.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Testing, TerraformStack } from "cdktf";
import type { EnvironmentConfig, EnvironmentsConfig } from "../../config/environment-schema";
import { TENANT_ID_PATTERN } from "../../config/tenant-id";
import { platformContractParameterName, platformStackName, platformStateKey, tenantIdOfStackName, tenantStackName, tenantStateKey } from "../../modules/naming";
import { StackSettings } from "../../modules/stack-settings";
import { environmentStackSettings } from "../../stacks/environment-settings";
import { AWS_PROVIDER_VERSION, TERRAFORM_REQUIRED_VERSION } from "../../config/toolchain-versions";
import { parseTemplate } from "./terraform-expressions";

type Json = Record<string, any>;

const ALLOWED_TOP_LEVEL = new Set(["//", "terraform", "provider", "resource", "data"]);
const ALLOWED_TERRAFORM_KEYS = new Set(["required_providers", "required_version", "backend"]);
/** How the registry address of hashicorp/aws may be written in `required_providers`. */
const ALLOWED_PROVIDER_SOURCES = new Set(["aws", "hashicorp/aws", "registry.terraform.io/hashicorp/aws"]);
/**
 * The provider arguments StackSettings writes (modules/stack-settings.ts). Everything else the
 * AWS provider accepts is refused, notably `endpoints`, `http_proxy`/`https_proxy`, `insecure`,
 * `custom_ca_bundle`, `shared_config_files`, `shared_credentials_files`, `profile`,
 * `access_key`/`secret_key`/`token`, `assume_role`, `assume_role_with_web_identity`,
 * `sts_region`, `skip_*` and `alias`: each would send the plan role's requests (and its signed
 * credentials) somewhere else or run as another identity.
 * test/pipeline/stack-policy.test.ts pins this set to what the synthesized stacks use.
 */
export const ALLOWED_PROVIDER_ARGUMENTS: ReadonlySet<string> = new Set(["region", "allowed_account_ids", "default_tags"]);
/**
 * Meta-arguments the stacks never write: `provisioner`/`connection` run programs or open
 * connections during apply; `count`/`for_each` multiply a resource (a `count = 100000000`
 * reached `init` before) and make free-text instance keys part of the addresses the plan
 * comment shows; `provider` selects an alias, and aliases are refused with the provider block.
 * `dynamic` blocks are refused at any depth (see `dynamicBlockPaths`).
 */
const FORBIDDEN_RESOURCE_KEYS = ["provisioner", "connection", "count", "for_each", "provider"];
/** The lifecycle arguments a resource may carry (the stacks use the first three). */
const ALLOWED_LIFECYCLE_KEYS = new Set(["prevent_destroy", "create_before_destroy", "postcondition", "precondition", "ignore_changes"]);
/**
 * Resources and data sources one stack may declare. The largest synthesized stack (a platform)
 * has about 115; a tenant with the most agents and secrets the schema allows stays far below.
 * test/pipeline/stack-policy.test.ts checks the real stacks use under half of it.
 */
export const MAX_RESOURCES_PER_STACK = 500;
/**
 * Functions the stacks' expressions call (cdktf's Fn.join/element/split, matchkeys/tolist for
 * the subnets of zones an endpoint service offers, and jsonencode/jsondecode for policy
 * documents and JSON parameters). None touches the file system, the
 * environment or the network; `file*`, `templatefile`, `pathexpand`, `abspath` and `fileset`
 * are left out on purpose. test/pipeline/stack-policy.test.ts pins the set.
 */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set(["join", "element", "split", "jsonencode", "jsondecode", "matchkeys", "tolist"]);
/**
 * Traversal roots: this stack's own resources (`aws_*`) and data sources (`data`), and `self` in
 * the lifecycle conditions the stacks write. `each.*`/`count.*` go with `for_each`/`count`, which
 * the stacks do not use and the policy refuses. `path.*` (runner paths), `terraform.*`, `var.*`, `local.*` and `module.*`
 * are not: the stacks declare none of them.
 */
const ALLOWED_ROOT = /^(data|aws_[a-z0-9_]+|self)$/;

/**
 * Data sources a plan may read, by type: the platform's availability zones, the zones of its
 * interface endpoint services, and the platform contract. An SSM parameter must be named literally under `/openclaw/<env>/<region>/platform/`
 * of the stack's own environment and region (modules/naming.ts), so a stack cannot read
 * another tenant's or environment's parameters. The AWS provider decrypts SecureString
 * parameters by default (`with_decryption` defaults to true:
 * internal/service/ssm/parameter_data_source.go); only String parameters live under that
 * prefix, and an explicit `with_decryption` other than false is refused.
 */
const DATA_SOURCE_RULES: Readonly<Record<string, (config: Json, ctx: StackContext) => string[]>> = {
  aws_availability_zones: () => [],
  // Which zones offer an AWS service's interface endpoint (modules/vpc-endpoints.ts): a
  // DescribeVpcEndpointServices call about an AWS service of the stack's own region, named literally.
  aws_vpc_endpoint_service: (config, ctx) => {
    const problems: string[] = [];
    const extra = Object.keys(config).filter((k) => !["//", "service_name", "service_type"].includes(k));
    if (extra.length) problems.push(`only service_name and service_type are allowed (got ${extra.join(", ")})`);
    const prefix = `com.amazonaws.${ctx.region}.`;
    if (typeof config.service_name !== "string" || !config.service_name.startsWith(prefix) || !/^[a-z0-9.-]+$/.test(config.service_name.slice(prefix.length))) {
      problems.push(`service_name must be a literal ${prefix}<service> (got ${JSON.stringify(config.service_name)})`);
    }
    return problems;
  },
  aws_ssm_parameter: (config, ctx) => {
    const problems: string[] = [];
    const prefix = platformContractParameterName(ctx.environmentName, ctx.region, "");
    if (typeof config.name !== "string" || config.name.includes("${") || !config.name.startsWith(prefix) || !/^[A-Za-z0-9_.\/-]+$/.test(config.name.slice(prefix.length)) || config.name.includes("..")) {
      problems.push(`name must be a literal under ${prefix} (got ${JSON.stringify(config.name)})`);
    }
    if ("with_decryption" in config && config.with_decryption !== false) {
      problems.push(`with_decryption must be false or absent (got ${JSON.stringify(config.with_decryption)})`);
    }
    return problems;
  },
};

/** What the stack name and base's cdktf.json say about a stack. */
interface StackContext {
  readonly environmentName: string;
  readonly environment: EnvironmentConfig;
  readonly region: string;
  readonly stateKey: string;
}

/**
 * The provider and backend blocks StackSettings writes for these props, rendered by the same
 * construct the stacks use, so the policy and the stacks cannot drift apart.
 */
const renderedSettings = new Map<string, Json>();
/** cdktf's App wants an output directory, though nothing is written there: one for all renders. */
let scratchOutdir: string | undefined;
export function expectedSettings(environmentName: string, environment: EnvironmentConfig, region: string, stateKey: string): Json {
  const cacheKey = JSON.stringify([environmentName, environment, region, stateKey]);
  let rendered = renderedSettings.get(cacheKey);
  if (!rendered) {
    scratchOutdir ??= mkdtempSync(join(tmpdir(), "openclaw-stack-policy-"));
    const stack = new TerraformStack(new App({ outdir: scratchOutdir }), "expected");
    new StackSettings(stack, "settings", environmentStackSettings(environmentName, environment, { region, stateKey, defaultTags: {} }));
    rendered = JSON.parse(Testing.synth(stack)) as Json;
    renderedSettings.set(cacheKey, rendered);
  }
  return rendered;
}

/**
 * Finds the environment, region and state key the stack name stands for in base's
 * cdktf.json: `platform-<env>-<region>` for a declared environment and region, or
 * `tenant-<id>` in the environment and region its provider claims (a pull request may move a
 * tenant; the backend, account and contract prefix must then be that environment's).
 */
function stackContext(name: string, stack: Json, environments: EnvironmentsConfig, problems: string[]): StackContext | undefined {
  for (const [environmentName, environment] of Object.entries(environments)) {
    for (const region of Object.keys(environment.regions)) {
      if (platformStackName(environmentName, region) === name) return { environmentName, environment, region, stateKey: platformStateKey(environmentName, region) };
    }
  }
  const tenantId = tenantIdOfStackName(name);
  if (tenantId === undefined || !TENANT_ID_PATTERN.test(tenantId) || tenantStackName(tenantId) !== name) {
    problems.push(`stack name ${name} is neither platform-<env>-<region> of base's cdktf.json nor tenant-<id>`);
    return undefined;
  }
  const provider = firstProvider(stack);
  const environmentName = provider?.default_tags?.[0]?.tags?.Environment;
  const region = provider?.region;
  const environment = typeof environmentName === "string" && Object.hasOwn(environments, environmentName) ? environments[environmentName] : undefined;
  if (!environment) {
    problems.push(`provider aws: default_tags Environment must be an environment of base's cdktf.json (${Object.keys(environments).join(", ")}), got ${JSON.stringify(environmentName)}`);
    return undefined;
  }
  if (typeof region !== "string" || !Object.hasOwn(environment.regions, region)) {
    problems.push(`provider aws: region must be one of environment ${environmentName}'s regions (${Object.keys(environment.regions).join(", ")}), got ${JSON.stringify(region)}`);
    return undefined;
  }
  return { environmentName, environment, region, stateKey: tenantStateKey(tenantId) };
}

function firstProvider(stack: Json): Json | undefined {
  const aws = stack.provider?.aws;
  return Array.isArray(aws) ? aws[0] : undefined;
}

/** Every string (and object key) in a value, with its JSON path, for the expression check. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      yield [`${path} (key)`, k];
      yield* strings(v, path ? `${path}.${k}` : k);
    }
  }
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Every reason the stack `name` may not be planned, checked against base's environments;
 * empty when it may.
 */
export function stackPolicyViolations(name: string, stack: Json, environments: EnvironmentsConfig): string[] {
  const problems: string[] = [];
  if (!isObject(stack)) return ["cdk.tf.json must be a JSON object"];
  for (const key of Object.keys(stack)) {
    if (!ALLOWED_TOP_LEVEL.has(key)) problems.push(`top-level "${key}" blocks are not allowed (only terraform, provider, resource and data)`);
  }

  const terraform: Json = isObject(stack.terraform) ? stack.terraform : {};
  for (const key of Object.keys(terraform)) {
    if (!ALLOWED_TERRAFORM_KEYS.has(key)) problems.push(`terraform.${key} is not allowed (only required_providers, required_version and backend)`);
  }
  const providers = isObject(terraform.required_providers) ? terraform.required_providers : {};
  for (const [providerName, spec] of Object.entries<Json>(providers)) {
    const source = isObject(spec) ? spec.source : spec;
    if (providerName !== "aws" || !isObject(spec) || !ALLOWED_PROVIDER_SOURCES.has(String(source))) {
      problems.push(`provider "${providerName}" (source ${JSON.stringify(source)}) is not allowed: only hashicorp/aws`);
    } else if (spec.version !== AWS_PROVIDER_VERSION || Object.keys(spec).some((k) => k !== "source" && k !== "version")) {
      // init would download whatever version a range admits: the one config/toolchain-versions.ts names, exactly
      problems.push(`terraform.required_providers.aws must be {source, version: "${AWS_PROVIDER_VERSION}"} (config/toolchain-versions.ts), got ${JSON.stringify(spec)}`);
    }
  }
  if (terraform.required_version !== TERRAFORM_REQUIRED_VERSION) {
    problems.push(`terraform.required_version must be "${TERRAFORM_REQUIRED_VERSION}" (config/toolchain-versions.ts), got ${JSON.stringify(terraform.required_version)}`);
  }

  for (const providerName of Object.keys(isObject(stack.provider) ? stack.provider : {})) {
    if (providerName !== "aws") problems.push(`provider block "${providerName}" is not allowed`);
  }
  const awsBlocks = stack.provider?.aws;
  if (!Array.isArray(awsBlocks) || awsBlocks.length !== 1 || !isObject(awsBlocks[0])) {
    problems.push("provider aws: exactly one provider block is allowed");
  } else {
    for (const key of Object.keys(awsBlocks[0])) {
      if (!ALLOWED_PROVIDER_ARGUMENTS.has(key)) problems.push(`provider aws: argument ${key} is not allowed (allowed: ${[...ALLOWED_PROVIDER_ARGUMENTS].join(", ")})`);
    }
    const tagBlocks = awsBlocks[0].default_tags;
    if (tagBlocks !== undefined && (!Array.isArray(tagBlocks) || tagBlocks.some((b: unknown) => !isObject(b) || Object.keys(b).some((k) => k !== "tags")))) {
      problems.push("provider aws: default_tags may hold only tags");
    }
  }

  const ctx = stackContext(name, stack, environments, problems);
  if (ctx) {
    const expected = expectedSettings(ctx.environmentName, ctx.environment, ctx.region, ctx.stateKey);
    const backend = terraform.backend;
    if (JSON.stringify(sortKeys(backend)) !== JSON.stringify(sortKeys(expected.terraform.backend))) {
      problems.push(`terraform.backend must be ${JSON.stringify(sortKeys(expected.terraform.backend))} (base's cdktf.json for ${name}), got ${JSON.stringify(sortKeys(backend) ?? null)}`);
    }
    const provider = firstProvider(stack);
    const expectedProvider = expected.provider.aws[0];
    if (provider && JSON.stringify(provider.allowed_account_ids) !== JSON.stringify(expectedProvider.allowed_account_ids)) {
      problems.push(`provider aws: allowed_account_ids must be ${JSON.stringify(expectedProvider.allowed_account_ids)}, got ${JSON.stringify(provider.allowed_account_ids)}`);
    }
    if (provider && provider.region !== ctx.region) problems.push(`provider aws: region must be ${ctx.region}, got ${JSON.stringify(provider.region)}`);
  }

  let resourceCount = 0;
  for (const [kind, label] of [
    ["resource", "resource"],
    ["data", "data source"],
  ] as const) {
    for (const [type, byName] of Object.entries<Json>(isObject(stack[kind]) ? stack[kind] : {})) {
      const rule = kind === "data" ? DATA_SOURCE_RULES[type] : undefined;
      if (kind === "resource" ? !type.startsWith("aws_") : !rule) {
        problems.push(
          kind === "resource" ? `resource type ${type} is not allowed: only aws_* types` : `data source type ${type} is not allowed (allowed: ${Object.keys(DATA_SOURCE_RULES).join(", ")})`,
        );
        continue;
      }
      for (const [resourceName, config] of Object.entries<Json>(isObject(byName) ? byName : {})) {
        if (!isObject(config)) continue;
        resourceCount++;
        for (const key of FORBIDDEN_RESOURCE_KEYS) if (key in config) problems.push(`${type}.${resourceName} has a ${key} ${key === "count" || key === "for_each" || key === "provider" ? "argument" : "block"}`);
        for (const path of dynamicBlockPaths(config, "")) problems.push(`${type}.${resourceName}: dynamic block at ${path || "top level"} is not allowed`);
        const lifecycle = isObject(config.lifecycle) ? config.lifecycle : {};
        for (const key of Object.keys(lifecycle)) {
          if (!ALLOWED_LIFECYCLE_KEYS.has(key)) problems.push(`${type}.${resourceName}: lifecycle.${key} is not allowed (allowed: ${[...ALLOWED_LIFECYCLE_KEYS].join(", ")})`);
        }
        if (rule && ctx) for (const p of rule(config, ctx)) problems.push(`${label} ${type}.${resourceName}: ${p}`);
      }
    }
  }

  if (resourceCount > MAX_RESOURCES_PER_STACK) problems.push(`${resourceCount} resources and data sources; at most ${MAX_RESOURCES_PER_STACK} per stack`);
  for (const [path, text] of strings(stack, "")) problems.push(...templateViolations(path, text));
  return problems;
}

/**
 * Why the string at `path` may not reach Terraform: it is not in the template grammar the stacks
 * emit (pipeline/lib/terraform-expressions.ts), or it calls a function or references an object
 * outside the allow-lists. Empty when it may.
 */
export function templateViolations(path: string, text: string): string[] {
  if (!text.includes("$") && !text.includes("%")) return []; // no template syntax at all
  const problems: string[] = [];
  const parsed = parseTemplate(text);
  if (parsed.error) problems.push(`${path}: not a template this project's stacks emit: ${parsed.error}`);
  for (const fn of new Set(parsed.functions)) {
    if (!ALLOWED_FUNCTIONS.has(fn)) problems.push(`${path}: function ${fn}() is not allowed (allowed: ${[...ALLOWED_FUNCTIONS].join(", ")})`);
  }
  for (const root of new Set(parsed.roots)) {
    if (!ALLOWED_ROOT.test(root)) problems.push(`${path}: reference ${root}.* is not allowed (only this stack's aws_* resources and data sources)`);
  }
  return problems;
}

/** Where a resource's configuration holds a `dynamic` block (outside tag maps, whose keys are data). */
function* dynamicBlockPaths(value: unknown, path: string): Generator<string> {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* dynamicBlockPaths(v, `${path}[${i}]`);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "dynamic") yield path;
      else if (k !== "tags" && k !== "tags_all" && k !== "//") yield* dynamicBlockPaths(v, path ? `${path}.${k}` : k);
    }
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  return value;
}
