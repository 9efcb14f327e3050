/**
 * The vocabulary shared by every bootstrap resource: a resource is *observed* (read-only AWS
 * calls), compared with its desired state by a pure `plan*` function, and the resulting
 * actions are *applied*. Keeping the comparison pure is what makes the diff logic testable
 * without AWS and what lets `--dry-run` print exactly what a real run would do.
 */

/** One change to make. `kind` selects the AWS call(s); `description` is what the user reads. */
export interface Action<K extends string = string> {
  readonly kind: K;
  /** e.g. `versioning: Suspended → Enabled`. Printed as is by dry runs and progress lines. */
  readonly description: string;
}

/** What to do with one resource. An empty `actions` list means "already in place". */
export interface ResourcePlan<A extends Action = Action> {
  /** False when the resource does not exist yet; its first action then creates it. */
  readonly exists: boolean;
  readonly actions: readonly A[];
  /**
   * Things the user should know that bootstrap deliberately leaves alone, e.g. an existing
   * stronger setting it keeps or a policy it did not write.
   */
  readonly notes: readonly string[];
}

/** Values later steps need (key and role ARNs), filled in as steps are planned and applied. */
export interface Outputs {
  /** KMS keys whose use the state roles need: the dedicated key and any key the bucket already uses. */
  stateKeyArns?: readonly string[];
  /** The dedicated key, when --sse kms; what the backend's `kms_key_id` should be. */
  dedicatedKeyArn?: string;
  oidcProviderArn?: string;
  planRoleArn?: string;
  deployRoleArn?: string;
  /** The image signing key (bootstrap/resources/signing-key.ts). */
  imageSigningKeyArn?: string;
  imagePushRoleArn?: string;
  imageVerifyRoleArn?: string;
  offboardingEvidenceRoleArn?: string;
}

/** The result of planning one step: its plan plus the outputs it will have once applied. */
export interface PlannedStep {
  readonly plan: ResourcePlan;
  /**
   * Outputs known at plan time: real values for resources that exist, predicted ones
   * (deterministic ARNs, or a placeholder for a key not created yet) for the rest.
   */
  readonly outputs: Outputs;
}

/** One numbered line of the bootstrap. */
export interface Step {
  /** Resource kind and name, e.g. `lock table openclaw-tf-locks`. */
  readonly title: string;
  /** Reads AWS and returns what would change. Never writes. May throw a ConflictError. */
  plan(): Promise<PlannedStep>;
  /**
   * Carries out one action of the plan `plan()` returned; the runner calls it for each action
   * in order, so a failure report can say exactly which ones were done. Returns outputs only
   * a creation reveals (a new key's ARN).
   */
  applyAction(action: Action): Promise<Outputs | void>;
}

/**
 * Builds a step once the outputs of earlier steps are known (the bucket's encryption needs
 * the key ARN, the roles need the provider ARN and the keys).
 */
export type StepFactory = (outputs: Readonly<Outputs>) => Step;

/** Shorthand for the plans the `plan*` functions return. */
export function resourcePlan<A extends Action>(exists: boolean, actions: readonly A[], notes: readonly string[] = []): ResourcePlan<A> {
  return { exists, actions, notes };
}

/**
 * The state of a resource that bootstrap cannot bring to the desired state without deleting
 * or loosening something (a lock table with the wrong key, a bucket in another region). The
 * run stops before changing anything; `code` is shown like an AWS error code.
 */
export class ConflictError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}
