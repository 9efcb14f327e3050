import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { agentTracingEnvironment, TRACING_WRITABLE_PATHS, tracingContainer } from "./agent-tracing";
import { requireInteger } from "./prop-checks";

/** The unprivileged user agent containers run as (the image must not need root). */
export const AGENT_CONTAINER_USER = "10001:10001";

/**
 * The only writable paths of an agent container (volume name → path); the root filesystem is
 * read-only. /tmp is the agent's scratch space. The other three are where the SSM agent that ECS
 * Exec starts inside the container keeps its binaries' state, sessions and logs: without them it
 * crashes on a read-only root and `aws ecs execute-command` never connects
 * (aws/containers-roadmap#1359, aws-containers/amazon-ecs-exec-checker#21).
 */
export const WRITABLE_PATHS: Readonly<Record<string, string>> = {
  tmp: "/tmp",
  "ecs-exec-managed-agents": "/managed-agents",
  "ecs-exec-ssm-state": "/var/lib/amazon/ssm",
  "ecs-exec-ssm-logs": "/var/log/amazon/ssm",
};

/**
 * The health check every agent image provides (images/agent/CONTRACT.md): an executable run
 * without a shell, as the container user; exit 0 healthy. ECS replaces a task that fails it
 * `retries` times in a row after the start period, and the deployment circuit breaker counts it.
 */
export const AGENT_HEALTH_CHECK = {
  command: ["CMD", "/app/healthcheck"],
  intervalSeconds: 30,
  timeoutSeconds: 5,
  retries: 3,
  startPeriodSeconds: 60,
} as const;

/** Seconds between SIGTERM and SIGKILL when a task stops (Fargate's maximum is 120). */
export const AGENT_STOP_TIMEOUT_SECONDS = 30;

export interface AgentServiceProps {
  readonly tenantId: string;
  readonly agent: string;
  readonly serviceName: string;
  readonly taskFamily: string;
  readonly region: string;
  readonly clusterArn: string;
  /** Fargate CPU units; the config loader has checked the cpu/memory pair. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Tasks to run; 0 while the tenant is suspended. With `autoscaled`, only the count it is created with. */
  readonly desiredCount: number;
  /**
   * Application Auto Scaling owns the count (modules/agent-scaling.ts): Terraform sets it on
   * create and never again, so a deploy does not reset what the autoscaler chose. @default false
   */
  readonly autoscaled?: boolean;
  /**
   * Tasks the service will run once its tenant is active, while its status keeps desiredCount
   * at 0 (provisioning, suspended, offboarding): written as the `DesiredCountWhenActive` tag, so the cost
   * estimate, which reads only the synthesized JSON, can say what activating will cost.
   * @default no tag
   */
  readonly desiredCountWhenActive?: number;
  /**
   * Copy-hours per week the agent will run once active when a schedule makes that less than
   * desiredCountWhenActive all week (config/agent-scaling.ts activeWeeklyCopyHours): written as
   * the `WeeklyCopyHoursWhenActive` tag beside DesiredCountWhenActive. @default no tag
   */
  readonly weeklyCopyHoursWhenActive?: number;
  /** Run on FARGATE_SPOT instead of FARGATE. */
  readonly spot: boolean;
  /** Full image reference by digest: `<repository-url>@sha256:<digest>` (a tag is refused). */
  readonly image: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  /** The tenant's log group: container output, and (cluster logging DEFAULT) ECS Exec session transcripts. */
  readonly logGroupName: string;
  /** Private subnets; tasks never get a public IP. */
  readonly subnetIds: string[];
  /** The tenant's own group plus the platform's `db-clients` group. */
  readonly securityGroupIds: string[];
  /** Plain environment variables (never secrets). */
  readonly environment: Record<string, string>;
  /** Environment variable name → Secrets Manager secret ARN, injected by ECS at start. */
  readonly secrets: Record<string, string>;
  /**
   * What must exist before the first task starts (the tenant's database role, the policies of
   * the execution and task roles): otherwise the first deployment crash-loops until its circuit
   * breaker rolls it back. @default nothing
   */
  readonly startAfter?: ITerraformDependable[];
  /**
   * How long `terraform apply` waits for a deployment of a running service (desiredCount > 0)
   * to reach steady state before it fails; also the bound on a circuit-breaker rollback being
   * reported. A Terraform duration in minutes, e.g. `20m`. @default "20m"
   */
  readonly steadyStateTimeout?: string;
  /**
   * Run the tracing collector beside the agent (modules/agent-tracing.ts) and point the agent's
   * OpenTelemetry SDK at it. The task role must hold tracingStatements(). @default no sidecar
   */
  readonly tracing?: {
    /** Collector image by digest in the platform repository. */
    readonly image: string;
    /** Share of traces kept, 0 < rate <= 1. */
    readonly samplingRate: number;
  };
}

/**
 * One agent of one tenant: a hardened Fargate task definition and its ECS service on the shared
 * cluster. The container runs as a non-root user with a read-only root filesystem (task-local
 * volumes at WRITABLE_PATHS are the only writable paths), all Linux capabilities dropped, and an
 * init process so ECS Exec sessions are reaped cleanly.
 */
export class AgentService extends Construct {
  public readonly serviceName: string;
  public readonly taskDefinitionArn: string;
  /** The ECS service resource, for what must be created after it (its scalable target). */
  public readonly service: ITerraformDependable;

