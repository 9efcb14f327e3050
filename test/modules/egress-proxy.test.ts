import { EGRESS_PROXY_PORT, EgressProxy, EgressProxyProps } from "../../modules/egress-proxy";
import { all, only, synthModule } from "../support/module-synth";

const PROPS: EgressProxyProps = {
  name: "openclaw-production-us-east-1-egress-proxy",
  region: "us-east-1",
  accountId: "111111111111",
  vpcId: "vpc-1",
  vpcCidr: "10.0.0.0/16",
  subnetIds: ["subnet-a", "subnet-b"],
  clusterArn: "arn:aws:ecs:us-east-1:111111111111:cluster/agents",
  namespaceName: "egress.us-east-1.production.openclaw.internal",
  image: "111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw-agents:egress-proxy-1",
  repositoryArn: "arn:aws:ecr:us-east-1:111111111111:repository/openclaw-agents",
  desiredCount: 2,
  cpu: 512,
  memoryMiB: 1024,
  logGroupName: "/openclaw/production/us-east-1/platform/egress-proxy",
  logRetentionDays: 90,
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/platform",
  serviceRoleBoundaryArn: "arn:aws:iam::111111111111:policy/boundary",
  tenantsParameterPath: "/openclaw/production/us-east-1/egress/tenants",
  tenantSecretArnPattern: "arn:aws:secretsmanager:us-east-1:111111111111:secret:/openclaw/production/*/platform/egress-proxy-*",
  alarmTopicArn: "arn:aws:sns:us-east-1:111111111111:alarms",
};
const synth = (props: Partial<EgressProxyProps> = {}) => synthModule((scope) => new EgressProxy(scope, "egress-proxy", { ...PROPS, ...props })).json;

describe("EgressProxy", () => {
  it("admits the proxy port from the VPC range only, and reaches out on 443 only", () => {
    const json = synth();
    expect(all(json, "aws_vpc_security_group_ingress_rule").map((r) => [r.from_port, r.to_port, r.cidr_ipv4])).toEqual([[EGRESS_PROXY_PORT, EGRESS_PROXY_PORT, "10.0.0.0/16"]]);
    expect(all(json, "aws_vpc_security_group_egress_rule").map((r) => [r.from_port, r.to_port, r.cidr_ipv4])).toEqual([[443, 443, "0.0.0.0/0"]]);
  });

  it("runs squid unprivileged on a read-only root, on demand, registered under proxy.<namespace>", () => {
    const json = synth();
    const [container] = JSON.parse(only(json, "aws_ecs_task_definition").container_definitions);
    expect(container).toMatchObject({ user: "13:13", readonlyRootFilesystem: true, privileged: false, linuxParameters: { capabilities: { drop: ["ALL"] } } });
    expect(container.healthCheck.command).toEqual(["CMD", "/usr/local/bin/egress-proxy", "health"]);
    const service = only(json, "aws_ecs_service");
    expect(service).toMatchObject({ desired_count: 2, capacity_provider_strategy: [{ capacity_provider: "FARGATE", weight: 1 }], wait_for_steady_state: true });
    expect(only(json, "aws_service_discovery_service").name).toBe("proxy");
    expect(only(json, "aws_service_discovery_private_dns_namespace").name).toBe(PROPS.namespaceName);
  });

  it("counts refusals per verified tenant (403) and in total (403 and 407), and alarms on the total", () => {
    const json = synth({ refusedAlarmThreshold: 50 });
    const filters = all(json, "aws_cloudwatch_log_metric_filter");
    expect(filters.map((f) => [f.pattern, f.metric_transformation.name, f.metric_transformation.dimensions]).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      ["{ $.status = 403 }", "RefusedConnections", { TenantId: "$.tenant" }],
      ["{ ($.status = 403) || ($.status = 407) }", "RefusedConnectionsAll", undefined],
    ]);
    expect(only(json, "aws_cloudwatch_metric_alarm")).toMatchObject({ metric_name: "RefusedConnectionsAll", threshold: 50, alarm_actions: [PROPS.alarmTopicArn] });
  });

  it("lets the refresher read allowlists and write credentials, through tenant keys only via Secrets Manager", () => {
    const policies = all(synth(), "aws_iam_role_policy").map((p) => JSON.parse(p.policy));
    const task = policies.find((p) => p.Statement.some((s: any) => s.Sid === "IssueTenantCredentials"));
    expect(task.Statement.find((s: any) => s.Sid === "IssueTenantCredentials").Resource).toBe(PROPS.tenantSecretArnPattern);
    expect(task.Statement.find((s: any) => s.Sid === "TenantKeysForCredentialsOnly").Condition).toEqual({
      StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:SecretARN": PROPS.tenantSecretArnPattern },
    });
    expect(task.Statement.find((s: any) => s.Sid === "ReadTenantAllowlists").Resource).toEqual([
      "arn:aws:ssm:us-east-1:111111111111:parameter/openclaw/production/us-east-1/egress/tenants",
      "arn:aws:ssm:us-east-1:111111111111:parameter/openclaw/production/us-east-1/egress/tenants/*",
    ]);
  });

  it("fails when fewer than two tasks would run", () => {
    expect(() => synth({ desiredCount: 1 })).toThrow(/desiredCount/);
  });
});
