import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { renderPolicy } from "./iam-policy-document";

export interface AlarmTopicProps {
  readonly topicName: string;
  readonly accountId: string;
  /** Key that encrypts messages; its policy must let CloudWatch and costalerts use it. */
  readonly kmsKeyArn: string;
}

/**
 * Where every tenant's CloudWatch alarms and cost anomalies go. Only this account's alarms and
 * Cost Anomaly Detection may publish.
 */
export class AlarmTopic extends Construct {
  public readonly topicArn: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const topic = new SnsTopic(this, "topic", { name: props.topicName, kmsMasterKeyId: props.kmsKeyArn });
    new SnsTopicPolicy(this, "policy", {
      arn: topic.arn,
      policy: renderPolicy([
        {
          Sid: "AccountAdministration",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
          Action: ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"],
          Resource: topic.arn,
        },
        {
          Sid: "CloudWatchAlarmsOfThisAccount",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        },
        {
          // Cost Anomaly Detection sends each tenant's anomalies here (aws_ce_anomaly_subscription).
          Sid: "CostAnomalyAlertsOfThisAccount",
          Effect: "Allow",
          Principal: { Service: "costalerts.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    });
    this.topicArn = topic.arn;
  }
}
