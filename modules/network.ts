import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { Fn } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { cidrSubnet } from "./cidr";
import { renderPolicy, serviceTrustPolicy } from "./iam-policy-document";
import { requireInteger } from "./prop-checks";
import { FLOW_LOG_ROLE_SUFFIX, nameUnder } from "./naming";

export interface NetworkProps {
  /** Prefix for Name tags and the flow-log role, e.g. `openclaw-production-us-east-1`. */
  readonly namePrefix: string;
  /** The VPC's IPv4 range, /16 to /20. */
  readonly vpcCidr: string;
  /** Availability zones to span, 2 to 4. */
  readonly availabilityZoneCount: number;
  /** `single`: one NAT gateway (cheaper); `per-az`: one per zone (egress survives a zone outage). */
  readonly natGateways: "single" | "per-az";
  /** KMS key that encrypts the flow-log group. */
  readonly kmsKeyArn: string;
  /** Flow-log group name. */
  readonly flowLogGroupName: string;
  /** Days flow logs are kept. @default 365 */
  readonly flowLogRetentionDays?: number;
  /**
   * Account of the VPC: the flow-log role trusts the flow-logs service only when it acts for
   * this account (confused-deputy guard).
   */
  readonly accountId: string;
  /**
   * Permissions boundary of the module's IAM role (the platform's service-role boundary).
   * @default none: the role is unbounded, which the pipeline's deploy role refuses to create
   */
  readonly serviceRoleBoundaryArn?: string;
}

/**
 * The VPC in three tiers per availability zone:
 * - public: only NAT gateways live here (no task, no database, no public IP on anything else);
 * - private: agent tasks, the DB provisioner and interface endpoints, egress through NAT;
 * - isolated: the database, no route out of the VPC at all.
 * Address plan (for a /16): private /19s from the first half, isolated /20s from the third
 * quarter, public /21s from the fourth.
 */
export class Network extends Construct {
  public readonly vpcId: string;
  public readonly vpcCidr: string;
  public readonly privateSubnetIds: string[];
  /** Zone name of each private subnet, in the order of privateSubnetIds. */
  public readonly privateSubnetZones: string[] = [];
  public readonly isolatedSubnetIds: string[];
  /** Route tables of the private and isolated tiers, for gateway endpoints. */
  public readonly internalRouteTableIds: string[];
  /** The private tier's routes to the internet, for work that needs egress from its first run. */
  public readonly privateEgressRoutes: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const zones = props.availabilityZoneCount;
    requireInteger(`Network ${props.namePrefix}`, "availabilityZoneCount", zones, 2, 4);
    const name = (suffix: string) => ({ Name: nameUnder(props.namePrefix, suffix) });

    const azs = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      // Local and Wavelength zones lack the services (RDS, endpoints) this VPC needs.
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    const zoneName = (i: number) => Fn.element(azs.names, i);

    const vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true, // interface endpoints need private DNS
      enableDnsSupport: true,
      tags: name("vpc"),
    });

    // The default security group is attached to anything created without one: leave it with no rules.
    new DefaultSecurityGroup(this, "default-security-group", { vpcId: vpc.id, tags: name("default-deny") });

    const logGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      name: props.flowLogGroupName,
      retentionInDays: props.flowLogRetentionDays ?? 365,
      kmsKeyId: props.kmsKeyArn,
    });
    const flowLogRole = new IamRole(this, "flow-log-role", {
      name: nameUnder(props.namePrefix, FLOW_LOG_ROLE_SUFFIX),
      assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", props.accountId),
      permissionsBoundary: props.serviceRoleBoundaryArn,
    });
    const flowLogPolicy = new IamRolePolicy(this, "flow-log-policy", {
      role: flowLogRole.id,
      name: "write-flow-logs",
      policy: renderPolicy([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: `${logGroup.arn}:*`,
        },
      ]),
    });
    new FlowLog(this, "flow-log", {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      // The ARN alone does not order this after the role's policy; without it the first
      // deliveries fail with an access error.
      dependsOn: [flowLogPolicy],
    });

    const igw = new InternetGateway(this, "internet-gateway", { vpcId: vpc.id, tags: name("igw") });
    const publicRoutes = new RouteTable(this, "public-routes", { vpcId: vpc.id, tags: name("public") });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    const isolatedRoutes = new RouteTable(this, "isolated-routes", { vpcId: vpc.id, tags: name("isolated") });

    const natCount = props.natGateways === "per-az" ? zones : 1;
    const natIds: string[] = [];
    const privateRouteTableIds: string[] = [];
    this.privateSubnetIds = [];
    this.isolatedSubnetIds = [];

    for (let i = 0; i < zones; i++) {
      const publicSubnet = new Subnet(this, `public-${i}`, {
        vpcId: vpc.id,
        availabilityZone: zoneName(i),
        cidrBlock: cidrSubnet(props.vpcCidr, 5, 24 + i),
        mapPublicIpOnLaunch: false, // NAT gateways get Elastic IPs; nothing else is public
        tags: name(`public-${i}`),
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id });
      if (i < natCount) {
        const eip = new Eip(this, `nat-${i}-address`, { domain: "vpc", tags: name(`nat-${i}`), dependsOn: [igw] });
        natIds.push(new NatGateway(this, `nat-${i}`, { allocationId: eip.allocationId, subnetId: publicSubnet.id, tags: name(`nat-${i}`) }).id);
      }

      const privateSubnet = new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: zoneName(i),
        cidrBlock: cidrSubnet(props.vpcCidr, 3, i),
        mapPublicIpOnLaunch: false,
        tags: name(`private-${i}`),
      });
      const privateRoutes = new RouteTable(this, `private-${i}-routes`, { vpcId: vpc.id, tags: name(`private-${i}`) });
      const egress = new Route(this, `private-${i}-default-route`, {
        routeTableId: privateRoutes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natIds[Math.min(i, natCount - 1)],
      });
      this.privateEgressRoutes.push(egress);
      new RouteTableAssociation(this, `private-${i}-association`, { subnetId: privateSubnet.id, routeTableId: privateRoutes.id });
      this.privateSubnetIds.push(privateSubnet.id);
      this.privateSubnetZones.push(zoneName(i));
      privateRouteTableIds.push(privateRoutes.id);

      const isolatedSubnet = new Subnet(this, `isolated-${i}`, {
        vpcId: vpc.id,
        availabilityZone: zoneName(i),
        cidrBlock: cidrSubnet(props.vpcCidr, 4, 8 + i),
        mapPublicIpOnLaunch: false,
        tags: name(`isolated-${i}`),
      });
      new RouteTableAssociation(this, `isolated-${i}-association`, { subnetId: isolatedSubnet.id, routeTableId: isolatedRoutes.id });
      this.isolatedSubnetIds.push(isolatedSubnet.id);
    }

    this.vpcId = vpc.id;
    this.vpcCidr = props.vpcCidr;
    this.internalRouteTableIds = [...privateRouteTableIds, isolatedRoutes.id];
  }
}
