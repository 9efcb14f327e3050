import { AlarmSubscriptions } from "../../modules/alarm-subscriptions";
import { all, synthModule } from "../support/module-synth";

const TOPIC = "arn:aws:sns:us-east-1:111111111111:alarms";

describe("AlarmSubscriptions", () => {
  it("subscribes each configured endpoint to the topic, unfiltered", () => {
    const { json } = synthModule((scope) => new AlarmSubscriptions(scope, "routing", { topicArn: TOPIC, subscribers: [{ protocol: "email", endpoint: "oncall@example.com" }, { protocol: "https", endpoint: "https://hooks.example.com/alarms" }] }));
    expect(all(json, "aws_sns_topic_subscription").map((s) => [s.topic_arn, s.protocol, s.endpoint, s.filter_policy])).toEqual([
      [TOPIC, "email", "oncall@example.com", undefined],
      [TOPIC, "https", "https://hooks.example.com/alarms", undefined],
    ]);
  });

  it("filters on the message body's exact alarm names when given them", () => {
    const { json } = synthModule((scope) => new AlarmSubscriptions(scope, "routing", { topicArn: TOPIC, subscribers: [{ protocol: "email", endpoint: "a@example.com" }], alarmNames: ["b-alarm", "a-alarm"] }));
    const [subscription] = all(json, "aws_sns_topic_subscription");
    expect(subscription.filter_policy_scope).toBe("MessageBody");
    expect(JSON.parse(subscription.filter_policy)).toEqual({ AlarmName: ["a-alarm", "b-alarm"] });
  });

  it("fails on an endpoint that does not fit its protocol, a duplicate, or more names than a filter policy holds", () => {
    const build = (props: Partial<ConstructorParameters<typeof AlarmSubscriptions>[2]>) => () =>
      synthModule((scope) => new AlarmSubscriptions(scope, "routing", { topicArn: TOPIC, subscribers: [], ...props }));
    expect(build({ subscribers: [{ protocol: "https", endpoint: "http://insecure.example.com" }] })).toThrow("AlarmSubscriptions routing: https endpoint must be an https:// URL, got http://insecure.example.com");
    expect(build({ subscribers: [{ protocol: "email", endpoint: "a@example.com" }, { protocol: "email", endpoint: "a@example.com" }] })).toThrow("AlarmSubscriptions routing: email:a@example.com is listed twice");
    expect(build({ alarmNames: Array.from({ length: 151 }, (_, i) => `alarm-${i}`) })).toThrow("AlarmSubscriptions routing: alarmNames must hold 1-150 names (an SNS filter policy's limit), got 151");
  });
});
