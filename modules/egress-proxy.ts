import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { ServiceDiscoveryPrivateDnsNamespace } from "@cdktf/provider-aws/lib/service-discovery-private-dns-namespace";
import { ServiceDiscoveryService } from "@cdktf/provider-aws/lib/service-discovery-service";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { PolicyStatement, renderPolicy, serviceTrustPolicy } from "./iam-policy-document";
import { requireInteger } from "./prop-checks";

/** CloudWatch namespace of the proxy's refusal metrics. */
export const EGRESS_METRIC_NAMESPACE = "OpenClaw/Egress";
/** Refusals (403) of one verified tenant, dimension TenantId. */
export const EGRESS_REFUSED_METRIC = "RefusedConnections";
/** Every refusal, 407s (no valid credential) included, without dimensions: the fleet's alarm. */
export const EGRESS_REFUSED_ALL_METRIC = "RefusedConnectionsAll";
/** The port agents send their CONNECT requests to. */
export const EGRESS_PROXY_PORT = 3128;
/** The proxy's hostname inside its namespace. */
export const EGRESS_PROXY_HOST_LABEL = "proxy";

export interface EgressProxyProps {
  /** `openclaw-<env>-<region>-egress-proxy`: service, roles and security group names derive from it. */
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly vpcId: string;
  /** Only addresses inside the VPC may open connections to the proxy (it authenticates each one). */
  readonly vpcCidr: string;
  /** Private subnets, one or more per zone: tasks spread over them. */
  readonly subnetIds: string[];
  readonly clusterArn: string;
  /** Private DNS namespace (egressProxyNamespace()); agents reach `proxy.<namespace>`. */
  readonly namespaceName: string;
  /** Full image reference in the platform repository (`<repository-url>:<tag>` or `@sha256:`). */
  readonly image: string;
  /** The repository the image comes from: the execution role may pull from it alone. */
  readonly repositoryArn: string;
  /** Tasks; two or more, so one zone or one task failing leaves egress up. */
  readonly desiredCount: number;
  /** Fargate CPU units and memory of a task. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Access and diagnostics log group (`/openclaw/<env>/<region>/platform/egress-proxy`). */
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  /** The platform key: the log group is encrypted with it. */
  readonly kmsKeyArn: string;
  readonly serviceRoleBoundaryArn: string;
  /** SSM path the tenants publish their allowlists under (egressTenantsParameterPath()). */
  readonly tenantsParameterPath: string;
  /**
   * ARN pattern of every tenant's proxy credential secret in this environment, e.g.
   * `arn:aws:secretsmanager:<region>:<account>:secret:/openclaw/<env>/*\/platform/egress-proxy-*`.
   */
  readonly tenantSecretArnPattern: string;
  readonly alarmTopicArn: string;
  /**
   * Refusals (all tenants, bad credentials included) in five minutes that raise the fleet alarm.
   * @default 100
   */
  readonly refusedAlarmThreshold?: number;
}

/**
 * The shared egress proxy of one environment and region (SECURITY.md G1): the only path from an
 * agent to the internet. squid (egress/squid-config.ts) admits a CONNECT only with a tenant's
 * credential and only to that tenant's declared domains; the refresher in the same container
 * rebuilds its configuration from the tenants' published allowlists (SSM) and writes each new
 * tenant's credential into the tenant's own secret, so no credential ever passes through
 * Terraform. Its security group is the only one in the project that reaches 0.0.0.0/0.
 *
 * Logs every request as JSON naming the tenant; metric filters count refusals per tenant (for
 * each tenant's own alarm, TenantEgress) and in total (this module's fleet alarm).
 */
