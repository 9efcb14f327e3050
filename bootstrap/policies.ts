import { NAME_PREFIX } from "../modules/naming";
import {
  BootstrapSettings,
  DEPLOY_WORKFLOWS,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  OidcSubjectForm,
  PLAN_WORKFLOWS,
  TRUSTED_BRANCH,
  bucketArn,
  lockTableArn,
  oidcProviderArn,
} from "./settings";

/**
 * The IAM documents bootstrap writes, and how it compares them with what AWS returns.
 * Every statement has a Sid, so a difference can be reported statement by statement and the
 * README can explain each one by name.
 */

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]> | "*";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** Inline policy names on the roles; bootstrap owns exactly these and leaves others alone. */
export const STATE_POLICY_NAME = "openclaw-terraform-state";
export const PLAN_GUARDRAILS_POLICY_NAME = "openclaw-plan-guardrails";
export const DEPLOY_POLICY_NAME = "openclaw-deploy";

/**
 * `sub` claims GitHub puts in the OIDC token of a job, by the job's context: the branch the
 * workflow runs for (push, schedule, workflow_run and workflow_dispatch: the workflow file is that
 * branch's) or the GitHub environment the job declares. There is deliberately no pull_request
 * subject: for a pull request from a branch of this repository, GitHub runs the workflow file as
 * the pull request has it, so a role trusting `repo:<repo>:pull_request` is a role every
 * pusher can assume with code of their choosing.
 *
 * With the `workflow` form the repository's subject template is `repo`, `context`,
 * `job_workflow_ref` (bootstrap/github.ts sets it), and the claim also names the workflow file
 * and the ref it was read from: `repo:o/r:ref:refs/heads/main:job_workflow_ref:o/r/.github/workflows/plan.yml@refs/heads/main`.
 * https://docs.github.com/en/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository
 */
export function githubSubject(repo: string, form: OidcSubjectForm, context: { branch: string } | { environment: string }, workflowFile: string): string {
  const base = "branch" in context ? `repo:${repo}:ref:refs/heads/${context.branch}` : `repo:${repo}:environment:${context.environment}`;
  return form === "workflow" ? `${base}:job_workflow_ref:${repo}/.github/workflows/${workflowFile}@refs/heads/${TRUSTED_BRANCH}` : base;
}

/** Every subject of the given workflow files, without duplicates (the default form has one). */
function subjectsOf(settings: Pick<BootstrapSettings, "githubRepo" | "oidcSubject">, context: { branch: string } | { environment: string }, workflows: readonly string[]): string[] {
  return [...new Set(workflows.map((w) => githubSubject(settings.githubRepo, settings.oidcSubject, context, w)))];
}

/**
 * Trust policy for a role GitHub Actions assumes: only tokens from GitHub's provider, for
 * the STS audience, with one of the given `sub` claims. StringEquals, not StringLike: a
 * wildcard in `sub` is how roles end up trusting every repository of an organisation.
 */
export function githubTrustPolicy(settings: Pick<BootstrapSettings, "partition" | "accountId">, subjects: readonly string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn(settings) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : [...subjects],
          },
        },
      },
    ],
  };
}

/**
 * The plan role serves pull request plans (plan.yml, a workflow_run workflow: GitHub runs it as
 * main has it, with main's context) and the scheduled drift check (drift.yml on main). Both are
 * main-defined; nothing a pull request runs presents main's subject. It does not trust
 * environments, so a job that declares `environment:` cannot use it.
 */
export function planRoleSubjects(settings: Pick<BootstrapSettings, "githubRepo" | "oidcSubject">): string[] {
  return subjectsOf(settings, { branch: TRUSTED_BRANCH }, PLAN_WORKFLOWS);
}

/**
 * The deploy role trusts the production environment's deploy.yml jobs (required reviewers; its
 * deployment branch policy must allow main only), or deploy.yml on main with --deploy-trust main.
 */
export function deployRoleSubjects(settings: Pick<BootstrapSettings, "githubRepo" | "deployTrust" | "githubEnvironment" | "oidcSubject">): string[] {
  const context = settings.deployTrust === "main" ? { branch: TRUSTED_BRANCH } : { environment: settings.githubEnvironment };
  return subjectsOf(settings, context, DEPLOY_WORKFLOWS);
}

type StateSettings = Pick<BootstrapSettings, "partition" | "region" | "accountId" | "stateBucket" | "lockTable">;

/**
 * What Terraform needs on the state store. `write` is the deploy role; without it, the plan
 * role may only read state and take locks (`terraform plan` locks by default).
 */
