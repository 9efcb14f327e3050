// Enforces SECURITY.md C44 (the table "Enforcing tests" there lists this file).
import { AgentTracingProps, collectorConfig, TRACING_CONTAINER_USER, tracingContainer, tracingStatements } from "../../modules/agent-tracing";

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
    const stamp = [
      { key: "tenant.id", value: "acme", action: "upsert" },
      { key: "openclaw.agent", value: "scout", action: "upsert" },
    ];
    expect(config.processors.resource.attributes).toEqual(stamp);
    // Span attributes too: the X-Ray exporter annotates only those, and on subsegments as well.
    expect(config.processors.attributes.actions).toEqual(stamp);
    expect(config.processors.probabilistic_sampler).toEqual({ sampling_percentage: 5 });
    expect(collectorConfig({ ...props, samplingRate: 0.001 }) as any).toMatchObject({ processors: { probabilistic_sampler: { sampling_percentage: 0.1 } } });
    expect(config.exporters.awsxray).toEqual({ region: "us-east-1", indexed_attributes: ["tenant.id", "openclaw.agent"], telemetry: { enabled: false } });
    expect(config.service.pipelines.traces.processors).toEqual(["memory_limiter", "resource", "attributes", "probabilistic_sampler", "batch"]);
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
