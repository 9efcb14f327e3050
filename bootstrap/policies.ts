import {
  auditDatabaseName,
  auditTrailName,
  auditWorkGroupName,
  DASHBOARD_NAME_PREFIX,
  DB_PROVISIONER_FUNCTION_SUFFIX,
  DB_PROVISIONER_ROLE_SUFFIX,
  EGRESS_PROXY_EXECUTION_ROLE_SUFFIX,
  EGRESS_PROXY_TASK_ROLE_SUFFIX,
  FLOW_LOG_ROLE_SUFFIX,
  MANAGED_BY,
  NAME_PREFIX,
  OFFBOARDING_MANIFEST_FILE,
  RDS_MONITORING_ROLE_SUFFIX,
  SERVICE_BOUNDARY_SUFFIX,
  TENANT_BOUNDARY_SUFFIX,
  offboardingArchiveBucketName,
  platformResourceName,
  tenantBucketName,
} from "../modules/naming";
import { EXPORT_PREFIX } from "../db/contract";
import { actionsOf, COLUMNS, RESOURCE_ACTIONS } from "./resource-actions";

/**
 * CloudWatch dashboard actions (aws_cloudwatch_dashboard): scoped to the project's dashboards,
 * whose ARN has no region (`arn:<partition>:cloudwatch::<account>:dashboard/<name>`: Service
 * Authorization Reference, Amazon CloudWatch, resource type "dashboard", which PutDashboard,
 * GetDashboard and DeleteDashboards take).
 */
const DASHBOARD_ACTIONS = [...new Set(COLUMNS.flatMap((c) => RESOURCE_ACTIONS.aws_cloudwatch_dashboard[c]))].sort();
import {
  IAM_QUOTAS_URL,
  INLINE_POLICIES_MAX_CHARS,
  MANAGED_POLICIES_PER_ROLE,
  PolicyQuotaError,
  packStatements,
  partNames,
  policyDocument,
  policySize,
} from "./policy-packing";
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

import type { PolicyDocument, PolicyStatement } from "./policy-document";
export type { PolicyDocument, PolicyStatement } from "./policy-document";

/** Inline policy names on the roles; bootstrap owns exactly these and leaves others alone. */
export const STATE_POLICY_NAME = "openclaw-terraform-state";
export const PLAN_GUARDRAILS_POLICY_NAME = "openclaw-plan-guardrails";
export const DEPLOY_POLICY_NAME = "openclaw-deploy";
/**
 * The deploy role's allow lists outgrow IAM's 10,240 characters of inline policy per role, so
 * they are customer managed policies (6,144 characters each), named after the role
 * (`<role>-<part>`) and protected like the role itself. These are the groups of allows; each is
 * one policy while it fits and overflows into `<group>-2`, `<group>-3`... as the environment's
 * regions make it grow (bootstrap/policy-packing.ts). The denies stay inline while they fit.
 */
export const DEPLOY_MANAGED_POLICY_PARTS = ["network", "services", "identity", "offboarding"] as const;
export type DeployManagedPart = (typeof DEPLOY_MANAGED_POLICY_PARTS)[number];
/** Managed policies holding the denies that no longer fit inline (`<role>-guardrails`, `-guardrails-2`...). */
export const DEPLOY_GUARDRAILS_PART = "guardrails";
export { policySize, PolicyQuotaError };

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
  return deployContextSubjects(settings, DEPLOY_WORKFLOWS);
}

/**
 * Subjects of workflow files in the deploy role's context: the GitHub environment (required
 * reviewers, main only), or main with --deploy-trust main. Also the offboarding evidence role's.
 */
export function deployContextSubjects(settings: Pick<BootstrapSettings, "githubRepo" | "deployTrust" | "githubEnvironment" | "oidcSubject">, workflows: readonly string[]): string[] {
  const context = settings.deployTrust === "main" ? { branch: TRUSTED_BRANCH } : { environment: settings.githubEnvironment };
  return subjectsOf(settings, context, workflows);
}

type StateSettings = Pick<BootstrapSettings, "partition" | "region" | "accountId" | "stateBucket" | "lockTable">;

/**
 * What Terraform needs on the state store. `write` is the deploy role. The plan role only
 * reads: plans and drift checks run with `-lock=false` (pipeline/plan-stacks.ts), so it takes
 * no S3 lock file and writes no lock-table item; it reads the state digest item
 * `<bucket>/<key>-md5`, which the S3 backend checks on every state read when `dynamodb_table`
 * is set. A plan run with `--lock` under the plan role fails on the lock: by design, a
 * credentialed job that is not a deploy never holds (or breaks) a deploy's lock.
 */
