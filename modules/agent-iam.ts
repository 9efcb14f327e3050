import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { PolicyStatement, renderPolicy, TENANT_PRINCIPAL_TAG } from "./iam-policy-document";
import { DATABASE_USER_PRINCIPAL_TAG } from "./tenant-permissions-boundary";

export interface AgentIamProps {
  readonly tenantId: string;
  readonly accountId: string;
  readonly region: string;
  readonly executionRoleName: string;
  /** Agent name → task role name. */
  readonly taskRoleNames: Record<string, string>;
  /** The platform's permissions boundary; caps every role whatever its policies say. */
  readonly permissionsBoundaryArn: string;
  /** PostgreSQL role the agents log in as; tagged on task roles for the boundary's ABAC. */
  readonly databaseUser: string;
  /**
   * Further services that may assume the execution role (AWS Budgets running the tenant's spend
   * stop). @default ECS tasks of this account and region only
   */
  readonly executionRoleExtraTrust?: readonly PolicyStatement[];
}

/**
 * The tenant's IAM roles: one execution role shared by its agents (ECS uses it to pull the image,
 * read the tenant's secrets and write its logs) and one task role per agent (what the agent's
 * code may do). 1 + agents roles per tenant: 4,000 roles for 1,000 three-agent tenants, inside
 * the 5,000-role account maximum; a role pair per agent (6,000) would not fit.
 *
 * Roles are created without policies; callers grant statements after creating the resources
 * the statements name, so the tenant key's policy can name the roles without a cycle.
 */
export class AgentIam extends Construct {
  public readonly executionRoleArn: string;
  /** The execution role's name, for policies other modules attach to it. */
  public readonly executionRoleName: string;
  /** Agent name → task role ARN. */
  public readonly taskRoleArns: Record<string, string> = {};
  /** Agent name → task role name (a reference, so users of it wait for the role). */
  public readonly taskRoleNameRefs: Record<string, string> = {};
  private readonly executionRoleId: string;
  private readonly taskRoleIds: Record<string, string> = {};

  constructor(scope: Construct, id: string, private readonly props: AgentIamProps) {
    super(scope, id);
    if (Object.keys(props.taskRoleNames).length === 0) {
      throw new Error(`AgentIam ${props.tenantId}: taskRoleNames must name at least one agent`);
    }
    // Confused-deputy guard: only ECS acting for this account and region may assume the roles.
    const ecsTrust: PolicyStatement = {
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": props.accountId },
        ArnLike: { "aws:SourceArn": `arn:aws:ecs:${props.region}:${props.accountId}:*` },
      },
    };
    const trust = renderPolicy([ecsTrust]);
    const tags = { [TENANT_PRINCIPAL_TAG]: props.tenantId };

    const executionRole = new IamRole(this, "execution-role", {
      name: props.executionRoleName,
      description: `ECS execution role of tenant ${props.tenantId}: image pull, own secrets, own logs`,
      assumeRolePolicy: renderPolicy([ecsTrust, ...(props.executionRoleExtraTrust ?? [])]),
      permissionsBoundary: props.permissionsBoundaryArn,
      maxSessionDuration: 3600,
      tags,
    });
    this.executionRoleArn = executionRole.arn;
    this.executionRoleId = executionRole.id;
    this.executionRoleName = executionRole.name;

    for (const [agent, roleName] of Object.entries(props.taskRoleNames)) {
      const role = new IamRole(this, `${agent}-task-role`, {
        name: roleName,
        description: `Task role of agent ${agent} of tenant ${props.tenantId}`,
        assumeRolePolicy: trust,
        permissionsBoundary: props.permissionsBoundaryArn,
        maxSessionDuration: 3600,
        tags: { ...tags, [DATABASE_USER_PRINCIPAL_TAG]: props.databaseUser },
      });
      this.taskRoleArns[agent] = role.arn;
      this.taskRoleNameRefs[agent] = role.name;
      this.taskRoleIds[agent] = role.id;
    }
  }

  /** Every role of the tenant, for the tenant key's policy. */
  public get allRoleArns(): string[] {
    return [this.executionRoleArn, ...Object.values(this.taskRoleArns)];
  }

  /**
   * Grants the execution role its statements. Returns the policy: ECS services depend on it, since
   * the role's ARN alone does not make a first task wait until it can pull and read secrets.
   */
  public grantExecution(statements: PolicyStatement[]): ITerraformDependable {
    return new IamRolePolicy(this, "execution-policy", { role: this.executionRoleId, name: "execution", policy: renderPolicy(statements) });
  }

  /** Grants one agent's task role its statements; returns the policy for the service to wait on. */
  public grantTask(agent: string, statements: PolicyStatement[]): ITerraformDependable {
    const roleId = this.taskRoleIds[agent];
    if (!roleId) throw new Error(`AgentIam ${this.props.tenantId}: no task role for agent ${agent}`);
    return new IamRolePolicy(this, `${agent}-task-policy`, { role: roleId, name: "task", policy: renderPolicy(statements) });
  }
}

/** Pulling the agent image: ECR login has no resource-level permission, the pull itself does. */
export function imagePullStatements(repositoryArn: string): PolicyStatement[] {
  return [
    { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PullAgentImage",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: repositoryArn,
    },
  ];
}

/**
 * What ECS Exec needs inside a task: the SSM channels, decrypting with the platform's exec key,
 * and writing the session transcript. The cluster logs sessions to each task's own awslogs group
 * (the tenant's), and the SSM agent writes there with the task's role, into a stream named by the
 * session id; it first looks the group up with DescribeLogGroups, which cannot be scoped below
 * the account and region (amazon-ssm-agent cloudwatchlogs_service.go, StreamData).
 */
export function ecsExecStatements(execKmsKeyArn: string, ownLogGroupArn: string, region: string, accountId: string): PolicyStatement[] {
  return [
    {
      Sid: "EcsExecChannels",
      Effect: "Allow",
      Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
      Resource: "*",
    },
    { Sid: "EcsExecSessionKey", Effect: "Allow", Action: "kms:Decrypt", Resource: execKmsKeyArn },
    {
      Sid: "EcsExecSessionLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: `${ownLogGroupArn}:*`,
    },
    { Sid: "EcsExecFindLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: `arn:aws:logs:${region}:${accountId}:log-group:*` },
  ];
}

/**
 * Publishing the agent's own scaling metric, into its tenant's namespace only: PutMetricData has
 * no resource-level permission, `cloudwatch:namespace` is its condition key (Service
 * Authorization Reference, Amazon CloudWatch). Another tenant's namespace, and so another
 * tenant's scaling, is out of reach.
 */
export function customMetricStatements(namespace: string): PolicyStatement[] {
  return [
    {
      Sid: "PublishOwnScalingMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": namespace } },
    },
  ];
}

/** Logging in to PostgreSQL as the tenant's own role with an IAM token. */
export function databaseConnectStatements(region: string, accountId: string, databaseResourceId: string, databaseUser: string): PolicyStatement[] {
  return [
    {
      Sid: "ConnectAsOwnDatabaseRole",
      Effect: "Allow",
      Action: "rds-db:connect",
      Resource: `arn:aws:rds-db:${region}:${accountId}:dbuser:${databaseResourceId}/${databaseUser}`,
    },
  ];
}
