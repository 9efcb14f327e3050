// Enforces SECURITY.md C29 (the table "Enforcing tests" there lists this file).
import { Network, NetworkProps } from "../../modules/network";
import { all, only, synthModule } from "../support/module-synth";

const props: NetworkProps = {
  namePrefix: "openclaw-test-us-east-1",
  accountId: "111111111111",
  vpcCidr: "10.10.0.0/16",
  availabilityZoneIds: ["use1-az1", "use1-az2"],
  natGateways: "single",
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/test",
  flowLogGroupName: "/openclaw/test/us-east-1/platform/vpc-flow-logs",
};
const THREE = ["use1-az1", "use1-az2", "use1-az4"];
const build = (overrides: Partial<NetworkProps> = {}) => synthModule((scope) => new Network(scope, "network", { ...props, ...overrides })).json;

const trustOf = (json: Record<string, any>, nameFragment: string) => {
  const [role] = Object.entries<Record<string, any>>(json.resource.aws_iam_role).filter(([n]) => n.includes(nameFragment));
  return JSON.parse(role[1].assume_role_policy).Statement[0];
};

describe("Network", () => {
  it("builds public, private and isolated subnets in every zone, none mapping public IPs", () => {
    const subnets = all(build({ availabilityZoneIds: THREE }), "aws_subnet");
    expect(subnets).toHaveLength(9);
    expect(subnets.map((s) => s.cidr_block).sort()).toEqual(
      ["10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19", "10.10.128.0/20", "10.10.144.0/20", "10.10.160.0/20", "10.10.192.0/21", "10.10.200.0/21", "10.10.208.0/21"].sort(),
    );
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  it("creates one NAT gateway when natGateways is single and one per zone when per-az", () => {
    expect(all(build({ natGateways: "single" }), "aws_nat_gateway")).toHaveLength(1);
    expect(all(build({ natGateways: "per-az", availabilityZoneIds: THREE }), "aws_nat_gateway")).toHaveLength(3);
  });

  it("gives the isolated tier no route out of the VPC", () => {
    const json = build();
    const isolatedTable = Object.entries<any>(json.resource.aws_route_table).find(([, t]) => t.tags.Name.endsWith("-isolated"))![0];
    const routesFromIsolated = all(json, "aws_route").filter((r) => r.route_table_id.includes(isolatedTable));
    expect(routesFromIsolated).toEqual([]);
  });

  it("encrypts flow logs with the given key and captures all traffic", () => {
    const json = build();
    expect(only(json, "aws_cloudwatch_log_group").kms_key_id).toBe(props.kmsKeyArn);
    expect(only(json, "aws_flow_log").traffic_type).toBe("ALL");
  });

  it("lets the flow-logs service assume the flow-log role only for the VPC's own account", () => {
    const statement = trustOf(build(), "flow-log-role");
    expect(statement.Principal).toEqual({ Service: "vpc-flow-logs.amazonaws.com" });
    expect(statement.Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
  });

  it("strips every rule from the default security group", () => {
    const group = only(build(), "aws_default_security_group");
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
  });

  it("fails when it gets fewer than 2 or more than 4 zone ids", () => {
    expect(() => build({ availabilityZoneIds: ["use1-az1"] })).toThrow("Network openclaw-test-us-east-1: availabilityZoneIds.length must be an integer from 2 to 4, got 1");
  });

  it("fails on a zone name where a zone id belongs", () => {
    expect(() => build({ availabilityZoneIds: ["use1-az1", "us-east-1b"] })).toThrow("Network openclaw-test-us-east-1: availabilityZoneIds must be zone ids like use1-az1, got us-east-1b");
  });

  it("pins every subnet to a literal zone id, so no zone's state can move it", () => {
    const subnets = all(build({ availabilityZoneIds: THREE }), "aws_subnet");
    expect(subnets.map((s) => s.availability_zone_id).sort()).toEqual([...THREE, ...THREE, ...THREE].sort());
    expect(subnets.every((s) => s.availability_zone === undefined)).toBe(true);
  });
});