export function statePolicy(settings: StateSettings, keyArns: readonly string[], write: boolean): PolicyDocument {
  const bucket = bucketArn(settings);
  const statements: PolicyStatement[] = [
    // The S3 backend lists keys to find workspaces and to tell "no state yet" from "denied".
    { Sid: "StateBucketList", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
  ];
  if (write) {
    statements.push(
      // Deploys write state; deleting state objects is not needed (versions are the undo), so not granted.
      { Sid: "StateObjectsReadWrite", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${bucket}/*` },
      // use_lockfile: Terraform locks by creating `<key>.tflock` and deleting it when done.
      { Sid: "StateLockFiles", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucket}/*.tflock` },
      // dynamodb_table: the lock item (Put/Delete) and the state digest item `<bucket>/<key>-md5` (Get, Put).
      {
        Sid: "StateLockTable",
        Effect: "Allow",
        Action: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        Resource: lockTableArn(settings),
      },
    );
  } else {
    statements.push(
      { Sid: "StateObjectsRead", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/*` },
      { Sid: "StateDigestRead", Effect: "Allow", Action: "dynamodb:GetItem", Resource: lockTableArn(settings) },
    );
  }
  if (keyArns.length > 0) {
    // State and lock files are encrypted with the bucket's key: Decrypt to read, GenerateDataKey to write.
    statements.push({
      Sid: "StateEncryptionKey",
      Effect: "Allow",
      Action: write ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] : "kms:Decrypt",
      Resource: [...keyArns],
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Inline policy names of the plan role's read grant (the guardrails are PLAN_GUARDRAILS_POLICY_NAME). */
export const PLAN_READ_POLICY_NAME = "openclaw-plan-read";

/**
 * What the plan role reads: the `read` column of bootstrap/resource-actions.ts, i.e. what
 * Terraform's refresh of the project's resource and data source types calls, and nothing else
 * (it replaced AWS's ReadOnlyAccess, which also reads data). SSM parameters only under the
 * project's `/openclaw/` tree. `reads` is that column unless a test asks what a larger table
 * would give.
 */
export function planReadPolicy(settings: Pick<BootstrapSettings, "partition" | "accountId">, reads: readonly string[] = actionsOf(["read"])): PolicyDocument {
  const ssmParameters = `arn:${settings.partition}:ssm:*:${settings.accountId}:parameter/${NAME_PREFIX}/*`;
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "RefreshProjectResources", Effect: "Allow", Action: reads.filter((a) => !a.startsWith("ssm:GetParameter")), Resource: "*" },
      { Sid: "ReadProjectParameters", Effect: "Allow", Action: reads.filter((a) => a.startsWith("ssm:GetParameter")), Resource: ssmParameters },
    ],
  };
}

/**
 * Reads of tenant *data* rather than configuration, denied to both pipeline roles: tenant logs
 * and ECS Exec transcripts, Logs Insights and live tail, RDS log files (slow-query logs carry
 * SQL with values), Performance Insights SQL text, agent image layers, secret values,
 * function invocations (the plan role; the deploy role's one invocation is allowed apart),
 * DynamoDB item reads.
 */
const DATA_READ_ACTIONS = [
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
  "logs:StartQuery",
  "logs:GetQueryResults",
  "logs:StartLiveTail",
  "logs:GetLogRecord",
  "rds:Download*",
  "pi:*",
  "ecr:GetDownloadUrlForLayer",
  "ecr:BatchGetImage",
  "secretsmanager:GetSecretValue",
  "dynamodb:Scan",
  "dynamodb:Query",
  "dynamodb:BatchGetItem",
] as const;

/**
 * Explicit denies on the plan role for everything that reads *data* rather than configuration.
 * The allow list above already leaves them out; the denies keep it that way if someone attaches
 * a broad policy (ReadOnlyAccess) to the role by hand, and state the intent where it is reviewed.
 */
export function planGuardrailsPolicy(settings: StateSettings, stateKeyArns: readonly string[]): PolicyDocument {
  const keyScope: Pick<PolicyStatement, "Resource" | "NotResource"> = stateKeyArns.length > 0 ? { NotResource: [...stateKeyArns] } : { Resource: "*" };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyObjectReadsOutsideState",
        Effect: "Deny",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        NotResource: `${bucketArn(settings)}/*`,
      },
      { Sid: "DenyDataReads", Effect: "Deny", Action: [...DATA_READ_ACTIONS, "lambda:InvokeFunction"], Resource: "*" },
      // SecureString parameters and any other ciphertext: only the state key decrypts.
      { Sid: "DenyDecryptOutsideState", Effect: "Deny", Action: "kms:Decrypt", ...keyScope },
      {
        // Plans run with -lock=false: the plan role never writes a lock or the state digest.
        Sid: "DenyLockWrites",
        Effect: "Deny",
        Action: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "s3:PutObject", "s3:DeleteObject"],
        Resource: "*",
      },
    ],
  };
}

/** Tag every resource of the stacks carries (provider default_tags, stacks/environment-settings.ts). */
export const MANAGED_BY_TAG = "ManagedBy";

/** Names of tenant roles (modules/naming.ts: tenantExecutionRoleName, agentTaskRoleName). */
const TENANT_ROLE_PATTERNS = [`${NAME_PREFIX}-*-execution`, `${NAME_PREFIX}-*-task`];

/**
 * The managed policies the stacks attach to their roles (aws_iam_role_policy_attachment):
 * the only ones the deploy role may attach or detach. test/bootstrap/deploy-role.test.ts reads
 * them from every synthesized stack, so a new attachment fails there until it is listed here.
 */
export function attachablePolicyArns(partition: string): string[] {
  return [`arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`];
}

type DeploySettings = StateSettings & Pick<BootstrapSettings, "env" | "regions" | "planRoleName" | "deployRoleName" | "offboardingEvidenceRoleName">;

