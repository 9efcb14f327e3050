/**
 * The platform contract as deployed tenant stacks read it before the contract document
 * (PLATFORM_CONTRACT in modules/platform-contract.ts at 098beb0^): one SSM parameter per value,
 * `privateSubnetIds` a comma-separated StringList. Frozen here as literals, NOT derived from
 * today's PLATFORM_CONTRACT_FIELDS: tests that compare the code with the old contract must not
 * move with the code (#32: renaming a legacy parameter in the code passed both tests that read
 * these names from the code). Never edit an entry; a new field has no legacy parameter.
 */
export const LEGACY_CONTRACT_PARAMETERS = {
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

export type LegacyContractKey = keyof typeof LEGACY_CONTRACT_PARAMETERS;
export const LEGACY_CONTRACT_KEYS = Object.keys(LEGACY_CONTRACT_PARAMETERS) as LegacyContractKey[];
/** The one legacy value stored as a StringList. */
export const LEGACY_LIST_KEYS: ReadonlySet<LegacyContractKey> = new Set(["privateSubnetIds"]);
