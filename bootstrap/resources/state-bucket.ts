import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  LifecycleRule,
  PublicAccessBlockConfiguration,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { hasCode, httpStatus, isNotFound } from "../aws-errors";
import { Action, ConflictError, ResourcePlan, Step, resourcePlan } from "../plan";
import { PolicyDocument, PolicyStatement, diffPolicies, isPolicyDiffEmpty, parsePolicy } from "../policies";
import { BootstrapSettings, bucketArn, tagList } from "../settings";

/**
 * The state bucket: versioned (every state write can be undone), encrypted by default,
 * closed to the public and to plain HTTP, ACLs disabled, old versions expiring after a while.
 * An existing bucket is only ever made stronger; settings stronger than asked are kept.
 */

/** Default encryption as bootstrap wants it. */
export type DesiredEncryption = { readonly algorithm: "aws:kms"; readonly kmsKeyArn: string } | { readonly algorithm: "AES256" };

export interface StateBucketDesired {
  readonly name: string;
  readonly region: string;
  readonly arn: string;
  readonly encryption: DesiredEncryption;
  readonly noncurrentVersionDays: number;
}

/** Default encryption as found. `kmsKeyArn` is resolved to a key ARN when AWS gave an id or alias. */
export interface ObservedEncryption {
  readonly algorithm: string;
  readonly kmsKeyArn?: string;
}

/** An existing bucket's settings; absent configurations are undefined or empty. */
export interface StateBucketObserved {
  readonly region: string;
  /** `Disabled` when versioning was never turned on. */
  readonly versioning: "Enabled" | "Suspended" | "Disabled";
  readonly encryption?: ObservedEncryption;
  readonly publicAccessBlock?: PublicAccessBlockConfiguration;
  readonly policy?: PolicyDocument;
  readonly lifecycleRules: readonly LifecycleRule[];
  readonly objectOwnership?: string;
}

export type StateBucketAction =
  | Action<"create">
  | Action<"objectOwnership">
  | Action<"publicAccessBlock">
  | (Action<"encryption"> & { readonly rule: ServerSideEncryptionRule })
  | Action<"versioning">
  | (Action<"lifecycle"> & { readonly rules: readonly LifecycleRule[] })
  | (Action<"policy"> & { readonly policy: PolicyDocument });

/** Sid of the statement bootstrap adds to the bucket policy; other statements are kept. */
export const TLS_ONLY_SID = "DenyInsecureTransport";
/** ID of the lifecycle rule bootstrap owns; other rules are kept. */
export const LIFECYCLE_RULE_ID = "openclaw-expire-noncurrent-state";

const PUBLIC_ACCESS_FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

/** What a bucket that was just created looks like to the plan: nothing configured yet. */
const NEW_BUCKET = (region: string): StateBucketObserved => ({ region, versioning: "Disabled", lifecycleRules: [] });