export function statePolicy(settings: StateSettings, keyArns: readonly string[], write: boolean): PolicyDocument {
  const bucket = bucketArn(settings);
  const statements: PolicyStatement[] = [
    // The S3 backend lists keys to find workspaces and to tell "no state yet" from "denied".
    { Sid: "StateBucketList", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
    write
      ? // Deploys write state; deleting state objects is not needed (versions are the undo), so not granted.
        { Sid: "StateObjectsReadWrite", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${bucket}/*` }
      : { Sid: "StateObjectsRead", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/*` },
    // use_lockfile: Terraform locks by creating `<key>.tflock` and deleting it when done.
    {
      Sid: "StateLockFiles",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${bucket}/*.tflock`,
    },
    // dynamodb_table: the lock item (Put/Delete) and the state digest item `<bucket>/<key>-md5` (Get, and Put on write).
    {
      Sid: "StateLockTable",
      Effect: "Allow",
      Action: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      Resource: lockTableArn(settings),
    },
  ];
  if (keyArns.length > 0) {
    // State and lock files are encrypted with the bucket's key: Decrypt to read them,
    // GenerateDataKey to write (lock files, and state for deploys).
    statements.push({
      Sid: "StateEncryptionKey",
      Effect: "Allow",
      Action: write ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] : ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: [...keyArns],
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The plan role reads configuration through AWS's ReadOnlyAccess, which also reads *data*
 * (every S3 object, every DynamoDB item). A plan never needs tenant data, so these denies
 * keep a compromised pull request job from reading it.
 */
export function planGuardrailsPolicy(settings: StateSettings): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyObjectReadsOutsideState",
        Effect: "Deny",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        NotResource: `${bucketArn(settings)}/*`,
      },
      {
        Sid: "DenyItemReadsOutsideLockTable",
        Effect: "Deny",
        Action: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"],
        NotResource: lockTableArn(settings),
      },
      // Secret values never belong in Terraform; plans must not be able to read them either.
      { Sid: "DenySecretValues", Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: "*" },
    ],
  };
}

/** AWS managed policy for the plan role: refresh reads every resource type the stacks use. */
export function readOnlyAccessArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/ReadOnlyAccess`;
}

/** Names of tenant roles (modules/naming.ts: tenantExecutionRoleName, agentTaskRoleName). */
const TENANT_ROLE_PATTERNS = [`${NAME_PREFIX}-*-execution`, `${NAME_PREFIX}-*-task`];

/** Services whose resources the platform and tenant stacks create, update and delete. */
export const DEPLOYED_SERVICES = [
  "ec2", // VPC, subnets, NAT, security groups, VPC endpoints, flow logs
  "ecs", // cluster, task definitions, services
  "application-autoscaling", // ECS service scaling targets
  "ecr", // agent image repository
  "rds", // PostgreSQL instance, subnet and parameter groups
  "kms", // platform and tenant keys
  "s3", // tenant buckets
  "secretsmanager", // tenant secrets (containers only, see DenySecretValues)
  "ssm", // the platform contract parameters
  "logs", // log groups
  "cloudwatch", // alarms
  "sns", // alarm topic
  "lambda", // DB provisioner, and invoking it per tenant
  "budgets", // a budget per tenant
] as const;

/**
 * The deploy role creates everything the stacks declare. Service-level wildcards because the
 * stacks own whole services in this account (one environment = one account); IAM is scoped to
 * the project's `openclaw-` names; explicit denies protect the state store and the pipeline's
 * own identity, so a bad commit on main can neither widen its own access nor destroy state.
 */
export function deployPolicy(settings: StateSettings & Pick<BootstrapSettings, "env" | "planRoleName" | "deployRoleName">, keyArns: readonly string[]): PolicyDocument {
  const iam = (resource: string) => `arn:${settings.partition}:iam::${settings.accountId}:${resource}`;
  const bucket = bucketArn(settings);
  const statements: PolicyStatement[] = [
    { Sid: "ManageInfrastructure", Effect: "Allow", Action: DEPLOYED_SERVICES.map((s) => `${s}:*`), Resource: "*" },
    // Refresh reads roles and policies, including AWS managed ones the stacks attach.
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    {
      // Task, execution, provisioner, monitoring and flow-log roles and the permissions
      // boundary: modules/naming.ts starts every name with the project prefix.
      Sid: "ManageProjectRoles",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:CreatePolicy",
        "iam:DeletePolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:TagPolicy",
        "iam:UntagPolicy",
      ],
      Resource: [iam(`role/${NAME_PREFIX}-*`), iam(`policy/${NAME_PREFIX}-*`)],
    },
    {
      // ECS tasks, the provisioner Lambda, flow logs and RDS monitoring run as project roles; no other service may receive them.
      Sid: "PassProjectRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: iam(`role/${NAME_PREFIX}-*`),
      Condition: {
        StringEquals: {
          "iam:PassedToService": ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com"],
        },
      },
    },
    {
      // First use of ECS, RDS and ECS scaling in an account creates their service-linked roles.
      Sid: "CreateServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: "*",
      Condition: {
        StringEquals: { "iam:AWSServiceName": ["ecs.amazonaws.com", "rds.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"] },
      },
    },
    {
      // The pipeline must not change who may assume its roles or what they may do.
      Sid: "DenyChangingPipelineIdentity",
      Effect: "Deny",
      Action: "iam:*",
      Resource: [iam(`role/${settings.planRoleName}`), iam(`role/${settings.deployRoleName}`), oidcProviderArn(settings)],
    },
    {
      // The state store is bootstrap's, not Terraform's: no stack may weaken or delete it.
      Sid: "DenyChangingStateBucket",
      Effect: "Deny",
      Action: [
        "s3:DeleteBucket",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketAcl",
      ],
      Resource: bucket,
    },
    // Old state versions are the way back from a bad apply.
    { Sid: "DenyDeletingStateVersions", Effect: "Deny", Action: "s3:DeleteObjectVersion", Resource: `${bucket}/*` },
    {
      Sid: "DenyChangingLockTable",
      Effect: "Deny",
      Action: ["dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups"],
      Resource: lockTableArn(settings),
    },
    // Values are set out of band; the pipeline neither writes nor reads them.
    { Sid: "DenySecretValues", Effect: "Deny", Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: "*" },
    {
      // Deploys manage buckets, never their contents: tenant data stays out of the pipeline's reach.
      Sid: "DenyObjectAccessOutsideState",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"],
      NotResource: `${bucket}/*`,
    },
    {
      // Tenant roles exist only under the platform's permissions boundary: a commit on main cannot
      // create, unbound or re-bound one (names from modules/naming.ts: -execution, -<agent>-task).
      Sid: "TenantRolesKeepTheBoundary",
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
      Resource: TENANT_ROLE_PATTERNS.map((p) => iam(`role/${p}`)),
      Condition: { StringNotLike: { "iam:PermissionsBoundary": iam(`policy/${NAME_PREFIX}-${settings.env}-*-tenant-boundary`) } },
    },
    {
      Sid: "TenantRolesNeverLoseTheBoundary",
      Effect: "Deny",
      Action: "iam:DeleteRolePermissionsBoundary",
      Resource: TENANT_ROLE_PATTERNS.map((p) => iam(`role/${p}`)),
    },
  ];
  if (keyArns.length > 0) {
    statements.push({
      Sid: "DenyChangingStateKeys",
      Effect: "Deny",
      Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:CreateGrant"],
      Resource: [...keyArns],
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Parses a policy as IAM returns it (URL-encoded JSON for role documents, plain JSON for S3
 * bucket policies).
 */
