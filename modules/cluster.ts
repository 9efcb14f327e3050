import { Construct } from "constructs";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";

export interface ClusterProps {
  /** Cluster name, e.g. `openclaw-production-us-east-1`. */
  readonly clusterName: string;
  /** KMS key that encrypts ECS Exec session data between the operator and the container. */
  readonly kmsKeyArn: string;
}

/**
 * The shared Fargate cluster. Operators reach containers only through ECS Exec (SSM), whose
 * sessions are KMS-encrypted and logged: no task needs an inbound port for support access.
 *
 * Session transcripts go to each task's own awslogs group (logging DEFAULT), i.e. the tenant's
 * log group under the tenant's key. The cluster could name only one destination for all tenants
 * (OVERRIDE), which every tenant's task role would then have to be able to write, and the SSM
 * agent names streams by session id, so no stream-name condition could keep tenants apart there.
 */
export class Cluster extends Construct {
  public readonly clusterArn: string;
  public readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const cluster = new EcsCluster(this, "cluster", {
      name: props.clusterName,
      setting: [{ name: "containerInsights", value: "enhanced" }],
      configuration: {
        executeCommandConfiguration: { kmsKeyId: props.kmsKeyArn, logging: "DEFAULT" },
      },
    });
    new EcsClusterCapacityProviders(this, "capacity-providers", {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
    });
    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;
  }
}
