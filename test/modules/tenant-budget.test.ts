import { TenantBudget } from "../../modules/tenant-budget";
import { only, synthModule } from "../support/module-synth";


describe("TenantBudget", () => {
  it("filters on the TenantID cost-allocation tag and alerts at 80% actual and 100% forecast", () => {
    const { json } = synthModule(
      (scope) => new TenantBudget(scope, "budget", { budgetName: "openclaw-p-acme", tenantId: "acme", monthlyUsd: 300, alertEmails: ["ops@acme.example"] }),
    );
    const budget = only(json, "aws_budgets_budget");
    expect(budget.limit_amount).toBe("300.00");
    expect(budget.cost_filter).toEqual([{ name: "TagKeyValue", values: ["user:TenantID$acme"] }]);
    expect(budget.notification.map((n: any) => [n.notification_type, n.threshold])).toEqual([
      ["ACTUAL", 80],
      ["FORECASTED", 100],
    ]);
  });

  it("fails without alert e-mails", () => {
    expect(() => synthModule((scope) => new TenantBudget(scope, "b", { budgetName: "b", tenantId: "acme", monthlyUsd: 1, alertEmails: [] }))).toThrow(
      "TenantBudget acme: alertEmails must not be empty",
    );
  });
});
