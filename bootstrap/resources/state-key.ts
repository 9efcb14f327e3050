import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  KeyState,
} from "@aws-sdk/client-kms";
import { Action, ConflictError, ResourcePlan, Step, resourcePlan } from "../plan";
import { BootstrapSettings, pendingKeyArn, tagList } from "../settings";
import { isNotFound } from "../aws-errors";

/**
 * The dedicated customer managed key that encrypts state (--sse kms). Its key policy is
 * AWS's default (the account decides through IAM), so the role policies alone say who may
 * use it. Rotation is on: state is long-lived and rotation costs nothing to readers.
 */

export interface StateKeyObserved {
  readonly arn: string;
  readonly state: KeyState | string;
  readonly rotationEnabled: boolean;
}

export type StateKeyAction = Action<"create" | "enableRotation">;

export function planStateKey(alias: string, observed: StateKeyObserved | undefined): ResourcePlan<StateKeyAction> {
  if (!observed) {
    return resourcePlan(false, [{ kind: "create", description: `create a symmetric KMS key with rotation, alias ${alias}` }]);
  }
  if (observed.state !== "Enabled") {
    // Re-enabling a disabled key or cancelling a scheduled deletion reverses someone's
    // decision; a human should make that call.
    throw new ConflictError(
      "KeyNotUsable",
      `${alias} (${observed.arn}) is ${observed.state}; enable it or cancel its deletion (aws kms cancel-key-deletion), then run again`,
    );
  }
  const actions: StateKeyAction[] = [];
  if (!observed.rotationEnabled) actions.push({ kind: "enableRotation", description: "key rotation: off → on" });
  return resourcePlan(true, actions);
}

export async function observeStateKey(kms: KMSClient, alias: string): Promise<StateKeyObserved | undefined> {
  let metadata;
  try {
    metadata = (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (!metadata?.Arn || !metadata.KeyId) return undefined;
  // Rotation status is unreadable on a key pending deletion; the plan rejects such keys anyway.
  const rotationEnabled =
    metadata.KeyState === "Enabled" ? Boolean((await kms.send(new GetKeyRotationStatusCommand({ KeyId: metadata.KeyId }))).KeyRotationEnabled) : false;
  return { arn: metadata.Arn, state: metadata.KeyState ?? "Unknown", rotationEnabled };
}

export function stateKeyStep(kms: KMSClient, settings: BootstrapSettings): Step {
  const alias = settings.stateKeyAlias;
  let observedArn: string | undefined;
  return {
    title: `state key ${alias}`,
    async plan() {
      const observed = await observeStateKey(kms, alias);
      observedArn = observed?.arn;
      const arn = observed?.arn ?? pendingKeyArn(settings);
      return { plan: planStateKey(alias, observed), outputs: { dedicatedKeyArn: arn, stateKeyArns: [arn] } };
    },
    async applyAction(action) {
      if ((action as StateKeyAction).kind === "enableRotation") {
        await kms.send(new EnableKeyRotationCommand({ KeyId: observedArn }));
        return;
      }
      const created = await kms.send(
        new CreateKeyCommand({
          Description: `Terraform state of OpenClaw environment ${settings.env} (created by npm run bootstrap)`,
          KeyUsage: "ENCRYPT_DECRYPT",
          KeySpec: "SYMMETRIC_DEFAULT",
          Tags: tagList(settings.tags).map(({ Key, Value }) => ({ TagKey: Key, TagValue: Value })),
        }),
      );
      const arn = created.KeyMetadata!.Arn!;
      await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId }));
      await kms.send(new EnableKeyRotationCommand({ KeyId: arn }));
      return { dedicatedKeyArn: arn, stateKeyArns: [arn] };
    },
  };
}
