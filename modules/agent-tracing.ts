import type { PolicyStatement } from "./iam-policy-document";

/**
 * The tracing sidecar of an agent task (#29, README "Traces"): an AWS Distro for OpenTelemetry
 * (ADOT) collector that takes the agent's OTLP spans on the task's loopback, samples them, stamps
 * the tenant and agent on every span and sends them to X-Ray. Not a construct: it adds a container
 * to the agent's task definition (modules/agent-service.ts) and a statement to its task role.
 *
 * Why ADOT and not the X-Ray daemon: the daemon only relays X-Ray segments that an X-Ray SDK
 * wrote (UDP 2000), and those SDKs and the daemon are in maintenance, AWS pointing new work to
 * OpenTelemetry; the collector takes OTLP from any OpenTelemetry SDK, and its `resource`
 * processor overwrites the tenant and agent attributes with the platform's values, so an agent
 * cannot label its spans as another tenant's on this path.
 */

/** The container's name in the task definition (its log stream is `<agent>/tracing/<task id>`). */
export const TRACING_CONTAINER_NAME = "tracing";

/** Its own unprivileged user: not the agent's, so nothing either writes is the other's by uid. */
export const TRACING_CONTAINER_USER = "10002:10002";

/**
 * What the collector reserves inside the agent's task. The task keeps the size the tenant file
 * chose (always a valid Fargate combination, priced and counted as before): the collector's hard
 * memory limit comes out of it, so a leaking collector is killed alone (it is not essential)
 * instead of taking the agent with it, and its CPU units are a share under contention, not a cap.
 */
export const TRACING_SIDECAR_CPU = 64;
export const TRACING_SIDECAR_MEMORY_MIB = 128;
/** The collector's memory_limiter refuses spans above this, below the hard limit, instead of being killed. */
const MEMORY_LIMIT_MIB = 100;
const MEMORY_SPIKE_MIB = 20;

/** OTLP over HTTP and gRPC on the task's loopback: containers of an awsvpc task share it; nothing outside the task reaches it. */
export const OTLP_HTTP_ENDPOINT = "127.0.0.1:4318";
export const OTLP_GRPC_ENDPOINT = "127.0.0.1:4317";

/** Attributes the collector sets on every span and its resource, whatever the agent sent; X-Ray indexes them as annotations. */
export const TENANT_ATTRIBUTE = "tenant.id";
export const AGENT_ATTRIBUTE = "openclaw.agent";

/**
 * The only X-Ray action the collector calls. The exporter sends segments with PutTraceSegments;
 * its PutTelemetryRecords is off (`telemetry.enabled` false, internal/aws/xray/telemetry/config.go
 * in opentelemetry-collector-contrib), and sampling is the collector's own, so neither
 * GetSamplingRules nor GetSamplingTargets is called. X-Ray actions have no resource types and no
 * condition keys (Service Authorization Reference, AWS X-Ray): Resource "*" is the only form.
 */
export const TRACING_ACTIONS = ["xray:PutTraceSegments"] as const;

/** The volumes the sidecar writes (its own, never the agent's): the ECS Exec agent's paths on a read-only root. */
export const TRACING_WRITABLE_PATHS: Readonly<Record<string, string>> = {
  "tracing-ecs-exec-managed-agents": "/managed-agents",
  "tracing-ecs-exec-ssm-state": "/var/lib/amazon/ssm",
  "tracing-ecs-exec-ssm-logs": "/var/log/amazon/ssm",
};

export interface AgentTracingProps {
  readonly tenantId: string;
  readonly agent: string;
  readonly region: string;
  /** Collector image by digest, `<repository-url>@sha256:<digest>` in the platform repository. */
  readonly image: string;
  /** Share of traces kept, 0 < rate <= 1. */
  readonly samplingRate: number;
  /** The tenant's log group; the collector logs there in its own stream. */
  readonly logGroupName: string;
}