/** ARNs of the permissions boundaries the platform stacks create, one pair per region of the environment. */
export function boundaryArns(settings: Pick<DeploySettings, "partition" | "accountId" | "env" | "regions">): string[] {
  return settings.regions.flatMap((region) =>
    [TENANT_BOUNDARY_SUFFIX, SERVICE_BOUNDARY_SUFFIX].map((suffix) => `arn:${settings.partition}:iam::${settings.accountId}:policy/${platformResourceName(settings.env, region, suffix)}`),
  );
}

/** The egress proxy's roles (platform, one pair per region). */
const EGRESS_PROXY_ROLE_SUFFIXES = [EGRESS_PROXY_EXECUTION_ROLE_SUFFIX, EGRESS_PROXY_TASK_ROLE_SUFFIX];

/**
 * Each permissions boundary with the role names it is for (issue 24, item 6): the tenant
 * boundary for tenants' execution and task roles, the service boundary (which reads the RDS
 * master secret) for the platform's three service roles. A role of one family may not be
 * created, re-bounded or given inline policies under the other family's boundary.
 */
export function boundaryBindings(settings: Pick<DeploySettings, "partition" | "accountId" | "env" | "regions">): { sid: string; boundaries: string[]; roleArns: string[] }[] {
  const arn = (kind: string, name: string) => `arn:${settings.partition}:iam::${settings.accountId}:${kind}/${name}`;
  const perRegion = (suffixes: string[]) => settings.regions.flatMap((region) => suffixes.map((suffix) => platformResourceName(settings.env, region, suffix)));
  return [
    { sid: "TenantRoles", boundaries: perRegion([TENANT_BOUNDARY_SUFFIX]).map((n) => arn("policy", n)), roleArns: TENANT_ROLE_PATTERNS.map((n) => arn("role", n)) },
    {
      sid: "ServiceRoles",
      boundaries: perRegion([SERVICE_BOUNDARY_SUFFIX]).map((n) => arn("policy", n)),
      // One pattern per role kind whatever the region count (IAM's policy size quotas);
      // `openclaw-<env>-<region>-<suffix>`: no tenant role name ends in these suffixes.
      roleArns: [DB_PROVISIONER_ROLE_SUFFIX, FLOW_LOG_ROLE_SUFFIX, RDS_MONITORING_ROLE_SUFFIX, ...EGRESS_PROXY_ROLE_SUFFIXES].map((suffix) =>
        arn("role", `${NAME_PREFIX}-${settings.env}-*-${suffix}`),
      ),
    },
  ];
}

/**
 * Which roles the deploy role may hand to which service (iam:PassRole with
 * iam:PassedToService): each role the stacks pass, to the one service that assumes it.
 */
export function passableRoles(settings: Pick<DeploySettings, "env" | "regions">): { services: string[]; roleNames: string[] }[] {
  const perRegion = (suffix: string) => settings.regions.map((region) => platformResourceName(settings.env, region, suffix));
  return [
    // Task definitions: the tenant's execution role and its agents' task roles.
    // The egress proxy's task (SECURITY.md G1) too, under the service-role boundary.
    { services: ["ecs-tasks.amazonaws.com"], roleNames: [...TENANT_ROLE_PATTERNS, ...EGRESS_PROXY_ROLE_SUFFIXES.flatMap(perRegion)] },
    // The provisioner function, the flow log and RDS enhanced monitoring run as platform roles.
    { services: ["lambda.amazonaws.com"], roleNames: perRegion(DB_PROVISIONER_ROLE_SUFFIX) },
    { services: ["vpc-flow-logs.amazonaws.com"], roleNames: perRegion(FLOW_LOG_ROLE_SUFFIX) },
    // The role's trust names monitoring.rds; RDS does not document which name its PassRole
    // check presents, so both RDS names, for this one bounded role.
    { services: ["monitoring.rds.amazonaws.com", "rds.amazonaws.com"], roleNames: perRegion(RDS_MONITORING_ROLE_SUFFIX) },
    // A tenant's budget action (the spend stop) runs as the tenant's execution role, which may
    // attach only the tenant's spend-stop policy to only its task roles: one more role per tenant
    // would put 1,000 three-agent tenants past IAM's hard maximum of 5,000 roles per account.
    { services: ["budgets.amazonaws.com"], roleNames: [`${NAME_PREFIX}-*-execution`] },
  ];
}

/** The one function the deploy role may invoke: each region's DB provisioner (aws_lambda_invocation). */
export function invokableFunctionArns(settings: Pick<DeploySettings, "partition" | "accountId" | "env" | "regions">): string[] {
  return settings.regions.flatMap((region) => {
    const fn = `arn:${settings.partition}:lambda:${region}:${settings.accountId}:function:${platformResourceName(settings.env, region, DB_PROVISIONER_FUNCTION_SUFFIX)}`;
    // aws_lambda_invocation always sends a qualifier ($LATEST), which IAM checks as `<arn>:<qualifier>`.
    return [fn, `${fn}:*`];
  });
}

/**
 * What offboarding touches in the environment's regions: the archives (modules/naming.ts
 * offboardingArchiveBucketName), their bucket manifests (`<tenant>/<stamp>/bucket-manifest.json`)
 * and database exports (db/contract.ts EXPORT_PREFIX), and tenant buckets' objects.
 */
