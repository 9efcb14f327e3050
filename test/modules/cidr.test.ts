import { cidrSubnet } from "../../modules/cidr";

describe("cidrSubnet", () => {
  it("computes subnets like Terraform's cidrsubnet", () => {
    expect(cidrSubnet("10.10.0.0/16", 3, 0)).toBe("10.10.0.0/19");
    expect(cidrSubnet("10.10.0.0/16", 3, 1)).toBe("10.10.32.0/19");
    expect(cidrSubnet("10.10.0.0/16", 4, 8)).toBe("10.10.128.0/20");
    expect(cidrSubnet("10.10.0.0/16", 5, 24)).toBe("10.10.192.0/21");
    expect(cidrSubnet("10.20.16.0/20", 4, 15)).toBe("10.20.31.0/24");
  });

  it("fails when the subnet number does not fit the new bits", () => {
    expect(() => cidrSubnet("10.0.0.0/16", 2, 4)).toThrow(/cannot take subnet 4 of \/18 from 10.0.0.0\/16/);
  });

  it("fails when the prefix would exceed /32", () => {
    expect(() => cidrSubnet("10.0.0.0/30", 3, 0)).toThrow(/cannot take subnet/);
  });
});
