import type { EnvironmentConfig } from "../config/environment-schema";
import { imageSigningKeyAlias, NAME_PREFIX, stateKeyAlias } from "../modules/naming";

/**
 * Everything a bootstrap run is about, resolved from the command line and cdktf.json
 * context, and every AWS name it creates. Resource modules receive what they need from here,
 * so no name is built twice.
 */

/** Where GitHub Actions' OIDC tokens come from; one provider per account serves every repository. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials asks GitHub to put in the token. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** How the state bucket encrypts objects by default. */
export type SseMode = "kms" | "aes256";

/** Which GitHub workflow runs may assume the deploy role. */
export type DeployTrust = "environment" | "main";

/**
 * The form of the OIDC `sub` claim the roles trust. `workflow`: the repository's subject
 * template includes `job_workflow_ref` (bootstrap sets or prints the GitHub API call), so each
 * role names the workflow files allowed to assume it. `github-default`: GitHub's default
 * `repo:<repo>:<context>` subject, which any workflow file on main presents.
 */
export type OidcSubjectForm = "workflow" | "github-default";

/** Claim keys of the repository's OIDC subject template for the `workflow` form, in order. */
export const OIDC_SUBJECT_CLAIM_KEYS = ["repo", "context", "job_workflow_ref"] as const;

/**
 * Workflow files whose jobs may assume each role (with the `workflow` subject form). The plan
 * role: plan.yml (workflow_run after a pull request's unprivileged synth) and drift.yml
 * (schedule); the deploy role: deploy.yml and deploy-ring.yml (its rings). A new credentialed workflow is added here, then
 * bootstrap is run again.
 */
export const PLAN_WORKFLOWS = ["plan.yml", "drift.yml"] as const;
// deploy-ring.yml: the fleet deploy's ring jobs, a reusable workflow called only by deploy.yml
// (GitHub names the called file in job_workflow_ref); deploy-unlock.yml: the audited state unlock.
export const DEPLOY_WORKFLOWS = ["deploy.yml", "deploy-ring.yml", "deploy-unlock.yml"] as const;
/**
 * The image roles (bootstrap/image-roles.ts): the push role for the image workflow on main, the
 * verify role for deploy.yml's image gate job on main (read-only, so no environment approval;
 * it runs in deploy.yml itself, before the first approval, never in deploy-ring.yml).
 */
export const IMAGE_PUSH_WORKFLOWS = ["image.yml"] as const;
export const IMAGE_VERIFY_WORKFLOWS = ["deploy.yml"] as const;

/** The branch whose workflow definitions may hold credentials. */
export const TRUSTED_BRANCH = "main";

/** The command line, validated. */
export interface BootstrapOptions {
  /** Environment name, a key of cdktf.json `context.environments`. */
  readonly env: string;
  /** Region of the state bucket and lock table; must be the environment's stateRegion. */
  readonly region: string;
  /** `owner/name` of the repository whose workflows get the roles. */
  readonly githubRepo: string;
  readonly dryRun: boolean;
  /**
   * A dry run from cdktf.json alone: no credentials, no AWS or GitHub call; every resource is
   * planned as absent (bootstrap/clients.ts offlineClients). @default false
   */
  readonly offline?: boolean;
  /**
   * `kms`: a dedicated customer managed key; `aes256`: S3 managed keys.
   * Undefined: the environment's `stateEncryption` from cdktf.json.
   */
  readonly sse: SseMode | undefined;
  /** Days a noncurrent state version is kept before it expires. */
  readonly noncurrentVersionDays: number;
  /** `environment`: only jobs in the GitHub environment below; `main`: any job on main. */
  readonly deployTrust: DeployTrust;
  /** GitHub environment whose jobs may deploy, when deployTrust is `environment`. */
  readonly githubEnvironment: string;
  /** The OIDC subject form the role trust policies expect. */
  readonly oidcSubject: OidcSubjectForm;
  /** Path of cdktf.json. */
  readonly cdktfJsonPath: string;
}

