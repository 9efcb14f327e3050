import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { platformContractParameterName } from "./naming";

/**
 * What a platform stack publishes for its tenant stacks, as SSM parameters under
 * `/openclaw/<env>/<region>/platform/<key>`. Tenant stacks read these instead of the
 * platform's state, so a tenant pipeline needs no access to any other state file.
 * Renaming a key breaks every deployed tenant: add keys, never rename them.
 */
export const PLATFORM_CONTRACT = {
  vpcId: "vpc-id",
  privateSubnetIds: "private-subnet-ids",
  clusterArn: "cluster-arn",
  clusterName: "cluster-name",
  databaseAddress: "db-address",
  databasePort: "db-port",
  databaseName: "db-name",
  databaseResourceId: "db-resource-id",
  databaseClientsSecurityGroupId: "db-clients-security-group-id",
  vpcEndpointsSecurityGroupId: "vpc-endpoints-security-group-id",
  execKmsKeyArn: "exec-kms-key-arn",
  repositoryArn: "ecr-repository-arn",
  repositoryUrl: "ecr-repository-url",
  permissionsBoundaryArn: "permissions-boundary-arn",
  alarmTopicArn: "alarm-topic-arn",
  databaseProvisionerFunctionName: "db-provisioner-function-name",
} as const;

export type PlatformContractKey = keyof typeof PLATFORM_CONTRACT;
/** Keys whose value is a list, stored as a comma-separated StringList. */
const LIST_KEYS: ReadonlySet<PlatformContractKey> = new Set(["privateSubnetIds"]);

export type PlatformContractValues = { readonly [K in PlatformContractKey]: K extends "privateSubnetIds" ? string[] : string };

interface ContractLocation {
  readonly environment: string;
  readonly region: string;
}

export interface PlatformContractProps extends ContractLocation {
  readonly values: PlatformContractValues;
}

/** Publishes the contract (platform side). */
export class PlatformContract extends Construct {
  constructor(scope: Construct, id: string, props: PlatformContractProps) {
    super(scope, id);
    for (const key of Object.keys(PLATFORM_CONTRACT) as PlatformContractKey[]) {
      const value = props.values[key];
      const isList = LIST_KEYS.has(key);
      new SsmParameter(this, PLATFORM_CONTRACT[key], {
        name: platformContractParameterName(props.environment, props.region, PLATFORM_CONTRACT[key]),
        description: `OpenClaw platform contract: ${key}`,
        type: isList ? "StringList" : "String",
        tier: "Standard",
        value: isList ? Fn.join(",", value as string[]) : (value as string),
      });
    }
  }
}

export type PlatformContractReaderProps = ContractLocation;

/**
 * Reads the contract (tenant side) with data sources; the values resolve at plan time.
 * `insecure_value` because none of these values is secret, and plans should show them.
 */
export class PlatformContractReader extends Construct {
  public readonly values: PlatformContractValues;

  constructor(scope: Construct, id: string, props: PlatformContractReaderProps) {
    super(scope, id);
    const values: Record<string, string | string[]> = {};
    for (const key of Object.keys(PLATFORM_CONTRACT) as PlatformContractKey[]) {
      const parameter = new DataAwsSsmParameter(this, PLATFORM_CONTRACT[key], {
        name: platformContractParameterName(props.environment, props.region, PLATFORM_CONTRACT[key]),
      });
      values[key] = LIST_KEYS.has(key) ? Fn.split(",", parameter.insecureValue) : parameter.insecureValue;
    }
    this.values = values as unknown as PlatformContractValues;
  }
}