function offboardingArns(settings: Pick<DeploySettings, "partition" | "accountId" | "env" | "regions">) {
  const s3 = (name: string) => `arn:${settings.partition}:s3:::${name}`;
  const archives = settings.regions.map((r) => s3(offboardingArchiveBucketName(settings.env, r, settings.accountId)));
  return {
    archives,
    archiveManifests: archives.map((a) => `${a}/*/${OFFBOARDING_MANIFEST_FILE}`),
    archiveExports: archives.map((a) => `${a}/${EXPORT_PREFIX}/*`),
    tenantObjects: settings.regions.map((r) => `${s3(tenantBucketName("*", settings.accountId, r))}/*`),
  };
}

/** Services whose actions the deploy role gets from the table on every resource; IAM, KMS and Lambda are scoped below. */
const SCOPED_SERVICES = ["iam", "kms", "lambda", "cloudtrail", "glue", "athena"];

/**
 * The audit trail's CloudTrail, Glue and Athena actions (bootstrap/resource-actions.ts), each on
 * the environment's own trail, audit database and tables, and workgroup (modules/naming.ts), in
 * whichever region holds them (the owning platform stack's region may change with cdktf.json).
 */
function auditTrailStatements(settings: DeploySettings, ofService: (service: string) => string[]): PolicyStatement[] {
  const { partition, accountId, env } = settings;
  const database = auditDatabaseName(env);
  return [
    {
      Sid: "ManageAuditTrail",
      Effect: "Allow",
      Action: ofService("cloudtrail").filter((a) => a !== "cloudtrail:DescribeTrails"),
      Resource: `arn:${partition}:cloudtrail:*:${accountId}:trail/${auditTrailName(env)}`,
    },
    // DescribeTrails names no resource (Service Authorization Reference: resource types "*").
    { Sid: "DescribeTrails", Effect: "Allow", Action: "cloudtrail:DescribeTrails", Resource: "*" },
    {
      // Glue authorizes a table call on the catalog, the database and the table; DeleteDatabase
      // also on its tables and functions.
      Sid: "ManageAuditTables",
      Effect: "Allow",
      Action: ofService("glue"),
      Resource: ["catalog", `database/${database}`, `table/${database}/*`, `userDefinedFunction/${database}/*`].map((r) => `arn:${partition}:glue:*:${accountId}:${r}`),
    },
    { Sid: "ManageAuditWorkgroup", Effect: "Allow", Action: ofService("athena"), Resource: `arn:${partition}:athena:*:${accountId}:workgroup/${auditWorkGroupName(env)}` },
  ];
}

/** Services whose actions go into the deploy role's `network` policy. */
const NETWORK_SERVICES = ["ec2", "route53", "servicediscovery"];

/** What every group of the deploy role's statements is written from: the environment's ARNs and the action table. */
interface DeployScope {
  readonly settings: DeploySettings;
  readonly keyArns: readonly string[];
  readonly partition: string;
  readonly accountId: string;
  /** An IAM ARN of this account: `iam("role/x")`. */
  readonly iam: (resource: string) => string;
  /** The state bucket. */
  readonly bucket: string;
  /** The environment's permissions boundaries (one per region and kind). */
  readonly boundaries: string[];
  /** The condition that a key or resource is the project's (the provider's default_tags). */
  readonly managedByProject: Record<string, string>;
  readonly projectKeys: string;
  /** The project's KMS aliases, `alias/openclaw/...`. */
  readonly projectKeyAliases: string;
  readonly projectFunctions: string;
  /** Every action the stacks' resource types need (bootstrap/resource-actions.ts) of one service. */
  readonly ofService: (service: string) => string[];
  /** The table's actions granted on every resource: all but the services scoped by their own statements. */
  readonly unscoped: string[];
  readonly offboarding: ReturnType<typeof offboardingArns>;
}

function deployScope(settings: DeploySettings, keyArns: readonly string[]): DeployScope {
  const { partition, accountId, env } = settings;
  const all = actionsOf(["create", "read", "update", "delete", "tag"]);
  return {
    settings,
    keyArns,
    partition,
    accountId,
    iam: (resource: string) => `arn:${partition}:iam::${accountId}:${resource}`,
    bucket: bucketArn(settings),
    boundaries: boundaryArns(settings),
    managedByProject: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY },
    projectKeys: `arn:${partition}:kms:*:${accountId}:key/*`,
    projectKeyAliases: `arn:${partition}:kms:*:${accountId}:alias/${NAME_PREFIX}/*`,
    projectFunctions: `arn:${partition}:lambda:*:${accountId}:function:${NAME_PREFIX}-${env}-*`,
    ofService: (service: string) => all.filter((a) => a.startsWith(`${service}:`)),
    unscoped: all.filter((a) => !SCOPED_SERVICES.includes(a.split(":")[0]) && a !== "s3:DeleteObjectVersion" && !DASHBOARD_ACTIONS.includes(a)),
    offboarding: offboardingArns(settings),
  };
}

/** Whether an action belongs to VPC networking or the VPC's private DNS (the egress proxy's Cloud Map namespace is a private hosted zone). */
const isNetworkAction = (action: string) => NETWORK_SERVICES.includes(action.split(":")[0]);

