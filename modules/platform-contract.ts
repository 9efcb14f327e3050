import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { platformContractParameterName } from "./naming";

/**
 * What a platform stack publishes for its tenant stacks. Tenant stacks read it from SSM instead
 * of the platform's state, so a tenant pipeline needs no access to any other state file.
 *
 * This one table is the schema of both sides: the platform's encoder writes exactly these
 * fields into one JSON document, the tenant's reader looks up exactly these fields in it
 * (test/modules/platform-contract.test.ts holds both to it).
 *
 * Compatibility rules: adding a field is compatible (old tenant code ignores it; deploy the
 * platform first, as the pipeline does). Renaming or removing a field, or changing its kind, is
 * not: bump PLATFORM_CONTRACT_SCHEMA_VERSION, and tenant plans refuse a document of another
 * version (a postcondition on the data source) instead of misreading it.
 *
 * `legacyParameter`: the per-value parameter the platform published before the JSON document
 * (one GetParameter per value per tenant plan). They stay published for one release, so tenant
 * states written before the switch keep resolving; see PlatformContractProps.publishLegacyParameters.
 */
export const PLATFORM_CONTRACT_FIELDS = {
  vpcId: { kind: "string", legacyParameter: "vpc-id" },
  privateSubnetIds: { kind: "list", legacyParameter: "private-subnet-ids" },
  clusterArn: { kind: "string", legacyParameter: "cluster-arn" },
  clusterName: { kind: "string", legacyParameter: "cluster-name" },
  databaseAddress: { kind: "string", legacyParameter: "db-address" },
  databasePort: { kind: "string", legacyParameter: "db-port" },
  databaseName: { kind: "string", legacyParameter: "db-name" },
  databaseResourceId: { kind: "string", legacyParameter: "db-resource-id" },
  databaseClientsSecurityGroupId: { kind: "string", legacyParameter: "db-clients-security-group-id" },
  vpcEndpointsSecurityGroupId: { kind: "string", legacyParameter: "vpc-endpoints-security-group-id" },
  execKmsKeyArn: { kind: "string", legacyParameter: "exec-kms-key-arn" },
  repositoryArn: { kind: "string", legacyParameter: "ecr-repository-arn" },
  repositoryUrl: { kind: "string", legacyParameter: "ecr-repository-url" },
  permissionsBoundaryArn: { kind: "string", legacyParameter: "permissions-boundary-arn" },
  alarmTopicArn: { kind: "string", legacyParameter: "alarm-topic-arn" },
  databaseProvisionerFunctionName: { kind: "string", legacyParameter: "db-provisioner-function-name" },
  // Added with the JSON document in place: no per-value parameter ever existed for these.
  egressProxySecurityGroupId: { kind: "string" },
  s3PrefixListId: { kind: "string" },
} as const satisfies Record<string, ContractField>;

interface ContractField {
  readonly kind: "string" | "list";
  /** The per-value parameter of the contract before the JSON document, for fields that had one. */
  readonly legacyParameter?: string;
}

/** Version of the document's shape; bumped only by an incompatible change (see above). */
export const PLATFORM_CONTRACT_SCHEMA_VERSION = 1;
/** Last path element of the JSON document's parameter: `/openclaw/<env>/<region>/platform/contract`. */
export const PLATFORM_CONTRACT_PARAMETER = "contract";
/**
 * A standard-tier parameter holds at most 4 KB (advanced: 8 KB, charged). The test suite encodes
 * the largest realistic contract (longest names, most availability zones) and keeps it below this.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export const SSM_STANDARD_VALUE_LIMIT_BYTES = 4096;

export type PlatformContractKey = keyof typeof PLATFORM_CONTRACT_FIELDS;
export const PLATFORM_CONTRACT_KEYS = Object.keys(PLATFORM_CONTRACT_FIELDS) as PlatformContractKey[];
/** The per-value parameter a field was published as before the JSON document, if it was. */
export function legacyParameterOf(key: PlatformContractKey): string | undefined {
  return (PLATFORM_CONTRACT_FIELDS[key] as ContractField).legacyParameter;
}


type ValueOf<K extends PlatformContractKey> = (typeof PLATFORM_CONTRACT_FIELDS)[K]["kind"] extends "list" ? string[] : string;
export type PlatformContractValues = { readonly [K in PlatformContractKey]: ValueOf<K> };

/** The document the platform publishes: `schemaVersion` and every field, in table order. */
export type PlatformContractDocument = { readonly schemaVersion: number } & PlatformContractValues;

