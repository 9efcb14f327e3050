import { budgetsTrustStatement, TenantSpendStop, TenantSpendStopProps } from "../../modules/tenant-spend-stop";
import { only, synthModule } from "../support/module-synth";

const props: TenantSpendStopProps = {
  tenantId: "acme",
  budgetName: "openclaw-production-acme",
  thresholdPercent: 150,
  policyName: "openclaw-acme-spend-stop",
  executionRole: { id: "openclaw-acme-execution", arn: "arn:aws:iam::111111111111:role/openclaw-acme-execution" },
  taskRoles: [
    { name: "openclaw-acme-butler-task", arn: "arn:aws:iam::111111111111:role/openclaw-acme-butler-task" },
    { name: "openclaw-acme-scout-task", arn: "arn:aws:iam::111111111111:role/openclaw-acme-scout-task" },
  ],
  notifyEmails: ["ops@acme.example"],
};
const build = (overrides: Partial<TenantSpendStopProps> = {}) => synthModule((scope) => new TenantSpendStop(scope, "stop", { ...props, ...overrides })).json;

describe("TenantSpendStop", () => {
  // Arguments and validators: internal/service/budgets/budget_action.go (terraform-provider-aws).
  it("attaches the deny policy to every task role automatically when actual spend passes the threshold", () => {
    const action = only(build(), "aws_budgets_budget_action");
    expect(action).toMatchObject({
      budget_name: "openclaw-production-acme",
      action_type: "APPLY_IAM_POLICY",
      approval_model: "AUTOMATIC",
      notification_type: "ACTUAL",
      action_threshold: { action_threshold_type: "PERCENTAGE", action_threshold_value: 150 },
      definition: { iam_action_definition: { roles: ["openclaw-acme-butler-task", "openclaw-acme-scout-task"] } },
      subscriber: [{ address: "ops@acme.example", subscription_type: "EMAIL" }],
    });
    expect(action.definition.iam_action_definition.policy_arn).toMatch(/^\$\{aws_iam_policy\.stop_deny-bedrock_[A-F0-9]+\.arn\}$/);
    expect(action.execution_role_arn).toBe("arn:aws:iam::111111111111:role/openclaw-acme-execution");
  });

  it("denies every Bedrock invocation in the policy it attaches", () => {
    expect(JSON.parse(only(build(), "aws_iam_policy").policy).Statement).toEqual([
      { Sid: "SpendStopNoModelInvocation", Effect: "Deny", Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], Resource: "*" },
    ]);
  });

  it("lets its role attach and detach only that policy, only on the tenant's task roles", () => {
    const json = build();
    const rolePolicy = only(json, "aws_iam_role_policy");
    expect(rolePolicy.role).toBe("openclaw-acme-execution");
    const [statement, ...rest] = JSON.parse(rolePolicy.policy).Statement;
    expect(rest).toEqual([]);
    expect(statement.Action).toEqual(["iam:AttachRolePolicy", "iam:DetachRolePolicy"]);
    expect(statement.Resource).toEqual(props.taskRoles.map((r) => r.arn));
    expect(statement.Condition).toEqual({ ArnEquals: { "iam:PolicyARN": expect.stringMatching(/^\$\{aws_iam_policy\.stop_deny-bedrock_[A-F0-9]+\.arn\}$/) } });
  });

  it("admits only AWS Budgets acting for this account and this budget (confused-deputy guard)", () => {
    expect(budgetsTrustStatement("111111111111", "openclaw-production-acme")).toEqual({
      Sid: "BudgetsSpendStop",
      Effect: "Allow",
      Principal: { Service: "budgets.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": "111111111111" },
        ArnLike: {
          "aws:SourceArn": [
            "arn:aws:budgets::111111111111:budget/openclaw-production-acme",
            "arn:aws:budgets::111111111111:budget/openclaw-production-acme/action/*",
          ],
        },
      },
    });
  });

  it("creates no IAM role of its own: a tenant stays at 1 + agents roles", () => {
    expect(build().resource.aws_iam_role).toBeUndefined();
  });

  it("fails without a task role or with more subscribers than Budgets allows", () => {
    expect(() => build({ taskRoles: [] })).toThrow("TenantSpendStop acme: taskRoles must name 1-100 roles (the action's limit), got 0");
    expect(() => build({ notifyEmails: Array.from({ length: 12 }, (_, i) => `o${i}@x.example`) })).toThrow(
      "TenantSpendStop acme: notifyEmails must hold 1-11 addresses, got 12",
    );
  });
});
