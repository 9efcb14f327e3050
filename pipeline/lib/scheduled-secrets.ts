/**
 * Re-adding an integration whose secret is still scheduled for deletion. Removing an integration
 * deletes its secret with a recovery window (7-30 days, offboarding.secretRecoveryWindowDays);
 * until the window ends CreateSecret with the same name fails ("You can't create this secret
 * because a secret with this name is already scheduled for deletion",
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html), and the
 * provider's Read treats a secret with a DeletedDate as gone (secretsmanager/secret.go), so an
 * import cannot adopt it either. The decision here: refuse the re-add before Terraform runs,
 * naming the date the name frees up and the restore-and-import alternative.
 *
 * Wired in twice so nobody has to remember `npm run check:secrets`: plan-stacks checks the secrets
 * each plan creates (plannedSecretCreates) and the plan comment shows a note; deploy-stacks'
 * pre-flight (scheduledSecretsStep, pipeline/lib/preflight.ts) fails such a stack before any apply.
 */
import { DescribeSecretCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { tenantIdOfStackName } from "../../modules/naming";

type Json = Record<string, any>;

export interface ScheduledDeletion {
  /** Terraform address of the secret the stack would create. */
  readonly address: string;
  readonly name: string;
  readonly deletedDate: Date;
  /** The scheduled secret's ARN (what `terraform import` takes), when DescribeSecret gave one. */
  readonly arn?: string;
}

/** A secret an apply would create: its Terraform address and its name in AWS. */
export interface SecretRef {
  readonly address: string;
  readonly name: string;
}

/** Every secret a synthesized stack declares: address → name. */
export function declaredSecrets(stackJson: Json): SecretRef[] {
  return Object.entries<Json>(stackJson.resource?.aws_secretsmanager_secret ?? {})
    .filter(([, s]) => typeof s.name === "string" && !s.name.includes("${"))
    .map(([id, s]) => ({ address: `aws_secretsmanager_secret.${id}`, name: s.name as string }));
}

/**
 * The secrets a plan (`terraform show -json`) creates: resource_changes of aws_secretsmanager_secret
 * whose actions include `create` (a replacement too: its new name may be the scheduled one), with
 * the name known at plan time. A secret the state holds and the plan leaves alone is not listed.
 */
export function plannedSecretCreates(planJson: Json): SecretRef[] {
  const changes: unknown[] = Array.isArray(planJson?.resource_changes) ? planJson.resource_changes : [];
  const out: SecretRef[] = [];
  for (const rc of changes as Json[]) {
    if (rc?.type !== "aws_secretsmanager_secret" || rc.mode !== "managed") continue;
    if (!Array.isArray(rc.change?.actions) || !rc.change.actions.includes("create")) continue;
    const name = rc.change.after?.name;
    if (typeof name === "string" && name) out.push({ address: String(rc.address), name });
  }
  return out;
}

const isNotFound = (err: unknown) => err instanceof ResourceNotFoundException || (err as { name?: string }).name === "ResourceNotFoundException";

/** Of `secrets`, those whose name is scheduled for deletion (DescribeSecret has a DeletedDate). Other errors are thrown. */
export async function findScheduled(client: SecretsManagerClient, secrets: readonly SecretRef[]): Promise<ScheduledDeletion[]> {
  const found: ScheduledDeletion[] = [];
  for (const { address, name } of secrets) {
    try {
      const secret = await client.send(new DescribeSecretCommand({ SecretId: name }));
      if (secret.DeletedDate) found.push({ address, name, deletedDate: secret.DeletedDate, ...(secret.ARN ? { arn: secret.ARN } : {}) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return found;
}

/** What a check of one stack found: the scheduled secrets, or why it could not look (throttling, AccessDenied). */
export interface SecretCheck {
  /** Secrets looked up. */
  readonly checked: number;
  readonly scheduled: readonly ScheduledDeletion[];
  /** Set when a lookup failed: the secrets were not (all) checked. */
  readonly error?: string;
}

/** findScheduled that never throws: a failed lookup becomes `error` (one line for the caller to show). */
export async function checkSecrets(client: SecretsManagerClient, secrets: readonly SecretRef[]): Promise<SecretCheck> {
  try {
    return { checked: secrets.length, scheduled: await findScheduled(client, secrets) };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    return { checked: secrets.length, scheduled: [], error: `${e.name ?? "Error"}: ${e.message ?? String(err)}`.split("\n")[0] };
  }
}

/**
 * The declared secrets that exist in AWS scheduled for deletion. `inState` names addresses to
 * leave out (check-secrets --in-state).
 */
export async function scheduledDeletions(client: SecretsManagerClient, stackJson: Json, inState: ReadonlySet<string> = new Set()): Promise<ScheduledDeletion[]> {
  return findScheduled(client, declaredSecrets(stackJson).filter((s) => !inState.has(s.address)));
}

/** The first day CreateSecret of the name succeeds again, about (YYYY-MM-DD). */
export function availableFrom(deletedDate: Date, recoveryWindowDays: number): string {
  return new Date(deletedDate.getTime() + recoveryWindowDays * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The one message for a scheduled secret, shared by check-secrets, the plan comment and the deploy
 * pre-flight: who, which secret, since when, until when, and the fix.
 */
export function scheduledSecretMessage(
  stack: string,
  d: Pick<ScheduledDeletion, "address" | "name" | "deletedDate" | "arn">,
  recoveryWindowDays: number,
  code: (text: string) => string = (t) => t,
): string {
  const tenant = tenantIdOfStackName(stack);
  const free = availableFrom(d.deletedDate, recoveryWindowDays);
  return (
    `${tenant !== undefined ? `tenant ${code(tenant)} (${code(stack)})` : code(stack)}: ${code(d.address)}: secret ${code(d.name)} was deleted on ${d.deletedDate.toISOString().slice(0, 10)} and is scheduled for deletion ` +
    `(recovery window ${recoveryWindowDays} days): creating it fails until about ${free}. Fix: restore it (${code(`aws secretsmanager restore-secret --secret-id ${d.name}`)}), ` +
    `import it unless the stack's state still holds it (${code(`terraform import ${d.address} ${d.arn ?? "<its ARN>"}`)}) and re-run; or wait until ${free} and re-run.`
  );
}

/** One Secrets Manager client per region, made when first needed. */
export function secretsManagerPerRegion(): (region: string) => SecretsManagerClient {
  const clients = new Map<string, SecretsManagerClient>();
  return (region) => {
    if (!clients.has(region)) clients.set(region, new SecretsManagerClient({ region }));
    return clients.get(region) as SecretsManagerClient;
  };
}

/** One refusal line per collision, saying when the name frees up and how to restore instead. */
export function refusalLines(stack: string, deletions: readonly ScheduledDeletion[], recoveryWindowDays: number): string[] {
  return deletions.map((d) => scheduledSecretMessage(stack, d, recoveryWindowDays));
}
