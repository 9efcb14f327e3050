import { TenantSecurityGroup } from "../../modules/tenant-security-group";
import { all, only, synthModule } from "../support/module-synth";

const PROPS = {
  name: "openclaw-acme-agents",
  tenantId: "acme",
  vpcId: "vpc-1",
  vpcEndpointsSecurityGroupId: "sg-endpoints",
  s3PrefixListId: "pl-s3",
  egressProxySecurityGroupId: "sg-proxy",
  egressProxyPort: 3128,
};

describe("TenantSecurityGroup", () => {
  it("has no ingress", () => {
    const { json } = synthModule((scope) => new TenantSecurityGroup(scope, "sg", PROPS));
    expect(only(json, "aws_security_group").ingress).toBeUndefined();
    expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
  });

  it("reaches only the VPC endpoints, the S3 gateway and the egress proxy, never an address range", () => {
    const { json } = synthModule((scope) => new TenantSecurityGroup(scope, "sg", PROPS));
    const rules = all(json, "aws_vpc_security_group_egress_rule").map((r) => [r.from_port, r.to_port, r.referenced_security_group_id ?? r.prefix_list_id, r.cidr_ipv4, r.cidr_ipv6]);
    expect(rules).toEqual([
      [443, 443, "sg-endpoints", undefined, undefined],
      [443, 443, "pl-s3", undefined, undefined],
      [3128, 3128, "sg-proxy", undefined, undefined],
    ]);
  });
});
