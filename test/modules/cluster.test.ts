// Enforces SECURITY.md C25 (the table "Enforcing tests" there lists this file).
import { Cluster } from "../../modules/cluster";
import { only, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/platform";

describe("Cluster", () => {
  const { json } = synthModule((scope) => new Cluster(scope, "cluster", { clusterName: "agents", kmsKeyArn: KEY }));

  it("enables Container Insights and KMS-encrypted ECS Exec, logged to each task's own awslogs group", () => {
    const cluster = only(json, "aws_ecs_cluster");
    expect(cluster.setting).toEqual([{ name: "containerInsights", value: "enhanced" }]);
    expect(cluster.configuration.execute_command_configuration).toEqual({ kms_key_id: KEY, logging: "DEFAULT" });
    expect(json.resource.aws_cloudwatch_log_group).toBeUndefined(); // no log group shared by tenants
  });

  it("offers FARGATE and FARGATE_SPOT", () => {
    expect(only(json, "aws_ecs_cluster_capacity_providers").capacity_providers).toEqual(["FARGATE", "FARGATE_SPOT"]);
  });
});
