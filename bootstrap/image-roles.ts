/**
 * The two roles of the image path, apart from the deploy role so that deploying can never push:
 *
 * - the push role (image.yml on main): uploads the agent image's blobs and manifest to each
 *   region's `openclaw/agent` repository, reads the scan result, signs with the KMS key;
 * - the verify role (deploy.yml on main, the image gate job): reads image metadata, scan findings
 *   and signature manifests, and the signing key's public half. It cannot download a layer,
 *   push, or sign, so it needs no environment approval.
 *
 * ECR actions are authorized on the repository ARN (Service Authorization Reference, Amazon ECR);
 * pushing through the API (InitiateLayerUpload ... PutImage) needs no ecr:GetAuthorizationToken,
 * which only docker login uses. KMS Sign is limited to the one algorithm and message type the
 * signer uses (kms:SigningAlgorithm, kms:MessageType condition keys).
 */
import { agentRepositoryName } from "../modules/naming";
import { githubSubject, githubTrustPolicy, PolicyDocument } from "./policies";
import { GithubRoleDesired } from "./resources/github-role";
import { BootstrapSettings, IMAGE_PUSH_WORKFLOWS, IMAGE_VERIFY_WORKFLOWS, TRUSTED_BRANCH } from "./settings";

export const IMAGE_PUSH_POLICY_NAME = "openclaw-image-push";
export const IMAGE_VERIFY_POLICY_NAME = "openclaw-image-verify";

type ImageSettings = Pick<BootstrapSettings, "partition" | "accountId" | "regions">;

/** The agent repository of every region of the environment. */
export function agentRepositoryArns(settings: ImageSettings): string[] {
  return settings.regions.map((region) => `arn:${settings.partition}:ecr:${region}:${settings.accountId}:repository/${agentRepositoryName()}`);
}

const PUSH_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"];
const READ_ACTIONS = ["ecr:DescribeImages", "ecr:DescribeImageScanFindings", "ecr:BatchGetImage"];

export function imagePushPolicy(settings: ImageSettings, signingKeyArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "PushAgentImages", Effect: "Allow", Action: [...PUSH_ACTIONS, ...READ_ACTIONS], Resource: agentRepositoryArns(settings) },
      {
        Sid: "SignAgentImages",
        Effect: "Allow",
        Action: "kms:Sign",
        Resource: signingKeyArn,
        Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW" } },
      },
      { Sid: "ReadSigningPublicKey", Effect: "Allow", Action: ["kms:GetPublicKey", "kms:DescribeKey"], Resource: signingKeyArn },
      // Pushed images are evidence: the push role never removes one or changes the repository.
      {
        Sid: "DenyRemovingImages",
        Effect: "Deny",
        Action: ["ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:PutImageTagMutability", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy", "ecr:PutImageScanningConfiguration"],
        Resource: "*",
      },
    ],
  };
}

export function imageVerifyPolicy(settings: ImageSettings, signingKeyArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadAgentImageMetadata", Effect: "Allow", Action: READ_ACTIONS, Resource: agentRepositoryArns(settings) },
      { Sid: "ReadSigningPublicKey", Effect: "Allow", Action: "kms:GetPublicKey", Resource: signingKeyArn },
      // Manifests and scan results only: image contents stay out of reach, as for the deploy role.
      { Sid: "DenyImageLayers", Effect: "Deny", Action: "ecr:GetDownloadUrlForLayer", Resource: "*" },
    ],
  };
}

const onMain = (settings: Pick<BootstrapSettings, "githubRepo" | "oidcSubject">, workflows: readonly string[]) => [
  ...new Set(workflows.map((w) => githubSubject(settings.githubRepo, settings.oidcSubject, { branch: TRUSTED_BRANCH }, w))),
];

export function imagePushRoleDesired(settings: BootstrapSettings, signingKeyArn: string): GithubRoleDesired {
  return {
    name: settings.imagePushRoleName,
    description: `push and sign agent images from ${settings.githubRepo} (${settings.env})`,
    trustPolicy: githubTrustPolicy(settings, onMain(settings, IMAGE_PUSH_WORKFLOWS)),
    inlinePolicies: { [IMAGE_PUSH_POLICY_NAME]: imagePushPolicy(settings, signingKeyArn) },
    managedPolicyArns: [],
    tags: settings.tags,
  };
}

export function imageVerifyRoleDesired(settings: BootstrapSettings, signingKeyArn: string): GithubRoleDesired {
  return {
    name: settings.imageVerifyRoleName,
    description: `check agent image scans and signatures before deploys from ${settings.githubRepo} (${settings.env})`,
    trustPolicy: githubTrustPolicy(settings, onMain(settings, IMAGE_VERIFY_WORKFLOWS)),
    inlinePolicies: { [IMAGE_VERIFY_POLICY_NAME]: imageVerifyPolicy(settings, signingKeyArn) },
    managedPolicyArns: [],
    tags: settings.tags,
  };
}
