import { AgentService, AgentServiceProps } from "../../modules/agent-service";
import { AgentTracingProps, collectorConfig, TRACING_CONTAINER_USER, tracingContainer, tracingStatements } from "../../modules/agent-tracing";
import { only, synthModule } from "../support/module-synth";

const IMAGE = `111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw/agent@sha256:${"7d".repeat(32)}`;
const props: AgentTracingProps = { tenantId: "acme", agent: "scout", region: "us-east-1", image: IMAGE, samplingRate: 0.05, logGroupName: "/openclaw/test/acme" };

describe("the tracing sidecar", () => {
  it("is hardened like the agent: its own non-root user, read-only root, unprivileged, no capability, no port", () => {
    const c = tracingContainer(props);
    expect(c).toMatchObject({ name: "tracing", user: TRACING_CONTAINER_USER, readonlyRootFilesystem: true, privileged: false, linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } } });
    expect(TRACING_CONTAINER_USER).not.toMatch(/^(0|root)(:|$)/);
    expect(c.portMappings).toBeUndefined();
  });

  // The provider and ECS take an absent `essential` as true (ecs/container_definitions.go, reduce):
  // false must be written, or a crashed collector stops the agent's task.
  it("writes essential: false explicitly", () => {
    expect(tracingContainer(props).essential).toBe(false);
  });

  it("logs to the tenant's log group under the agent's prefix, so its stream is <agent>/tracing/<task>", () => {
    expect(tracingContainer(props).logConfiguration).toEqual({ logDriver: "awslogs", options: { "awslogs-group": "/openclaw/test/acme", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "scout" } });
  });

  it("overwrites tenant and agent on every span, samples at the environment's rate, and indexes both for X-Ray", () => {
    const config = collectorConfig(props) as any;
    expect(config.processors.resource.attributes).toEqual([
      { key: "tenant.id", value: "acme", action: "upsert" },
      { key: "openclaw.agent", value: "scout", action: "upsert" },
    ]);
    expect(config.processors.probabilistic_sampler).toEqual({ sampling_percentage: 5 });
    expect(collectorConfig({ ...props, samplingRate: 0.001 }) as any).toMatchObject({ processors: { probabilistic_sampler: { sampling_percentage: 0.1 } } });
    expect(config.exporters.awsxray).toEqual({ region: "us-east-1", indexed_attributes: ["tenant.id", "openclaw.agent"], telemetry: { enabled: false } });
    expect(config.service.pipelines.traces.processors).toEqual(["memory_limiter", "resource", "probabilistic_sampler", "batch"]);
  });

  it("listens on loopback only and turns off the collector's own metrics listener", () => {
    const config = collectorConfig(props) as any;
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "127.0.0.1:4317" }, http: { endpoint: "127.0.0.1:4318" } });
    expect(config.service.telemetry).toEqual({ metrics: { level: "none" } });
  });

  it("passes its config in AOT_CONFIG_CONTENT, which parses back to the same config", () => {
    const env = tracingContainer(props).environment as Array<{ name: string; value: string }>;
    expect(env.map((e) => e.name)).toEqual(["AOT_CONFIG_CONTENT"]);
    expect(JSON.parse(env[0].value)).toEqual(collectorConfig(props));
  });

  it("grants the task role xray:PutTraceSegments on * and nothing else (X-Ray has no resource types)", () => {
    expect(tracingStatements()).toEqual([{ Sid: "WriteTraces", Effect: "Allow", Action: "xray:PutTraceSegments", Resource: "*" }]);
  });

  it("fails on a sampling rate outside (0, 1] or an image by tag", () => {
    expect(() => tracingContainer({ ...props, samplingRate: 0 })).toThrow("AgentTracing acme/scout: samplingRate must be above 0 and at most 1, got 0");
    expect(() => tracingContainer({ ...props, samplingRate: 1.2 })).toThrow("samplingRate must be above 0 and at most 1, got 1.2");
    expect(() => tracingContainer({ ...props, image: "public.ecr.aws/aws-observability/aws-otel-collector:latest" })).toThrow("image must be referenced by digest");
  });
});

describe("AgentService with tracing", () => {
  const serviceProps: AgentServiceProps = {
    tenantId: "acme",
    agent: "scout",
    serviceName: "acme-scout",
    taskFamily: "openclaw-acme-scout",
    region: "us-east-1",
    clusterArn: "arn:aws:ecs:us-east-1:111111111111:cluster/agents",
    cpu: 256,
    memoryMiB: 512,
    desiredCount: 1,
    spot: false,
    image: `111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw/agent@sha256:${"a".repeat(64)}`,
    executionRoleArn: "arn:aws:iam::111111111111:role/exec",
    taskRoleArn: "arn:aws:iam::111111111111:role/task",
    logGroupName: "/openclaw/test/acme",
    subnetIds: ["subnet-1"],
    securityGroupIds: ["sg-tenant"],
    environment: { TENANT_ID: "acme", AGENT: "scout" },
    secrets: {},
    tracing: { image: IMAGE, samplingRate: 0.05 },
  };
  const task = (p: AgentServiceProps) => only(synthModule((scope) => new AgentService(scope, "agent", p)).json, "aws_ecs_task_definition");

  it("keeps the task size the tenant chose (a valid Fargate pair) and fits the collector's hard limit inside it", () => {
    const t = task(serviceProps);
    expect([t.cpu, t.memory]).toEqual(["256", "512"]);
    const [agent, sidecar] = JSON.parse(t.container_definitions);
    expect([agent.name, agent.essential, sidecar.name]).toEqual(["agent", true, "tracing"]);
    expect(sidecar.memory).toBeLessThan(512);
    expect(sidecar.cpu).toBeLessThan(256);
  });

  it("gives the collector its own volumes for the ECS Exec agent, never the agent's", () => {
    const t = task(serviceProps);
    const [agent, sidecar] = JSON.parse(t.container_definitions);
    const agentVolumes = agent.mountPoints.map((m: any) => m.sourceVolume);
    const sidecarVolumes = sidecar.mountPoints.map((m: any) => m.sourceVolume);
    expect(sidecarVolumes.filter((v: string) => agentVolumes.includes(v))).toEqual([]);
    expect(sidecar.mountPoints.map((m: any) => m.containerPath)).toEqual(["/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"]);
    expect(t.volume.map((v: any) => v.name)).toEqual([...agentVolumes, ...sidecarVolumes]);
  });

  it("points the agent's OpenTelemetry SDK at the collector on loopback", () => {
    const env = JSON.parse(task(serviceProps).container_definitions)[0].environment;
    expect(env).toEqual(expect.arrayContaining([{ name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://127.0.0.1:4318" }, { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "http/protobuf" }]));
  });

  it("adds nothing without tracing", () => {
    const t = task({ ...serviceProps, tracing: undefined });
    const containers = JSON.parse(t.container_definitions);
    expect(containers.map((c: any) => c.name)).toEqual(["agent"]);
    expect(containers[0].environment.some((e: any) => e.name.startsWith("OTEL_"))).toBe(false);
  });

  it("fails when the caller sets an OTEL variable tracing owns", () => {
    expect(() => task({ ...serviceProps, environment: { ...serviceProps.environment, OTEL_EXPORTER_OTLP_ENDPOINT: "http://elsewhere" } })).toThrow(
      "AgentService acme-scout: OTEL_EXPORTER_OTLP_ENDPOINT is set by tracing; leave it out of environment and secrets",
    );
  });
});
