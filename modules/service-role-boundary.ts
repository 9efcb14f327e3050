import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { VPC_FUNCTION_NETWORK_INTERFACE_ACTIONS } from "./db-provisioner";
import { PolicyStatement, renderPolicy } from "./iam-policy-document";

export interface ServiceRoleBoundaryProps {
  /** Name of the managed policy (`openclaw-<env>-<region>-service-boundary`). */
  readonly policyName: string;
  readonly region: string;
  readonly accountId: string;
  /** Prefix of the platform's log groups, e.g. `/openclaw/production/us-east-1/platform/`. */
  readonly platformLogGroupPrefix: string;
  /** The platform key: the provisioner decrypts the master-password secret with it. */
  readonly platformKeyArn: string;
  /**
   * Buckets the provisioner writes `database-exports/` objects to: tenant buckets (`drop`
   * exports) and the platform's offboarding archive.
   */
  readonly exportBucketArnPatterns: readonly string[];
  /**
   * The egress proxy's needs (modules/egress-proxy.ts): pull its image from the platform
   * repository, read the tenants' allowlists under this SSM path, read and write the tenants'
   * proxy credential secrets (this ARN pattern) through their keys. @default no egress proxy
   */
  readonly egressProxy?: { readonly repositoryArn: string; readonly tenantsParameterPath: string; readonly tenantSecretArnPattern: string };
}

/**
 * The ceiling on the platform's own service roles (DB provisioner, VPC flow logs, RDS enhanced
 * monitoring), as TenantPermissionsBoundary is for tenant roles. The deploy role may only create
 * roles, or give them policies, under one of these two boundaries (bootstrap/policies.ts), so a
 * commit cannot make a platform role an administrator: whatever its own policies say, a
 * service role writes logs, reads the RDS-managed master secret, uses the platform key,
 * writes database exports and manages a VPC function's network interfaces. No IAM, no STS,
 * no other service. The statements restate the roles' needs on purpose instead of importing their
 * policies: a cap that grows with the policies it caps caps nothing.
 */
export class ServiceRoleBoundary extends Construct {
  public readonly policyArn: string;

  constructor(scope: Construct, id: string, props: ServiceRoleBoundaryProps) {
    super(scope, id);
    const { region, accountId } = props;
    if (!props.platformLogGroupPrefix.endsWith("/")) {
      throw new Error(`ServiceRoleBoundary ${props.policyName}: platformLogGroupPrefix must end with "/" (got ${props.platformLogGroupPrefix})`);
    }
    const logGroup = (pattern: string) => `arn:aws:logs:${region}:${accountId}:log-group:${pattern}`;
    const policy = new IamPolicy(this, "policy", {
      name: props.policyName,
      description: "Permissions boundary for OpenClaw platform service roles: logs, master secret, platform key, exports, VPC ENIs",
      policy: renderPolicy([
        {
          Sid: "PlatformLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [logGroup(`${props.platformLogGroupPrefix}*`)],
        },
        {
          // AmazonRDSEnhancedMonitoringRole: the RDSOSMetrics log group RDS creates and writes.
          Sid: "RdsEnhancedMonitoringLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
          Resource: [logGroup("RDS*"), logGroup("RDS*:log-stream:*")],
        },
        // RDS names the secrets it manages `rds!<resource>`.
        { Sid: "RdsMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!*` },
        // Decrypt: the master secret; GenerateDataKey: exports the provisioner writes under the platform key.
        { Sid: "PlatformKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: props.platformKeyArn },
        { Sid: "DatabaseExports", Effect: "Allow", Action: "s3:PutObject", Resource: props.exportBucketArnPatterns.map((b) => `${b}/database-exports/*`) },
        {
          Sid: "ExportKeysThroughS3",
          Effect: "Allow",
          Action: "kms:GenerateDataKey",
          Resource: `arn:aws:kms:${region}:${accountId}:key/*`,
          Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
        },
        {
          Sid: "VpcFunctionNetworkInterfaces",
          Effect: "Allow",
          Action: [...VPC_FUNCTION_NETWORK_INTERFACE_ACTIONS],
          Resource: "*",
        },
        { Sid: "Traces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
        ...(props.egressProxy ? egressProxyCeiling(region, accountId, props.egressProxy) : []),
      ]),
    });
    this.policyArn = policy.arn;
  }
}

/** The egress proxy's part of the boundary, restated rather than imported from its policies. */
function egressProxyCeiling(region: string, accountId: string, proxy: NonNullable<ServiceRoleBoundaryProps["egressProxy"]>): PolicyStatement[] {
  const parameters = `arn:aws:ssm:${region}:${accountId}:parameter${proxy.tenantsParameterPath}`;
  return [
    { Sid: "EgressProxyImage", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: proxy.repositoryArn },
    { Sid: "EgressProxyRegistryToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    { Sid: "EgressTenantAllowlists", Effect: "Allow", Action: ["ssm:GetParametersByPath", "ssm:GetParameter"], Resource: [parameters, `${parameters}/*`] },
    {
      Sid: "EgressTenantCredentials",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"],
      Resource: proxy.tenantSecretArnPattern,
    },
    {
      Sid: "EgressCredentialKeys",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: `arn:aws:kms:${region}:${accountId}:key/*`,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
    },
  ];
}
