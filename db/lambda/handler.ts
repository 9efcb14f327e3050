/**
 * Lambda entry point of the DB provisioner (bundled by db/bundle.ts, deployed by
 * modules/db-provisioner.ts). Supplies the AWS half of the provisioner: the master
 * credentials from the RDS-managed Secrets Manager secret and the S3 upload of exports.
 *
 * TLS: RDS runs with rds.force_ssl, and the connection verifies the server certificate
 * and its host name (verify-full). The trust store is the Amazon CA bundle the Lambda
 * Node.js runtime ships at /var/runtime/ca-cert.pem, loaded by NODE_EXTRA_CA_CERTS
 * (set by the construct; Node 20+ runtimes no longer load it by default). It includes
 * the RDS CAs, so no certificate file has to be bundled or kept up to date here.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createHash } from "node:crypto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { PROVISIONER_ENV as ENV } from "../contract";
import { createProvisioner, InvocationResult, MasterCredentials, ProvisionerDeps } from "../provisioner/provisioner";

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the DbProvisioner construct sets it)`);
  return value;
}

/** Parses the RDS-managed master secret (`{"username": ..., "password": ...}`). */
export function parseMasterSecret(secretString: string | undefined, secretArn: string): MasterCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? "");
  } catch {
    throw new Error(`secret ${secretArn} is not JSON; expected the RDS-managed master user secret`);
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== "string" || typeof password !== "string") {
    throw new Error(`secret ${secretArn} has no string username/password; expected the RDS-managed master user secret`);
  }
  return { username, password };
}

/** The AWS-backed dependencies, from the function's environment. */
export function awsDependencies(
  env: NodeJS.ProcessEnv,
  clients: { secrets: SecretsManagerClient; s3: S3Client },
  expectedBucketOwner: () => string | undefined,
): ProvisionerDeps {
  const secretArn = required(env, ENV.secretArn);
  const host = required(env, ENV.host);
  return {
    connection: {
      host,
      port: Number(required(env, ENV.port)),
      database: required(env, ENV.database),
      // verify-full: chain checked against the trust store and host name checked by Node's TLS.
      ssl: { rejectUnauthorized: true, servername: host },
    },
    environment: required(env, ENV.environment),
    getMasterCredentials: async () => {
      const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
      return parseMasterSecret(out.SecretString, secretArn);
    },
    putExport: async (bucket, key, body, kmsKeyArn) => {
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: "application/sql",
          // S3 checks the body against it and keeps it: the offboarding job verifies the export
          // through GetObjectAttributes (Checksum) without reading tenant data.
          ChecksumAlgorithm: "SHA256",
          ChecksumSHA256: createHash("sha256").update(body, "utf8").digest("base64"),
          // A named key: SSE-KMS with it, explicitly, because "aws:kms" without a key id means the
          // account's aws/s3 key, not the bucket's default; the bucket key keeps the encryption
          // context the bucket ARN, which the function's KMS grant is written for. No key (the
          // offboarding archive): the bucket's default encryption, the platform key its policy demands.
          ...(kmsKeyArn ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: kmsKeyArn, BucketKeyEnabled: true } : {}),
          // A same-named bucket in another account must not receive tenant data.
          ExpectedBucketOwner: expectedBucketOwner(),
        }),
      );
    },
  };
}

/** Account id from `arn:aws:lambda:region:account:function:name`. */
export function accountOf(functionArn: string): string | undefined {
  return functionArn.split(":")[4] || undefined;
}

let provision: ((event: unknown) => Promise<InvocationResult>) | undefined;
let currentContext: Context | undefined;

export async function handler(event: unknown, context: Context): Promise<InvocationResult> {
  currentContext = context;
  // Built once per execution environment: SDK clients and migration files are reused across invocations.
  provision ??= createProvisioner(
    awsDependencies(process.env, { secrets: new SecretsManagerClient({}), s3: new S3Client({}) }, () =>
      currentContext ? accountOf(currentContext.invokedFunctionArn) : undefined,
    ),
  );
  return provision(event);
}