function check(props: AgentTracingProps): void {
  const where = `AgentTracing ${props.tenantId}/${props.agent}`;
  if (!(props.samplingRate > 0 && props.samplingRate <= 1)) throw new Error(`${where}: samplingRate must be above 0 and at most 1, got ${props.samplingRate}`);
  if (!/@sha256:[a-f0-9]{64}$/.test(props.image)) throw new Error(`${where}: image must be referenced by digest (<repository>@sha256:<64 hex>), got ${props.image}`);
}

/**
 * The collector's configuration, as JSON (which YAML reads as is), for AOT_CONFIG_CONTENT. Every
 * listener is on loopback, and the collector's own metrics endpoint (0.0.0.0:8888 by default) is
 * off, so the sidecar publishes nothing beyond the task.
 */
export function collectorConfig(props: AgentTracingProps): Record<string, unknown> {
  check(props);
  const stamp = [
    { key: TENANT_ATTRIBUTE, value: props.tenantId, action: "upsert" },
    { key: AGENT_ATTRIBUTE, value: props.agent, action: "upsert" },
  ];
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: OTLP_GRPC_ENDPOINT }, http: { endpoint: OTLP_HTTP_ENDPOINT } } } },
    processors: {
      memory_limiter: { check_interval: "1s", limit_mib: MEMORY_LIMIT_MIB, spike_limit_mib: MEMORY_SPIKE_MIB },
      // Both levels: the exporter writes resource attributes only into a trace's segments (as
      // `otel.resource.*` metadata) and annotates only the span attributes `indexed_attributes`
      // names, on segments and subsegments alike (exporter/awsxrayexporter/internal/translator/
      // segment.go, MakeSegment and makeXRayAttributes).
      resource: { attributes: stamp },
      attributes: { actions: stamp },
      // Decided on the trace id with the same (default) seed in every task, so a trace that
      // crosses agents is kept or dropped whole.
      probabilistic_sampler: { sampling_percentage: Number((props.samplingRate * 100).toFixed(6)) },
      batch: { timeout: "5s", send_batch_size: 50 },
    },
    exporters: {
      awsxray: { region: props.region, indexed_attributes: [TENANT_ATTRIBUTE, AGENT_ATTRIBUTE], telemetry: { enabled: false } },
    },
    service: {
      pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "resource", "attributes", "probabilistic_sampler", "batch"], exporters: ["awsxray"] } },
      telemetry: { metrics: { level: "none" } },
    },
  };
}

/**
 * The sidecar's container definition: hardened like the agent (non-root, read-only root, no
 * privilege, every capability dropped, no port mapping) and not essential, so ECS keeps the agent
 * running when the collector exits; spans sent meanwhile are lost, nothing else.
 */
export function tracingContainer(props: AgentTracingProps): Record<string, unknown> {
  check(props);
  return {
    name: TRACING_CONTAINER_NAME,
    image: props.image,
    // Written out: the provider and ECS both take an absent `essential` as true
    // (internal/service/ecs/container_definitions.go, containerDefinitions.reduce).
    essential: false,
    user: TRACING_CONTAINER_USER,
    readonlyRootFilesystem: true,
    privileged: false,
    cpu: TRACING_SIDECAR_CPU,
    memory: TRACING_SIDECAR_MEMORY_MIB,
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
    mountPoints: Object.entries(TRACING_WRITABLE_PATHS).map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false })),
    environment: [{ name: "AOT_CONFIG_CONTENT", value: JSON.stringify(collectorConfig(props)) }],
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": props.logGroupName, "awslogs-region": props.region, "awslogs-stream-prefix": props.agent },
    },
  };
}

/**
 * What the agent is told (images/agent/CONTRACT.md): where to send OTLP. Standard OpenTelemetry
 * SDK variables; an agent that does not trace ignores them. The loopback address is in NO_PROXY.
 */
export function agentTracingEnvironment(): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: `http://${OTLP_HTTP_ENDPOINT}`, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" };
}

/** The task role's grant when its environment traces (also what the tenant boundary allows). */
export function tracingStatements(): PolicyStatement[] {
  return [{ Sid: "WriteTraces", Effect: "Allow", Action: TRACING_ACTIONS.length === 1 ? TRACING_ACTIONS[0] : [...TRACING_ACTIONS], Resource: "*" }];
}
