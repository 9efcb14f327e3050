import { Cluster } from "../../modules/cluster";
import { only, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/platform";

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
