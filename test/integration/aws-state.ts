import { DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from "@aws-sdk/client-iam";
import { KMSClient, ListAliasesCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  S3Client,
} from "@aws-sdk/client-s3";

/**
 * Reads back what bootstrap manages, through the configuration APIs only: moto enforces the
 * TLS-only bucket policy on its plain-http endpoint, so object reads would be denied.
 */

export interface Clients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly dynamodb: DynamoDBClient;
  readonly iam: IAMClient;
}

/** Clients for the emulator; credentials and endpoint come from the environment the test set. */
export function inspectionClients(region: string): Clients {
  return {
    s3: new S3Client({ region, forcePathStyle: true }),
    kms: new KMSClient({ region }),
    dynamodb: new DynamoDBClient({ region }),
    iam: new IAMClient({ region }),
  };
}

const absent = async <T>(read: () => Promise<T>): Promise<T | "absent"> => {
  try {
    return await read();
  } catch {
    return "absent";
  }
};

/** Strips SDK response metadata so two reads of the same state compare equal. */
function data<T extends object>(response: T): Omit<T, "$metadata"> {
  const { $metadata: _ignored, ...rest } = response as T & { $metadata?: unknown };
  return rest;
}

export async function bucketState(c: Clients, Bucket: string) {
  return {
    versioning: await absent(async () => data(await c.s3.send(new GetBucketVersioningCommand({ Bucket })))),
    encryption: await absent(async () => data(await c.s3.send(new GetBucketEncryptionCommand({ Bucket })))),
    publicAccessBlock: await absent(async () => data(await c.s3.send(new GetPublicAccessBlockCommand({ Bucket })))),
    policy: await absent(async () => JSON.parse((await c.s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy!)),
    lifecycle: await absent(async () => (await c.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules),
    ownership: await absent(async () => (await c.s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls),
  };
}

export async function tableState(c: Clients, TableName: string) {
  return absent(async () => {
    const table = (await c.dynamodb.send(new DescribeTableCommand({ TableName }))).Table!;
    const backups = await c.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName }));
    return {
      keySchema: table.KeySchema,
      attributes: table.AttributeDefinitions,
      billingMode: table.BillingModeSummary?.BillingMode,
      sseType: table.SSEDescription?.SSEType,
      deletionProtection: table.DeletionProtectionEnabled,
      pointInTimeRecovery: backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
    };
  });
}

export async function roleState(c: Clients, RoleName: string) {
  return absent(async () => {
    const role = (await c.iam.send(new GetRoleCommand({ RoleName }))).Role!;
    const inline: Record<string, unknown> = {};
    for (const PolicyName of (await c.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? []) {
      inline[PolicyName] = JSON.parse(decodeURIComponent((await c.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument!));
    }
    return {
      arn: role.Arn,
      trust: JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)),
      inline,
      attached: ((await c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? []).map((p) => p.PolicyArn),
    };
  });
}

/** Everything bootstrap could have touched in the account, for "nothing changed" comparisons. */
export async function accountState(c: Clients, names: { bucket: string; table: string; roles: readonly string[] }) {
  const providers = (await c.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
  return {
    buckets: ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort(),
    bucket: await bucketState(c, names.bucket),
    kmsKeys: ((await c.kms.send(new ListKeysCommand({}))).Keys ?? []).map((k) => k.KeyArn).sort(),
    kmsAliases: ((await c.kms.send(new ListAliasesCommand({}))).Aliases ?? [])
      .filter((a) => !a.AliasName?.startsWith("alias/aws/"))
      .map((a) => `${a.AliasName}->${a.TargetKeyId}`)
      .sort(),
    table: await tableState(c, names.table),
    oidcProviders: await Promise.all(
      providers.map(async (p) => {
        const { ClientIDList, ThumbprintList, Url } = await c.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: p.Arn }));
        return { arn: p.Arn, ClientIDList, ThumbprintList, Url };
      }),
    ),
    roleNames: ((await c.iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName).sort(),
    roles: await Promise.all(names.roles.map((r) => roleState(c, r))),
  };
}