/** A bootstrap run's target and the names of everything it manages. */
export interface BootstrapSettings extends Omit<BootstrapOptions, "sse"> {
  /** How the state bucket encrypts, agreed with the stacks' backend settings. */
  readonly sse: SseMode;
  readonly accountId: string;
  readonly partition: string;
  readonly stateBucket: string;
  readonly lockTable: string;
  /** Alias of the dedicated state key (used when sse is `kms`). */
  readonly stateKeyAlias: string;
  readonly planRoleName: string;
  readonly deployRoleName: string;
  /** Pushes and signs agent images (image.yml); the deploy role cannot. */
  readonly imagePushRoleName: string;
  /** Reads image scans and signatures for the pre-deploy gate (deploy.yml). */
  readonly imageVerifyRoleName: string;
  /** Alias of the asymmetric key that signs agent images. */
  readonly imageSigningKeyAlias: string;
  /** The environment's regions (cdktf.json): one platform stack, boundary and provisioner each. */
  readonly regions: readonly string[];
  /** Tags put on what bootstrap creates (never rewritten on existing resources). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Tags in the `[{ Key, Value }]` shape S3, DynamoDB and IAM take (KMS wants TagKey/TagValue). */
export function tagList(tags: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Combines the validated options with the environment's config. */
export function resolveSettings(options: BootstrapOptions, environment: EnvironmentConfig): BootstrapSettings {
  // The stacks' backends name the state key when stateEncryption is kms, so the two must agree.
  if (options.sse !== undefined && options.sse !== environment.stateEncryption) {
    throw new SettingsError(
      `--sse ${options.sse} disagrees with stateEncryption "${environment.stateEncryption}" of environment ${options.env} in cdktf.json; change it there so backends and bootstrap agree`,
    );
  }
  return {
    ...options,
    sse: environment.stateEncryption,
    accountId: environment.accountId,
    partition: partitionOf(options.region),
    stateBucket: environment.stateBucket,
    lockTable: environment.lockTable,
    stateKeyAlias: stateKeyAlias(options.env),
    // IAM names are account-wide and several environments may share an account's
    // conventions; the environment in the name says which one a role deploys.
    planRoleName: `${NAME_PREFIX}-${options.env}-github-plan`,
    deployRoleName: deployRoleName(options.env),
    imagePushRoleName: `${NAME_PREFIX}-${options.env}-github-image-push`,
    imageVerifyRoleName: `${NAME_PREFIX}-${options.env}-github-image-verify`,
    imageSigningKeyAlias: imageSigningKeyAlias(options.env),
    regions: Object.keys(environment.regions),
    tags: { ManagedBy: `${NAME_PREFIX}-bootstrap`, Environment: options.env },
  };
}

/** The command line contradicts cdktf.json. */
export class SettingsError extends Error {}

/** The deploy role's name; the offboarding evidence flags a destructive call made by any other principal. */
export function deployRoleName(env: string): string {
  return `${NAME_PREFIX}-${env}-github-deploy`;
}

/** The AWS partition of a region: ARNs differ in GovCloud and China. */
export function partitionOf(region: string): string {
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("cn-")) return "aws-cn";
  return "aws";
}

/**
 * Name of the GitHub repository variable holding a role ARN, e.g.
 * OPENCLAW_PLAN_ROLE_ARN_PRODUCTION. The workflows read exactly these names.
 */
export function roleArnVariableName(kind: "plan" | "deploy" | "image-push" | "image-verify", env: string): string {
  return `OPENCLAW_${kind.toUpperCase().replace(/-/g, "_")}_ROLE_ARN_${env.toUpperCase().replace(/-/g, "_")}`;
}

export function roleArn(settings: Pick<BootstrapSettings, "partition" | "accountId">, roleName: string): string {
  return `arn:${settings.partition}:iam::${settings.accountId}:role/${roleName}`;
}

export function oidcProviderArn(settings: Pick<BootstrapSettings, "partition" | "accountId">): string {
  return `arn:${settings.partition}:iam::${settings.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

export function bucketArn(settings: Pick<BootstrapSettings, "partition" | "stateBucket">): string {
  return `arn:${settings.partition}:s3:::${settings.stateBucket}`;
}

export function lockTableArn(settings: Pick<BootstrapSettings, "partition" | "region" | "accountId" | "lockTable">): string {
  return `arn:${settings.partition}:dynamodb:${settings.region}:${settings.accountId}:table/${settings.lockTable}`;
}

/**
 * Stand-in for the ARN of a key that a dry run (or the checking pass of a real run) has not
 * created yet. Never sent to AWS: a real run re-plans each step after the previous one ran.
 */
export function pendingKeyArn(settings: Pick<BootstrapSettings, "partition" | "region" | "accountId">): string {
  return `arn:${settings.partition}:kms:${settings.region}:${settings.accountId}:key/<created-by-this-run>`;
}
