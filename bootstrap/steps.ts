import { AwsClients } from "./clients";
import { StepFactory } from "./plan";
import { lockTableStep } from "./resources/lock-table";
import { oidcProviderStep } from "./resources/oidc-provider";
import { deployRoleDesired, githubRoleStep, planRoleDesired } from "./resources/pipeline-roles";
import { stateBucketStep } from "./resources/state-bucket";
import { stateKeyStep } from "./resources/state-key";
import { BootstrapSettings } from "./settings";

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
  ];
}
