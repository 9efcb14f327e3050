import { AlarmTopic } from "../../modules/alarm-topic";
import { only, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/platform";

describe("AlarmTopic", () => {
  it("encrypts messages and lets only this account's CloudWatch alarms publish over TLS", () => {
    const { json } = synthModule((scope) => new AlarmTopic(scope, "alarms", { topicName: "alarms", accountId: "111111111111", kmsKeyArn: KEY }));
    expect(only(json, "aws_sns_topic").kms_master_key_id).toBe(KEY);
    const statements = JSON.parse(only(json, "aws_sns_topic_policy").policy).Statement;
    expect(statements.find((s: any) => s.Sid === "CloudWatchAlarmsOfThisAccount").Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
    expect(statements.find((s: any) => s.Sid === "DenyInsecureTransport").Effect).toBe("Deny");
  });

  it("lets this account's Cost Anomaly Detection publish tenant anomalies", () => {
    const { json } = synthModule((scope) => new AlarmTopic(scope, "alarms", { topicName: "alarms", accountId: "111111111111", kmsKeyArn: KEY }));
    const statement = JSON.parse(only(json, "aws_sns_topic_policy").policy).Statement.find((s: any) => s.Sid === "CostAnomalyAlertsOfThisAccount");
    expect(statement).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "costalerts.amazonaws.com" },
      Action: "sns:Publish",
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
  });
});