/** Networking, in its own group so `services` keeps its room; dashboards and the audit trail are here for room too. */
function networkStatements(scope: DeployScope): PolicyStatement[] {
  const { settings, partition, accountId, unscoped, ofService } = scope;
  const network: PolicyStatement[] = [
    { Sid: "ManageNetwork", Effect: "Allow", Action: unscoped.filter(isNetworkAction), Resource: "*" },
    // Here for room, not kinship: `services` is within 62 characters of a managed policy's 6,144 at two regions.
    { Sid: "ManageProjectDashboards", Effect: "Allow", Action: DASHBOARD_ACTIONS, Resource: `arn:${partition}:cloudwatch::${accountId}:dashboard/${DASHBOARD_NAME_PREFIX}*` },
    // The audit trail's statements too: their size does not grow with the regions.
    ...auditTrailStatements(settings, ofService),
  ];
  return network;
}

/** Every other service of the table on every resource; Lambda on the project's functions, invoking only the provisioner. */
function serviceStatements(scope: DeployScope): PolicyStatement[] {
  const { settings, unscoped, ofService, projectFunctions } = scope;
  const services: PolicyStatement[] = [
    { Sid: "ManageServices", Effect: "Allow", Action: unscoped.filter((a) => !isNetworkAction(a)), Resource: "*" },
    {
      // Lambda management on the project's functions; invoking is InvokeProvisioner alone.
      Sid: "ManageProjectFunctions",
      Effect: "Allow",
      Action: ofService("lambda").filter((a) => a !== "lambda:InvokeFunction"),
      Resource: projectFunctions,
    },
    { Sid: "InvokeProvisioner", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: invokableFunctionArns(settings) },
  ];
  return services;
}

/** KMS: creating keys tagged as the project's, administering only those, their aliases, and data keys only through RDS and Secrets Manager. */
function keyStatements(scope: DeployScope): PolicyStatement[] {
  const { ofService, projectKeys, projectKeyAliases, managedByProject } = scope;
  const kmsActions = ofService("kms");
  const keys: PolicyStatement[] = [
    // CreateKey has no key ARN yet: the request must tag the key as the project's (default_tags).
    // Tagging at creation needs kms:TagResource "in an IAM policy that isn't restricted to
    // particular KMS keys" (KMS developer guide, Controlling access to tags), hence Resource *.
    {
      Sid: "CreateProjectKeys",
      Effect: "Allow",
      Action: ["kms:CreateKey", "kms:TagResource"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY } },
    },
    {
      Sid: "AdministerProjectKeys",
      Effect: "Allow",
      // Includes Create/Update/DeleteAlias: an alias call is authorized on the alias and on its key.
      Action: kmsActions.filter((a) => !["kms:CreateKey", "kms:ListAliases", "kms:Decrypt", "kms:GenerateDataKey"].includes(a)),
      Resource: projectKeys,
      Condition: { StringEquals: managedByProject },
    },
    {
      // RDS creates the managed master-password secret as the caller: Secrets Manager then uses
      // the platform key on the deploy role's behalf. Never directly (no ciphertext reads).
      Sid: "ProjectKeysThroughServices",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: projectKeys,
      Condition: { StringEquals: managedByProject, StringLike: { "kms:ViaService": ["rds.*.amazonaws.com", "secretsmanager.*.amazonaws.com"] } },
    },
    // The alias side of alias calls: only the project's alias/openclaw/ names.
    { Sid: "ProjectKeyAliases", Effect: "Allow", Action: kmsActions.filter((a) => a.includes("Alias") && a !== "kms:ListAliases"), Resource: projectKeyAliases },
    { Sid: "ListAliases", Effect: "Allow", Action: "kms:ListAliases", Resource: "*" },
  ];
  return keys;
}

/**
 * IAM actions on the project's roles and customer managed policies that need no boundary
 * condition, granted as far as the stacks' resource types use them (bootstrap/resource-actions.ts).
 * Creating a role, its inline policies and attachments are bounded statements of their own.
 */
const PROJECT_ROLE_ACTIONS = ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole"];
const PROJECT_POLICY_ACTIONS = ["iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"];