export function parsePolicy(text: string): PolicyDocument {
  const decoded = text.trimStart().startsWith("{") ? text : decodeURIComponent(text);
  return JSON.parse(decoded) as PolicyDocument;
}

/**
 * A form in which two equivalent statements are deep-equal: IAM may return a one-element
 * list as a plain string, and the order of actions or resources carries no meaning.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.every((i) => typeof i === "string") ? [...(items as string[])].sort() : items;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key]);
      // Single values and one-element lists mean the same to IAM.
      out[key] = typeof v === "string" ? [v] : v;
    }
    return out;
  }
  return value;
}

/** Statement-level differences between a current and a desired policy, by Sid. */
export interface PolicyDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

export function diffPolicies(current: PolicyDocument | undefined, desired: PolicyDocument): PolicyDiff {
  const bySid = (doc: PolicyDocument | undefined) =>
    new Map((doc?.Statement ?? []).map((s, i) => [s.Sid ?? `#${i + 1}`, JSON.stringify(canonical(s))]));
  const before = bySid(current);
  const after = bySid(desired);
  return {
    added: [...after.keys()].filter((sid) => !before.has(sid)),
    removed: [...before.keys()].filter((sid) => !after.has(sid)),
    changed: [...after.keys()].filter((sid) => before.has(sid) && before.get(sid) !== after.get(sid)),
  };
}

export function isPolicyDiffEmpty(diff: PolicyDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}

/** e.g. `statements added: StateEncryptionKey; changed: StateLockFiles`. */
export function describePolicyDiff(diff: PolicyDiff): string {
  const parts: string[] = [];
  if (diff.added.length) parts.push(`added ${diff.added.join(", ")}`);
  if (diff.changed.length) parts.push(`changed ${diff.changed.join(", ")}`);
  if (diff.removed.length) parts.push(`removed ${diff.removed.join(", ")}`);
  return `statements ${parts.join("; ")}`;
}
