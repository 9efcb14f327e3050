import {
  decodePlatformContract,
  encodePlatformContract,
  PLATFORM_CONTRACT_FIELDS,
  PLATFORM_CONTRACT_KEYS,
  PLATFORM_CONTRACT_SCHEMA_VERSION,
  PlatformContract,
  PlatformContractReader,
  PlatformContractValues,
  SSM_STANDARD_VALUE_LIMIT_BYTES,
} from "../../modules/platform-contract";
import { ENVIRONMENT_NAME_PATTERN, MAX_REGION_LENGTH } from "../../config/environment-schema";
import { agentRepositoryName, platformResourceName } from "../../modules/naming";
import { all, only, synthModule } from "../support/module-synth";
import { LEGACY_CONTRACT_KEYS, LEGACY_CONTRACT_PARAMETERS, LEGACY_LIST_KEYS } from "../support/legacy-contract";

const values = Object.fromEntries(
  PLATFORM_CONTRACT_KEYS.map((k) => [k, PLATFORM_CONTRACT_FIELDS[k].kind === "list" ? ["subnet-a", "subnet-b"] : `value-of-${k}`]),
) as unknown as PlatformContractValues;
// The deployed names, frozen (test/support/legacy-contract.ts), not read from the code under test.
const LEGACY_NAMES = LEGACY_CONTRACT_KEYS.map((k) => `/openclaw/production/us-east-1/platform/${LEGACY_CONTRACT_PARAMETERS[k]}`);

const publish = (extra: { publishLegacyParameters?: boolean } = {}) =>
  synthModule((scope) => new PlatformContract(scope, "contract", { environment: "production", region: "us-east-1", values, ...extra })).json;
const documentOf = (json: Record<string, any>) => all(json, "aws_ssm_parameter").find((p) => p.name === "/openclaw/production/us-east-1/platform/contract")!;