export class EgressProxy extends Construct {
  public readonly securityGroupId: string;
  /** `proxy.<namespace>:3128`. */
  public readonly endpoint: string;
  public readonly taskRoleArn: string;
  public readonly logGroupName: string;
  /** Its security-group rules, for work that must wait for every rule of the platform. */
  public readonly networkRules: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: EgressProxyProps) {
    super(scope, id);
    requireInteger(`EgressProxy ${props.name}`, "desiredCount", props.desiredCount, 2, 20);
    const threshold = props.refusedAlarmThreshold ?? 100;
    requireInteger(`EgressProxy ${props.name}`, "refusedAlarmThreshold", threshold, 1);

    const securityGroup = new SecurityGroup(this, "security-group", {
      name: props.name,
      description: "Egress proxy: CONNECT from the VPC, HTTPS to the internet",
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
    });
    const fromVpc = new VpcSecurityGroupIngressRule(this, "proxy-from-vpc", {
      securityGroupId: securityGroup.id,
      description: "Proxy port from inside the VPC (every request must carry a tenant credential)",
      ipProtocol: "tcp",
      fromPort: EGRESS_PROXY_PORT,
      toPort: EGRESS_PROXY_PORT,
      cidrIpv4: props.vpcCidr,
    });
    const httpsOut = new VpcSecurityGroupEgressRule(this, "https-out", {
      securityGroupId: securityGroup.id,
      description: "HTTPS to the domains tenants declared (squid enforces which) and AWS endpoints",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });

    const logGroup = proxyLogging(this, props, threshold);
    const { executionRole, taskRole, executionPolicy, taskPolicy } = proxyRoles(this, props, logGroup.arn);

    const namespace = new ServiceDiscoveryPrivateDnsNamespace(this, "namespace", {
      name: props.namespaceName,
      description: "OpenClaw egress proxy",
      vpc: props.vpcId,
    });
    const discovery = new ServiceDiscoveryService(this, "discovery", {
      name: EGRESS_PROXY_HOST_LABEL,
      description: "Egress proxy tasks (A records, one per healthy task)",
      dnsConfig: {
        namespaceId: namespace.id,
        // A short TTL: a replaced task's address leaves clients' caches within seconds.
        dnsRecords: [{ type: "A", ttl: 10 }],
        routingPolicy: "MULTIVALUE",
      },
    });

    const taskDefinition = new EcsTaskDefinition(this, "task-definition", {
      family: props.name,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify([
        {
          name: "egress-proxy",
          image: props.image,
          essential: true,
          // Debian's `proxy` user: squid never needs root for a port above 1024.
          user: "13:13",
          readonlyRootFilesystem: true,
          privileged: false,
          linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
          portMappings: [{ containerPort: EGRESS_PROXY_PORT, protocol: "tcp" }],
          mountPoints: Object.entries(PROXY_WRITABLE_PATHS).map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false })),
          environment: [
            { name: "AWS_REGION", value: props.region },
            { name: "EGRESS_TENANTS_PARAMETER_PATH", value: props.tenantsParameterPath },
            { name: "EGRESS_PROXY_ENDPOINT", value: `${EGRESS_PROXY_HOST_LABEL}.${props.namespaceName}:${EGRESS_PROXY_PORT}` },
          ],
          healthCheck: { command: ["CMD", "/usr/local/bin/egress-proxy", "health"], interval: 15, timeout: 5, retries: 3, startPeriod: 30 },
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": logGroup.name, "awslogs-region": props.region, "awslogs-stream-prefix": "egress-proxy" },
          },
        },
      ]),
      volume: Object.keys(PROXY_WRITABLE_PATHS).map((name) => ({ name })),
    });

    new EcsService(this, "service", {
      name: props.name,
      cluster: props.clusterArn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.desiredCount,
      // On-demand only: every tenant's egress goes through these tasks.
      capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }],
      platformVersion: "LATEST",
      networkConfiguration: { subnets: props.subnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
      serviceRegistries: { registryArn: discovery.arn },
      // As for agent services: the provider wants a forced deployment with a capacity provider strategy.
      forceNewDeployment: true,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      enableEcsManagedTags: true,
      propagateTags: "SERVICE",
      // A proxy that never becomes healthy must fail the apply, not leave every tenant without egress unnoticed.
      waitForSteadyState: true,
      timeouts: { create: "20m", update: "20m" },
      dependsOn: [logGroup, executionPolicy, taskPolicy, fromVpc, httpsOut],
    });

    this.securityGroupId = securityGroup.id;
    this.endpoint = `${EGRESS_PROXY_HOST_LABEL}.${props.namespaceName}:${EGRESS_PROXY_PORT}`;
    this.taskRoleArn = taskRole.arn;
    this.logGroupName = logGroup.name;
    this.networkRules = [fromVpc, httpsOut];
  }
}

