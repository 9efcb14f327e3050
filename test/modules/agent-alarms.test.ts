import { AgentAlarms } from "../../modules/agent-alarms";
import { all, synthModule } from "../support/module-synth";


describe("AgentAlarms", () => {
  it("raises CPU and memory alarms to the topic and ignores missing data of a suspended service", () => {
    const { json } = synthModule(
      (scope) =>
        new AgentAlarms(scope, "alarms", { clusterName: "agents", serviceName: "acme-scout", alarmName: (m) => `acme-scout-${m}`, alarmTopicArn: "arn:aws:sns:x" }),
    );
    const alarms = all(json, "aws_cloudwatch_metric_alarm");
    expect(alarms.map((a) => [a.alarm_name, a.metric_name])).toEqual([
      ["acme-scout-cpu-high", "CPUUtilization"],
      ["acme-scout-memory-high", "MemoryUtilization"],
    ]);
    expect(alarms.every((a) => a.treat_missing_data === "notBreaching" && a.alarm_actions[0] === "arn:aws:sns:x")).toBe(true);
  });
});
