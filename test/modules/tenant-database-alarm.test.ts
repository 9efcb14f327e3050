import { TenantDatabaseAlarm, TenantDatabaseAlarmProps } from "../../modules/tenant-database-alarm";
import { only, synthModule } from "../support/module-synth";

const props: TenantDatabaseAlarmProps = {
  tenantId: "acme",
  environment: "production",
  alarmName: "openclaw-acme-database-storage-high",
  alarmTopicArn: "arn:aws:sns:us-east-1:111111111111:alarms",
  storageGiB: 5,
};
const build = (overrides: Partial<TenantDatabaseAlarmProps> = {}) =>
  only(synthModule((scope) => new TenantDatabaseAlarm(scope, "database-alarm", { ...props, ...overrides })).json, "aws_cloudwatch_metric_alarm");

describe("TenantDatabaseAlarm", () => {
  it("alarms on the tenant's storage metric, as the provisioner's measure operation emits it, above the threshold", () => {
    expect(build()).toMatchObject({
      namespace: "OpenClaw/Database",
      metric_name: "TenantStorageBytes",
      dimensions: { Environment: "production", TenantID: "acme" },
      threshold: 5 * 1024 ** 3,
      comparison_operator: "GreaterThanThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: [props.alarmTopicArn],
    });
  });

  it("fails when storageGiB is not a positive integer", () => {
    expect(() => build({ storageGiB: 0 })).toThrow("TenantDatabaseAlarm acme: storageGiB must be a positive integer, got 0");
  });
});
