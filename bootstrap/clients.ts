import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";

/** The SDK clients bootstrap uses, all for one region and the default credential chain. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly dynamodb: DynamoDBClient;
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

/**
 * Credentials and endpoints come from the environment as for any AWS tool (AWS_PROFILE,
 * AWS_ENDPOINT_URL ...); only the region is ours, so bucket, table and key land where asked.
 */
export function createClients(region: string): AwsClients {
  const config = { region };
  return {
    // Emulators answer on one host name; real S3 serves path-style requests too.
    s3: new S3Client({ ...config, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3) }),
    kms: new KMSClient(config),
    dynamodb: new DynamoDBClient(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
  };
}

/**
 * Clients for `--offline`: built with placeholder credentials so nothing looks for real ones, and
 * a first middleware that answers every request "not found" before it is signed or sent. Every
 * observer reads not-found as "absent" (aws-errors.ts isNotFound), so each step plans its
 * resource from scratch: the preview of a first run in an empty account, from cdktf.json alone.
 */
export function offlineClients(region: string): AwsClients {
  const config = { region, credentials: { accessKeyId: "offline-preview", secretAccessKey: "offline-preview" } };
  const clients: AwsClients = {
    s3: new S3Client(config),
    kms: new KMSClient(config),
    dynamodb: new DynamoDBClient(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
  };
  for (const client of Object.values(clients) as Array<{ middlewareStack: { add: (m: unknown, o: { step: "initialize"; name: string; priority: "high" }) => void } }>) {
    client.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error("offline preview: AWS is not read"), { name: "NotFound" });
      },
      { step: "initialize", name: "offlinePreview", priority: "high" },
    );
  }
  return clients;
}