describe("PlatformContract (platform side)", () => {
  it("publishes the whole contract as one standard String parameter holding JSON", () => {
    const document = documentOf(publish());
    expect(document).toMatchObject({ type: "String", tier: "Standard" });
    expect(document.value).toMatch(/^\$\{jsonencode\(\{"schemaVersion" = 1, "vpcId" = "value-of-vpcId", "privateSubnetIds" = \["subnet-a", "subnet-b"\], /);
  });

  it("encodes schemaVersion and every field of the schema, nothing else", () => {
    expect(Object.keys(encodePlatformContract(values))).toEqual(["schemaVersion", ...PLATFORM_CONTRACT_KEYS]);
    expect(encodePlatformContract(values).schemaVersion).toBe(PLATFORM_CONTRACT_SCHEMA_VERSION);
  });

  it("keeps publishing the legacy per-value parameters unchanged for this release", () => {
    const json = publish();
    const legacy = all(json, "aws_ssm_parameter").filter((p) => p.name !== documentOf(json).name);
    expect(legacy.map((p) => p.name).sort()).toEqual([...LEGACY_NAMES].sort());
    // Same construct ids as before the JSON document: the deployed parameters are not replaced.
    const legacyIds = Object.keys(json.resource.aws_ssm_parameter).filter((a) => !a.startsWith("contract_document_"));
    expect(legacyIds.map((a) => a.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(LEGACY_CONTRACT_KEYS.map((k) => `contract_${LEGACY_CONTRACT_PARAMETERS[k]}`).sort());
    // Each deployed name still carries its own value (mutation tried: renaming db-port to
    // database-port in PLATFORM_CONTRACT_FIELDS; it passed while the names came from the code).
    const byName = new Map(legacy.map((p) => [p.name, p]));
    for (const key of LEGACY_CONTRACT_KEYS) {
      const parameter = byName.get(`/openclaw/production/us-east-1/platform/${LEGACY_CONTRACT_PARAMETERS[key]}`);
      expect({ key, parameter }).toMatchObject({
        key,
        parameter: LEGACY_LIST_KEYS.has(key)
          ? { type: "StringList", value: '${join(",", ["subnet-a", "subnet-b"])}' }
          : { type: "String", value: `value-of-${key}`, tier: "Standard" },
      });
    }
  });

  it("drops the legacy parameters when publishLegacyParameters is false", () => {
    expect(all(publish({ publishLegacyParameters: false }), "aws_ssm_parameter").map((p) => p.name)).toEqual(["/openclaw/production/us-east-1/platform/contract"]);
  });
});

describe("PlatformContractReader (tenant side)", () => {
  const read = () => {
    let read: PlatformContractValues | undefined;
    const { json, text } = synthModule((scope) => {
      read = new PlatformContractReader(scope, "platform", { environment: "production", region: "us-east-1" }).values;
    });
    return { json, text, values: read! };
  };

  it("reads one parameter, the JSON document, without decryption", () => {
    const { json } = read();
    expect(Object.keys(json.data)).toEqual(["aws_ssm_parameter"]);
    expect(only(json, "data.aws_ssm_parameter")).toMatchObject({ name: "/openclaw/production/us-east-1/platform/contract", with_decryption: false });
  });

  it("refuses a document of another schemaVersion at plan time", () => {
    // Terraform checks a data source's postconditions right after reading it, before any resource
    // uses the values (https://developer.hashicorp.com/terraform/language/expressions/custom-conditions).
    const [postcondition] = only(read().json, "data.aws_ssm_parameter").lifecycle.postcondition;
    expect(postcondition.condition).toBe(`\${jsondecode(self.insecure_value).schemaVersion == ${PLATFORM_CONTRACT_SCHEMA_VERSION}}`);
    expect(postcondition.error_message).toMatch(/schemaVersion/);
  });

  it("looks up exactly the fields the platform encodes, through jsondecode only", () => {
    const { json } = synthModule((scope) => {
      const { values: read } = new PlatformContractReader(scope, "platform", { environment: "production", region: "us-east-1" });
      // Render every value through an output-free resource so the expressions show in the JSON.
      new (require("cdktf").TerraformLocal)(scope, "probe", read);
    });
    const probe = json.locals.probe as Record<string, string>;
    const source = Object.keys(json.data.aws_ssm_parameter)[0];
    expect(Object.keys(probe).sort()).toEqual(Object.keys(encodePlatformContract(values)).filter((k) => k !== "schemaVersion").sort());
    for (const key of PLATFORM_CONTRACT_KEYS) {
      expect(probe[key]).toBe(`\${jsondecode(data.aws_ssm_parameter.${source}.insecure_value).${key}}`);
    }
  });

  it("gives every field the value the legacy parameter gave (Terraform's functions simulated)", () => {
    // Terraform: jsondecode(jsonencode(document)).field on the new side; the String parameter's
    // value, or split(",", join(",", list)) for the StringList, on the legacy side.
    const decoded = JSON.parse(JSON.stringify(encodePlatformContract(values)));
    for (const key of PLATFORM_CONTRACT_KEYS) {
      const legacy = PLATFORM_CONTRACT_FIELDS[key].kind === "list" ? (values[key] as string[]).join(",").split(",") : values[key];
      expect([key, decoded[key]]).toEqual([key, legacy]);
    }
    expect(Object.keys(decodePlatformContract("${x}"))).toEqual(PLATFORM_CONTRACT_KEYS);
  });
});

describe("the contract document's size", () => {
  it("stays under the standard tier's 4 KB with the longest names and the most availability zones", () => {
    const env = "a".repeat(Number(/\{1,(\d+)\}/.exec(ENVIRONMENT_NAME_PATTERN.source)![1]) + 1); // longest allowed environment
    const region = "ap-southeast-2";
    expect(region).toHaveLength(MAX_REGION_LENGTH);
    const account = "123456789012";
    const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
    const longest: PlatformContractValues = {
      vpcId: "vpc-0123456789abcdef0",
      privateSubnetIds: Array.from({ length: 4 }, (_, i) => `subnet-0123456789abcdef${i}`), // availabilityZoneCount is at most 4
      clusterArn: arn("ecs", `cluster/${platformResourceName(env, region, "agents")}`),
      clusterName: platformResourceName(env, region, "agents"),
      databaseAddress: `${platformResourceName(env, region, "db")}.c0123456789a.${region}.rds.amazonaws.com`,
      databasePort: "5432",
      databaseName: "openclaw",
      databaseResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      databaseClientsSecurityGroupId: "sg-0123456789abcdef0",
      vpcEndpointsSecurityGroupId: "sg-0123456789abcdef1",
      execKmsKeyArn: arn("kms", "key/01234567-89ab-cdef-0123-456789abcdef"),
      repositoryArn: arn("ecr", `repository/${agentRepositoryName()}`),
      repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${agentRepositoryName()}`,
      permissionsBoundaryArn: `arn:aws:iam::${account}:policy/${platformResourceName(env, region, "tenant-boundary")}`,
      alarmTopicArn: arn("sns", platformResourceName(env, region, "alarms")),
      databaseProvisionerFunctionName: platformResourceName(env, region, "db-provisioner"),
      egressProxySecurityGroupId: "sg-0123456789abcdef2",
      s3PrefixListId: "pl-0123456789abcdef0",
    };
    // Terraform's jsonencode writes compact JSON, like JSON.stringify, for these ASCII values.
    const bytes = Buffer.byteLength(JSON.stringify(encodePlatformContract(longest)), "utf8");
    expect(bytes).toBeLessThan(SSM_STANDARD_VALUE_LIMIT_BYTES);
    // Room to grow: a field of about 100 bytes can be added some twenty times before the limit.
    expect(bytes).toBeLessThan(SSM_STANDARD_VALUE_LIMIT_BYTES / 2);
  });
});
