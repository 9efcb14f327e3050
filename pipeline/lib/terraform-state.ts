/**
 * Reads what the offboarding job needs from a tenant stack's Terraform state
 * (`terraform show -json`) and destroy plan (`terraform show -json <plan>`): the exact
 * bucket, key, services and provisioner call that Terraform manages, not names rebuilt
 * from conventions. Only identifying attributes are kept; no other value leaves here.
 */
import { ToolFailure } from "./cli";

interface JsonResource {
  address: string;
  mode: string;
  type: string;
  values?: Record<string, unknown>;
}
interface JsonModule {
  resources?: JsonResource[];
  child_modules?: JsonModule[];
}

export interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
}

/** Managed resources of `terraform show -json` (state), all modules. Empty state gives []. */
export function stateResources(showJson: string): StateResource[] {
  const doc = JSON.parse(showJson || "{}") as { values?: { root_module?: JsonModule } };
  const out: StateResource[] = [];
  const walk = (m: JsonModule | undefined) => {
    for (const r of m?.resources ?? []) if (r.mode === "managed") out.push({ address: r.address, type: r.type, values: r.values ?? {} });
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk(doc.values?.root_module);
  return out;
}

/** The attribute that names a resource in AWS, for the record: ARN, else name, else id. */
export function identity(values: Record<string, unknown>): string | undefined {
  for (const k of ["arn", "name", "bucket", "key_id", "id"]) if (typeof values[k] === "string" && values[k]) return values[k] as string;
  return undefined;
}

export interface DestroyedResource {
  readonly address: string;
  readonly type: string;
  readonly id?: string;
}

/** Resources a destroy plan deletes (`resource_changes` with a delete action). */
export function plannedDeletes(planJson: string): DestroyedResource[] {
  const doc = JSON.parse(planJson) as { resource_changes?: { address: string; mode: string; type: string; change: { actions: string[]; before?: Record<string, unknown> | null } }[] };
  return (doc.resource_changes ?? [])
    .filter((c) => c.mode === "managed" && c.change.actions.includes("delete"))
    .map((c) => {
      const id = identity(c.change.before ?? {});
      return { address: c.address, type: c.type, ...(id ? { id } : {}) };
    });
}

export interface TenantInventory {
  readonly bucket: string;
  readonly kmsKey: { readonly keyId: string; readonly arn: string; readonly deletionWindowInDays?: number };
  readonly services: { readonly cluster: string; readonly name: string; readonly desiredCount: number }[];
  readonly provisioner?: { readonly functionName: string; readonly qualifier?: string; readonly terraformKey: string; readonly input: Record<string, unknown> };
  /** arn: the exact identifier the offboarding evidence matches DeleteSecret events on (names are reused). */
  readonly secrets: { readonly name: string; readonly arn?: string; readonly recoveryWindowInDays?: number }[];
  readonly logGroups: { readonly name: string; readonly retained: boolean }[];
}

/** What a tenant stack's state holds; fails naming what is missing when it is not a tenant stack. */
export function tenantInventory(resources: readonly StateResource[], stack: string): TenantInventory {
  const of = (type: string) => resources.filter((r) => r.type === type);
  const str = (r: StateResource, k: string) => (typeof r.values[k] === "string" ? (r.values[k] as string) : undefined);
  const num = (r: StateResource, k: string) => (typeof r.values[k] === "number" ? (r.values[k] as number) : undefined);
  const buckets = of("aws_s3_bucket");
  const keys = of("aws_kms_key");
  if (buckets.length !== 1 || keys.length !== 1) {
    throw new ToolFailure(`${stack}: state holds ${buckets.length} bucket(s) and ${keys.length} KMS key(s); a tenant stack has exactly one of each`);
  }
  const invocations = of("aws_lambda_invocation");
  if (invocations.length > 1) throw new ToolFailure(`${stack}: state holds ${invocations.length} provisioner invocations; expected one`);
  const inv = invocations[0];
  let provisioner: TenantInventory["provisioner"];
  if (inv) {
    let input: unknown;
    try {
      input = JSON.parse(str(inv, "input") ?? "");
    } catch {
      throw new ToolFailure(`${stack}: ${inv.address}.input is not JSON`);
    }
    const qualifier = str(inv, "qualifier");
    provisioner = {
      functionName: str(inv, "function_name") ?? "",
      ...(qualifier ? { qualifier } : {}),
      terraformKey: str(inv, "terraform_key") ?? "tf",
      input: input as Record<string, unknown>,
    };
  }
  const [key] = keys;
  const window = num(key, "deletion_window_in_days");
  return {
    bucket: str(buckets[0], "bucket") ?? "",
    kmsKey: { keyId: str(key, "key_id") ?? str(key, "id") ?? "", arn: str(key, "arn") ?? "", ...(window !== undefined ? { deletionWindowInDays: window } : {}) },
    services: of("aws_ecs_service").map((s) => ({ cluster: str(s, "cluster") ?? "", name: str(s, "name") ?? "", desiredCount: num(s, "desired_count") ?? 0 })),
    ...(provisioner ? { provisioner } : {}),
    secrets: of("aws_secretsmanager_secret").map((s) => {
      const w = num(s, "recovery_window_in_days");
      const arn = str(s, "arn");
      return { name: str(s, "name") ?? "", ...(arn ? { arn } : {}), ...(w !== undefined ? { recoveryWindowInDays: w } : {}) };
    }),
    logGroups: of("aws_cloudwatch_log_group").map((g) => ({ name: str(g, "name") ?? "", retained: g.values.skip_destroy === true })),
  };
}
