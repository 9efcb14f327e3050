/** The AWS half of the provisioner Lambda: environment, master secret, export upload. */
import { createHash } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { accountOf, awsDependencies, parseMasterSecret } from "../../db/lambda/handler";

const env = {
  DB_HOST: "db.abc.us-east-1.rds.amazonaws.com",
  DB_PORT: "5432",
  DB_NAME: "openclaw",
  DB_MASTER_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-1",
  OPENCLAW_ENVIRONMENT: "production",
};
const secrets = mockClient(SecretsManagerClient);
const s3 = mockClient(S3Client);
const deps = (e: NodeJS.ProcessEnv = env) =>
  awsDependencies(e, { secrets: new SecretsManagerClient({ region: "us-east-1" }), s3: new S3Client({ region: "us-east-1" }) }, () => "111111111111");

beforeEach(() => {
  secrets.reset();
  s3.reset();
});

describe("awsDependencies", () => {
  test("connects with verify-full TLS to the configured host", () => {
    expect(deps().connection).toEqual({ host: env.DB_HOST, port: 5432, database: "openclaw", ssl: { rejectUnauthorized: true, servername: env.DB_HOST } });
  });

  test("fails naming the missing environment variable", () => {
    const { DB_NAME: _omitted, ...rest } = env;
    expect(() => deps(rest)).toThrow("environment variable DB_NAME is not set");
  });

  test("reads the master credentials from the secret named in the environment", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: env.DB_MASTER_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ username: "master", password: "pw", engine: "postgres" }) });
    expect(await deps().getMasterCredentials()).toEqual({ username: "master", password: "pw" });
  });

  test("uploads an export encrypted with the tenant's own KMS key and the bucket key, to a bucket of its own account only", async () => {
    // Without SSEKMSKeyId, "aws:kms" means the account's aws/s3 key, not the bucket default:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
    s3.on(PutObjectCommand).resolves({});
    const tenantKey = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    await deps().putExport("openclaw-acme-111111111111-us-east-1", "database-exports/acme/x.sql", "-- sql", tenantKey);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({
      Bucket: "openclaw-acme-111111111111-us-east-1",
      Key: "database-exports/acme/x.sql",
      Body: "-- sql",
      ContentType: "application/sql",
      // The offboarding job verifies the archived export through GetObjectAttributes against this.
      ChecksumAlgorithm: "SHA256",
      ChecksumSHA256: createHash("sha256").update("-- sql").digest("base64"),
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: tenantKey,
      BucketKeyEnabled: true,
      ExpectedBucketOwner: "111111111111",
    });
  });

  test("an export to the offboarding archive names no key: the archive's default encryption (the platform key its policy demands) applies", async () => {
    s3.on(PutObjectCommand).resolves({});
    await deps().putExport("openclaw-111111111111-production-us-east-1-archive", "database-exports/acme/x.sql", "-- sql");
    const sent = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(sent).not.toHaveProperty("ServerSideEncryption");
    expect(sent).not.toHaveProperty("SSEKMSKeyId");
    expect(sent).toMatchObject({ ChecksumAlgorithm: "SHA256", ExpectedBucketOwner: "111111111111" });
  });
});

describe("parseMasterSecret", () => {
  test("fails on a secret that is not JSON without echoing its content", () => {
    expect(() => parseMasterSecret("hunter2", "arn:s")).toThrow("secret arn:s is not JSON");
    expect(() => parseMasterSecret("hunter2", "arn:s")).not.toThrow(/hunter2/);
  });

  test("fails on a secret without username and password", () => {
    expect(() => parseMasterSecret(JSON.stringify({ user: "x" }), "arn:s")).toThrow("secret arn:s has no string username/password");
  });
});

test("accountOf takes the account from a function ARN", () => {
  expect(accountOf("arn:aws:lambda:us-east-1:111111111111:function:p")).toBe("111111111111");
});
