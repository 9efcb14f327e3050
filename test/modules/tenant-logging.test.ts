import { TenantLogging } from "../../modules/tenant-logging";
import { only, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/acme";

describe("TenantLogging", () => {
  it("encrypts the log group with the tenant key and keeps logs for the configured days", () => {
    const { json } = synthModule((scope) => new TenantLogging(scope, "logging", { logGroupName: "/openclaw/p/acme", kmsKeyArn: KEY, retentionDays: 365 }));
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({ name: "/openclaw/p/acme", kms_key_id: KEY, retention_in_days: 365 });
  });

  it("is deleted with the stack by default, or left in place with skip_destroy when asked", () => {
    const group = (retainOnDestroy?: boolean) =>
      only(synthModule((scope) => new TenantLogging(scope, "logging", { logGroupName: "/openclaw/p/acme", kmsKeyArn: KEY, retentionDays: 30, retainOnDestroy })).json, "aws_cloudwatch_log_group");
    expect(group().skip_destroy).toBeUndefined();
    expect(group(true).skip_destroy).toBe(true);
  });

  it("counts error lines of this tenant only, the dimension pinned to its id by the pattern", () => {
    const { json } = synthModule((scope) => new TenantLogging(scope, "logging", { logGroupName: "/openclaw/p/acme", kmsKeyArn: KEY, retentionDays: 30, errorMetric: { tenantId: "acme", filterName: "openclaw-acme-log-errors" } }));
    const filter = only(json, "aws_cloudwatch_log_metric_filter");
    expect(filter).toMatchObject({
      name: "openclaw-acme-log-errors",
      metric_transformation: { namespace: "OpenClaw/Agents", name: "ErrorLogEvents", value: "1", dimensions: { TenantId: "$.tenant" } },
    });
    expect(filter.pattern).toMatch(/^\{ \(\$\.tenant = "acme"\) && \(/);
    expect(filter.pattern).toContain('($.level = "error")');
  });

  it("creates no metric filter unless asked", () => {
    const { json } = synthModule((scope) => new TenantLogging(scope, "logging", { logGroupName: "/openclaw/p/acme", kmsKeyArn: KEY, retentionDays: 30 }));
    expect(json.resource.aws_cloudwatch_log_metric_filter).toBeUndefined();
  });
});
