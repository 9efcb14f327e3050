/**
 * The offboarding job (pipeline/offboard.ts, job `offboard` of deploy.yml) runs as the deploy
 * role and makes its own AWS calls. Each call of OFFBOARDING_AWS_CALLS (pipeline/lib/offboarding-aws.ts)
 * is evaluated against the deploy role's whole policy set on the ARNs the job's own code
 * computes (offboard.ts `locations`, modules/naming.ts), in every region of the production
 * environment of cdktf.json; a command the job sends that is not listed fails here until it is
 * listed and granted. Then what the grants must not open: tenant object contents (no kms:Decrypt
 * on a tenant key, through S3 or directly), archive deletes, archive writes other than the manifest.
 *
 * IAM semantics relied on (Amazon S3 API Reference, each operation's "Permissions"; KMS
 * developer guide, kms:ViaService and kms:EncryptionContext:): GetObjectAttributes needs
 * s3:GetObject + s3:GetObjectAttributes, with a version id s3:GetObjectVersion +
 * s3:GetObjectVersionAttributes; DeleteObjects needs s3:DeleteObject and s3:DeleteObjectVersion
 * per versioned entry; SSE-KMS PutObject makes S3 call kms:GenerateDataKey for the caller with
 * kms:ViaService s3.<region>.amazonaws.com and encryption context aws:s3:arn (the bucket ARN when
 * the bucket uses an S3 Bucket Key, as modules/private-bucket.ts sets; the object ARN otherwise);
 * GetObject of an SSE-KMS object makes S3 call kms:Decrypt the same way.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate, IamRequest } from "../../audit/iam";
import { deployStatements } from "../../bootstrap/policies";
import { EXPORT_PREFIX } from "../../db/contract";
import { OFFBOARDING_MANIFEST_FILE, offboardingArchiveBucketName, platformResourceName, tenantBucketName } from "../../modules/naming";
import { locations, OffboardTenant } from "../../pipeline/offboard";
import { OFFBOARDING_AWS_CALLS, OffboardingTarget } from "../../pipeline/lib/offboarding-aws";
import { synthesize } from "../support/synth";
import { FIVE_REGIONS, STATE_KEY, roleStatements, settingsForEnvironment } from "./pipeline-roles-support";

const output = synthesize();
const ENV = "production";
const settings = settingsForEnvironment(output, ENV);
const ACCOUNT = settings.accountId;
const project = { "aws:ResourceTag/ManagedBy": "openclaw-infra" };
const STAMP = "2026-12-01T23-00-00-000Z";

/** One offboarding of tenant `acme` in `region`, as offboard.ts's `locations` places it. */
function offboarding(region: string) {
  const t = {
    tenant: { id: "acme", environment: ENV, region },
    environment: { accountId: ACCOUNT, stateBucket: settings.stateBucket, stateRegion: settings.region, stateEncryption: "kms" },
  } as unknown as OffboardTenant;
  const where = locations(t);
  const s3 = (bucket: string, key?: string) => `arn:aws:s3:::${bucket}${key === undefined ? "" : `/${key}`}`;
  const archive = s3(where.archiveBucket);
  const tenantKey = `arn:aws:kms:${region}:${ACCOUNT}:key/0a1b2c3d-0000-4000-8000-00000000acme`;
  const platformKey = `arn:aws:kms:${region}:${ACCOUNT}:key/0a1b2c3d-0000-4000-8000-0000platform`;
  const throughS3 = (r: string, encryptionContext: string) => ({ ...project, "kms:ViaService": `s3.${r}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": encryptionContext });
  const tenantBucket = tenantBucketName("acme", ACCOUNT, region);
  const targets: Record<OffboardingTarget, IamRequest[]> = {
    stateRecords: [where.progressKey, where.recordKey(STAMP, "json"), where.recordKey(STAMP, "md"), where.manifestKey(STAMP)].map((key) => ({ action: "", resource: s3(where.stateBucket, key) })),
    stateKeyThroughS3: [{ action: "", resource: STATE_KEY, context: throughS3(settings.region, s3(where.stateBucket)) }],
    archiveBucket: [{ action: "", resource: archive }],
    archiveManifest: [{ action: "", resource: s3(where.archiveBucket, `${where.archivePrefix(STAMP)}${OFFBOARDING_MANIFEST_FILE}`) }],
    archiveExport: [{ action: "", resource: s3(where.archiveBucket, `${EXPORT_PREFIX}/acme/${STAMP}.sql`) }],
    // Bucket Key: the bucket ARN is the context; without one, the object's.
    archiveKeyThroughS3: [archive, `${archive}/${where.archivePrefix(STAMP)}${OFFBOARDING_MANIFEST_FILE}`].map((c) => ({ action: "", resource: platformKey, context: throughS3(region, c) })),
    tenantBucket: [{ action: "", resource: s3(tenantBucket) }],
    tenantObjects: ["memory.json", "notes/2026/11/deep/key with spaces.md"].map((key) => ({ action: "", resource: s3(tenantBucket, key) })),
    tenantService: [{ action: "", resource: `arn:aws:ecs:${region}:${ACCOUNT}:service/${platformResourceName(ENV, region, "agents")}/openclaw-acme-butler` }],
    tenantKey: [{ action: "", resource: tenantKey, context: project }],
    // LookupEvents supports no resource-level permissions (Service Authorization Reference, AWS CloudTrail): IAM evaluates it on "*".
    cloudTrailEventHistory: [{ action: "", resource: "*" }],
    provisioner: ["", ":$LATEST"].map((q) => ({ action: "", resource: `arn:aws:lambda:${region}:${ACCOUNT}:function:${platformResourceName(ENV, region, "db-provisioner")}${q}` })),
  };
  return { where, archive, tenantBucket, tenantKey, platformKey, throughS3, targets, s3 };
}

/**
 * Against the role as bootstrap writes it for the production environment (2 regions) and for
 * the same environment grown to 5 regions, whose deploy role has more managed policies: the
 * offboarding grants and denies must hold in every part layout.
 */
describe.each([
  ["2 regions (cdktf.json)", settings.regions],
  ["5 regions", FIVE_REGIONS],
])("with %s", (_label, environmentRegions) => {
  const regions = [...environmentRegions];
  const { deploy } = roleStatements({ ...settings, regions });
  const decide = (request: IamRequest) => evaluate(deploy, request);

  describe("the deploy role allows every AWS call of the offboarding job", () => {
    test("the list names every command the job sends, and nothing it does not send", () => {
      const sent = new Set<string>();
      for (const file of ["pipeline/offboard.ts", "pipeline/lib/offboarding-aws.ts", "pipeline/lib/offboarding-job.ts", "pipeline/lib/offboarding-evidence.ts"]) {
        for (const m of readFileSync(join(__dirname, "../..", file), "utf8").matchAll(/new (\w+)Command\(/g)) sent.add(m[1]);
      }
      expect([...sent].sort()).toEqual([...new Set(OFFBOARDING_AWS_CALLS.map((c) => c.command))].sort());
    });

    test.each(regions)("every call, on the ARNs the job computes, in %s", (region) => {
      const { targets } = offboarding(region);
      const refusedCalls: string[] = [];
      for (const call of OFFBOARDING_AWS_CALLS) {
        for (const target of call.on) {
          for (const action of call.actions) {
            for (const request of targets[target]) {
              const d = decide({ ...request, action });
              if (d.decision !== "allow") refusedCalls.push(`${call.command}: ${action} on ${request.resource} (${target}): ${d.decision}${d.decision === "deny" ? ` by ${d.by}` : ""}`);
            }
          }
        }
      }
      expect(refusedCalls).toEqual([]);
    });
  });

  describe("what offboarding's grants still keep out of reach", () => {

    test("the evidence lookup is cloudtrail:LookupEvents alone on \"*\" (no resource-level permissions), the only allow on \"*\" in the offboarding group", () => {
      const offboardingAllows = deployStatements({ ...settings, regions }, []).allows.offboarding;
      const everywhere = offboardingAllows.filter((s) => [s.Resource].flat().includes("*"));
      expect(everywhere).toEqual([{ Sid: "LookUpOffboardingEvidence", Effect: "Allow", Action: "cloudtrail:LookupEvents", Resource: "*" }]);
      for (const action of ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StartQuery", "cloudtrail:GetQueryResults"]) {
        expect(offboardingAllows.some((s) => [s.Action].flat().includes(action))).toBe(false);
      }
    });

    test("a tenant object's contents: kms:Decrypt on the tenant key is refused, through S3 or directly (the object is fetched as ciphertext S3 cannot decrypt for the role)", () => {
      for (const region of regions) {
        const { tenantBucket, tenantKey, throughS3, s3 } = offboarding(region);
        const object = s3(tenantBucket, "memory.json");
        for (const context of [throughS3(region, object), throughS3(region, s3(tenantBucket)), project]) {
          expect(decide({ action: "kms:Decrypt", resource: tenantKey, context }).decision).not.toBe("allow");
        }
        // An explicit deny: no allow added later (a broad policy attached by hand) reopens it.
        expect(decide({ action: "kms:Decrypt", resource: tenantKey, context: throughS3(region, object) })).toEqual({ decision: "deny", by: "DenyDecryptThroughS3" });
      }
    });

    test("the archive's contents: kms:Decrypt on the platform key through S3 is denied", () => {
      for (const region of regions) {
        const { archive, platformKey, throughS3 } = offboarding(region);
        expect(decide({ action: "kms:Decrypt", resource: platformKey, context: throughS3(region, archive) }).decision).toBe("deny");
      }
    });

    test("nothing in the archive can be deleted, and nothing but a bucket manifest written", () => {
      for (const region of regions) {
        const { where, archive } = offboarding(region);
        const exported = `${archive}/${EXPORT_PREFIX}/acme/${STAMP}.sql`;
        const manifest = `${archive}/${where.archivePrefix(STAMP)}${OFFBOARDING_MANIFEST_FILE}`;
        for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention"]) {
          for (const resource of [exported, manifest]) expect(decide({ action, resource }).decision).toBe("deny");
        }
        for (const key of [`${EXPORT_PREFIX}/acme/${STAMP}.sql`, `${where.archivePrefix(STAMP)}other.json`, `${OFFBOARDING_MANIFEST_FILE}.evil`, "acme/x/bucket-manifest.json.bak"]) {
          expect(decide({ action: "s3:PutObject", resource: `${archive}/${key}` }).decision).toBe("deny");
        }
        expect(decide({ action: "s3:PutObject", resource: manifest }).decision).toBe("allow");
      }
    });

    test("tenant buckets: emptied and listed, never written", () => {
      for (const region of regions) {
        const { tenantBucket, s3 } = offboarding(region);
        expect(decide({ action: "s3:PutObject", resource: s3(tenantBucket, "memory.json") }).decision).toBe("deny");
        expect(decide({ action: "s3:DeleteObjectVersion", resource: s3(tenantBucket, "memory.json") }).decision).toBe("allow");
      }
    });

    test("another region's, account's or unrelated bucket gets none of the object grants", () => {
      const actions = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"];
      const elsewhere = [
        `arn:aws:s3:::${tenantBucketName("acme", ACCOUNT, ["eu-west-1", "ap-south-1"].find((r) => !regions.includes(r))!)}/memory.json`,
        `arn:aws:s3:::${tenantBucketName("acme", "222222222222", regions[0])}/memory.json`,
        `arn:aws:s3:::${offboardingArchiveBucketName("staging", regions[0], ACCOUNT)}/acme/x/${OFFBOARDING_MANIFEST_FILE}`,
        "arn:aws:s3:::payroll-exports/2026/november.csv",
      ];
      for (const resource of elsewhere) for (const action of actions) expect(`${action} ${resource}: ${decide({ action, resource }).decision}`).toMatch(/: (deny|implicit)$/);
    });

    test("the archive's key encrypts only for the archive: GenerateDataKey through S3 for a tenant bucket is refused", () => {
      for (const region of regions) {
        const { tenantBucket, platformKey, throughS3, s3 } = offboarding(region);
        expect(decide({ action: "kms:GenerateDataKey", resource: platformKey, context: throughS3(region, s3(tenantBucket)) }).decision).not.toBe("allow");
        expect(decide({ action: "kms:GenerateDataKey", resource: platformKey, context: project }).decision).not.toBe("allow");
      }
    });
  });
});