  constructor(scope: Construct, id: string, props: AgentServiceProps) {
    super(scope, id);
    requireInteger(`AgentService ${props.serviceName}`, "desiredCount", props.desiredCount, 0);
    if (props.securityGroupIds.length === 0 || props.subnetIds.length === 0) {
      throw new Error(`AgentService ${props.serviceName}: subnetIds and securityGroupIds must not be empty`);
    }
    const steadyStateTimeout = props.steadyStateTimeout ?? "20m";
    if (!/^[1-9]\d*m$/.test(steadyStateTimeout)) {
      throw new Error(`AgentService ${props.serviceName}: steadyStateTimeout must be a whole number of minutes like "20m" (got ${steadyStateTimeout})`);
    }
    // The pre-deploy gate checks scan and signature of a digest; a tag could name anything.
    if (!/@sha256:[a-f0-9]{64}$/.test(props.image)) {
      throw new Error(`AgentService ${props.serviceName}: image must be referenced by digest (<repository>@sha256:<64 hex>), got ${props.image}`);
    }
    for (const name of Object.keys(props.secrets)) {
      if (name in props.environment) throw new Error(`AgentService ${props.serviceName}: ${name} is both a secret and a plain variable`);
    }
    const tracingEnvironment = props.tracing ? agentTracingEnvironment() : {};
    for (const name of Object.keys(tracingEnvironment)) {
      if (name in props.environment || name in props.secrets) throw new Error(`AgentService ${props.serviceName}: ${name} is set by tracing; leave it out of environment and secrets`);
    }
    const environment = { ...props.environment, ...tracingEnvironment };

    const containerDefinitions = [
      {
        name: "agent",
        image: props.image,
        essential: true,
        user: AGENT_CONTAINER_USER,
        readonlyRootFilesystem: true,
        privileged: false,
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        healthCheck: {
          command: [...AGENT_HEALTH_CHECK.command],
          interval: AGENT_HEALTH_CHECK.intervalSeconds,
          timeout: AGENT_HEALTH_CHECK.timeoutSeconds,
          retries: AGENT_HEALTH_CHECK.retries,
          startPeriod: AGENT_HEALTH_CHECK.startPeriodSeconds,
        },
        stopTimeout: AGENT_STOP_TIMEOUT_SECONDS,
        mountPoints: Object.entries(WRITABLE_PATHS).map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false })),
        environment: Object.entries(environment)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, value]) => ({ name, value })),
        secrets: Object.entries(props.secrets)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, valueFrom]) => ({ name, valueFrom })),
        logConfiguration: {
          logDriver: "awslogs",
          options: { "awslogs-group": props.logGroupName, "awslogs-region": props.region, "awslogs-stream-prefix": props.agent },
        },
      },
      // The collector, where the environment traces; the image gate checks its digest like the agent's.
      ...(props.tracing
        ? [tracingContainer({ tenantId: props.tenantId, agent: props.agent, region: props.region, image: props.tracing.image, samplingRate: props.tracing.samplingRate, logGroupName: props.logGroupName })]
        : []),
    ];

    const taskDefinition = new EcsTaskDefinition(this, "task-definition", {
      family: props.taskFamily,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify(containerDefinitions),
      // No host path: each is a bind mount on the task's own Fargate ephemeral storage.
      volume: [...Object.keys(WRITABLE_PATHS), ...(props.tracing ? Object.keys(TRACING_WRITABLE_PATHS) : [])].map((name) => ({ name })),
    });

    const service = new EcsService(this, "service", {
      name: props.serviceName,
      cluster: props.clusterArn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: [{ capacityProvider: props.spot ? "FARGATE_SPOT" : "FARGATE", weight: 1 }],
      platformVersion: "LATEST",
      networkConfiguration: {
        subnets: props.subnetIds,
        securityGroups: props.securityGroupIds,
        assignPublicIp: false,
      },
      // The provider refuses any later change of the strategy (spot on or off) unless every
      // such update also forces a deployment (service.go, capacityProviderStrategyCustomizeDiff).
      // Any in-place update of the service therefore rolls its tasks, which a new task
      // definition revision does anyway.
      forceNewDeployment: true,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      enableExecuteCommand: true,
      enableEcsManagedTags: true,
      propagateTags: "SERVICE",
      ...(props.desiredCountWhenActive !== undefined &&
        props.desiredCount === 0 && {
          tags: {
            DesiredCountWhenActive: String(props.desiredCountWhenActive),
            ...(props.weeklyCopyHoursWhenActive !== undefined && { WeeklyCopyHoursWhenActive: String(props.weeklyCopyHoursWhenActive) }),
          },
        }),
      // Without waiting, apply returns as soon as ECS accepts the call and a deployment that the
      // circuit breaker later rolls back still reports success. Waiting makes a rollback
      // (ROLLBACK_SUCCESSFUL) or a stopped deployment fail the apply (service.go,
      // findDeploymentStatus). A service with no tasks has nothing to wait for, and a new tenant
      // created with 0 tasks must not depend on secret values nobody has written yet.
      waitForSteadyState: props.desiredCount > 0,
      ...(props.desiredCount > 0 && { timeouts: { create: steadyStateTimeout, update: steadyStateTimeout } }),
      dependsOn: props.startAfter,
      // The provider's documented way to let Application Auto Scaling own the count: "ignore any
      // changes to that count caused externally (e.g., Application Autoscaling)"
      // (website/docs/r/ecs_service.html.markdown, desired_count); service.go's Update otherwise
      // sends DesiredCount on every change of the argument.
      ...(props.autoscaled && { lifecycle: { ignoreChanges: ["desired_count"] } }),
    });

    this.serviceName = service.name;
    this.service = service;
    this.taskDefinitionArn = taskDefinition.arn;
  }
}
