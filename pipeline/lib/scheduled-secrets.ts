/**
 * Re-adding an integration whose secret is still scheduled for deletion. Removing an integration
 * deletes its secret with a recovery window (7-30 days, offboarding.secretRecoveryWindowDays);
 * until the window ends CreateSecret with the same name fails ("You can't create this secret
 * because a secret with this name is already scheduled for deletion",
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html), and the
 * provider's Read treats a secret with a DeletedDate as gone (secretsmanager/secret.go), so an
 * import cannot adopt it either. The decision here: refuse the re-add before Terraform runs,
 * naming the date the name frees up and the restore-and-import alternative.
 */
import { DescribeSecretCommand, ResourceNotFoundException, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

type Json = Record<string, any>;

export interface ScheduledDeletion {
  /** Terraform address of the secret the stack would create. */
  readonly address: string;
  readonly name: string;
  readonly deletedDate: Date;
}

/** Every secret a synthesized stack declares: address → name. */
export function declaredSecrets(stackJson: Json): Array<{ address: string; name: string }> {
  return Object.entries<Json>(stackJson.resource?.aws_secretsmanager_secret ?? {})
    .filter(([, s]) => typeof s.name === "string" && !s.name.includes("${"))
    .map(([id, s]) => ({ address: `aws_secretsmanager_secret.${id}`, name: s.name as string }));
}

/**
 * The declared secrets that exist in AWS scheduled for deletion. `inState` names the addresses the
 * stack's state already holds (those are updates, not creates, and never collide).
 */
export async function scheduledDeletions(client: SecretsManagerClient, stackJson: Json, inState: ReadonlySet<string> = new Set()): Promise<ScheduledDeletion[]> {
  const found: ScheduledDeletion[] = [];
  for (const { address, name } of declaredSecrets(stackJson)) {
    if (inState.has(address)) continue;
    try {
      const secret = await client.send(new DescribeSecretCommand({ SecretId: name }));
      if (secret.DeletedDate) found.push({ address, name, deletedDate: secret.DeletedDate });
    } catch (err) {
      if (err instanceof ResourceNotFoundException || (err as { name?: string }).name === "ResourceNotFoundException") continue;
      throw err;
    }
  }
  return found;
}

/** One refusal line per collision, saying when the name frees up and how to restore instead. */
export function refusalLines(stack: string, deletions: readonly ScheduledDeletion[], recoveryWindowDays: number): string[] {
  return deletions.map((d) => {
    const free = new Date(d.deletedDate.getTime() + recoveryWindowDays * 86_400_000).toISOString().slice(0, 10);
    return (
      `${stack}: ${d.address}: secret ${d.name} was deleted on ${d.deletedDate.toISOString().slice(0, 10)} and is scheduled for deletion ` +
      `(recovery window ${recoveryWindowDays} days): CreateSecret fails until about ${free}. To re-add the integration now, restore the secret ` +
      `(aws secretsmanager restore-secret --secret-id ${d.name}) and import it (terraform import ${d.address} <its ARN>), or remove the integration from the tenant file until then.`
    );
  });
}
