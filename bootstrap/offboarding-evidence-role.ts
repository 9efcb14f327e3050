/**
 * The offboarding evidence role: what the daily `npm run offboard -- --evidence-only` run
 * (.github/workflows/offboarding-evidence.yml) needs, and nothing of the deploy role.
 *
 * That run is unattended (schedule, no approval) and must keep going for as long as CloudTrail
 * may still deliver an event or someone may undo a deletion, so it should not hold the role that
 * applies and destroys every stack. It reads a tenant's progress and record under
 * `offboarding/<tenant>/` of the state bucket, calls cloudtrail:LookupEvents in the tenant's
 * region, and rewrites the record and progress in place (pipeline/lib/offboarding-job.ts
 * evidenceOnly; putVerified checks S3's checksum of the new version with GetObjectAttributes,
 * which S3 authorizes as GetObject(Version) plus GetObject(Version)Attributes).
 *
 * It is trusted in the deploy role's context (the GitHub environment, or main with
 * --deploy-trust main), by its own workflow file only.
 */
import { githubTrustPolicy, deployContextSubjects, PolicyDocument } from "./policies";
import { GithubRoleDesired } from "./resources/github-role";
import { BootstrapSettings, OFFBOARDING_EVIDENCE_WORKFLOWS, bucketArn } from "./settings";
import { offboardingStatePrefix } from "../modules/naming";

export const OFFBOARDING_EVIDENCE_POLICY_NAME = "openclaw-offboarding-evidence";

type EvidenceSettings = Pick<BootstrapSettings, "partition" | "stateBucket" | "region">;

/** The role's only allows: event lookups, the offboarding prefix of the state bucket, the state key through S3. */
export function offboardingEvidencePolicy(settings: EvidenceSettings, stateKeyArns: readonly string[]): PolicyDocument {
  // offboarding/<tenant>/...: progress.json, record-<stamp>.json/.md (modules/naming.ts).
  const records = `${bucketArn(settings)}/${offboardingStatePrefix("*")}*`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        // LookupEvents has no resource type and no condition key (Service Authorization
        // Reference, AWS CloudTrail): IAM accepts only Resource "*". It reads management-event
        // metadata of the account and region; no object, secret value or trail configuration.
        Sid: "LookUpOffboardingEvidence",
        Effect: "Allow",
        Action: "cloudtrail:LookupEvents",
        Resource: "*",
      },
      {
        // Read progress and record, write them back, verify the written version's checksum.
        Sid: "OffboardingRecordsReadWrite",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:PutObject"],
        Resource: records,
      },
      // Records are written SSE-KMS with the state key when the environment uses one: S3 asks
      // KMS as the role, so only through S3 in the state bucket's region.
      ...(stateKeyArns.length > 0
        ? [
            {
              Sid: "StateKeyThroughS3",
              Effect: "Allow" as const,
              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
              Resource: [...stateKeyArns],
              Condition: { StringEquals: { "kms:ViaService": `s3.${settings.region}.amazonaws.com` } },
            },
          ]
        : []),
    ],
  };
}

/** The workflow files that may assume it, in the deploy role's context. */
export function offboardingEvidenceRoleSubjects(settings: Pick<BootstrapSettings, "githubRepo" | "deployTrust" | "githubEnvironment" | "oidcSubject">): string[] {
  return deployContextSubjects(settings, OFFBOARDING_EVIDENCE_WORKFLOWS);
}

export function offboardingEvidenceRoleDesired(settings: BootstrapSettings, stateKeyArns: readonly string[]): GithubRoleDesired {
  return {
    name: settings.offboardingEvidenceRoleName,
    description: `look up offboarding evidence and rewrite offboarding records for ${settings.githubRepo} (${settings.env})`,
    trustPolicy: githubTrustPolicy(settings, offboardingEvidenceRoleSubjects(settings)),
    inlinePolicies: { [OFFBOARDING_EVIDENCE_POLICY_NAME]: offboardingEvidencePolicy(settings, stateKeyArns) },
    managedPolicyArns: [],
    tags: settings.tags,
  };
}
