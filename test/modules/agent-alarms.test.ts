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
      ["acme-scout-tasks-short", undefined],
    ]);
    expect(alarms.every((a) => a.treat_missing_data === "notBreaching" && a.alarm_actions[0] === "arn:aws:sns:x")).toBe(true);
  });

  // A service its schedule scaled to 0 asks for 0 and runs 0: the alarm watches the shortfall
  // (desired - running), never the running count, so off-hours are not "unhealthy".
  it("alarms on tasks short of the desired count, from Container Insights, for 15 minutes", () => {
    const { json } = synthModule(
      (scope) =>
        new AgentAlarms(scope, "alarms", { clusterName: "agents", serviceName: "acme-scout", alarmName: (m) => `acme-scout-${m}`, alarmTopicArn: "arn:aws:sns:x" }),
    );
    const short = all(json, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "acme-scout-tasks-short")!;
    const queries = short.metric_query as Array<Record<string, any>>;
    expect(queries.filter((q) => q.return_data).map((q) => q.expression)).toEqual(["desired - running"]);
    const metrics = Object.fromEntries(queries.filter((q) => q.metric).map((q) => [q.id, q.metric]));
    expect(metrics.running).toMatchObject({ namespace: "ECS/ContainerInsights", metric_name: "RunningTaskCount", dimensions: { ClusterName: "agents", ServiceName: "acme-scout" } });
    expect(metrics.desired).toMatchObject({ namespace: "ECS/ContainerInsights", metric_name: "DesiredTaskCount", dimensions: { ClusterName: "agents", ServiceName: "acme-scout" } });
    expect([short.comparison_operator, short.threshold, short.evaluation_periods, metrics.running.period]).toEqual(["GreaterThanThreshold", 0, 3, 300]);
  });
});
