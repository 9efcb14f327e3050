/** Small platform modules: endpoints, cluster, registry, alarm topic. */
import { AlarmTopic } from "../../modules/alarm-topic";
import { Cluster } from "../../modules/cluster";
import { ContainerRegistry } from "../../modules/container-registry";
import { INTERFACE_ENDPOINT_SERVICES, VpcEndpoints } from "../../modules/vpc-endpoints";
import { all, only, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/platform";

describe("VpcEndpoints", () => {
  const { json } = synthModule(
    (scope) =>
      new VpcEndpoints(scope, "endpoints", {
        namePrefix: "openclaw-p-us-east-1",
        region: "us-east-1",
        vpcId: "vpc-1",
        vpcCidr: "10.10.0.0/16",
        subnetIds: ["subnet-a", "subnet-b"],
        routeTableIds: ["rtb-a"],
      }),
  );

  it("creates an S3 gateway endpoint and every interface endpoint agents need, with private DNS", () => {
    const endpoints = all(json, "aws_vpc_endpoint");
    expect(endpoints.filter((e) => e.vpc_endpoint_type === "Gateway").map((e) => e.service_name)).toEqual(["com.amazonaws.us-east-1.s3"]);
    const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(INTERFACE_ENDPOINT_SERVICES.map((s) => `com.amazonaws.us-east-1.${s}`).sort());
    expect(interfaces.every((e) => e.private_dns_enabled === true)).toBe(true);
  });

  it("admits HTTPS from inside the VPC only", () => {
    expect(all(json, "aws_vpc_security_group_ingress_rule").map((r) => [r.cidr_ipv4, r.from_port, r.to_port])).toEqual([["10.10.0.0/16", 443, 443]]);
  });
});

describe("Cluster", () => {
  const { json } = synthModule((scope) => new Cluster(scope, "cluster", { clusterName: "agents", kmsKeyArn: KEY, execLogGroupName: "/openclaw/p/exec" }));

  it("enables Container Insights and encrypted, logged ECS Exec", () => {
    const cluster = only(json, "aws_ecs_cluster");
    expect(cluster.setting).toEqual([{ name: "containerInsights", value: "enhanced" }]);
    expect(cluster.configuration.execute_command_configuration).toMatchObject({
      kms_key_id: KEY,
      logging: "OVERRIDE",
      log_configuration: { cloud_watch_encryption_enabled: true },
    });
  });

  it("offers FARGATE and FARGATE_SPOT", () => {
    expect(only(json, "aws_ecs_cluster_capacity_providers").capacity_providers).toEqual(["FARGATE", "FARGATE_SPOT"]);
  });
});

describe("ContainerRegistry", () => {
  it("uses immutable tags, scans on push and encrypts with KMS", () => {
    const { json } = synthModule((scope) => new ContainerRegistry(scope, "registry", { repositoryName: "openclaw/agent", kmsKeyArn: KEY }));
    expect(only(json, "aws_ecr_repository")).toMatchObject({
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS", kms_key: KEY }],
    });
  });

  it("fails on a non-positive image count", () => {
    expect(() => synthModule((scope) => new ContainerRegistry(scope, "r", { repositoryName: "x", kmsKeyArn: KEY, maxImageCount: 0 }))).toThrow(
      "ContainerRegistry x: maxImageCount must be an integer >= 1, got 0",
    );
  });
});

describe("AlarmTopic", () => {
  it("encrypts messages and lets only this account's CloudWatch alarms publish over TLS", () => {
    const { json } = synthModule((scope) => new AlarmTopic(scope, "alarms", { topicName: "alarms", accountId: "111111111111", kmsKeyArn: KEY }));
    expect(only(json, "aws_sns_topic").kms_master_key_id).toBe(KEY);
    const statements = JSON.parse(only(json, "aws_sns_topic_policy").policy).Statement;
    expect(statements.find((s: any) => s.Sid === "CloudWatchAlarmsOfThisAccount").Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
    expect(statements.find((s: any) => s.Sid === "DenyInsecureTransport").Effect).toBe("Deny");
  });
});
