/**
 * Where a tenant's alarms go, read from the synthesized stacks: its alarms, the topic they notify,
 * and who receives them (the environment's subscribers of that topic, and the tenant's own
 * filtered subscribers). An alarm nobody receives is reported as such.
 */
type Json = Record<string, any>;

export interface AlarmRouting {
  /** The tenant's alarm names. */
  readonly alarms: string[];
  /** The topics they notify, as the tenant stack names them. */
  readonly topics: string[];
  /** `protocol endpoint` of the platform topic's subscribers, who get every message. */
  readonly environmentSubscribers: string[];
  /** `protocol endpoint` of the tenant's own subscribers, with the alarms their filter admits. */
  readonly tenantSubscribers: Array<{ subscriber: string; alarms: string[] }>;
  /** Alarms no subscriber receives. */
  readonly unrouted: string[];
}

const values = <T = Json>(json: Json | undefined, type: string): T[] => Object.values<T>(json?.resource?.[type] ?? {});

export function alarmRoutingOf(tenantJson: Json, platformJson: Json | undefined): AlarmRouting {
  const alarms = values(tenantJson, "aws_cloudwatch_metric_alarm");
  const names = alarms.map((a) => String(a.alarm_name)).sort();
  const topics = [...new Set(alarms.flatMap((a) => (a.alarm_actions ?? []) as string[]))];
  const environmentSubscribers = values(platformJson, "aws_sns_topic_subscription")
    .filter((s) => String(s.topic_arn).startsWith("${aws_sns_topic.alarms_topic_"))
    .map((s) => `${s.protocol} ${s.endpoint}`);
  const tenantSubscribers = values(tenantJson, "aws_sns_topic_subscription").map((s) => ({
    subscriber: `${s.protocol} ${s.endpoint}`,
    alarms: s.filter_policy ? ((JSON.parse(s.filter_policy).AlarmName ?? []) as string[]) : names,
  }));
  const received = new Set(tenantSubscribers.flatMap((s) => s.alarms));
  const unrouted = environmentSubscribers.length > 0 ? [] : names.filter((n) => !received.has(n));
  return { alarms: names, topics, environmentSubscribers, tenantSubscribers, unrouted };
}

export function formatAlarmRouting(r: AlarmRouting, topicName: (ref: string) => string): string[] {
  return [
    `  ${r.alarms.length} alarms notify ${r.topics.map(topicName).join(", ") || "no topic"}: ${r.alarms.join(", ")}`,
    `  environment subscribers (every alarm and anomaly alert of the topic): ${r.environmentSubscribers.join("; ") || "NONE"}`,
    ...r.tenantSubscribers.map((s) => `  tenant subscriber ${s.subscriber}: only ${s.alarms.length === r.alarms.length ? "this tenant's" : `${s.alarms.length} of this tenant's`} alarms`),
    `  alarms nobody receives: ${r.unrouted.length ? r.unrouted.join(", ") : "none"}`,
  ];
}
