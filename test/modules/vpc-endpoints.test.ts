import { INTERFACE_ENDPOINT_SERVICES, TRACING_ENDPOINT_SERVICE, VpcEndpoints, VpcEndpointsProps } from "../../modules/vpc-endpoints";
import { all, synthModule } from "../support/module-synth";


const BASE: VpcEndpointsProps = {
  namePrefix: "openclaw-p-us-east-1",
  region: "us-east-1",
  vpcId: "vpc-1",
  vpcCidr: "10.10.0.0/16",
  subnetIds: ["subnet-a", "subnet-b"],
  subnetAvailabilityZones: ["us-east-1a", "us-east-1b"],
  routeTableIds: ["rtb-a"],
};
const build = (extra: Partial<VpcEndpointsProps> = {}) => synthModule((scope) => new VpcEndpoints(scope, "endpoints", { ...BASE, ...extra }));

describe("VpcEndpoints", () => {
  const { json } = build();

  it("creates an S3 gateway endpoint and every interface endpoint agents need, with private DNS", () => {
    const endpoints = all(json, "aws_vpc_endpoint");
    expect(endpoints.filter((e) => e.vpc_endpoint_type === "Gateway").map((e) => e.service_name)).toEqual(["com.amazonaws.us-east-1.s3"]);
    const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(INTERFACE_ENDPOINT_SERVICES.map((s) => `com.amazonaws.us-east-1.${s}`).sort());
    expect(interfaces.every((e) => e.private_dns_enabled === true)).toBe(true);
  });

  it("puts each interface endpoint only into subnets in zones its service is offered in", () => {
    const interfaces = all(json, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
    const lookups = Object.entries<any>(json.data.aws_vpc_endpoint_service);
    for (const endpoint of interfaces) {
      const [name, lookup] = lookups.find(([, d]) => d.service_name === endpoint.service_name)!;
      expect(lookup.service_type).toBe("Interface");
      expect(endpoint.subnet_ids).toBe(`\${matchkeys(["subnet-a", "subnet-b"], ["us-east-1a", "us-east-1b"], tolist(data.aws_vpc_endpoint_service.${name}.availability_zones))}`);
    }
  });

  it("fails when the subnets' zones are not given one per subnet", () => {
    expect(() =>
      synthModule((scope) => new VpcEndpoints(scope, "endpoints", { namePrefix: "p", region: "us-east-1", vpcId: "vpc-1", vpcCidr: "10.10.0.0/16", subnetIds: ["subnet-a"], subnetAvailabilityZones: [], routeTableIds: [] })),
    ).toThrow("VpcEndpoints p: subnetAvailabilityZones must name one zone per subnet (1), got 0");
  });

  it("admits HTTPS from inside the VPC only", () => {
    expect(all(json, "aws_vpc_security_group_ingress_rule").map((r) => [r.cidr_ipv4, r.from_port, r.to_port])).toEqual([["10.10.0.0/16", 443, 443]]);
  });
});

describe("VpcEndpoints with the X-Ray endpoint (#29)", () => {
  const { json } = build({ interfaceServices: [...INTERFACE_ENDPOINT_SERVICES, TRACING_ENDPOINT_SERVICE], principalAccountId: "222222222222" });

  it("creates it with private DNS (the collector resolves xray.<region>.amazonaws.com to it) and the account-only policy", () => {
    const xray = all(json, "aws_vpc_endpoint").find((e) => e.service_name === "com.amazonaws.us-east-1.xray")!;
    expect(xray).toMatchObject({ vpc_endpoint_type: "Interface", private_dns_enabled: true });
    expect(JSON.parse(xray.policy).Statement).toEqual([
      { Sid: "OwnAccountPrincipals", Effect: "Allow", Principal: "*", Action: "*", Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": "222222222222" } } },
    ]);
  });
});
