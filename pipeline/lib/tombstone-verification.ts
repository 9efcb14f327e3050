/**
 * Whether an `offboarded` tenant file (a tombstone) is true, checked by the deploy before it
 * reports the tenant's removed stack as "destroyed by the offboarding job".
 *
 * The tombstone is written in a pull request, and lifecycle-check can only see its shape: a
 * made-up `offboardingRecord` pointer passed, and the deploy then dropped the stack from its
 * view while the bucket, key, secrets and database rows stayed (issue 24, item 3). So the deploy,
 * which holds the deploy role, reads the record the offboarding job wrote to the state bucket
 * and requires:
 * - the pointer is in the environment's state bucket, under offboarding/<this tenant>/;
 * - the record is an offboarding record (schema) of this tenant, environment and stack, with
 *   a finished destroy, and names itself at that location;
 * - the tenant's Terraform state holds no resources (absent, or no resource with an instance).
 * Anything else, including a read error, refuses the tombstone with the tenant named.
 */
import { NoSuchKey, type S3Client } from "@aws-sdk/client-s3";
import { tenantStackName, tenantStateKey } from "../../modules/naming";
import { readObject } from "./offboarding-aws";
import { RECORD_SCHEMA } from "./offboarding-record";
import { parseRecordPointer, TombstoneSchema } from "../../config/tenant-schema";
import type { TenantLifecycleFields } from "./tenant-files";

/** Where one environment's state lives. */
export interface StateLocation {
  readonly bucket: string;
  readonly accountId: string;
}

export interface TombstoneVerification {
  /** Tenant ids whose tombstone holds. */
  readonly verified: string[];
  /** One line per refused tombstone, naming the tenant. */
  readonly problems: string[];
}

/** Checks each tombstone; `stateOf` gives the state bucket of a tenant's environment. */
export async function verifyTombstones(
  tenants: readonly TenantLifecycleFields[],
  s3: S3Client,
  stateOf: (environment: string) => StateLocation | undefined,
): Promise<TombstoneVerification> {
  const verified: string[] = [];
  const problems: string[] = [];
  for (const tenant of tenants) {
    const why = await refusal(tenant, s3, stateOf(tenant.environment));
    if (why) problems.push(`tenant ${tenant.id}: tombstone refused: ${why}`);
    else verified.push(tenant.id);
  }
  return { verified, problems };
}

async function refusal(tenant: TenantLifecycleFields, s3: S3Client, state: StateLocation | undefined): Promise<string | undefined> {
  if (tenant.status !== "offboarded") return `status is ${tenant.status}, not offboarded`;
  if (!state) return `environment ${tenant.environment} has no state bucket in cdktf.json`;
  const pointer = parseRecordPointer(tenant.offboardingRecord ?? "");
  if (!pointer) return `offboardingRecord ${JSON.stringify(tenant.offboardingRecord)} is not s3://<state bucket>/offboarding/<tenant>/<name>.json`;
  const { bucket, key, tenantId: recordTenant } = pointer;
  if (bucket !== state.bucket) return `offboardingRecord is in bucket ${bucket}, not the ${tenant.environment} state bucket ${state.bucket}`;
  if (recordTenant !== tenant.id) return `offboardingRecord is under offboarding/${recordTenant}/, not offboarding/${tenant.id}/`;

  let record: Record<string, any>;
  try {
    record = JSON.parse(Buffer.from((await readObject(s3, bucket, key, state.accountId)).body).toString("utf8"));
  } catch (err) {
    return `cannot read the offboarding record ${tenant.offboardingRecord}: ${err instanceof NoSuchKey ? "no such object" : (err as Error).message}`;
  }
  const expect: [string, unknown, unknown][] = [
    ["schema", record?.schema, RECORD_SCHEMA],
    ["tenantId", record?.tenantId, tenant.id],
    ["environment", record?.environment, tenant.environment],
    ["stack", record?.stack, tenantStackName(tenant.id)],
    ["location.json", record?.location?.json, tenant.offboardingRecord],
  ];
  for (const [field, got, want] of expect) {
    if (got !== want) return `the offboarding record's ${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  }
  // The same date-time rule as a tombstone's offboardedAt.
  const finished = TombstoneSchema.shape.offboardedAt.safeParse(record.destroy?.completedAt).success;
  if (!finished || !Array.isArray(record.destroy?.resourcesDestroyed)) {
    return "the offboarding record shows no finished destroy (destroy.completedAt, destroy.resourcesDestroyed)";
  }

  const stateKey = tenantStateKey(tenant.id);
  let stateJson: Record<string, any> | undefined;
  try {
    stateJson = JSON.parse(Buffer.from((await readObject(s3, state.bucket, stateKey, state.accountId)).body).toString("utf8"));
  } catch (err) {
    if (!(err instanceof NoSuchKey)) return `cannot read the tenant's state s3://${state.bucket}/${stateKey}: ${(err as Error).message}`;
  }
  const left = (Array.isArray(stateJson?.resources) ? stateJson!.resources : []).filter((r: any) => !Array.isArray(r?.instances) || r.instances.length > 0);
  if (left.length > 0) {
    const names = left.slice(0, 5).map((r: any) => `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`);
    return `its state s3://${state.bucket}/${stateKey} still holds ${left.length} resource(s) (${names.join(", ")}${left.length > 5 ? ", ..." : ""})`;
  }
  return undefined;
}

/** Checks the tombstones of removed stacks, as the deploy needs them. */
export type TombstoneVerifier = (tenants: readonly TenantLifecycleFields[]) => Promise<TombstoneVerification>;

/**
 * Splits the removed stacks whose tenant file is a tombstone into those whose tombstone holds
 * and those refused (which the deploy then treats like any removed stack: not destroyed, needs
 * offboarding). Without a verifier no tombstone holds.
 */
export async function checkOffboardedStacks(
  stacks: readonly string[],
  tenantOf: (stack: string) => TenantLifecycleFields | undefined,
  verify: TombstoneVerifier | undefined,
): Promise<{ offboarded: string[]; refused: string[]; problems: string[] }> {
  if (stacks.length === 0) return { offboarded: [], refused: [], problems: [] };
  const tenants = stacks.map((s) => tenantOf(s)).filter((t): t is TenantLifecycleFields => t !== undefined);
  const result = verify ? await verify(tenants) : { verified: [], problems: tenants.map((t) => `tenant ${t.id}: tombstone refused: the deploy was given no way to read the offboarding record`) };
  const held = new Set(result.verified);
  const offboarded = stacks.filter((s) => held.has(tenantOf(s)?.id ?? ""));
  return { offboarded, refused: stacks.filter((s) => !offboarded.includes(s)), problems: result.problems };
}

/** The verifier the deploy uses: S3 in each environment's state region, buckets from cdktf.json. */
export function s3TombstoneVerifier(environments: Readonly<Record<string, { stateBucket: string; stateRegion: string; accountId: string }>>, client: (region: string) => S3Client): TombstoneVerifier {
  return async (tenants) => {
    const verified: string[] = [];
    const problems: string[] = [];
    for (const tenant of tenants) {
      const env = Object.hasOwn(environments, tenant.environment) ? environments[tenant.environment] : undefined;
      const r = await verifyTombstones([tenant], client(env?.stateRegion ?? "us-east-1"), () => (env ? { bucket: env.stateBucket, accountId: env.accountId } : undefined));
      verified.push(...r.verified);
      problems.push(...r.problems);
    }
    return { verified, problems };
  };
}
