import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { PolicyStatement, renderPolicy } from "./iam-policy-document";

/** AWS services that publish to the topic, each only for this account: [Sid, service principal]. */
export const ALARM_TOPIC_PUBLISHERS = [
  ["CloudWatchAlarmsOfThisAccount", "cloudwatch.amazonaws.com"],
  ["CostAnomalyAlertsOfThisAccount", "costalerts.amazonaws.com"],
] as const;
const PUBLISHERS = ALARM_TOPIC_PUBLISHERS;

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
        topicAdministration(topic.arn, props.accountId),
        // CloudWatch alarms, and Cost Anomaly Detection for tenants' anomaly subscriptions.
        ...PUBLISHERS.map(([sid, service]): PolicyStatement => ({
          Sid: sid,
          Effect: "Allow",
          Principal: { Service: service },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        })),
        denyInsecurePublish(topic.arn),
      ]),
    });
    this.topicArn = topic.arn;
  }
}

/** The account's own administration of a topic (IAM policies of the account then decide who may). */
export function topicAdministration(topicArn: string, accountId: string): PolicyStatement {
  return {
    Sid: "AccountAdministration",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${accountId}:root` },
    Action: ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"],
    Resource: topicArn,
  };
}

/** A topic policy statement refusing publishes over plain HTTP (every topic policy carries it). */
export function denyInsecurePublish(topicArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "sns:Publish",
    Resource: topicArn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