export function tlsOnlyStatement(arn: string): PolicyStatement {
  return {
    Sid: TLS_ONLY_SID,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export function lifecycleRule(noncurrentVersionDays: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: "Enabled",
    Filter: { Prefix: "" },
    NoncurrentVersionExpiration: { NoncurrentDays: noncurrentVersionDays },
    // Once its old versions have expired, a deleted state's delete marker is clutter.
    Expiration: { ExpiredObjectDeleteMarker: true },
    // Terraform never uploads in parts; an abandoned upload from anything else should not cost forever.
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  };
}

/** A bucket is where it is: moving it means a new bucket, which is the user's decision. */
function regionMismatch(desired: StateBucketDesired, actual: string): ConflictError {
  return new ConflictError(
    "BucketRegionMismatch",
    `bucket ${desired.name} is in ${actual}, not ${desired.region}: set the environment's stateRegion to ${actual} in cdktf.json and run with --region ${actual}, or choose another stateBucket`,
  );
}

/** The pure diff: what to do to turn `observed` (undefined: no bucket) into `desired`. */
export function planStateBucket(desired: StateBucketDesired, observed: StateBucketObserved | undefined): ResourcePlan<StateBucketAction> {
  const actions: StateBucketAction[] = [];
  const notes: string[] = [];
  if (!observed) actions.push({ kind: "create", description: `create in ${desired.region}` });
  else if (observed.region !== desired.region) {
    throw regionMismatch(desired, observed.region);
  }
  const current = observed ?? NEW_BUCKET(desired.region);

  if (current.objectOwnership !== "BucketOwnerEnforced") {
    actions.push({ kind: "objectOwnership", description: `object ownership: ${current.objectOwnership ?? "not set"} → BucketOwnerEnforced (ACLs disabled)` });
  }

  const open = PUBLIC_ACCESS_FLAGS.filter((flag) => current.publicAccessBlock?.[flag] !== true);
  if (open.length > 0) actions.push({ kind: "publicAccessBlock", description: `public access block: ${open.join(", ")} off → all on` });

  const encryption = planEncryption(desired.encryption, current.encryption);
  if (encryption.action) actions.push(encryption.action);
  if (encryption.note) notes.push(encryption.note);

  if (current.versioning !== "Enabled") actions.push({ kind: "versioning", description: `versioning: ${current.versioning} → Enabled` });

  const lifecycle = planLifecycle(desired.noncurrentVersionDays, current.lifecycleRules);
  if (lifecycle.action) actions.push(lifecycle.action);
  notes.push(...lifecycle.notes);

  const policy = planPolicy(desired.arn, current.policy);
  if (policy) actions.push(policy);

  return resourcePlan(Boolean(observed), actions, notes);
}

function planEncryption(desired: DesiredEncryption, current: ObservedEncryption | undefined): { action?: StateBucketAction; note?: string } {
  const rule: ServerSideEncryptionRule =
    desired.algorithm === "aws:kms"
      ? // Bucket keys cut KMS requests (and cost) for every object operation.
        { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: desired.kmsKeyArn }, BucketKeyEnabled: true }
      : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } };
  const wanted = desired.algorithm === "aws:kms" ? `SSE-KMS with ${desired.kmsKeyArn}` : "SSE-S3 (AES256)";
  const set = (from: string): { action: StateBucketAction } => ({
    action: { kind: "encryption", description: `default encryption: ${from} → ${wanted}`, rule },
  });

  if (!current) return set("none");
  if (current.algorithm === "AES256") return desired.algorithm === "AES256" ? {} : set("SSE-S3 (AES256)");
  if (current.algorithm === "aws:kms") {
    if (!current.kmsKeyArn) {
      // The AWS managed aws/s3 key: any principal in the account may use it through S3.
      return desired.algorithm === "aws:kms" ? set("SSE-KMS with the AWS managed key") : { note: "default encryption: kept SSE-KMS with the AWS managed key (stronger than --sse aes256)" };
    }
    if (desired.algorithm === "aws:kms" && current.kmsKeyArn === desired.kmsKeyArn) return {};
    // Switching keys would leave existing state readable only with the old key; keep it and
    // grant the roles on it (see stateKeyArnsAfter).
    return { note: `default encryption: kept SSE-KMS with existing key ${current.kmsKeyArn}; the roles may use it` };
  }
  return { note: `default encryption: kept ${current.algorithm} (stronger than requested)` };
}

