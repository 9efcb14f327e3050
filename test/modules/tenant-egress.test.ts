import { TenantEgress, TenantEgressProps } from "../../modules/tenant-egress";
import { all, only, synthModule } from "../support/module-synth";

const PROPS: TenantEgressProps = {
  tenantId: "acme",
  domains: ["*.slack.com", "api.slack.com"],
  parameterName: "/openclaw/production/us-east-1/egress/tenants/acme",
  secretName: "/openclaw/production/acme/platform/egress-proxy",
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/acme",
  alarmName: "openclaw-acme-egress-refused-spike",
  alarmTopicArn: "arn:aws:sns:us-east-1:111111111111:alarms",
};
let secrets: Record<string, string> = {};
const synth = (props: Partial<TenantEgressProps> = {}) =>
  synthModule((scope) => {
    secrets = new TenantEgress(scope, "egress", { ...PROPS, ...props }).proxyEnvironmentSecrets();
  }).json;

describe("TenantEgress", () => {
  it("creates the credential secret with the tenant key and never a value", () => {
    const json = synth();
    expect(only(json, "aws_secretsmanager_secret")).toMatchObject({ name: PROPS.secretName, kms_key_id: PROPS.kmsKeyArn });
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });

  it("publishes the allowlist as plain JSON in one standard parameter", () => {
    const parameter = only(synth(), "aws_ssm_parameter");
    expect(parameter).toMatchObject({ name: PROPS.parameterName, type: "String", tier: "Standard" });
    expect(JSON.parse(parameter.value)).toEqual({ schemaVersion: 1, tenant: "acme", credentialSecret: PROPS.secretName, domains: PROPS.domains });
  });

  it("alarms on its own tenant's refusals only", () => {
    const alarms = all(synth({ refusedAlarmThreshold: 5 }), "aws_cloudwatch_metric_alarm");
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ namespace: "OpenClaw/Egress", metric_name: "RefusedConnections", dimensions: { TenantId: "acme" }, threshold: 5 });
  });

  it("hands agents HTTPS_PROXY and HTTP_PROXY from the secret's proxyUrl key", () => {
    synth();
    expect(Object.keys(secrets).sort()).toEqual(["HTTPS_PROXY", "HTTP_PROXY"]);
    expect(secrets.HTTPS_PROXY).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}:proxyUrl::$/);
  });

  it("fails when the alarm threshold is below one", () => {
    expect(() => synth({ refusedAlarmThreshold: 0 })).toThrow(/refusedAlarmThreshold/);
  });
});