/** Platform side: the JSON document (before jsonencode) for the given values. */
export function encodePlatformContract(values: PlatformContractValues): PlatformContractDocument {
  const document: Record<string, unknown> = { schemaVersion: PLATFORM_CONTRACT_SCHEMA_VERSION };
  for (const key of PLATFORM_CONTRACT_KEYS) document[key] = values[key];
  return document as PlatformContractDocument;
}

/**
 * Tenant side: every field as a Terraform expression over the parameter's value. cdktf renders
 * `Fn.lookup` without a default as attribute access, `jsondecode(<value>).<field>`, so the only
 * function a tenant stack calls for the contract is `jsondecode`; a missing field fails the plan
 * ("Unsupported attribute") rather than deploying with an empty value.
 */
export function decodePlatformContract(encodedValue: string): PlatformContractValues {
  const values: Record<string, string | string[]> = {};
  for (const key of PLATFORM_CONTRACT_KEYS) {
    const field = Fn.lookup(Fn.jsondecode(encodedValue), key);
    values[key] = PLATFORM_CONTRACT_FIELDS[key].kind === "list" ? Token.asList(field) : Token.asString(field);
  }
  return values as unknown as PlatformContractValues;
}

interface ContractLocation {
  readonly environment: string;
  readonly region: string;
}

export interface PlatformContractProps extends ContractLocation {
  readonly values: PlatformContractValues;
  /**
   * Also publish every value as its own parameter (`/platform/vpc-id` ...), as before the JSON
   * document. Tenant stacks no longer read them; they stay for one release so that nothing reads
   * a parameter that has gone while tenant stacks are being redeployed. Turn off (which deletes
   * them) once every tenant stack has been deployed with the JSON reader.
   * @default true
   */
  readonly publishLegacyParameters?: boolean;
}

/** Publishes the contract (platform side): one JSON parameter, plus the legacy ones for now. */
export class PlatformContract extends Construct {
  /** Name of the JSON document's parameter. */
  public readonly parameterName: string;

  constructor(scope: Construct, id: string, props: PlatformContractProps) {
    super(scope, id);
    this.parameterName = platformContractParameterName(props.environment, props.region, PLATFORM_CONTRACT_PARAMETER);
    new SsmParameter(this, "document", {
      name: this.parameterName,
      description: `OpenClaw platform contract for tenant stacks (JSON, schemaVersion ${PLATFORM_CONTRACT_SCHEMA_VERSION})`,
      type: "String",
      tier: "Standard",
      value: Fn.jsonencode(encodePlatformContract(props.values)),
    });

    if (props.publishLegacyParameters === false) return;
    // Unchanged construct ids and arguments: these parameters stay exactly as deployed.
    for (const key of PLATFORM_CONTRACT_KEYS) {
      const kind = PLATFORM_CONTRACT_FIELDS[key].kind;
      const legacyParameter = legacyParameterOf(key);
      if (!legacyParameter) continue;
      const value = props.values[key];
      new SsmParameter(this, legacyParameter, {
        name: platformContractParameterName(props.environment, props.region, legacyParameter),
        description: `OpenClaw platform contract: ${key}`,
        type: kind === "list" ? "StringList" : "String",
        tier: "Standard",
        value: kind === "list" ? Fn.join(",", value as string[]) : (value as string),
      });
    }
  }
}

export type PlatformContractReaderProps = ContractLocation;

/**
 * Reads the contract (tenant side) with one data source: one GetParameter per plan instead of
 * one per value. `insecure_value` and no decryption, because the document is a plain String
 * parameter holding nothing secret, and plans should show the values.
 */
export class PlatformContractReader extends Construct {
  public readonly values: PlatformContractValues;

  constructor(scope: Construct, id: string, props: PlatformContractReaderProps) {
    super(scope, id);
    const parameter = new DataAwsSsmParameter(this, PLATFORM_CONTRACT_PARAMETER, {
      name: platformContractParameterName(props.environment, props.region, PLATFORM_CONTRACT_PARAMETER),
      withDecryption: false,
      lifecycle: {
        postcondition: [
          {
            condition: `\${jsondecode(self.insecure_value).schemaVersion == ${PLATFORM_CONTRACT_SCHEMA_VERSION}}`,
            errorMessage: `The platform contract's schemaVersion is not ${PLATFORM_CONTRACT_SCHEMA_VERSION}, the version this tenant code reads: deploy the platform stack and this code together.`,
          },
        ],
      },
    });
    this.values = decodePlatformContract(parameter.insecureValue);
  }
}
