import { AwsClients } from "./clients";
import { StepFactory } from "./plan";
import { lockTableStep } from "./resources/lock-table";
import { oidcProviderStep } from "./resources/oidc-provider";
import { deployRoleDesired, githubRoleStep, planRoleDesired } from "./resources/pipeline-roles";
import { imagePushRoleDesired, imageVerifyRoleDesired } from "./image-roles";
import { offboardingEvidenceRoleDesired } from "./offboarding-evidence-role";
import { signingKeyStep } from "./resources/signing-key";
import { stateBucketStep } from "./resources/state-bucket";
import { stateKeyStep } from "./resources/state-key";
import { BootstrapSettings, pendingKeyArn } from "./settings";

/**
 * The bootstrap, in order: the key before the bucket that encrypts with it, the provider
 * before the roles that trust it, the bucket before the roles that are granted its keys.
 */
export function bootstrapSteps(clients: AwsClients, settings: BootstrapSettings): StepFactory[] {
  const keyArns = (o: { stateKeyArns?: readonly string[] }) => o.stateKeyArns ?? [];
  return [
    ...(settings.sse === "kms" ? [(): ReturnType<StepFactory> => stateKeyStep(clients.kms, settings)] : []),
    (o) => stateBucketStep(clients.s3, clients.kms, settings, o.dedicatedKeyArn),
    () => lockTableStep(clients.dynamodb, settings),
    () => oidcProviderStep(clients.iam, settings),
    (o) => githubRoleStep(clients.iam, settings, planRoleDesired(settings, keyArns(o)), "planRoleArn"),
    (o) => githubRoleStep(clients.iam, settings, deployRoleDesired(settings, keyArns(o)), "deployRoleArn"),
    // The image path (issue 28): the key first, then the two roles that use it.
    () => signingKeyStep(clients.kms, settings),
    (o) => githubRoleStep(clients.iam, settings, imagePushRoleDesired(settings, o.imageSigningKeyArn ?? pendingKeyArn(settings)), "imagePushRoleArn"),
    (o) => githubRoleStep(clients.iam, settings, imageVerifyRoleDesired(settings, o.imageSigningKeyArn ?? pendingKeyArn(settings)), "imageVerifyRoleArn"),
    // The daily offboarding evidence run (issue 29): the state key for the records it rewrites.
    (o) => githubRoleStep(clients.iam, settings, offboardingEvidenceRoleDesired(settings, keyArns(o)), "offboardingEvidenceRoleArn"),
  ];
}
