/** Small tenant modules: secrets, logging, security group, budget, alarms. */
import { AgentAlarms } from "../../modules/agent-alarms";
import { TenantBudget } from "../../modules/tenant-budget";
import { TenantLogging } from "../../modules/tenant-logging";
import { TenantSecrets } from "../../modules/tenant-secrets";
import { TenantSecurityGroup } from "../../modules/tenant-security-group";
import { all, only, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/acme";

describe("TenantSecrets", () => {
  it("creates one KMS-encrypted secret per integration and no secret value", () => {
    const { json } = synthModule(
      (scope) => new TenantSecrets(scope, "secrets", { tenantId: "acme", kmsKeyArn: KEY, secretNames: { slack: "/openclaw/p/acme/slack", gmail: "/openclaw/p/acme/gmail" } }),
    );
    expect(all(json, "aws_secretsmanager_secret").map((s) => [s.name, s.kms_key_id]).sort()).toEqual([
      ["/openclaw/p/acme/gmail", KEY],
      ["/openclaw/p/acme/slack", KEY],
    ]);
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });

  it("grants nothing when the tenant has no integrations", () => {
    synthModule((scope) => expect(new TenantSecrets(scope, "secrets", { tenantId: "acme", kmsKeyArn: KEY, secretNames: {} }).readStatements()).toEqual([]));
  });

  it("fails on a recovery window Secrets Manager does not accept", () => {
    expect(() => synthModule((scope) => new TenantSecrets(scope, "s", { tenantId: "acme", kmsKeyArn: KEY, secretNames: {}, recoveryWindowDays: 3 }))).toThrow(
      "TenantSecrets acme: recoveryWindowDays must be an integer from 7 to 30, got 3",
    );
  });
});

describe("TenantLogging", () => {
  it("encrypts the log group with the tenant key and keeps logs for the configured days", () => {
    const { json } = synthModule((scope) => new TenantLogging(scope, "logging", { logGroupName: "/openclaw/p/acme", kmsKeyArn: KEY, retentionDays: 365 }));
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({ name: "/openclaw/p/acme", kms_key_id: KEY, retention_in_days: 365 });
  });
});

describe("TenantSecurityGroup", () => {
  it("has no ingress and only HTTPS egress", () => {
    const { json } = synthModule((scope) => new TenantSecurityGroup(scope, "sg", { name: "openclaw-acme-agents", tenantId: "acme", vpcId: "vpc-1" }));
    expect(only(json, "aws_security_group").ingress).toBeUndefined();
    expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    expect(all(json, "aws_vpc_security_group_egress_rule").map((r) => [r.ip_protocol, r.from_port, r.to_port])).toEqual([["tcp", 443, 443]]);
  });
});

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

describe("AgentAlarms", () => {
  it("raises CPU and memory alarms to the topic and ignores missing data of a suspended service", () => {
    const { json } = synthModule(
      (scope) =>
        new AgentAlarms(scope, "alarms", { clusterName: "agents", serviceName: "acme-scout", alarmName: (m) => `acme-scout-${m}`, alarmTopicArn: "arn:aws:sns:x" }),
    );
    const alarms = all(json, "aws_cloudwatch_metric_alarm");
    expect(alarms.map((a) => [a.alarm_name, a.metric_name])).toEqual([
      ["acme-scout-cpu-high", "CPUUtilization"],
      ["acme-scout-memory-high", "MemoryUtilization"],
    ]);
    expect(alarms.every((a) => a.treat_missing_data === "notBreaching" && a.alarm_actions[0] === "arn:aws:sns:x")).toBe(true);
  });
});