function planLifecycle(days: number, rules: readonly LifecycleRule[]): { action?: StateBucketAction; notes: string[] } {
  const notes = rules
    .filter((r) => r.ID !== LIFECYCLE_RULE_ID && r.Status === "Enabled" && (r.Expiration?.Days !== undefined || r.Expiration?.Date !== undefined))
    .map((r) => `lifecycle rule ${r.ID ?? "(no id)"} expires current objects: it would delete live state; left in place, remove it by hand`);
  const ours = rules.find((r) => r.ID === LIFECYCLE_RULE_ID);
  const oursDays = ours?.NoncurrentVersionExpiration?.NoncurrentDays;
  let keepDays = days;
  if (oursDays !== undefined && oursDays > days) {
    // A shorter expiry deletes versions sooner: that is a human's decision, not bootstrap's.
    keepDays = oursDays;
    notes.push(`lifecycle: kept noncurrent versions for ${oursDays} days (longer than the ${days} asked; lower it by hand if intended)`);
  }
  const wanted = lifecycleRule(keepDays);
  if (ours && sameRule(ours, wanted)) return { notes };
  const others = rules.filter((r) => r.ID !== LIFECYCLE_RULE_ID);
  const description = ours
    ? `lifecycle rule ${LIFECYCLE_RULE_ID}: updated (noncurrent versions expire after ${keepDays} days)`
    : `lifecycle rule ${LIFECYCLE_RULE_ID}: added (noncurrent versions expire after ${keepDays} days${others.length ? `; ${others.length} other rule(s) kept` : ""})`;
  return { action: { kind: "lifecycle", description, rules: [...others, wanted] }, notes };
}

/** Compares the fields bootstrap sets, so AWS adding defaults to a rule does not look like drift. */
function sameRule(a: LifecycleRule, b: LifecycleRule): boolean {
  const key = (r: LifecycleRule) =>
    JSON.stringify([
      r.Status,
      r.Filter?.Prefix ?? r.Prefix ?? "",
      r.NoncurrentVersionExpiration?.NoncurrentDays,
      r.Expiration?.ExpiredObjectDeleteMarker === true,
      r.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
    ]);
  return key(a) === key(b);
}

function planPolicy(arn: string, current: PolicyDocument | undefined): StateBucketAction | undefined {
  const statement = tlsOnlyStatement(arn);
  const others = (current?.Statement ?? []).filter((s) => s.Sid !== TLS_ONLY_SID);
  const wanted: PolicyDocument = { Version: "2012-10-17", Statement: [...others, statement] };
  const diff = diffPolicies(current, wanted);
  if (isPolicyDiffEmpty(diff)) return undefined;
  const verb = diff.changed.includes(TLS_ONLY_SID) ? "replace" : "add";
  return {
    kind: "policy",
    description: `bucket policy: ${verb} ${TLS_ONLY_SID}${others.length ? ` (${others.length} other statement(s) kept)` : ""}`,
    policy: wanted,
  };
}

/**
 * Keys the state roles need: the dedicated key plus whatever customer managed key the bucket
 * keeps encrypting with (an existing bucket's key is never replaced).
 */
export function stateKeyArnsAfter(desired: DesiredEncryption, observed: StateBucketObserved | undefined): string[] {
  const keys = new Set<string>();
  if (desired.algorithm === "aws:kms") keys.add(desired.kmsKeyArn);
  if (observed?.encryption?.algorithm.startsWith("aws:kms") && observed.encryption.kmsKeyArn) keys.add(observed.encryption.kmsKeyArn);
  return [...keys];
}

