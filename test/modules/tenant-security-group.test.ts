import { TenantSecurityGroup } from "../../modules/tenant-security-group";
import { all, only, synthModule } from "../support/module-synth";


describe("TenantSecurityGroup", () => {
  it("has no ingress and only HTTPS egress", () => {
    const { json } = synthModule((scope) => new TenantSecurityGroup(scope, "sg", { name: "openclaw-acme-agents", tenantId: "acme", vpcId: "vpc-1" }));
    expect(only(json, "aws_security_group").ingress).toBeUndefined();
    expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    expect(all(json, "aws_vpc_security_group_egress_rule").map((r) => [r.ip_protocol, r.from_port, r.to_port])).toEqual([["tcp", 443, 443]]);
  });
});
