import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";

export interface ClusterProps {
  /** Cluster name, e.g. `openclaw-production-us-east-1`. */
  readonly clusterName: string;
  /** KMS key for ECS Exec sessions and their log group. */
  readonly kmsKeyArn: string;
  /** Log group recording every ECS Exec session. */
  readonly execLogGroupName: string;
  /** Days exec session logs are kept. @default 365 */
  readonly execLogRetentionDays?: number;
}

/**
 * The shared Fargate cluster. Operators reach containers only through ECS Exec (SSM), whose
 * sessions are KMS-encrypted and logged: no task needs an inbound port for support access.
 */
export class Cluster extends Construct {
  public readonly clusterArn: string;
  public readonly clusterName: string;
  /** Where ECS Exec sessions are recorded. */
  public readonly execLogGroupArn: string;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const execLogs = new CloudwatchLogGroup(this, "exec-log-group", {
      name: props.execLogGroupName,
      retentionInDays: props.execLogRetentionDays ?? 365,
      kmsKeyId: props.kmsKeyArn,
    });
    const cluster = new EcsCluster(this, "cluster", {
      name: props.clusterName,
      setting: [{ name: "containerInsights", value: "enhanced" }],
      configuration: {
        executeCommandConfiguration: {
          kmsKeyId: props.kmsKeyArn,
          logging: "OVERRIDE",
          logConfiguration: {
            cloudWatchLogGroupName: execLogs.name,
            cloudWatchEncryptionEnabled: true,
          },
        },
      },
    });
    new EcsClusterCapacityProviders(this, "capacity-providers", {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
    });
    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;
    this.execLogGroupArn = execLogs.arn;
  }
}
