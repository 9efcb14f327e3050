/**
 * The offboarding evidence role (bootstrap/offboarding-evidence-role.ts): what the scheduled
 * `offboard --evidence-only` run (.github/workflows/offboarding-evidence.yml) may do, evaluated
 * with audit/iam.ts's IAM evaluator over the policy bootstrap writes, and who may assume it.
 * The run reads a tenant's progress and record under `offboarding/<tenant>/` of the state bucket,
 * calls cloudtrail:LookupEvents, and rewrites the record and progress there (PutObject, then
 * GetObjectAttributes on the new version: pipeline/lib/offboarding-aws.ts putVerified).
 */
import { evaluate, IamRequest, Statement } from "../../audit/iam";
import { offboardingEvidenceRoleDesired, offboardingEvidenceRoleSubjects } from "../../bootstrap/offboarding-evidence-role";
import { deployRoleSubjects, planRoleSubjects, statementsOf } from "../../bootstrap/policies";
import { bootstrapSteps } from "../../bootstrap/steps";
import { successSummary } from "../../bootstrap/summary";
import { DEPLOY_WORKFLOWS, OFFBOARDING_EVIDENCE_WORKFLOWS, roleArnVariableName } from "../../bootstrap/settings";
import { imagePushRoleDesired, imageVerifyRoleDesired } from "../../bootstrap/image-roles";
import { offlineClients } from "../../bootstrap/clients";
import { KEY_ARN, settingsFor } from "./helpers";
import { roleStatements } from "./pipeline-roles-support";

const R = "acme/openclaw-infra";
const wf = (file: string) => `job_workflow_ref:${R}/.github/workflows/${file}@refs/heads/main`;
const settings = settingsFor();
const role = offboardingEvidenceRoleDesired(settings, [KEY_ARN]);
const statements = statementsOf(Object.values(role.inlinePolicies)) as Statement[];
const decide = (request: IamRequest) => evaluate(statements, request).decision;
const BUCKET = "arn:aws:s3:::acme-tfstate";
const viaS3 = { "kms:ViaService": "s3.us-east-1.amazonaws.com" };

describe("who may assume the offboarding evidence role", () => {
  test("exactly offboarding-evidence.yml, in the deploy role's context (the production environment)", () => {
    expect(OFFBOARDING_EVIDENCE_WORKFLOWS).toEqual(["offboarding-evidence.yml"]);
    expect(offboardingEvidenceRoleSubjects(settings)).toEqual([`repo:${R}:environment:production:${wf("offboarding-evidence.yml")}`]);
    expect(JSON.stringify(role.trustPolicy)).toContain(`repo:${R}:environment:production:${wf("offboarding-evidence.yml")}`);
  });

  test("on main with --deploy-trust main, in the environment bootstrap is told with --github-environment", () => {
    expect(offboardingEvidenceRoleSubjects(settingsFor({ deployTrust: "main" }))).toEqual([`repo:${R}:ref:refs/heads/main:${wf("offboarding-evidence.yml")}`]);
    expect(offboardingEvidenceRoleSubjects(settingsFor({ githubEnvironment: "prod-eu" }))).toEqual([`repo:${R}:environment:prod-eu:${wf("offboarding-evidence.yml")}`]);
  });

  test("no other role trusts the evidence workflow, and it trusts no deploy workflow", () => {
    for (const s of [settings, settingsFor({ deployTrust: "main" })]) {
      for (const subjects of [deployRoleSubjects(s), planRoleSubjects(s)]) expect(subjects.filter((x) => x.includes("offboarding-evidence.yml"))).toEqual([]);
      for (const trust of [imagePushRoleDesired(s, KEY_ARN).trustPolicy, imageVerifyRoleDesired(s, KEY_ARN).trustPolicy]) expect(JSON.stringify(trust)).not.toContain("offboarding-evidence.yml");
      for (const file of DEPLOY_WORKFLOWS) expect(JSON.stringify(offboardingEvidenceRoleDesired(s, [KEY_ARN]).trustPolicy)).not.toContain(`/${file}@`);
    }
  });
});

