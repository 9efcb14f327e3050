import { Construct } from "constructs";
import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { TENANT_RESOURCE_TAG } from "./tenant-permissions-boundary";

export interface TenantBudgetProps {
  readonly budgetName: string;
  readonly tenantId: string;
  readonly monthlyUsd: number;
  readonly alertEmails: readonly string[];
}

/**
 * A monthly cost budget for one tenant, filtered on the TenantID cost-allocation tag (the tag
 * must be activated once per account in the Billing console). Alerts at 80% of actual spend
 * and when the forecast passes 100%.
 */
export class TenantBudget extends Construct {
  /** The budget's name, as a reference (budget actions must wait for the budget). */
  public readonly budgetName: string;

  constructor(scope: Construct, id: string, props: TenantBudgetProps) {
    super(scope, id);
    if (!(props.monthlyUsd > 0)) throw new Error(`TenantBudget ${props.tenantId}: monthlyUsd must be > 0, got ${props.monthlyUsd}`);
    if (props.alertEmails.length === 0) throw new Error(`TenantBudget ${props.tenantId}: alertEmails must not be empty`);
    const budget = new BudgetsBudget(this, "budget", {
      name: props.budgetName,
      budgetType: "COST",
      limitAmount: props.monthlyUsd.toFixed(2),
      limitUnit: "USD",
      timeUnit: "MONTHLY",
      costFilter: [{ name: "TagKeyValue", values: [`user:${TENANT_RESOURCE_TAG}$${props.tenantId}`] }],
      notification: [
        {
          comparisonOperator: "GREATER_THAN",
          threshold: 80,
          thresholdType: "PERCENTAGE",
          notificationType: "ACTUAL",
          subscriberEmailAddresses: [...props.alertEmails],
        },
        {
          comparisonOperator: "GREATER_THAN",
          threshold: 100,
          thresholdType: "PERCENTAGE",
          notificationType: "FORECASTED",
          subscriberEmailAddresses: [...props.alertEmails],
        },
      ],
    });
    this.budgetName = budget.name;
  }
}