/** The proxy's log group (JSON access lines), its refusal metric filters and the fleet alarm. */
function proxyLogging(scope: Construct, props: EgressProxyProps, threshold: number): CloudwatchLogGroup {
  const logGroup = new CloudwatchLogGroup(scope, "log-group", {
    name: props.logGroupName,
    retentionInDays: props.logRetentionDays,
    kmsKeyId: props.kmsKeyArn,
  });
  // Access log lines are JSON (EGRESS_LOG_FIELDS); a 403 names the verified tenant.
  new CloudwatchLogMetricFilter(scope, "refused-per-tenant", {
    name: `${props.name}-refused-per-tenant`,
    logGroupName: logGroup.name,
    pattern: "{ $.status = 403 }",
    metricTransformation: {
      name: EGRESS_REFUSED_METRIC,
      namespace: EGRESS_METRIC_NAMESPACE,
      value: "1",
      unit: "Count",
      dimensions: { TenantId: "$.tenant" },
    },
  });
  new CloudwatchLogMetricFilter(scope, "refused-all", {
    name: `${props.name}-refused-all`,
    logGroupName: logGroup.name,
    pattern: "{ ($.status = 403) || ($.status = 407) }",
    metricTransformation: { name: EGRESS_REFUSED_ALL_METRIC, namespace: EGRESS_METRIC_NAMESPACE, value: "1", unit: "Count" },
  });
  refusedSpikeAlarm(scope, {
    alarmName: `${props.name}-refused-spike`,
    description: `More than ${threshold} egress connections refused in 5 minutes across all tenants (a prompt-injected agent probing, or a credential being guessed); see the proxy log ${props.logGroupName}`,
    metricName: EGRESS_REFUSED_ALL_METRIC,
    threshold,
    alarmTopicArn: props.alarmTopicArn,
  });

  return logGroup;
}

/** Execution role (pull the image, write logs) and task role (the refresher), under the service-role boundary. */
function proxyRoles(scope: Construct, props: EgressProxyProps, logGroupArn: string) {
  const executionRole = new IamRole(scope, "execution-role", {
    name: `${props.name}-execution`,
    description: "Egress proxy task execution: pull its image, write its logs",
    permissionsBoundary: props.serviceRoleBoundaryArn,
    assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", props.accountId),
  });
  const executionPolicy = new IamRolePolicy(scope, "execution-policy", {
    name: "egress-proxy-execution",
    role: executionRole.id,
    policy: renderPolicy([
      { Sid: "PullImage", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: props.repositoryArn },
      // GetAuthorizationToken has no resource-level scoping.
      { Sid: "RegistryToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
    ]),
  });

  const taskRole = new IamRole(scope, "task-role", {
    name: `${props.name}-task`,
    description: "Egress proxy refresher: read tenants' allowlists, issue and read their proxy credentials",
    permissionsBoundary: props.serviceRoleBoundaryArn,
    assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", props.accountId),
  });
  const taskStatements: PolicyStatement[] = egressProxyTaskStatements(props);
  const taskPolicy = new IamRolePolicy(scope, "task-policy", { name: "egress-proxy-refresher", role: taskRole.id, policy: renderPolicy(taskStatements) });
  return { executionRole, taskRole, executionPolicy, taskPolicy };
}

/** Task-local writable paths of the proxy container (volume name → path); the root is read-only. */
export const PROXY_WRITABLE_PATHS: Readonly<Record<string, string>> = {
  "squid-run": "/run/squid",
  "squid-config": "/etc/squid/generated",
  tmp: "/tmp",
};

/**
 * What the refresher does, and nothing more: list the tenants' allowlists, read each tenant's
 * credential secret and write a new one where it has none, through the tenant's own key (each
 * tenant key admits this role for its egress secret alone; see egressProxyKeyStatement).
 * Also the proxy's part of the platform service-role boundary.
 */
export function egressProxyTaskStatements(props: Pick<EgressProxyProps, "region" | "accountId" | "tenantsParameterPath" | "tenantSecretArnPattern">): PolicyStatement[] {
  const parameterArn = `arn:aws:ssm:${props.region}:${props.accountId}:parameter${props.tenantsParameterPath}`;
  return [
    { Sid: "ReadTenantAllowlists", Effect: "Allow", Action: ["ssm:GetParametersByPath", "ssm:GetParameter"], Resource: [parameterArn, `${parameterArn}/*`] },
    {
      Sid: "IssueTenantCredentials",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"],
      Resource: props.tenantSecretArnPattern,
    },
    {
      Sid: "TenantKeysForCredentialsOnly",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: `arn:aws:kms:${props.region}:${props.accountId}:key/*`,
      Condition: {
        StringEquals: { "kms:ViaService": `secretsmanager.${props.region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:SecretARN": props.tenantSecretArnPattern },
      },
    },
  ];
}

/**
 * An alarm on a refusal count over five minutes (one period: a burst of refusals is the signal,
 * and no refusals reported is no alarm). The proxy alarms on the total, each tenant on its own.
 */
export function refusedSpikeAlarm(
  scope: Construct,
  props: { alarmName: string; description: string; metricName: string; dimensions?: Record<string, string>; threshold: number; alarmTopicArn: string },
): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, "refused-spike", {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: EGRESS_METRIC_NAMESPACE,
    metricName: props.metricName,
    ...(props.dimensions ? { dimensions: props.dimensions } : {}),
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: props.threshold,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [props.alarmTopicArn],
    okActions: [props.alarmTopicArn],
  });
}