/** IAM: roles only under the boundary made for their name, listed managed policies, passing each role to the service that runs it. */
function identityStatements(scope: DeployScope): PolicyStatement[] {
  const { settings, partition, iam, boundaries, ofService } = scope;
  const identity: PolicyStatement[] = [
    // Refresh reads roles and policies, including AWS managed ones the stacks attach.
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    // A role is created, re-bounded and given inline policies only under the boundary made for
    // its name (boundaryBindings): no other allow names these actions, so a tenant-named role
    // under the service boundary (or any other name) finds none.
    ...boundaryBindings(settings).map(
      (b): PolicyStatement => ({
        Sid: `Bounded${b.sid}`,
        Effect: "Allow",
        Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
        Resource: b.roleArns,
        Condition: { StringEquals: { "iam:PermissionsBoundary": b.boundaries } },
      }),
    ),
    {
      Sid: "AttachListedPolicies",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: iam(`role/${NAME_PREFIX}-*`),
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaries }, ArnEquals: { "iam:PolicyARN": attachablePolicyArns(partition) } },
    },
    {
      // A tenant's spend stop is attached by AWS Budgets, outside Terraform; destroying the task
      // roles (force_detach_policies) must detach it, and only it (#26).
      Sid: "DetachSpendStops",
      Effect: "Allow",
      Action: "iam:DetachRolePolicy",
      Resource: iam(`role/${NAME_PREFIX}-*-task`),
      Condition: { ArnLike: { "iam:PolicyARN": iam(`policy/${NAME_PREFIX}-*-spend-stop`) } },
    },
    {
      Sid: "ManageProjectRoles",
      Effect: "Allow",
      Action: ofService("iam").filter((a) => PROJECT_ROLE_ACTIONS.includes(a)),
      Resource: iam(`role/${NAME_PREFIX}-*`),
    },
    {
      // The boundaries and any other customer managed policy of the stacks.
      Sid: "ManageProjectPolicies",
      Effect: "Allow",
      Action: ofService("iam").filter((a) => PROJECT_POLICY_ACTIONS.includes(a)),
      Resource: iam(`policy/${NAME_PREFIX}-*`),
    },
    ...passableRoles(settings).map(({ services, roleNames }) => ({
      // e.g. PassRolesToEcsTasks, PassRolesToVpcFlowLogs, PassRolesToMonitoringRds.
      Sid: `PassRolesTo${services[0].replace(".amazonaws.com", "").replace(/(^|[-.])(\w)/g, (_m: string, _d: string, c: string) => c.toUpperCase())}`,
      Effect: "Allow" as const,
      Action: "iam:PassRole",
      Resource: roleNames.map((n) => iam(`role/${n}`)),
      Condition: { StringEquals: { "iam:PassedToService": services.length === 1 ? services[0] : services } },
    })),
    {
      // First use of ECS, RDS and ECS scaling in an account creates their service-linked roles.
      Sid: "CreateServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:AWSServiceName": ["ecs.amazonaws.com", "rds.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"] } },
    },
  ];
  return identity;
}

/** The offboarding job's object-level calls on tenant buckets and the archive. */
function offboardingStatements(scope: DeployScope): PolicyStatement[] {
  const { settings, projectKeys, managedByProject, offboarding: { archives, archiveManifests, archiveExports, tenantObjects } } = scope;
  // The offboarding job (pipeline/offboard.ts; every call in OFFBOARDING_AWS_CALLS of
  // pipeline/lib/offboarding-aws.ts) and Terraform's force_destroy of an offboarding tenant's
  // bucket. Listing, bucket encryption, ECS services, DescribeKey and the provisioner's
  // invocation are granted above; these are the object-level calls.
  const metadataReads = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"];
  const offboarding: PolicyStatement[] = [
    {
      // Emptying: DeleteObjects checks DeleteObject, and DeleteObjectVersion per version.
      // Only tenant buckets of the environment's regions (modules/naming.ts tenantBucketName).
      Sid: "EmptyTenantBuckets",
      Effect: "Allow",
      Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      Resource: tenantObjects,
    },
    {
      // The bucket manifest: S3's checksums through GetObjectAttributes, which S3 authorizes as
      // GetObject(Version) plus GetObject(Version)Attributes. Contents stay ciphertext to the
      // role: every object is under the tenant key and DenyDecryptThroughS3 refuses it.
      Sid: "ManifestTenantObjects",
      Effect: "Allow",
      Action: metadataReads,
      Resource: tenantObjects,
    },
    {
      // Verifying the provisioner's export and the manifest (GetObjectAttributes): platform key, no decrypt.
      Sid: "VerifyArchivedObjects",
      Effect: "Allow",
      Action: metadataReads,
      Resource: [...archiveManifests, ...archiveExports],
    },
    // The one archive key the job writes; the export is the provisioner's.
    { Sid: "WriteArchiveManifests", Effect: "Allow", Action: "s3:PutObject", Resource: archiveManifests },
    {
      // The record's evidence: the CloudTrail event of each destructive step
      // (pipeline/lib/offboarding-evidence.ts). LookupEvents has no resource type and no
      // condition key in the Service Authorization Reference (AWS CloudTrail), so IAM only
      // accepts Resource "*"; it reads management-event metadata of the account and region, no
      // object, secret value or trail configuration.
      Sid: "LookUpOffboardingEvidence",
      Effect: "Allow",
      Action: "cloudtrail:LookupEvents",
      Resource: "*",
    },
    {
      // S3 asks KMS for the manifest's data key as the role. The encryption context (the archive
      // bucket's ARN with a Bucket Key, the object's without) limits this to the archive.
      Sid: "EncryptArchiveManifests",
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: projectKeys,
      Condition: {
        StringEquals: { ...managedByProject, "kms:ViaService": settings.regions.map((r) => `s3.${r}.amazonaws.com`) },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": archives.flatMap((a) => [a, `${a}/*`]) },
      },
    },
  ];
  return offboarding;
}

