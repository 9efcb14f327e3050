// Enforces SECURITY.md C2 (the table "Enforcing tests" there lists this file).
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { ConflictError } from "../../bootstrap/plan";
import {
  LIFECYCLE_RULE_ID,
  StateBucketDesired,
  StateBucketObserved,
  TLS_ONLY_SID,
  lifecycleRule,
  observeStateBucket,
  planStateBucket,
  stateKeyArnsAfter,
  tlsOnlyStatement,
} from "../../bootstrap/resources/state-bucket";
import { KEY_ARN, OTHER_KEY_ARN } from "./helpers";

const ARN = "arn:aws:s3:::acme-tfstate";
const desired: StateBucketDesired = {
  name: "acme-tfstate",
  region: "us-east-1",
  arn: ARN,
  encryption: { algorithm: "aws:kms", kmsKeyArn: KEY_ARN },
  noncurrentVersionDays: 90,
};
const aes: StateBucketDesired = { ...desired, encryption: { algorithm: "AES256" } };

/** A bucket exactly as bootstrap leaves it. */
const compliant: StateBucketObserved = {
  region: "us-east-1",
  versioning: "Enabled",
  encryption: { algorithm: "aws:kms", kmsKeyArn: KEY_ARN },
  publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  policy: { Version: "2012-10-17", Statement: [tlsOnlyStatement(ARN)] },
  lifecycleRules: [lifecycleRule(90)],
  objectOwnership: "BucketOwnerEnforced",
};

const kinds = (observed: StateBucketObserved | undefined, want = desired) => planStateBucket(want, observed).actions.map((a) => a.kind);
const descriptions = (observed: StateBucketObserved | undefined, want = desired) => planStateBucket(want, observed).actions.map((a) => a.description);

describe("planStateBucket", () => {
  test("a missing bucket is created and then given every setting", () => {
    const plan = planStateBucket(desired, undefined);
    expect(plan.exists).toBe(false);
    expect(plan.actions.map((a) => a.kind)).toEqual(["create", "objectOwnership", "publicAccessBlock", "encryption", "versioning", "lifecycle", "policy"]);
  });

  test("a compliant bucket needs nothing", () => {
    expect(planStateBucket(desired, compliant)).toEqual({ exists: true, actions: [], notes: [] });
  });

  test("a weak bucket (no versioning, no encryption) gets both, and nothing else changes", () => {
    const weak: StateBucketObserved = { ...compliant, versioning: "Suspended", encryption: undefined };
    expect(descriptions(weak)).toEqual([`default encryption: none → SSE-KMS with ${KEY_ARN}`, "versioning: Suspended → Enabled"]);
  });

  test("every public access flag that is off is named, and all four are set", () => {
    const partly = { ...compliant, publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false } };
    expect(descriptions(partly)).toEqual(["public access block: BlockPublicPolicy, RestrictPublicBuckets off → all on"]);
  });

  test("ACLs are disabled by enforcing bucket-owner ownership", () => {
    expect(descriptions({ ...compliant, objectOwnership: "ObjectWriter" })).toEqual(["object ownership: ObjectWriter → BucketOwnerEnforced (ACLs disabled)"]);
  });

  test("fails when the bucket is in another region, before any change", () => {
    const plan = () => planStateBucket(desired, { ...compliant, region: "eu-west-1" });
    expect(plan).toThrow(ConflictError);
    expect(plan).toThrow(/bucket acme-tfstate is in eu-west-1, not us-east-1: set the environment's stateRegion to eu-west-1/);
  });

  describe("encryption is only ever strengthened", () => {
    test("SSE-S3 is upgraded to the dedicated key", () => {
      expect(descriptions({ ...compliant, encryption: { algorithm: "AES256" } })).toEqual([`default encryption: SSE-S3 (AES256) → SSE-KMS with ${KEY_ARN}`]);
    });

    test("the AWS managed aws/s3 key is replaced by the dedicated key", () => {
      expect(kinds({ ...compliant, encryption: { algorithm: "aws:kms" } })).toEqual(["encryption"]);
    });

    test("another customer managed key is kept (existing state needs it) and said so", () => {
      const plan = planStateBucket(desired, { ...compliant, encryption: { algorithm: "aws:kms", kmsKeyArn: OTHER_KEY_ARN } });
      expect(plan.actions).toEqual([]);
      expect(plan.notes).toEqual([`default encryption: kept SSE-KMS with existing key ${OTHER_KEY_ARN}; the roles may use it`]);
    });

    test("SSE-KMS is kept when AES256 is asked for", () => {
      const plan = planStateBucket(aes, compliant);
      expect(plan.actions).toEqual([]);
      expect(plan.notes[0]).toMatch(/^default encryption: kept SSE-KMS/);
    });

    test("an unencrypted bucket gets AES256 when asked", () => {
      expect(descriptions({ ...compliant, encryption: undefined }, aes)).toEqual(["default encryption: none → SSE-S3 (AES256)"]);
    });

    test("the roles are granted the dedicated key and any key the bucket keeps", () => {
      expect(stateKeyArnsAfter(desired.encryption, { ...compliant, encryption: { algorithm: "aws:kms", kmsKeyArn: OTHER_KEY_ARN } })).toEqual([KEY_ARN, OTHER_KEY_ARN]);
      expect(stateKeyArnsAfter(aes.encryption, { ...compliant, encryption: { algorithm: "AES256" } })).toEqual([]);
    });
  });

  describe("bucket policy", () => {
    test("the TLS-only statement is added next to existing statements, which are kept", () => {
      const other = { Sid: "AllowAudit", Effect: "Allow" as const, Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "s3:GetBucketPolicy", Resource: ARN };
      const plan = planStateBucket(desired, { ...compliant, policy: { Version: "2012-10-17", Statement: [other] } });
      expect(plan.actions).toEqual([
        { kind: "policy", description: `bucket policy: add ${TLS_ONLY_SID} (1 other statement(s) kept)`, policy: { Version: "2012-10-17", Statement: [other, tlsOnlyStatement(ARN)] } },
      ]);
    });

    test("an altered TLS-only statement is replaced", () => {
      const altered = { ...tlsOnlyStatement(ARN), Resource: ARN };
      expect(descriptions({ ...compliant, policy: { Version: "2012-10-17", Statement: [altered] } })).toEqual([`bucket policy: replace ${TLS_ONLY_SID}`]);
    });
  });

  describe("lifecycle", () => {
    test("the noncurrent-version rule is added next to existing rules, which are kept", () => {
      const other = { ID: "logs", Status: "Enabled" as const, Filter: { Prefix: "logs/" }, Transitions: [{ Days: 30, StorageClass: "GLACIER" as const }] };
      const [action] = planStateBucket(desired, { ...compliant, lifecycleRules: [other] }).actions;
      expect(action).toMatchObject({ kind: "lifecycle", rules: [other, lifecycleRule(90)] });
    });

    test("the configured number of days is used", () => {
      const [action] = planStateBucket({ ...desired, noncurrentVersionDays: 400 }, compliant).actions;
      expect(action).toMatchObject({ kind: "lifecycle", rules: [{ ID: LIFECYCLE_RULE_ID, NoncurrentVersionExpiration: { NoncurrentDays: 400 } }] });
    });

    test("a longer retention already in place is kept, not shortened", () => {
      const plan = planStateBucket(desired, { ...compliant, lifecycleRules: [lifecycleRule(365)] });
      expect(plan.actions).toEqual([]);
      expect(plan.notes).toEqual(["lifecycle: kept noncurrent versions for 365 days (longer than the 90 asked; lower it by hand if intended)"]);
    });

    test("a disabled rule of ours is enabled again", () => {
      expect(kinds({ ...compliant, lifecycleRules: [{ ...lifecycleRule(90), Status: "Disabled" }] })).toEqual(["lifecycle"]);
    });

    test("warns about another rule that would expire live state, and leaves it", () => {
      const dangerous = { ID: "cleanup", Status: "Enabled" as const, Filter: { Prefix: "" }, Expiration: { Days: 30 } };
      const plan = planStateBucket(desired, { ...compliant, lifecycleRules: [lifecycleRule(90), dangerous] });
      expect(plan.actions).toEqual([]);
      expect(plan.notes).toEqual(["lifecycle rule cleanup expires current objects: it would delete live state; left in place, remove it by hand"]);
    });
  });
});

