import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";

export interface TenantSecurityGroupProps {
  readonly name: string;
  readonly tenantId: string;
  readonly vpcId: string;
}

/**
 * The tenant's own security group for its agent tasks: no ingress rule at all, egress HTTPS only
 * (AWS endpoints inside the VPC, integrations such as Slack or Gmail through NAT). Database
 * access comes from also attaching the platform's `db-clients` group, never from a rule here.
 */
export class TenantSecurityGroup extends Construct {
  public readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: TenantSecurityGroupProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "security-group", {
      name: props.name,
      description: `Agents of tenant ${props.tenantId}: no ingress, HTTPS egress`,
      vpcId: props.vpcId,
      revokeRulesOnDelete: true,
    });
    new VpcSecurityGroupEgressRule(this, "https-out", {
      securityGroupId: group.id,
      description: "HTTPS to AWS endpoints and integrations",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    this.securityGroupId = group.id;
  }
}
