import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { isNotFound } from "../aws-errors";
import { Action, ConflictError, ResourcePlan, Step, resourcePlan } from "../plan";
import { BootstrapSettings, pendingKeyArn, tagList } from "../settings";

/**
 * The asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs agent images. Its key policy is
 * AWS's default, so IAM decides: only the image push role may Sign, the verify role reads the
 * public key; the deploy role has neither (bootstrap/image-roles.ts). Asymmetric keys cannot
 * rotate: a new key means a new alias target and re-signing the images still in use.
 */

export interface SigningKeyObserved {
  readonly arn: string;
  readonly state: string;
  readonly keySpec: string;
  readonly keyUsage: string;
}

export type SigningKeyAction = Action<"create">;

export const SIGNING_KEY_SPEC = "ECC_NIST_P256";

export function planSigningKey(alias: string, observed: SigningKeyObserved | undefined): ResourcePlan<SigningKeyAction> {
  if (!observed) return resourcePlan(false, [{ kind: "create", description: `create an ${SIGNING_KEY_SPEC} signing key, alias ${alias}` }]);
  if (observed.keySpec !== SIGNING_KEY_SPEC || observed.keyUsage !== "SIGN_VERIFY") {
    throw new ConflictError(
      "WrongKeyType",
      `${alias} (${observed.arn}) is a ${observed.keySpec} ${observed.keyUsage} key; image signatures need ${SIGNING_KEY_SPEC} SIGN_VERIFY. Point the alias elsewhere (aws kms delete-alias) and run again`,
    );
  }
  if (observed.state !== "Enabled") {
    throw new ConflictError("KeyNotUsable", `${alias} (${observed.arn}) is ${observed.state}; enable it or cancel its deletion, then run again`);
  }
  return resourcePlan(true, []);
}

export async function observeSigningKey(kms: KMSClient, alias: string): Promise<SigningKeyObserved | undefined> {
  try {
    const m = (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata;
    if (!m?.Arn) return undefined;
    return { arn: m.Arn, state: m.KeyState ?? "Unknown", keySpec: m.KeySpec ?? "Unknown", keyUsage: m.KeyUsage ?? "Unknown" };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function signingKeyStep(kms: KMSClient, settings: BootstrapSettings): Step {
  const alias = settings.imageSigningKeyAlias;
  return {
    title: `image signing key ${alias}`,
    async plan() {
      const observed = await observeSigningKey(kms, alias);
      return { plan: planSigningKey(alias, observed), outputs: { imageSigningKeyArn: observed?.arn ?? pendingKeyArn(settings) } };
    },
    async applyAction() {
      const created = await kms.send(
        new CreateKeyCommand({
          Description: `Signs OpenClaw agent images of environment ${settings.env} (created by npm run bootstrap)`,
          KeyUsage: "SIGN_VERIFY",
          KeySpec: SIGNING_KEY_SPEC,
          Tags: tagList(settings.tags).map(({ Key, Value }) => ({ TagKey: Key, TagValue: Value })),
        }),
      );
      await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId }));
      return { imageSigningKeyArn: created.KeyMetadata!.Arn! };
    },
  };
}