/** Explicit denies: the state store, the pipeline's own identity, tenant data, running workloads. */
function denyStatements(scope: DeployScope): PolicyStatement[] {
  const { settings, keyArns, partition, accountId, iam, bucket, boundaries, offboarding: { archiveManifests, archiveExports, tenantObjects } } = scope;
  const denies: PolicyStatement[] = [
    {
      // The pipeline must not change who may assume its roles or what they may do.
      Sid: "DenyChangingPipelineIdentity",
      Effect: "Deny",
      Action: "iam:*",
      Resource: [
        iam(`role/${settings.planRoleName}`),
        iam(`role/${settings.deployRoleName}`),
        iam(`policy/${settings.planRoleName}-*`),
        iam(`policy/${settings.deployRoleName}-*`),
        // The image roles (bootstrap/image-roles.ts): retrusting the push role is pushing.
        iam(`role/${NAME_PREFIX}-${settings.env}-github-image-*`),
        // The offboarding evidence role (bootstrap/offboarding-evidence-role.ts) writes offboarding records.
        iam(`role/${settings.offboardingEvidenceRoleName}`),
        oidcProviderArn(settings),
      ],
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
    {
      // The offboarding archive keeps what an offboarded tenant left (database exports, bucket
      // manifests). EmptyTenantBuckets names only tenant buckets, which the archive's name
      // never matches (modules/naming.ts offboardingArchiveBucketName); this says so whatever
      // allow comes later, and also rules out lifting the Object Lock retention.
      Sid: "DenyDeletingArchivedData",
      Effect: "Deny",
      Action: ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:PutObjectLegalHold"],
      // Both names the lifecycle branches use (openclaw-offboarding-<account>-<region>,
      // openclaw-<account>-<env>-<region>-archive); no tenant bucket name ends in -archive.
      // The audit trail's log files too (compliance mode already keeps them from everyone).
      Resource: [`arn:${partition}:s3:::${NAME_PREFIX}-offboarding-*/*`, `arn:${partition}:s3:::${NAME_PREFIX}-*-archive/*`, `arn:${partition}:s3:::${NAME_PREFIX}-*-audit/*`],
    },
    {
      // The trail is the evidence against the pipeline too: the deploy role may create and
      // update it, never stop or delete it (an administrator does, by hand, if ever).
      Sid: "DenyStoppingTheAuditTrail",
      Effect: "Deny",
      Action: ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
      Resource: `arn:${partition}:cloudtrail:*:${accountId}:trail/${auditTrailName(settings.env)}`,
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
    // The stacks never need to read what tenants' workloads produce (DynamoDB reads: the lock
    // table's items are read through GetItem, which stays allowed).
    { Sid: "DenyDataReads", Effect: "Deny", Action: [...DATA_READ_ACTIONS], Resource: "*" },
    // Deploys manage buckets, not their contents. Outside the state bucket, objects are touched
    // only by offboarding: tenant objects and archived ones have their metadata read, the archive
    // gets manifests, tenant buckets are emptied. Contents stay ciphertext: DenyDecryptThroughS3.
    {
      Sid: "DenyObjectReadsOutsideState",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      NotResource: [`${bucket}/*`, ...tenantObjects, ...archiveManifests, ...archiveExports],
    },
    { Sid: "DenyObjectWritesOutsideState", Effect: "Deny", Action: "s3:PutObject", NotResource: [`${bucket}/*`, ...archiveManifests] },
    // Terraform's lock files are the state bucket's only deletable objects.
    { Sid: "DenyObjectDeletesOutsideState", Effect: "Deny", Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"], NotResource: [`${bucket}/*.tflock`, ...tenantObjects] },
    {
      // S3 decrypts an object for the caller with the caller's kms:Decrypt: only the state key's.
      // So tenant objects (tenant keys) and the archive (platform key) come back as an error,
      // whatever allow is added later.
      Sid: "DenyDecryptThroughS3",
      Effect: "Deny",
      Action: "kms:Decrypt",
      ...(keyArns.length > 0 ? { NotResource: [...keyArns] } : { Resource: "*" }),
      Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
    },
    {
      // Services are declared; the pipeline never runs a task, opens a shell or a session in one.
      Sid: "DenyRunningWorkloads",
      Effect: "Deny",
      Action: ["ecs:RunTask", "ecs:StartTask", "ecs:ExecuteCommand", "ssm:StartSession", "ssm:SendCommand"],
      Resource: "*",
    },
    {
      // CreateProjectKeys' TagResource must cover every key: it never re-tags a key someone
      // else marked as theirs (an untagged foreign key is gap G13 in SECURITY.md).
      Sid: "DenyRetaggingForeignKeys",
      Effect: "Deny",
      Action: ["kms:TagResource", "kms:UntagResource"],
      Resource: "*",
      Condition: { StringNotEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY }, Null: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: "false" } },
    },
    {
      // The role may rewrite a project role's trust policy (UpdateAssumeRolePolicy is an update
      // path); it must not then become that role: a same-account trust policy naming the deploy
      // role would otherwise suffice without any identity-policy allow.
      Sid: "DenyAssumingRoles",
      Effect: "Deny",
      Action: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
      Resource: "*",
    },
    { Sid: "DenyInvokingOtherFunctions", Effect: "Deny", Action: "lambda:InvokeFunction", NotResource: invokableFunctionArns(settings) },
    {
      // Every role stays under one of the environment's boundaries: not created, re-bounded,
      // given inline or attached policies otherwise (a role without a boundary has no
      // iam:PermissionsBoundary key, so StringNotEquals holds), and the boundary never removed.
      Sid: "RolesKeepTheBoundary",
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundaries } },
    },
    { Sid: "RolesNeverLoseTheBoundary", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
  ];
  if (keyArns.length > 0) {
    denies.push({
      Sid: "DenyChangingStateKeys",
      Effect: "Deny",
      Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:CreateGrant"],
      Resource: [...keyArns],
    });
  }
  return denies;
}

