/**
 * The agent image contract (CONTRACT.md) as data: what the task definitions modules/agent-service.ts
 * and stacks/tenant-stack.ts synthesize give every agent container, and what its image must
 * provide in return. The reference image is built from these values and the contract tests hold
 * both the image and every synthesized task definition to them, so neither can drift.
 */
import { AGENT_CONTAINER_USER, AGENT_HEALTH_CHECK, AGENT_STOP_TIMEOUT_SECONDS, WRITABLE_PATHS } from "../../modules/agent-service";

export { AGENT_CONTAINER_USER, AGENT_HEALTH_CHECK, AGENT_STOP_TIMEOUT_SECONDS, WRITABLE_PATHS };

/** One environment variable (or family of them) a task definition sets. */
export interface ContractVariable {
  /** How CONTRACT.md writes it, e.g. `BEDROCK_PROFILE_<MODEL>`. */
  readonly display: string;
  /** Matches the real names. */
  readonly pattern: RegExp;
  /** Set in every task definition (a family like BEDROCK_PROFILE_ may have no member). */
  readonly required: boolean;
}

const exact = (name: string): ContractVariable => ({ display: name, pattern: new RegExp(`^${name}$`), required: true });

/** Plain environment variables, values in the task definition. */
export const CONTRACT_ENVIRONMENT: readonly ContractVariable[] = [
  exact("TENANT_ID"),
  exact("AGENT"),
  exact("AWS_REGION"),
  exact("TENANT_BUCKET"),
  exact("DB_HOST"),
  exact("DB_PORT"),
  exact("DB_NAME"),
  exact("DB_USER"),
  exact("DB_POOL_SIZE"),
  { display: "BEDROCK_PROFILE_<MODEL>", pattern: /^BEDROCK_PROFILE_[A-Z0-9_]+$/, required: false },
  // Egress (#31): what bypasses the proxy (AWS endpoints, the ECS/instance metadata, the database).
  // Always set by the platform; for the agent's HTTP clients, so the runtime does not require it.
  { display: "NO_PROXY", pattern: /^NO_PROXY$/, required: false },
  // Tracing (#29), where the environment traces: the collector sidecar on the task's loopback.
  // Standard OpenTelemetry SDK variables; an agent that does not trace ignores them.
  { display: "OTEL_EXPORTER_OTLP_ENDPOINT", pattern: /^OTEL_EXPORTER_OTLP_ENDPOINT$/, required: false },
  { display: "OTEL_EXPORTER_OTLP_PROTOCOL", pattern: /^OTEL_EXPORTER_OTLP_PROTOCOL$/, required: false },
];

/** Secrets ECS injects from Secrets Manager at start: one per integration of the tenant, and the egress proxy URL. */
export const CONTRACT_SECRETS: readonly ContractVariable[] = [
  { display: "<INTEGRATION>_CREDENTIALS", pattern: /^[A-Z][A-Z0-9_]*_CREDENTIALS$/, required: false },
  // Egress (#31): the proxy URL with the tenant's own proxy credential, from the tenant's secret.
  { display: "HTTPS_PROXY", pattern: /^HTTPS_PROXY$/, required: false },
  { display: "HTTP_PROXY", pattern: /^HTTP_PROXY$/, required: false },
];

/** Where the image keeps its executables; the entrypoint and health check live here. */
export const APP_DIRECTORY = "/app";

/** The reference image's start command (any image may choose its own). */
export const REFERENCE_ENTRYPOINT = ["/usr/bin/node", `${APP_DIRECTORY}/agent.js`];

/** The signal ECS sends to stop a task (docker's default, and the image's StopSignal). */
export const STOP_SIGNAL = "SIGTERM";
