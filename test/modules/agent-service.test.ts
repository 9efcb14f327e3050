import { AgentService, AgentServiceProps } from "../../modules/agent-service";
import { only, synthModule } from "../support/module-synth";

const props: AgentServiceProps = {
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
  subnetIds: ["subnet-1", "subnet-2"],
  securityGroupIds: ["sg-tenant", "sg-db-clients"],
  environment: { TENANT_ID: "acme", AGENT: "scout" },
  secrets: { SLACK_CREDENTIALS: "arn:aws:secretsmanager:us-east-1:111111111111:secret:/openclaw/test/acme/slack" },
};
const build = (overrides: Partial<AgentServiceProps> = {}) => synthModule((scope) => new AgentService(scope, "agent", { ...props, ...overrides })).json;
const container = (json: Record<string, any>) => JSON.parse(only(json, "aws_ecs_task_definition").container_definitions)[0];

describe("AgentService", () => {
  it("records the tasks activation will start as a tag only while the status holds the service at 0 (#27)", () => {
    expect(only(build({ desiredCount: 0, desiredCountWhenActive: 2 }), "aws_ecs_service").tags).toEqual({ DesiredCountWhenActive: "2" });
    expect(only(build({ desiredCount: 1, desiredCountWhenActive: 2 }), "aws_ecs_service").tags).toBeUndefined();
    expect(only(build({ desiredCount: 0 }), "aws_ecs_service").tags).toBeUndefined();
  });

  it("runs the container as a non-root user with a read-only root, writable only at /tmp and the ECS Exec agent's paths", () => {
    const json = build();
    const c = container(json);
    expect(c.user).toBe("10001:10001");
    expect(c.readonlyRootFilesystem).toBe(true);
    expect(c.privileged).toBe(false);
    expect(c.mountPoints).toEqual([
      { sourceVolume: "tmp", containerPath: "/tmp", readOnly: false },
      { sourceVolume: "ecs-exec-managed-agents", containerPath: "/managed-agents", readOnly: false },
      { sourceVolume: "ecs-exec-ssm-state", containerPath: "/var/lib/amazon/ssm", readOnly: false },
      { sourceVolume: "ecs-exec-ssm-logs", containerPath: "/var/log/amazon/ssm", readOnly: false },
    ]);
    // Name only: bind mounts on the task's ephemeral storage, nothing from a host or EFS.
    expect(only(json, "aws_ecs_task_definition").volume).toEqual([
      { name: "tmp" },
      { name: "ecs-exec-managed-agents" },
      { name: "ecs-exec-ssm-state" },
      { name: "ecs-exec-ssm-logs" },
    ]);
  });

  it("injects secrets by reference and plain variables by value", () => {
    const c = container(build());
    expect(c.secrets).toEqual([{ name: "SLACK_CREDENTIALS", valueFrom: props.secrets.SLACK_CREDENTIALS }]);
    expect(c.environment).toEqual([
      { name: "AGENT", value: "scout" },
      { name: "TENANT_ID", value: "acme" },
    ]);
  });

  it("gives the container the image contract's health check and a 30 s stop timeout", () => {
    const c = container(build());
    expect(c.healthCheck).toEqual({ command: ["CMD", "/app/healthcheck"], interval: 30, timeout: 5, retries: 3, startPeriod: 60 });
    expect(c.stopTimeout).toBe(30);
  });

  it("fails when the image is referenced by tag", () => {
    expect(() => build({ image: "111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw/agent:2026.11.0" })).toThrow(
      "AgentService acme-scout: image must be referenced by digest (<repository>@sha256:<64 hex>), got 111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw/agent:2026.11.0",
    );
  });

  it("enables the init process and drops all capabilities", () => {
    expect(container(build()).linuxParameters).toEqual({ initProcessEnabled: true, capabilities: { drop: ["ALL"] } });
  });

  it("sends logs to the tenant log group with the agent as stream prefix", () => {
    expect(container(build()).logConfiguration.options).toEqual({
      "awslogs-group": "/openclaw/test/acme",
      "awslogs-region": "us-east-1",
      "awslogs-stream-prefix": "scout",
    });
  });

  it("runs the service privately with circuit breaker rollback, ECS Exec and propagated tags", () => {
    const service = only(build(), "aws_ecs_service");
    expect(service.network_configuration).toEqual({ subnets: props.subnetIds, security_groups: props.securityGroupIds, assign_public_ip: false });
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service.enable_execute_command).toBe(true);
    expect(service.propagate_tags).toBe("SERVICE");
  });

  it("uses FARGATE_SPOT only when asked", () => {
    expect(only(build(), "aws_ecs_service").capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE", weight: 1 }]);
    expect(only(build({ spot: true }), "aws_ecs_service").capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE_SPOT", weight: 1 }]);
  });

  it("forces a new deployment on update, so switching spot on or off is a plannable change", () => {
    expect(only(build({ spot: true }), "aws_ecs_service").force_new_deployment).toBe(true);
  });

  it("waits up to 20 minutes for a running service to reach steady state, so a rolled-back deployment fails the apply", () => {
    const service = only(build(), "aws_ecs_service");
    expect(service.wait_for_steady_state).toBe(true);
    expect(service.timeouts).toEqual({ create: "20m", update: "20m" });
    expect(only(build({ steadyStateTimeout: "30m" }), "aws_ecs_service").timeouts).toEqual({ create: "30m", update: "30m" });
  });

  it("accepts zero tasks for a suspended tenant, and then does not wait for a deployment", () => {
    const service = only(build({ desiredCount: 0 }), "aws_ecs_service");
    expect(service.desired_count).toBe(0);
    expect(service.wait_for_steady_state).toBe(false);
    expect(service.timeouts).toBeUndefined();
  });

  it("fails when steadyStateTimeout is not whole minutes", () => {
    expect(() => build({ steadyStateTimeout: "1h" })).toThrow('AgentService acme-scout: steadyStateTimeout must be a whole number of minutes like "20m" (got 1h)');
  });

  it("fails when a name is both a secret and a plain variable", () => {
    expect(() => build({ environment: { SLACK_CREDENTIALS: "x" } })).toThrow("AgentService acme-scout: SLACK_CREDENTIALS is both a secret and a plain variable");
  });

  it("fails on a negative desired count", () => {
    expect(() => build({ desiredCount: -1 })).toThrow("AgentService acme-scout: desiredCount must be an integer >= 0, got -1");
  });
});

// The tracing collector (#29, modules/agent-tracing.ts) beside the agent.
describe("AgentService with tracing", () => {
  const TRACING = { image: `111111111111.dkr.ecr.us-east-1.amazonaws.com/openclaw/agent@sha256:${"7d".repeat(32)}`, samplingRate: 0.05 };
  const serviceProps: AgentServiceProps = { ...props, tracing: TRACING };
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
      `AgentService ${props.serviceName}: OTEL_EXPORTER_OTLP_ENDPOINT is set by tracing; leave it out of environment and secrets`,
    );
  });
});
