import { Construct } from "constructs";
import { BudgetsBudgetAction } from "@cdktf/provider-aws/lib/budgets-budget-action";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { PolicyStatement, renderPolicy } from "./iam-policy-document";
import { BEDROCK_INVOKE_ACTIONS } from "./tenant-permissions-boundary";

export interface TenantSpendStopProps {
  readonly tenantId: string;
  /** The tenant's cost budget (its name as a reference, so the action waits for the budget). */
  readonly budgetName: string;
  /** Actual spend, in percent of the budget, that triggers the stop (provider: 0-40,000,000,000). */
  readonly thresholdPercent: number;
  /** Name of the managed deny policy the action attaches. */
  readonly policyName: string;
  /**
   * The tenant's role AWS Budgets assumes to attach the policy: the tenant's ECS execution role,
   * whose trust policy admits Budgets for this budget (budgetsTrustStatement). Reusing it keeps a
   * tenant at 1 + agents IAM roles: a role more per tenant would put 1,000 three-agent tenants
   * past the 5,000-role account maximum.
   */
  readonly executionRole: { readonly id: string; readonly arn: string };
  /** Names and ARNs of the task roles the policy is attached to (the tenant's agents). */
  readonly taskRoles: ReadonlyArray<{ readonly name: string; readonly arn: string }>;
  /** Who hears that the stop fired (1-11 addresses: the provider's subscriber limit). */
  readonly notifyEmails: readonly string[];
}

/**
 * An automatic spend stop for one tenant: when actual monthly spend passes the threshold, AWS
 * Budgets attaches a managed policy denying Bedrock invocation to every task role of the tenant
 * (APPLY_IAM_POLICY, approval AUTOMATIC), so a looping agent stops burning tokens overnight while
 * everything else keeps running. The role Budgets uses can attach only that policy, only to this
 * tenant's task roles, and the platform's permissions boundary caps it like every tenant role.
 *
 * Lifting it (README "What a tenant costs"): reset the action, which detaches the policy:
 * `aws budgets execute-budget-action --account-id <acct> --budget-name <budget> --action-id <id> --execution-type RESET_BUDGET_ACTION`.
 */
export class TenantSpendStop extends Construct {
  public readonly policyArn: string;
  /** The managed deny policy; the task roles must be destroyed before it (AgentIam.taskRolesOutlivedBy). */
  public readonly policy: IamPolicy;
  /**
   * The execution role's inline grant for Budgets. ECS reads the execution role's policies when it
   * starts tasks, so services wait for every one of them (invariants: roles handed to AWS services).
   */
  public readonly executionRoleGrant: IamRolePolicy;

  constructor(scope: Construct, id: string, props: TenantSpendStopProps) {
    super(scope, id);
    if (!Number.isInteger(props.thresholdPercent) || props.thresholdPercent < 1) {
      throw new Error(`TenantSpendStop ${props.tenantId}: thresholdPercent must be an integer >= 1, got ${props.thresholdPercent}`);
    }
    if (props.taskRoles.length === 0 || props.taskRoles.length > 100) {
      throw new Error(`TenantSpendStop ${props.tenantId}: taskRoles must name 1-100 roles (the action's limit), got ${props.taskRoles.length}`);
    }
    if (props.notifyEmails.length === 0 || props.notifyEmails.length > 11) {
      throw new Error(`TenantSpendStop ${props.tenantId}: notifyEmails must hold 1-11 addresses, got ${props.notifyEmails.length}`);
    }

    const policy = new IamPolicy(this, "deny-bedrock", {
      name: props.policyName,
      description: `Attached by AWS Budgets when tenant ${props.tenantId} passes its spend stop: no model invocations`,
      policy: renderPolicy([{ Sid: "SpendStopNoModelInvocation", Effect: "Deny", Action: BEDROCK_INVOKE_ACTIONS, Resource: "*" }]),
    });
    this.policyArn = policy.arn;
    this.policy = policy;

    this.executionRoleGrant = new IamRolePolicy(this, "role-policy", {
      role: props.executionRole.id,
      name: "spend-stop",
      policy: renderPolicy([
        {
          Sid: "AttachOnlyTheSpendStopToOwnTaskRoles",
          Effect: "Allow",
          Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
          Resource: props.taskRoles.map((r) => r.arn),
          Condition: { ArnEquals: { "iam:PolicyARN": policy.arn } },
        },
      ]),
    });

    new BudgetsBudgetAction(this, "action", {
      budgetName: props.budgetName,
      actionType: "APPLY_IAM_POLICY",
      approvalModel: "AUTOMATIC",
      notificationType: "ACTUAL",
      actionThreshold: { actionThresholdType: "PERCENTAGE", actionThresholdValue: props.thresholdPercent },
      definition: { iamActionDefinition: { policyArn: policy.arn, roles: props.taskRoles.map((r) => r.name) } },
      executionRoleArn: props.executionRole.arn,
      subscriber: props.notifyEmails.map((address) => ({ address, subscriptionType: "EMAIL" })),
    });
  }
}

/**
 * Trust for AWS Budgets acting on one budget of this account (confused-deputy guard), added to
 * the role that runs the tenant's budget action.
 */
export function budgetsTrustStatement(accountId: string, budgetName: string): PolicyStatement {
  return {
    Sid: "BudgetsSpendStop",
    Effect: "Allow",
    Principal: { Service: "budgets.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: {
      StringEquals: { "aws:SourceAccount": accountId },
      ArnLike: {
        "aws:SourceArn": [`arn:aws:budgets::${accountId}:budget/${budgetName}`, `arn:aws:budgets::${accountId}:budget/${budgetName}/action/*`],
      },
    },
  };
}
