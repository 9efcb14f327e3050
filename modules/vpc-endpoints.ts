import { Construct } from "constructs";
import { Fn, ITerraformDependable } from "cdktf";
import { DataAwsVpcEndpointService } from "@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { renderPolicy } from "./iam-policy-document";

/** Services agents reach privately: image pulls, logs, secrets, ECS Exec, keys, STS, Bedrock. */
export const INTERFACE_ENDPOINT_SERVICES = [
  "ecr.api",
  "ecr.dkr",
  "logs",
  "secretsmanager",
  "ssm",
  "ssmmessages",
  "kms",
  "sts",
  "bedrock-runtime",
] as const;

/**
 * X-Ray, added to INTERFACE_ENDPOINT_SERVICES where the environment traces (#29): the tracing
 * collector sends segments through it, as agents have no route to the internet. It takes the
 * account-only endpoint policy: with foreign credentials an agent could otherwise write trace
 * data (anything it likes, in segment documents) into another account through it.
 */
export const TRACING_ENDPOINT_SERVICE = "xray";

export interface VpcEndpointsProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly vpcId: string;
  /** The VPC's range: only addresses inside the VPC may open HTTPS to the endpoints. */
  readonly vpcCidr: string;
  /** Subnets that get an endpoint network interface (the private tier). */
  readonly subnetIds: string[];
  /**
   * Zone name of each subnet, in the order of subnetIds. An interface endpoint goes only into
   * the subnets whose zone its service offers; tasks in other zones reach it across zones.
   */
  readonly subnetAvailabilityZones: string[];
  /** Route tables that get the S3 gateway endpoint. */
  readonly routeTableIds: string[];
  /** @default INTERFACE_ENDPOINT_SERVICES */
  readonly interfaceServices?: readonly string[];
  /**
   * The account whose buckets the S3 gateway endpoint may reach (plus the ECR layer bucket image
   * pulls need). Without it the endpoint takes any request to any bucket, and with internet
   * egress closed (SECURITY.md G1) S3 would be the way out: an agent holding another account's
   * keys could write to that account's bucket through it. @default any bucket (no endpoint policy)
   */
  readonly s3ResourceAccountId?: string;
  /**
   * The account whose principals may call through the interface endpoints (an endpoint policy on
   * every service in ENDPOINT_POLICY_SERVICES). Without it an agent holding another account's
   * keys could write to that account (its logs, secrets, parameters) through them. @default anyone
   */
  readonly principalAccountId?: string;
}

/**
 * Interface services whose endpoints take an endpoint policy. ssmmessages (ECS Exec's channels)
 * is left with the default policy: its documentation gives no endpoint policy support
 * (SECURITY.md G1 lists it).
 */
export const ENDPOINT_POLICY_SERVICES: ReadonlySet<string> = new Set(["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "kms", "sts", "bedrock-runtime", TRACING_ENDPOINT_SERVICE]);

/**
 * Keeps AWS API traffic inside the VPC. The endpoints' security group is the only one in the
 * platform with an ingress rule: HTTPS from the VPC's own range, which interface endpoints need.
 */
export class VpcEndpoints extends Construct {
  public readonly securityGroupId: string;
  /** The S3 gateway endpoint's prefix list (`pl-...`): security groups allow S3 through it. */
  public readonly s3PrefixListId: string;
  /** Every endpoint, for work that must not start before AWS APIs are reachable privately. */
  public readonly endpoints: ITerraformDependable[] = [];
  /** The rule admitting HTTPS to the interface endpoints; a separate resource, so callers wait for it too. */
  public readonly ingressRules: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);
    if (props.subnetIds.length === 0) throw new Error(`VpcEndpoints ${props.namePrefix}: subnetIds must not be empty`);
    if (props.subnetAvailabilityZones.length !== props.subnetIds.length) {
      throw new Error(`VpcEndpoints ${props.namePrefix}: subnetAvailabilityZones must name one zone per subnet (${props.subnetIds.length}), got ${props.subnetAvailabilityZones.length}`);
    }

    const securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.namePrefix}-vpc-endpoints`,
      description: "HTTPS from inside the VPC to AWS service endpoints",
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
    });
    const httpsFromVpc = new VpcSecurityGroupIngressRule(this, "https-from-vpc", {
      securityGroupId: securityGroup.id,
      description: "HTTPS from the VPC",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: props.vpcCidr,
    });

    const s3 = new VpcEndpoint(this, "s3", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: props.routeTableIds,
      ...(props.s3ResourceAccountId ? { policy: s3GatewayPolicy(props.s3ResourceAccountId, props.region) } : {}),
      tags: { Name: `${props.namePrefix}-s3` },
    });
    this.endpoints.push(s3);
    this.s3PrefixListId = s3.prefixListId;
    for (const service of props.interfaceServices ?? INTERFACE_ENDPOINT_SERVICES) {
      const id = service.replace(/\./g, "-");
      const serviceName = `com.amazonaws.${props.region}.${service}`;
      // Zone names map to different physical zones in each account, and not every service is
      // offered in every zone: CreateVpcEndpoint refuses a subnet in a zone the service lacks.
      const offered = new DataAwsVpcEndpointService(this, `${id}-service`, { serviceName, serviceType: "Interface" });
      const endpoint = new VpcEndpoint(this, id, {
        vpcId: props.vpcId,
        serviceName,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: Fn.matchkeys(props.subnetIds, props.subnetAvailabilityZones, offered.availabilityZones),
        securityGroupIds: [securityGroup.id],
        ...(props.principalAccountId && ENDPOINT_POLICY_SERVICES.has(service) ? { policy: ownPrincipalsPolicy(props.principalAccountId) } : {}),
        tags: { Name: `${props.namePrefix}-${service}` },
      });
      this.endpoints.push(endpoint);
    }
    this.securityGroupId = securityGroup.id;
    this.ingressRules = [httpsFromVpc];
  }
}

/**
 * The S3 gateway endpoint's policy: requests to this account's buckets, and reads of the ECR
 * layer bucket an image pull needs
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway).
 */
export function s3GatewayPolicy(accountId: string, region: string): string {
  return renderPolicy([
    { Sid: "OwnAccountBuckets", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceAccount": accountId } } },
    { Sid: "EcrImageLayers", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::prod-${region}-starport-layer-bucket/*` },
  ]);
}

/** An interface endpoint's policy: any action, by principals of this account only. */
export function ownPrincipalsPolicy(accountId: string): string {
  return renderPolicy([{ Sid: "OwnAccountPrincipals", Effect: "Allow", Principal: "*", Action: "*", Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": accountId } } }]);
}