/**
 * The deploy role creates, updates and destroys what the stacks declare, and nothing else: the
 * actions come from bootstrap/resource-actions.ts (every column), IAM is confined to roles that
 * carry the environment's permissions boundary, attachments of the listed managed policies and
 * passing each role to the service that runs it; KMS to keys tagged as the project's; Lambda to
 * the project's functions, invoking only the provisioner. Explicit denies protect the state
 * store, the pipeline's own identity and tenant data, and rule out running workloads.
 *
 * These are the statements as written; deployPolicies packs them into IAM's size quotas.
 */
export function deployStatements(settings: DeploySettings, keyArns: readonly string[]): DeployStatements {
  const scope = deployScope(settings, keyArns);
  return {
    allows: {
      network: networkStatements(scope),
      services: serviceStatements(scope),
      identity: [...identityStatements(scope), ...keyStatements(scope)],
      offboarding: offboardingStatements(scope),
    },
    denies: denyStatements(scope),
  };
}

/** The deploy role's statements as written, before they are packed into policies. */
export interface DeployStatements {
  /** Allows by group, in order. */
  readonly allows: Readonly<Record<DeployManagedPart, readonly PolicyStatement[]>>;
  /** Every deny, in order. */
  readonly denies: readonly PolicyStatement[];
}

export interface DeployPolicies {
  /**
   * Customer managed policies by part name, in attachment order: each group of allows
   * (`network`, `services`, `identity`, `offboarding`, each with `-2`, `-3`... overflow parts when
   * it outgrows 6,144 characters), then `guardrails`, `guardrails-2`... for the denies that did
   * not fit inline.
   */
  readonly managed: Readonly<Record<string, PolicyDocument>>;
  /** The denies that fit inline next to the state policy (all of them while they fit). */
  readonly guardrails: PolicyDocument;
}

/**
 * The deploy role's statements (deployStatements) packed into IAM's quotas: each group of allows
 * into as many managed policies as it needs; the denies inline with the state policy, except
 * that when the two exceed 10,240 characters the denies from the first one that does not fit
 * onwards move, whole and in order, to `guardrails` managed policies. An explicit deny in an
 * attached managed policy denies exactly as one inline does, and DenyChangingPipelineIdentity
 * (first, so always inline) denies the role every IAM action on `<role>-*` policies, the moved
 * ones included. For environments of up to four regions this is the layout bootstrap always
 * had, byte for byte (test/bootstrap/policy-packing.test.ts).
 *
 * Throws PolicyQuotaError, before anything reaches AWS, when it cannot fit: a deny or a
 * statement without a Resource list larger than one managed policy, or more managed policies
 * than a role may have attached.
 */
export function deployPolicies(settings: DeploySettings, keyArns: readonly string[]): DeployPolicies {
  const { allows, denies } = deployStatements(settings, keyArns);
  const managed: Record<string, PolicyDocument> = {};
  const addParts = (group: string, statements: readonly PolicyStatement[]) => {
    const parts = packStatements(statements);
    partNames(group, parts.length).forEach((name, i) => (managed[name] = policyDocument(parts[i])));
  };
  for (const group of DEPLOY_MANAGED_POLICY_PARTS) addParts(group, allows[group]);

  const budget = INLINE_POLICIES_MAX_CHARS - policySize(statePolicy(settings, keyArns, true));
  let kept = denies.length;
  while (kept > 0 && policySize(policyDocument(denies.slice(0, kept))) > budget) kept--;
  if (kept === 0) {
    throw new PolicyQuotaError(`the deploy role's state policy leaves no room for its first deny within IAM's ${INLINE_POLICIES_MAX_CHARS} characters of inline policies per role (${IAM_QUOTAS_URL})`);
  }
  // The denies that did not fit inline, if any (no statements pack into no parts).
  addParts(DEPLOY_GUARDRAILS_PART, denies.slice(kept));

  const names = Object.keys(managed);
  if (names.length > MANAGED_POLICIES_PER_ROLE) {
    throw new PolicyQuotaError(
      `environment ${settings.env} has ${settings.regions.length} regions: the deploy role ${settings.deployRoleName} would need ${names.length} customer managed policies ` +
        `(${names.join(", ")}), and IAM attaches at most ${MANAGED_POLICIES_PER_ROLE} to a role (quota "Managed policies per role", ${IAM_QUOTAS_URL}): ` +
        `split the environment's regions across environments (accounts)`,
    );
  }
  return { managed, guardrails: policyDocument(denies.slice(0, kept)) };
}

/** Name of one of the deploy role's customer managed policies (a part name of DeployPolicies.managed). */
export function deployManagedPolicyName(settings: Pick<BootstrapSettings, "deployRoleName">, part: string): string {
  return `${settings.deployRoleName}-${part}`;
}

/**
 * Every name a customer managed policy of the deploy role can have, whatever the region count:
 * bootstrap deletes one it finds that the current layout does not produce.
 */
export function deployManagedPolicyNamePattern(settings: Pick<BootstrapSettings, "deployRoleName">): RegExp {
  const role = settings.deployRoleName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${role}-(${[...DEPLOY_MANAGED_POLICY_PARTS, DEPLOY_GUARDRAILS_PART].join("|")})(-[0-9]+)?$`);
}

/** All statements of a role's documents, for evaluation. */
export function statementsOf(documents: readonly PolicyDocument[]): PolicyStatement[] {
  return documents.flatMap((d) => [...d.Statement]);
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
