import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { iamPolicyVariable, renderPolicy, TENANT_PRINCIPAL_TAG } from "./iam-policy-document";
import { customMetricNamespace } from "../config/agent-scaling";
import { tracingStatements } from "./agent-tracing";
import { agentTaskRoleName, tenantBucketName, tenantLogGroupName, tenantSecretName, tenantSpendStopPolicyName } from "./naming";

/** Principal tag naming the PostgreSQL role a tenant's task roles may log in as. */
export const DATABASE_USER_PRINCIPAL_TAG = "db_user";
/** Resource tag every tenant resource carries (provider default_tags). */
export const TENANT_RESOURCE_TAG = "TenantID";
/** Actions that run inference; Converse and ConverseStream are authorized as these two. */
export const BEDROCK_INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];
/**
 * The request context key naming the inference profile a foundation model is invoked through
 * (absent on a direct call; an application profile's ARN when called through one). Service
 * Authorization Reference for Amazon Bedrock, condition keys; example policies in
 * https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html.
 */
export const INFERENCE_PROFILE_ARN_KEY = "bedrock:InferenceProfileArn";

export interface TenantPermissionsBoundaryProps {
  readonly policyName: string;
  readonly environment: string;
  readonly region: string;
  readonly accountId: string;
  /** The agent image repository tenants pull from. */
  readonly repositoryArn: string;
  /** Key that encrypts ECS Exec sessions: a task must decrypt with it to accept a session. */
  readonly execKmsKeyArn: string;
  /** `resource_id` of the shared database, for `rds-db:connect` ARNs. */
  readonly databaseResourceId: string;
  /** The environment traces its agents (#29): allow what the collector sidecar calls. @default false */
  readonly tracing?: boolean;
}

/**
 * The ceiling on every tenant role, whatever its own policies say. Each statement is
 * attribute-based: a role tagged `tenant_id=acme` can at most touch resources named or tagged
 * for acme. A bug in one tenant's policies therefore still cannot reach another tenant, and
 * no tenant role can touch IAM, other services, or platform resources.
 */
export class TenantPermissionsBoundary extends Construct {
  public readonly policyArn: string;

  constructor(scope: Construct, id: string, props: TenantPermissionsBoundaryProps) {
    super(scope, id);
    const tenant = iamPolicyVariable(`aws:PrincipalTag/${TENANT_PRINCIPAL_TAG}`);
    const dbUser = iamPolicyVariable(`aws:PrincipalTag/${DATABASE_USER_PRINCIPAL_TAG}`);
    const { region, accountId } = props;
    const bucketArn = `arn:aws:s3:::${tenantBucketName(tenant, accountId, region)}`;

    const policy = new IamPolicy(this, "policy", {
      name: props.policyName,
      description: "Permissions boundary for OpenClaw tenant roles: own tenant's resources only",
      policy: renderPolicy([
        {
          Sid: "OwnBucket",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:AbortMultipartUpload"],
          Resource: [bucketArn, `${bucketArn}/*`],
        },
        {
          Sid: "OwnSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:${tenantSecretName(props.environment, tenant, "*")}`,
        },
        {
          Sid: "OwnKeys",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
          Resource: `arn:aws:kms:${region}:${accountId}:key/*`,
          Condition: { StringEquals: { [`aws:ResourceTag/${TENANT_RESOURCE_TAG}`]: tenant } },
        },
        {
          // Container output (execution role) and ECS Exec transcripts (task roles, written by
          // the SSM agent, which also reads the stream's state).
          Sid: "OwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: `arn:aws:logs:${region}:${accountId}:log-group:${tenantLogGroupName(props.environment, tenant)}:*`,
        },
        {
          Sid: "OwnDatabaseUser",
          Effect: "Allow",
          Action: "rds-db:connect",
          Resource: `arn:aws:rds-db:${region}:${accountId}:dbuser:${props.databaseResourceId}/${dbUser}`,
        },
        {
          Sid: "PullAgentImage",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
          Resource: props.repositoryArn,
        },
        {
          // An agent's own scaling metric (config/agent-scaling.ts): only into its tenant's
          // namespace, so no tenant can feed another tenant's target tracking.
          Sid: "OwnScalingMetrics",
          Effect: "Allow",
          Action: "cloudwatch:PutMetricData",
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": customMetricNamespace(tenant) } },
        },
        {
          // GetAuthorizationToken has no resource-level permissions.
          Sid: "RegistryLogin",
          Effect: "Allow",
          Action: "ecr:GetAuthorizationToken",
          Resource: "*",
        },
        {
          // Only application inference profiles tagged for the role's own tenant.
          Sid: "InvokeOwnInferenceProfiles",
          Effect: "Allow",
          Action: BEDROCK_INVOKE_ACTIONS,
          Resource: `arn:aws:bedrock:${region}:${accountId}:application-inference-profile/*`,
          Condition: { StringEquals: { [`aws:ResourceTag/${TENANT_RESOURCE_TAG}`]: tenant } },
        },
        {
          // The system-defined profiles those copy; Bedrock authorizes them on the way.
          Sid: "RouteThroughSystemProfiles",
          Effect: "Allow",
          Action: BEDROCK_INVOKE_ACTIONS,
          Resource: `arn:aws:bedrock:${region}:${accountId}:inference-profile/*`,
        },
        {
          // Foundation models in any region a cross-region profile routes to (not only the home
          // region), but only when reached through an application profile of this account and region.
          Sid: "ModelsOnlyThroughApplicationProfiles",
          Effect: "Allow",
          Action: BEDROCK_INVOKE_ACTIONS,
          Resource: "arn:aws:bedrock:*::foundation-model/*",
          Condition: { ArnLike: { [INFERENCE_PROFILE_ARN_KEY]: `arn:aws:bedrock:${region}:${accountId}:application-inference-profile/*` } },
        },
        {
          // The spend-stop role AWS Budgets assumes: attach or detach exactly the tenant's own
          // spend-stop policy, on the tenant's own task roles (name and tenant tag both match,
          // since one tenant id can be a prefix of another).
          Sid: "SpendStopOwnTaskRoles",
          Effect: "Allow",
          Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
          Resource: `arn:aws:iam::${accountId}:role/${agentTaskRoleName(tenant, "*")}`,
          Condition: {
            StringEquals: { [`aws:ResourceTag/${TENANT_PRINCIPAL_TAG}`]: tenant },
            ArnEquals: { "iam:PolicyARN": `arn:aws:iam::${accountId}:policy/${tenantSpendStopPolicyName(tenant)}` },
          },
        },
        {
          Sid: "EcsExecSessionKey",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: props.execKmsKeyArn,
        },
        {
          // The SSM agent looks its log group up before uploading a transcript. DescribeLogGroups
          // is authorized against log-group::log-stream: whatever prefix it asks for, so this
          // account and region is as narrow as it gets (names and settings, never log data).
          Sid: "EcsExecFindLogGroup",
          Effect: "Allow",
          Action: "logs:DescribeLogGroups",
          Resource: `arn:aws:logs:${region}:${accountId}:log-group:*`,
        },
        {
          // ECS Exec's SSM channels have no resource-level permissions.
          Sid: "EcsExecChannels",
          Effect: "Allow",
          Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
          Resource: "*",
        },
        // The tracing collector's one action, which has no resource-level permission.
        ...(props.tracing ? tracingStatements() : []),
      ]),
    });
    this.policyArn = policy.arn;
  }
}