/** Read-only calls that fill StateBucketObserved; undefined when the bucket does not exist. */
export async function observeStateBucket(s3: S3Client, kms: KMSClient, desired: StateBucketDesired, accountId: string): Promise<StateBucketObserved | undefined> {
  const Bucket = desired.name;
  let region: string | undefined;
  try {
    region = (await s3.send(new HeadBucketCommand({ Bucket, ExpectedBucketOwner: accountId }))).BucketRegion;
  } catch (err) {
    if (httpStatus(err) === 301) {
      // S3 answers a request sent to the wrong region with a redirect naming the right one.
      const header = (err as { $response?: { headers?: Record<string, string> } }).$response?.headers?.["x-amz-bucket-region"];
      throw regionMismatch(desired, header ?? "another region");
    }
    if (httpStatus(err) === 403) {
      throw new ConflictError(
        "BucketNotOwned",
        `bucket ${Bucket} exists but not in account ${accountId} (or these credentials may not read it): choose another stateBucket in cdktf.json, or use the right account's credentials`,
      );
    }
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (!region) {
    const location = (await s3.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint;
    region = location ? String(location) : "us-east-1"; // us-east-1 has no location constraint
  }
  if (region !== desired.region) return { region, versioning: "Disabled", lifecycleRules: [] };

  const optional = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const [versioning, encryption, publicAccessBlock, policy, lifecycle, ownership] = await Promise.all([
    s3.send(new GetBucketVersioningCommand({ Bucket })),
    optional(() => s3.send(new GetBucketEncryptionCommand({ Bucket }))),
    optional(() => s3.send(new GetPublicAccessBlockCommand({ Bucket }))),
    optional(() => s3.send(new GetBucketPolicyCommand({ Bucket }))),
    optional(() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))),
    optional(() => s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))),
  ]);
  const sse = encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  return {
    region,
    versioning: versioning.Status ?? "Disabled",
    encryption: sse?.SSEAlgorithm
      ? { algorithm: sse.SSEAlgorithm, kmsKeyArn: sse.KMSMasterKeyID ? await resolveKeyArn(kms, sse.KMSMasterKeyID) : undefined }
      : undefined,
    publicAccessBlock: publicAccessBlock?.PublicAccessBlockConfiguration,
    policy: policy?.Policy ? parsePolicy(policy.Policy) : undefined,
    lifecycleRules: lifecycle?.Rules ?? [],
    objectOwnership: ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership,
  };
}

/** A bucket may name its key by id, alias or ARN; IAM policies need the key ARN. */
async function resolveKeyArn(kms: KMSClient, keyId: string): Promise<string> {
  if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\//.test(keyId)) return keyId;
  return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.Arn ?? keyId;
}

export async function applyStateBucketAction(s3: S3Client, desired: StateBucketDesired, settings: Pick<BootstrapSettings, "tags">, action: StateBucketAction): Promise<void> {
  const Bucket = desired.name;
  switch (action.kind) {
    case "create":
      try {
        await s3.send(
          new CreateBucketCommand({
            Bucket,
            // us-east-1 is the default and must not be named as a constraint.
            CreateBucketConfiguration: desired.region === "us-east-1" ? undefined : { LocationConstraint: desired.region as never },
          }),
        );
      } catch (err) {
        // Created by a concurrent run between plan and apply: same outcome.
        if (!hasCode(err, "BucketAlreadyOwnedByYou")) throw err;
      }
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList(settings.tags) } }));
      break;
    case "objectOwnership":
      await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } }));
      break;
    case "publicAccessBlock":
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
        }),
      );
      break;
    case "encryption":
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [action.rule] } }));
      break;
    case "versioning":
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
      break;
    case "lifecycle":
      await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [...action.rules] } }));
      break;
    case "policy":
      await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(action.policy) }));
      break;
  }
}

export function stateBucketDesired(settings: BootstrapSettings, dedicatedKeyArn: string | undefined): StateBucketDesired {
  return {
    name: settings.stateBucket,
    region: settings.region,
    arn: bucketArn(settings),
    encryption: settings.sse === "kms" && dedicatedKeyArn ? { algorithm: "aws:kms", kmsKeyArn: dedicatedKeyArn } : { algorithm: "AES256" },
    noncurrentVersionDays: settings.noncurrentVersionDays,
  };
}

export function stateBucketStep(s3: S3Client, kms: KMSClient, settings: BootstrapSettings, dedicatedKeyArn: string | undefined): Step {
  const desired = stateBucketDesired(settings, dedicatedKeyArn);
  return {
    title: `state bucket ${desired.name}`,
    async plan() {
      const observed = await observeStateBucket(s3, kms, desired, settings.accountId);
      return { plan: planStateBucket(desired, observed), outputs: { stateKeyArns: stateKeyArnsAfter(desired.encryption, observed) } };
    },
    async applyAction(action) {
      await applyStateBucketAction(s3, desired, settings, action as StateBucketAction);
    },
  };
}