describe("observeStateBucket", () => {
  const s3 = mockClient(S3Client);
  const kms = mockClient(KMSClient);
  afterEach(() => {
    s3.reset();
    kms.reset();
  });
  const observe = () => observeStateBucket(new S3Client({ region: "us-east-1" }), new KMSClient({ region: "us-east-1" }), desired, "123456789012");
  const httpError = (name: string, status: number, headers: Record<string, string> = {}) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $response: { statusCode: status, headers } });

  test("a bucket that does not exist is undefined", async () => {
    s3.on(HeadBucketCommand).rejects(httpError("NotFound", 404));
    await expect(observe()).resolves.toBeUndefined();
  });

  test("fails when the name belongs to another account (S3 answers 403), before anything changes", async () => {
    s3.on(HeadBucketCommand).rejects(httpError("Forbidden", 403));
    await expect(observe()).rejects.toMatchObject({ code: "BucketNotOwned" });
    await expect(observe()).rejects.toThrow(/bucket acme-tfstate exists but not in account 123456789012 .*choose another stateBucket in cdktf.json/);
  });

  test("fails naming the bucket's region when S3 redirects to it", async () => {
    s3.on(HeadBucketCommand).rejects(httpError("PermanentRedirect", 301, { "x-amz-bucket-region": "ap-southeast-2" }));
    await expect(observe()).rejects.toThrow(/bucket acme-tfstate is in ap-southeast-2, not us-east-1/);
  });

  test("reads every setting, resolving a key given by id to its ARN", async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: "us-east-1" });
    s3.on(GetBucketVersioningCommand).resolves({});
    s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "1111" } }] },
    });
    kms.on(DescribeKeyCommand, { KeyId: "1111" }).resolves({ KeyMetadata: { KeyId: "1111", Arn: KEY_ARN } });
    s3.on(GetPublicAccessBlockCommand).rejects(httpError("NoSuchPublicAccessBlockConfiguration", 404));
    s3.on(GetBucketPolicyCommand).rejects(httpError("NoSuchBucketPolicy", 404));
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(httpError("NoSuchLifecycleConfiguration", 404));
    s3.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: "ObjectWriter" }] } });
    await expect(observe()).resolves.toEqual({
      region: "us-east-1",
      versioning: "Disabled",
      encryption: { algorithm: "aws:kms", kmsKeyArn: KEY_ARN },
      publicAccessBlock: undefined,
      policy: undefined,
      lifecycleRules: [],
      objectOwnership: "ObjectWriter",
    });
  });

  test("an error other than 'not configured' is not mistaken for an unset setting", async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: "us-east-1" });
    s3.on(GetBucketVersioningCommand).resolves({ Status: "Enabled" });
    s3.on(GetBucketEncryptionCommand).rejects(httpError("AccessDenied", 403));
    await expect(observe()).rejects.toThrow("AccessDenied");
  });
});
