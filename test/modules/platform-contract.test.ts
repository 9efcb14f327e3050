import { PLATFORM_CONTRACT, PlatformContract, PlatformContractReader, PlatformContractValues } from "../../modules/platform-contract";
import { all, synthModule } from "../support/module-synth";

const values = Object.fromEntries(Object.keys(PLATFORM_CONTRACT).map((k) => [k, k === "privateSubnetIds" ? ["subnet-a", "subnet-b"] : `value-of-${k}`])) as unknown as PlatformContractValues;

describe("PlatformContract", () => {
  it("publishes every key as a standard SSM parameter under the platform path", () => {
    const { json } = synthModule((scope) => new PlatformContract(scope, "contract", { environment: "production", region: "us-east-1", values }));
    const parameters = all(json, "aws_ssm_parameter");
    expect(parameters.map((p) => p.name).sort()).toEqual(Object.values(PLATFORM_CONTRACT).map((k) => `/openclaw/production/us-east-1/platform/${k}`).sort());
    expect(parameters.every((p) => p.tier === "Standard")).toBe(true);
  });

  it("stores lists as StringList", () => {
    const { json } = synthModule((scope) => new PlatformContract(scope, "contract", { environment: "production", region: "us-east-1", values }));
    const subnets = all(json, "aws_ssm_parameter").find((p) => p.name.endsWith("/private-subnet-ids"))!;
    expect(subnets.type).toBe("StringList");
    expect(subnets.value).toBe('${join(",", ["subnet-a", "subnet-b"])}');
  });

  it("is read by the tenant side from the same names, through non-sensitive values", () => {
    const { json } = synthModule((scope) => {
      const reader = new PlatformContractReader(scope, "platform", { environment: "production", region: "us-east-1" });
      expect(Object.keys(reader.values).sort()).toEqual(Object.keys(PLATFORM_CONTRACT).sort());
    });
    const names = Object.values<any>(json.data.aws_ssm_parameter).map((p) => p.name).sort();
    expect(names).toEqual(Object.values(PLATFORM_CONTRACT).map((k) => `/openclaw/production/us-east-1/platform/${k}`).sort());
  });
});
