import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";

export interface TenantSecurityGroupProps {
  readonly name: string;
  readonly tenantId: string;
  readonly vpcId: string;
  /** The platform's VPC endpoints group: AWS APIs (ECR, logs, secrets, Bedrock ...) on 443. */
  readonly vpcEndpointsSecurityGroupId: string;
  /** The S3 gateway endpoint's prefix list: image layers and the tenant bucket, on 443. */
  readonly s3PrefixListId: string;
  /** The platform's egress proxy group: the only way to the internet. */
  readonly egressProxySecurityGroupId: string;
  readonly egressProxyPort: number;
}

/**
 * The tenant's own security group for its agent tasks: no ingress rule at all, and egress only to
 * the VPC endpoints, the S3 gateway endpoint and the platform's egress proxy (SECURITY.md G1):
 * never to 0.0.0.0/0, so an agent cannot open a connection to an address of its choosing. The
 * proxy admits it only to its tenant's declared domains. Database access comes from also
 * attaching the platform's `db-clients` group, never from a rule here.
 */
export class TenantSecurityGroup extends Construct {
  public readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: TenantSecurityGroupProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "security-group", {
      name: props.name,
      description: `Agents of tenant ${props.tenantId}: no ingress, egress to AWS endpoints and the egress proxy`,
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
    });
    const rule = (id: string, description: string, port: number, destination: { referencedSecurityGroupId: string } | { prefixListId: string }) =>
      new VpcSecurityGroupEgressRule(this, id, { securityGroupId: group.id, description, ipProtocol: "tcp", fromPort: port, toPort: port, ...destination });
    rule("https-to-endpoints", "HTTPS to AWS interface endpoints", 443, { referencedSecurityGroupId: props.vpcEndpointsSecurityGroupId });
    rule("https-to-s3", "HTTPS to S3 through the gateway endpoint", 443, { prefixListId: props.s3PrefixListId });
    rule("to-egress-proxy", "The egress proxy: the only path to the internet", props.egressProxyPort, { referencedSecurityGroupId: props.egressProxySecurityGroupId });
    this.securityGroupId = group.id;
  }
}
