import type { EnvironmentConfig } from "../config/environment-schema";
import type { StackSettingsProps } from "../modules/stack-settings";
import { MANAGED_BY, stateKeyAlias } from "../modules/naming";

/**
 * StackSettings props for a stack of one environment: the environment's account, state bucket,
 * lock table and state key as bootstrap created them. Platform and tenant stacks differ only in
 * region, state key and tags.
 */
export function environmentStackSettings(
  environmentName: string,
  environment: EnvironmentConfig,
  stack: { region: string; stateKey: string; defaultTags: Record<string, string> },
): StackSettingsProps {
  return {
    accountId: environment.accountId,
    region: stack.region,
    stateBucket: environment.stateBucket,
    stateRegion: environment.stateRegion,
    stateKey: stack.stateKey,
    // The S3 backend accepts an alias name but rejects an alias ARN (only key ARNs pass its check).
    stateKmsKeyArn: environment.stateEncryption === "kms" ? stateKeyAlias(environmentName) : undefined,
    lockTable: environment.lockTable,
    defaultTags: { ManagedBy: MANAGED_BY, Environment: environmentName, ...stack.defaultTags },
  };
}