describe("what the offboarding evidence role may do", () => {
  test("looks up CloudTrail management events (LookupEvents takes only Resource *)", () => {
    expect(decide({ action: "cloudtrail:LookupEvents", resource: "*" })).toBe("allow");
  });

  test.each(["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:PutObject"])("%s on offboarding progress and records", (action) => {
    expect(decide({ action, resource: `${BUCKET}/offboarding/acme/progress.json` })).toBe("allow");
    expect(decide({ action, resource: `${BUCKET}/offboarding/acme/record-20261207T000000Z.json` })).toBe("allow");
  });

  test("never reads or writes Terraform state, the ledger, or another bucket", () => {
    for (const action of ["s3:GetObject", "s3:PutObject"]) {
      for (const key of ["tenants/acme.tfstate", "platform/production/us-east-1.tfstate", "ledger/production.json", "offboarding.tfstate"]) {
        expect({ action, key, d: decide({ action, resource: `${BUCKET}/${key}` }) }).toEqual({ action, key, d: "implicit" });
      }
      expect(decide({ action, resource: "arn:aws:s3:::openclaw-offboarding-123456789012-us-east-1/acme/x/bucket-manifest.json" })).not.toBe("allow");
    }
  });

  test("deletes nothing and changes no tenant resource", () => {
    for (const [action, resource] of [
      ["s3:DeleteObject", `${BUCKET}/offboarding/acme/progress.json`],
      ["s3:DeleteObjectVersion", `${BUCKET}/offboarding/acme/progress.json`],
      ["s3:PutObjectRetention", `${BUCKET}/offboarding/acme/progress.json`],
      ["s3:DeleteBucket", BUCKET],
      ["kms:CancelKeyDeletion", "arn:aws:kms:us-east-1:123456789012:key/abc"],
      ["secretsmanager:RestoreSecret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:openclaw/production/acme/x"],
      ["cloudtrail:StopLogging", "*"],
      ["cloudtrail:DeleteTrail", "*"],
      ["iam:PassRole", "*"],
    ]) {
      expect({ action, d: decide({ action, resource }) }).not.toEqual({ action, d: "allow" });
    }
  });

  test("uses the state key only through S3 (reading and writing the record), never directly", () => {
    expect(decide({ action: "kms:Decrypt", resource: KEY_ARN, context: viaS3 })).toBe("allow");
    expect(decide({ action: "kms:GenerateDataKey", resource: KEY_ARN, context: viaS3 })).toBe("allow");
    expect(decide({ action: "kms:Decrypt", resource: KEY_ARN })).not.toBe("allow");
    expect(decide({ action: "kms:Decrypt", resource: KEY_ARN, context: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } })).not.toBe("allow");
    expect(decide({ action: "kms:Decrypt", resource: KEY_ARN.replace("11111111", "99999999"), context: viaS3 })).not.toBe("allow");
    const aes = statementsOf(Object.values(offboardingEvidenceRoleDesired(settingsFor({ sse: "aes256" }), []).inlinePolicies)) as Statement[];
    expect(aes.filter((s) => JSON.stringify(s.Action).includes("kms:"))).toEqual([]);
  });

  test("the deploy role may not change it (retrusting it would hand the record to anyone)", () => {
    const { deploy } = roleStatements(settings);
    for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"]) {
      expect({ action, d: evaluate(deploy, { action, resource: `arn:aws:iam::123456789012:role/${settings.offboardingEvidenceRoleName}` }).decision }).toEqual({ action, d: "deny" });
    }
  });
});

describe("bootstrap creates it and prints its variable", () => {
  test("a step after the image roles, named openclaw-<env>-github-offboarding-evidence (within IAM's 64 characters for a 12-character environment)", async () => {
    expect(settings.offboardingEvidenceRoleName).toBe("openclaw-production-github-offboarding-evidence");
    expect(settingsFor({ env: "abcdefghijkl" }).offboardingEvidenceRoleName.length).toBeLessThanOrEqual(64);
    const factories = bootstrapSteps(offlineClients(settings.region), settings);
    const last = factories[factories.length - 1]({});
    expect(last.title).toBe("offboarding evidence role openclaw-production-github-offboarding-evidence");
  });

  test("the summary names OPENCLAW_OFFBOARDING_EVIDENCE_ROLE_ARN_<ENV>", () => {
    expect(roleArnVariableName("offboarding-evidence", "production")).toBe("OPENCLAW_OFFBOARDING_EVIDENCE_ROLE_ARN_PRODUCTION");
    const arn = "arn:aws:iam::123456789012:role/openclaw-production-github-offboarding-evidence";
    expect(successSummary(settings, { offboardingEvidenceRoleArn: arn }, false)).toContain(`  OPENCLAW_OFFBOARDING_EVIDENCE_ROLE_ARN_PRODUCTION=${arn}`);
  });
});
