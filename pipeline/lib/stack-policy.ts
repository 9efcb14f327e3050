/**
 * What a synthesized stack may contain before the plan job runs `terraform init` on it with
 * AWS credentials. A pull request's synth output is untrusted input: `init` downloads whatever
 * providers and modules it names, and plan evaluates data sources, so a stack that asked for
 * another provider, a module, an `external` program or a provisioner could run code of the
 * author's choosing with the plan role. Only the AWS provider from the public registry and
 * AWS resources and data sources (plus cdktf's own metadata) pass.
 */

const ALLOWED_TOP_LEVEL = new Set(["//", "terraform", "provider", "resource", "data", "output", "locals", "variable"]);
const ALLOWED_PROVIDER_SOURCES = new Set(["aws", "hashicorp/aws", "registry.terraform.io/hashicorp/aws"]);
/** Arguments that run programs or reach hosts during plan or apply. */
const FORBIDDEN_RESOURCE_KEYS = ["provisioner", "connection"];

type Json = Record<string, any>;

/** Every reason the stack may not be planned; empty when it may. */
export function stackPolicyViolations(stack: Json): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(stack)) {
    if (!ALLOWED_TOP_LEVEL.has(key)) problems.push(`top-level "${key}" blocks are not allowed (modules, checks and imports stay out of plans)`);
  }

  const terraform: Json = stack.terraform ?? {};
  for (const key of Object.keys(terraform)) {
    if (!["required_providers", "backend", "required_version"].includes(key)) problems.push(`terraform.${key} is not allowed`);
  }
  for (const [name, spec] of Object.entries<Json>(terraform.required_providers ?? {})) {
    const source = typeof spec === "string" ? "aws" : spec?.source;
    if (name !== "aws" || !ALLOWED_PROVIDER_SOURCES.has(String(source))) {
      problems.push(`provider "${name}" (source ${JSON.stringify(source)}) is not allowed: only hashicorp/aws`);
    }
  }
  const backends = Object.keys(terraform.backend ?? {});
  if (backends.length !== 1 || backends[0] !== "s3") problems.push(`backend must be s3, got ${backends.join(", ") || "none"}`);

  for (const name of Object.keys(stack.provider ?? {})) {
    if (name !== "aws") problems.push(`provider block "${name}" is not allowed`);
  }
  for (const [kind, label] of [
    ["resource", "resource"],
    ["data", "data source"],
  ] as const) {
    for (const [type, byName] of Object.entries<Json>(stack[kind] ?? {})) {
      if (!type.startsWith("aws_")) problems.push(`${label} type ${type} is not allowed: only aws_* types`);
      for (const [name, config] of Object.entries<Json>(byName ?? {})) {
        for (const key of FORBIDDEN_RESOURCE_KEYS) {
          if (config && key in config) problems.push(`${type}.${name} has a ${key} block`);
        }
      }
    }
  }
  return problems;
}
