import { Construct } from "constructs";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";

/** One place alarms are delivered to. */
export interface AlarmSubscriber {
  /** `email` (the address confirms the subscription once) or `https` (an endpoint that confirms it, e.g. a chat webhook bridge). */
  readonly protocol: "email" | "https";
  /** The e-mail address or https:// URL. */
  readonly endpoint: string;
}

export interface AlarmSubscriptionsProps {
  /** The alarm topic (the platform's). */
  readonly topicArn: string;
  /** Who receives what the topic carries. */
  readonly subscribers: readonly AlarmSubscriber[];
  /**
   * Deliver only CloudWatch alarm notifications with one of these alarm names (an SNS filter
   * policy on the message body's `AlarmName`): a tenant's contacts hear its own alarms, never
   * another tenant's. Exact names, not a prefix: tenant ids may contain hyphens, so
   * `openclaw-acme-` would also match `openclaw-acme-corp-...`.
   * @default every message of the topic (alarms and cost anomalies)
   */
  readonly alarmNames?: readonly string[];
}

/** SNS allows at most 150 value combinations in one filter policy (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html). */
const MAX_FILTER_VALUES = 150;

/**
 * Subscriptions of the alarm topic, from configuration: without one, every CloudWatch alarm and
 * anomaly alert is published to a topic nobody receives.
 */
export class AlarmSubscriptions extends Construct {
  constructor(scope: Construct, id: string, props: AlarmSubscriptionsProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new Error(`AlarmSubscriptions ${id}: ${message}`);
    };
    if (props.alarmNames && (props.alarmNames.length === 0 || props.alarmNames.length > MAX_FILTER_VALUES)) {
      fail(`alarmNames must hold 1-${MAX_FILTER_VALUES} names (an SNS filter policy's limit), got ${props.alarmNames.length}`);
    }
    const seen = new Set<string>();
    for (const subscriber of props.subscribers) {
      const key = `${subscriber.protocol}:${subscriber.endpoint}`;
      if (seen.has(key)) fail(`${key} is listed twice`);
      seen.add(key);
      if (subscriber.protocol === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(subscriber.endpoint)) fail(`email endpoint must be an e-mail address, got ${subscriber.endpoint}`);
      if (subscriber.protocol === "https" && !/^https:\/\/[^\s]+$/.test(subscriber.endpoint)) fail(`https endpoint must be an https:// URL, got ${subscriber.endpoint}`);
      new SnsTopicSubscription(this, key.replace(/[^A-Za-z0-9]/g, "-"), {
        topicArn: props.topicArn,
        protocol: subscriber.protocol,
        endpoint: subscriber.endpoint,
        ...(props.alarmNames && {
          filterPolicyScope: "MessageBody",
          filterPolicy: JSON.stringify({ AlarmName: [...props.alarmNames].sort() }),
        }),
      });
    }
  }
}
