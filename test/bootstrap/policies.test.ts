// Enforces SECURITY.md C20, C21, C22, C31 (the table "Enforcing tests" there lists this file).
import { readFileSync } from "node:fs";
import {
  PolicyDocument,
  PolicyQuotaError,
  deployManagedPolicyName,
  deployManagedPolicyNamePattern,
  deployPolicies,
  deployStatements,
  describePolicyDiff,
  diffPolicies,
  githubTrustPolicy,
  deployRoleSubjects,
  isPolicyDiffEmpty,
  parsePolicy,
  planGuardrailsPolicy,
  planReadPolicy,
  planRoleSubjects,
  statePolicy,
} from "../../bootstrap/policies";
import { INLINE_POLICIES_MAX_CHARS, policyDocument, policySize } from "../../bootstrap/policy-packing";
import { roleArnVariableName } from "../../bootstrap/settings";
import { offboardingEvidenceRoleSubjects } from "../../bootstrap/offboarding-evidence-role";
import { AWS_NAME_LIMITS, agentTaskRoleName, platformResourceName, tenantExecutionRoleName } from "../../modules/naming";
import { KEY_ARN, settingsFor } from "./helpers";
import { EIGHT_REGIONS } from "./pipeline-roles-support";
import { PIPELINE_ROLES_GOLDEN, pipelineRolePolicies } from "../support/pipeline-role-golden";

const settings = settingsFor();
const BUCKET = "arn:aws:s3:::acme-tfstate";
const TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/acme-tf-locks";

function statement(doc: PolicyDocument, sid: string) {
  const found = doc.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${doc.Statement.map((s) => s.Sid).join(", ")}`);
  return found;
}

/** Every (action, resource) an Allow statement grants, as "action on resource" strings. */
function allowed(doc: PolicyDocument): string[] {
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action).flatMap((a) => list(s.Resource).map((r) => `${a} on ${r}`)));
}

describe("trust policies", () => {
  const R = "acme/openclaw-infra";
  const wf = (file: string) => `job_workflow_ref:${R}/.github/workflows/${file}@refs/heads/main`;

  test("the plan role trusts only plan.yml and drift.yml as defined on main of exactly this repository, for the STS audience", () => {
    expect(githubTrustPolicy(settings, planRoleSubjects(settings))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitHubActionsOidc",
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": [`repo:${R}:ref:refs/heads/main:${wf("plan.yml")}`, `repo:${R}:ref:refs/heads/main:${wf("drift.yml")}`],
            },
          },
        },
      ],
    });
  });

  // Issue 14, attack 1: for a branch pull request GitHub runs the pull request's own workflow
  // file, and its OIDC token says `repo:<repo>:pull_request`. No role may accept that subject.
  test("no role trusts the pull_request subject, in either subject form", () => {
    for (const oidcSubject of ["workflow", "github-default"] as const) {
      for (const deployTrust of ["environment", "main"] as const) {
        const s = settingsFor({ oidcSubject, deployTrust });
        const subjects = [...planRoleSubjects(s), ...deployRoleSubjects(s), ...offboardingEvidenceRoleSubjects(s)];
        expect(subjects.filter((sub) => /pull_request/.test(sub))).toEqual([]);
        // Only main's context or the protected environment's: what a main-defined workflow presents.
        expect(subjects.every((sub) => sub.startsWith(`repo:${R}:ref:refs/heads/main`) || sub.startsWith(`repo:${R}:environment:production`))).toBe(true);
      }
    }
  });

  test("a workflow file edited on another branch presents another job_workflow_ref and is not trusted", () => {
    const branchToken = `repo:${R}:ref:refs/heads/main:job_workflow_ref:${R}/.github/workflows/plan.yml@refs/heads/feature`;
    const otherFile = `repo:${R}:ref:refs/heads/main:${wf("evil.yml")}`;
    expect(planRoleSubjects(settings)).not.toContain(branchToken);
    expect(planRoleSubjects(settings)).not.toContain(otherFile);
    expect(deployRoleSubjects(settings)).not.toContain(`repo:${R}:environment:production:job_workflow_ref:${R}/.github/workflows/deploy.yml@refs/heads/feature`);
  });

  // deploy-ring.yml: the fleet deploy's rings, a reusable workflow that GitHub names in job_workflow_ref
  test("the deploy role trusts only deploy.yml, its rings and the unlock in the production environment by default", () => {
    expect(deployRoleSubjects(settings)).toEqual([`repo:${R}:environment:production:${wf("deploy.yml")}`, `repo:${R}:environment:production:${wf("deploy-ring.yml")}`, `repo:${R}:environment:production:${wf("deploy-unlock.yml")}`]);
  });

  test("the deploy role trusts only deploy.yml, its rings and the unlock on main with --deploy-trust main", () => {
    expect(deployRoleSubjects(settingsFor({ deployTrust: "main" }))).toEqual([`repo:${R}:ref:refs/heads/main:${wf("deploy.yml")}`, `repo:${R}:ref:refs/heads/main:${wf("deploy-ring.yml")}`, `repo:${R}:ref:refs/heads/main:${wf("deploy-unlock.yml")}`]);
  });

  test("the deploy role trusts the named GitHub environment", () => {
    expect(deployRoleSubjects(settingsFor({ githubEnvironment: "prod-eu" }))).toEqual([`repo:${R}:environment:prod-eu:${wf("deploy.yml")}`, `repo:${R}:environment:prod-eu:${wf("deploy-ring.yml")}`, `repo:${R}:environment:prod-eu:${wf("deploy-unlock.yml")}`]);
  });

  test("with --oidc-subject github-default the roles trust main (plan) and the environment (deploy) in GitHub's default form", () => {
    const s = settingsFor({ oidcSubject: "github-default" });
    expect(planRoleSubjects(s)).toEqual([`repo:${R}:ref:refs/heads/main`]);
    expect(deployRoleSubjects(s)).toEqual([`repo:${R}:environment:production`]);
  });

  test("no trust policy uses a wildcard match", () => {
    for (const subjects of [planRoleSubjects(settings), deployRoleSubjects(settings), offboardingEvidenceRoleSubjects(settings)]) {
      const json = JSON.stringify(githubTrustPolicy(settings, subjects));
      expect(json).not.toMatch(/StringLike|\*/);
    }
  });

  test("ARNs use the region's partition", () => {
    const gov = settingsFor({ region: "us-gov-west-1" });
    expect(JSON.stringify(githubTrustPolicy(gov, ["x"]))).toContain("arn:aws-us-gov:iam::123456789012:oidc-provider/");
  });
});

describe("state access", () => {
  test("the plan role reads state objects and the digest item, and writes nothing (plans run with -lock=false)", () => {
    const grants = allowed(statePolicy(settings, [KEY_ARN], false));
    expect(grants).toEqual([`s3:ListBucket on ${BUCKET}`, `s3:GetObject on ${BUCKET}/*`, `dynamodb:GetItem on ${TABLE}`, `kms:Decrypt on ${KEY_ARN}`]);
  });

  test("the deploy role writes state but never deletes state objects", () => {
    const grants = allowed(statePolicy(settings, [KEY_ARN], true));
    expect(grants).toContain(`s3:PutObject on ${BUCKET}/*`);
    expect(grants.filter((g) => g.startsWith("s3:DeleteObject"))).toEqual([`s3:DeleteObject on ${BUCKET}/*.tflock`]);
  });

  test("the deploy role takes DynamoDB locks on the lock table only", () => {
    expect(statement(statePolicy(settings, [], true), "StateLockTable")).toMatchObject({
      Action: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      Resource: TABLE,
    });
  });

  test("no KMS statement when the bucket uses S3 managed keys", () => {
    expect(statePolicy(settings, [], true).Statement.map((s) => s.Sid)).not.toContain("StateEncryptionKey");
  });
});

describe("plan guardrails", () => {
  test("deny reading objects outside the state bucket, data reads and decrypting outside the state key", () => {
    const doc = planGuardrailsPolicy(settings, [KEY_ARN]);
    expect(statement(doc, "DenyObjectReadsOutsideState")).toMatchObject({ Effect: "Deny", NotResource: `${BUCKET}/*` });
    expect(statement(doc, "DenyDataReads").Action).toEqual(expect.arrayContaining(["secretsmanager:GetSecretValue", "logs:GetLogEvents", "rds:Download*", "pi:*"]));
    expect(statement(doc, "DenyDecryptOutsideState")).toMatchObject({ Effect: "Deny", Action: "kms:Decrypt", NotResource: [KEY_ARN] });
  });

  test("with S3 managed state keys, the plan role decrypts nothing", () => {
    expect(statement(planGuardrailsPolicy(settings, []), "DenyDecryptOutsideState")).toMatchObject({ Effect: "Deny", Resource: "*" });
  });
});

describe("deploy policy", () => {
  const doc = deployPolicies(settings, [KEY_ARN]).guardrails;
  const identity = deployPolicies(settings, [KEY_ARN]).managed.identity;

  test("denies any IAM change to the pipeline's own roles and OIDC provider", () => {
    expect(statement(doc, "DenyChangingPipelineIdentity")).toEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: "iam:*",
        Resource: [
          "arn:aws:iam::123456789012:role/openclaw-production-github-plan",
          "arn:aws:iam::123456789012:role/openclaw-production-github-deploy",
          "arn:aws:iam::123456789012:policy/openclaw-production-github-plan-*",
          "arn:aws:iam::123456789012:policy/openclaw-production-github-deploy-*",
          "arn:aws:iam::123456789012:role/openclaw-production-github-image-*",
          "arn:aws:iam::123456789012:role/openclaw-production-github-offboarding-evidence",
          "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        ],
      }),
    );
  });

  test("denies weakening or deleting the state bucket, its versions, the lock table and the state key", () => {
    expect(statement(doc, "DenyChangingStateBucket")).toMatchObject({ Effect: "Deny", Resource: BUCKET });
    expect(statement(doc, "DenyDeletingStateVersions")).toMatchObject({ Effect: "Deny", Action: "s3:DeleteObjectVersion" });
    expect(statement(doc, "DenyChangingLockTable")).toMatchObject({ Effect: "Deny", Resource: TABLE });
    expect(statement(doc, "DenyChangingStateKeys")).toMatchObject({ Effect: "Deny", Resource: [KEY_ARN] });
  });

  test("manages IAM only under the project's openclaw- names, and passes roles only to the services that run them", () => {
    expect(statement(identity, "ManageProjectRoles").Resource).toEqual("arn:aws:iam::123456789012:role/openclaw-*");
    expect(statement(identity, "ManageProjectPolicies").Resource).toEqual("arn:aws:iam::123456789012:policy/openclaw-*");
    const passes = identity.Statement.filter((s) => s.Action === "iam:PassRole");
    expect(passes.length).toBeGreaterThan(0);
    for (const pass of passes) expect(pass.Condition).toHaveProperty(["StringEquals", "iam:PassedToService"]);
  });
});

describe("comparing policies", () => {
  const desired = statePolicy(settings, [KEY_ARN], false);

  test("a policy read back from IAM (URL-encoded, single values for one-element lists) equals what was written", () => {
    const roundTripped = JSON.parse(
      JSON.stringify(desired, (_k, v) => (Array.isArray(v) && v.length === 1 ? v[0] : v)),
    ) as PolicyDocument;
    expect(diffPolicies(parsePolicy(encodeURIComponent(JSON.stringify(roundTripped))), desired)).toEqual({ added: [], removed: [], changed: [] });
  });

  test("order of actions does not count as a difference", () => {
    // The plan role's state policy has no statement with two actions: the deploy role's has several.
    const written = statePolicy(settings, [KEY_ARN], true);
    const reordered: PolicyDocument = {
      ...written,
      Statement: written.Statement.map((s) => (Array.isArray(s.Action) ? { ...s, Action: [...s.Action].reverse() } : s)),
    };
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(written));
    expect(diffPolicies(reordered, written).changed).toEqual([]);
  });

  test("reports statements added, changed and removed by Sid", () => {
    const current: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { ...statement(desired, "StateBucketList"), Resource: "arn:aws:s3:::elsewhere" },
        { Sid: "Legacy", Effect: "Allow", Action: "s3:*", Resource: "*" },
      ],
    };
    const diff = diffPolicies(current, desired);
    expect(diff).toEqual({ added: ["StateObjectsRead", "StateDigestRead", "StateEncryptionKey"], changed: ["StateBucketList"], removed: ["Legacy"] });
    expect(describePolicyDiff(diff)).toBe("statements added StateObjectsRead, StateDigestRead, StateEncryptionKey; changed StateBucketList; removed Legacy");
  });
});

describe("repository variable names", () => {
  test.each([
    ["plan", "production", "OPENCLAW_PLAN_ROLE_ARN_PRODUCTION"],
    ["deploy", "eu-staging", "OPENCLAW_DEPLOY_ROLE_ARN_EU_STAGING"],
  ] as const)("%s role of %s is %s", (kind, env, name) => {
    expect(roleArnVariableName(kind, env)).toBe(name);
  });
});

describe("names", () => {
  test("role names fit IAM's 64 characters for the longest environment name", () => {
    const longest = settingsFor({ env: "a".repeat(12) });
    expect(longest.deployRoleName.length).toBeLessThanOrEqual(AWS_NAME_LIMITS.iamRole);
    expect(longest.planRoleName.length).toBeLessThanOrEqual(AWS_NAME_LIMITS.iamRole);
  });

  test("the deploy role may manage every IAM role and policy the stacks name", () => {
    const identity = deployPolicies(settings, []).managed.identity;
    const roles = statement(identity, "ManageProjectRoles").Resource as string;
    const policies = statement(identity, "ManageProjectPolicies").Resource as string;
    const covered = (pattern: string, name: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(name);
    const names = [tenantExecutionRoleName("acme"), agentTaskRoleName("acme", "butler"), platformResourceName("production", "us-east-1", "db-rds-monitoring")];
    expect(names.filter((n) => !covered(roles, `arn:aws:iam::123456789012:role/${n}`))).toEqual([]);
    expect(covered(policies, `arn:aws:iam::123456789012:policy/${platformResourceName("production", "us-east-1", "tenant-boundary")}`)).toBe(true);
  });
});

describe("deploy role guardrails for tenant data and roles", () => {
  const settings = settingsFor();
  const doc = deployPolicies(settings, []).guardrails;
  const bySid = (sid: string) => doc.Statement.find((s) => s.Sid === sid)!;

  test("touches no object outside the state bucket but offboarding's, and decrypts nothing through S3 but state (tenant data stays out of the pipeline)", () => {
    const state = `arn:aws:s3:::${settings.stateBucket}`;
    const archive = `arn:aws:s3:::openclaw-${settings.accountId}-production-us-east-1-archive`;
    const tenantObjects = `arn:aws:s3:::openclaw-*-${settings.accountId}-us-east-1/*`;
    expect(bySid("DenyObjectReadsOutsideState")).toEqual({
      Sid: "DenyObjectReadsOutsideState",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      NotResource: [`${state}/*`, tenantObjects, `${archive}/*/bucket-manifest.json`, `${archive}/database-exports/*`],
    });
    expect(bySid("DenyObjectWritesOutsideState")).toEqual({ Sid: "DenyObjectWritesOutsideState", Effect: "Deny", Action: "s3:PutObject", NotResource: [`${state}/*`, `${archive}/*/bucket-manifest.json`] });
    expect(bySid("DenyObjectDeletesOutsideState")).toEqual({
      Sid: "DenyObjectDeletesOutsideState",
      Effect: "Deny",
      Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      NotResource: [`${state}/*.tflock`, tenantObjects],
    });
    expect(bySid("DenyDecryptThroughS3")).toEqual({
      Sid: "DenyDecryptThroughS3",
      Effect: "Deny",
      Action: "kms:Decrypt",
      Resource: "*", // no state key: the state bucket uses SSE-S3
      Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
    });
  });

  test("creates, re-bounds and gives policies to roles only under one of the environment's boundaries, and never removes one", () => {
    expect(bySid("RolesKeepTheBoundary")).toMatchObject({
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
      Resource: "*",
      Condition: {
        StringNotEquals: {
          "iam:PermissionsBoundary": [
            `arn:aws:iam::${settings.accountId}:policy/openclaw-production-us-east-1-tenant-boundary`,
            `arn:aws:iam::${settings.accountId}:policy/openclaw-production-us-east-1-service-boundary`,
          ],
        },
      },
    });
    expect(bySid("RolesNeverLoseTheBoundary")).toMatchObject({ Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" });
  });
});

describe("statement ids", () => {
  // IAM's policy grammar: "The Sid element supports ASCII uppercase letters (A-Z), lowercase
  // letters (a-z), and numbers (0-9)", and "in IAM, the Sid value must be unique within a JSON
  // policy" (IAM JSON policy elements: Sid). Bootstrap also compares what IAM holds with what it
  // writes statement by statement, by Sid (diffPolicies), so a missing or repeated Sid would
  // report the wrong statement as changed.
  const SID = /^[A-Za-z0-9]+$/;
  const roles = (regions: string[], keys: string[]) => {
    const at = { ...settingsFor(), regions };
    const deploy = deployPolicies(at, keys);
    return {
      trust: [githubTrustPolicy(at, planRoleSubjects(at)), githubTrustPolicy(at, deployRoleSubjects(at))],
      plan: [statePolicy(at, keys, false), planReadPolicy(at), planGuardrailsPolicy(at, keys)],
      deploy: [statePolicy(at, keys, true), deploy.guardrails, ...Object.values(deploy.managed)],
    };
  };

  test.each([
    ["one region, a state key", ["us-east-1"], [KEY_ARN]],
    ["two regions, S3 managed state keys", ["us-east-1", "eu-west-1"], []],
  ])("every statement of every pipeline role policy has a Sid of IAM's grammar, unique within its role (%s)", (_name, regions, keys) => {
    // mutation testing: each Sid literal → "" (bootstrap/policies.ts), the PassRolesTo… name → "PassRolesTo".
    for (const [role, documents] of Object.entries(roles(regions, keys))) {
      const sids = documents.flatMap((d) => d.Statement.map((s) => s.Sid ?? "(none)"));
      expect({ role, bad: sids.filter((sid) => !SID.test(sid)) }).toEqual({ role, bad: [] });
      if (role !== "trust") expect({ role, repeated: sids.filter((sid, i) => sids.indexOf(sid) !== i) }).toEqual({ role, repeated: [] });
    }
  });
});

describe("golden record of the pipeline roles' policies", () => {
  test("the plan and deploy roles' documents are the reviewed test/bootstrap/golden/pipeline-role-policies.json (refresh: npm run golden:update)", () => {
    // mutation testing: every action, resource, condition and Sid literal of bootstrap/policies.ts
    // that no behaviour test names changes this record, which a reviewer reads in the diff.
    expect(pipelineRolePolicies()).toBe(readFileSync(PIPELINE_ROLES_GOLDEN, "utf8"));
  });
});

// #32: survivors of the Stryker run of bootstrap/policies.ts that the golden record cannot show
// (rules over inputs the record does not hold). Each names the mutants it kills.
describe("bootstrap/policies.ts: rules found by mutation testing", () => {
  const FIFTEEN_REGIONS = [...EIGHT_REGIONS, "ap-southeast-1", "eu-north-1", "us-east-2", "ap-south-1", "eu-west-2", "eu-west-3", "ap-northeast-2"];

  test("a trust policy with one subject names it as a string, as IAM returns it", () => {
    // mutation testing: `subjects.length === 1 ? subjects[0] : [...subjects]` → always a list.
    const trust = githubTrustPolicy(settings, ["repo:acme/openclaw-infra:environment:production"]);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/openclaw-infra:environment:production" },
    });
  });

  test("confines every ssm:GetParameter* read the resource table may gain to the project's parameters", () => {
    // mutation testing: `startsWith("ssm:GetParameter")` → `endsWith` in both statements (today's table has only ssm:GetParameter).
    // The table is passed in, not mocked into a reloaded copy of the module: a copy loaded inside
    // this test made Stryker attribute every module constant to it alone, and run only it for
    // their mutants (BENCHMARKS.md, "Mutation testing").
    const doc = planReadPolicy(settings, ["ec2:DescribeVpcs", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]);
    expect(statement(doc, "RefreshProjectResources")).toMatchObject({ Action: ["ec2:DescribeVpcs"], Resource: "*" });
    expect(statement(doc, "ReadProjectParameters")).toMatchObject({
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: "arn:aws:ssm:*:123456789012:parameter/openclaw/*",
    });
  });

  test("keeps inline the longest run of denies that fits next to the state policy, and moves the rest whole to guardrails", () => {
    // mutation testing: the packing loop's `>` → `>=`/`kept >= 0`, `kept < denies.length` → true/false/`<=`/`>=`, `denies.slice(kept)` → `denies`.
    const eight = { ...settings, regions: EIGHT_REGIONS };
    const { denies } = deployStatements(eight, [KEY_ARN]);
    const packed = deployPolicies(eight, [KEY_ARN]);
    const kept = packed.guardrails.Statement.length;
    const budget = INLINE_POLICIES_MAX_CHARS - policySize(statePolicy(eight, [KEY_ARN], true));
    expect([kept > 0, kept < denies.length]).toEqual([true, true]);
    expect(packed.guardrails.Statement).toEqual(denies.slice(0, kept));
    expect(policySize(packed.guardrails)).toBeLessThanOrEqual(budget);
    expect(policySize(policyDocument(denies.slice(0, kept + 1)))).toBeGreaterThan(budget);
    expect(Object.keys(packed.managed).filter((name) => name.startsWith("guardrails"))).toEqual(["guardrails"]);
    expect(packed.managed.guardrails.Statement).toEqual(denies.slice(kept));
    // While everything fits, there is no guardrails part.
    expect(Object.keys(deployPolicies(settings, [KEY_ARN]).managed)).not.toContain("guardrails");
  });

  test("refuses, before anything reaches AWS, a state policy that leaves no room for the first deny", () => {
    // mutation testing: `kept > 0` → true (an endless loop), `kept === 0` → false, the message → "".
    const keys = Array.from({ length: 150 }, (_v, i) => `${KEY_ARN.slice(0, -3)}${String(i).padStart(3, "0")}`);
    expect(() => deployPolicies(settings, keys)).toThrow(PolicyQuotaError);
    expect(() => deployPolicies(settings, keys)).toThrow(
      "the deploy role's state policy leaves no room for its first deny within IAM's 10240 characters of inline policies per role (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)",
    );
  });

  test("refuses an environment whose deploy role would need more managed policies than IAM attaches, naming them", () => {
    // mutation testing: `names.length > MANAGED_POLICIES_PER_ROLE` → false, and the message's parts → "".
    const fifteen = { ...settings, regions: FIFTEEN_REGIONS };
    expect(() => deployPolicies(fifteen, [KEY_ARN])).toThrow(PolicyQuotaError);
    expect(() => deployPolicies(fifteen, [KEY_ARN])).toThrow(
      /^environment production has 15 regions: the deploy role openclaw-production-github-deploy would need 11 customer managed policies \(network, services, services-2, identity, identity-2, identity-3, identity-4, offboarding, offboarding-2, guardrails, guardrails-2\), and IAM attaches at most 10 to a role \(quota "Managed policies per role", https:\/\/docs\.aws\.amazon\.com\/IAM\/latest\/UserGuide\/reference_iam-quotas\.html\): split the environment's regions across environments \(accounts\)$/,
    );
    expect(() => deployPolicies({ ...settings, regions: FIFTEEN_REGIONS.slice(0, 14) }, [KEY_ARN])).not.toThrow();
    // mutation testing: `>` → `>=`. Ten is allowed: these fifteen regions (found by a search over
    // region sets) need exactly ten; the fifteen above need eleven.
    const exactlyTen = ["us-west-2", "us-west-1", "us-east-1", "sa-east-1", "ap-northeast-1", "af-south-1", "me-central-1", "ap-southeast-2", "me-south-1", "ca-west-1", "ap-south-1", "eu-west-2", "eu-west-1", "mx-central-1", "eu-west-3"];
    expect(Object.keys(deployPolicies({ ...settings, regions: exactlyTen }, [KEY_ARN]).managed)).toHaveLength(10);
  });

  test("names the deploy role's managed policies after the role, and recognises every name a layout can produce, only those", () => {
    // mutation testing: deployManagedPolicyName's template → "", the pattern's escaping class (negated, "\\$&" → ""), its parts list → [], its "|" → "".
    expect(deployManagedPolicyName({ deployRoleName: "r" }, "identity-2")).toBe("r-identity-2");
    const pattern = deployManagedPolicyNamePattern({ deployRoleName: "ops.deploy+1" });
    for (const name of ["network", "services-2", "identity", "offboarding-12", "guardrails", "guardrails-3"]) expect(pattern.test(`ops.deploy+1-${name}`)).toBe(true);
    for (const name of ["opsXdeploy+1-network", "ops.deployy1-network", "ops.deploy+1-state", "ops.deploy+1-network-x", "x-ops.deploy+1-network", "ops.deploy+1-", "ops.deploy+1-networkservices"]) {
      expect([name, pattern.test(name)]).toEqual([name, false]);
    }
  });

  test("reads a policy as JSON when it starts with a brace after white space, and URL-decodes it otherwise", () => {
    // mutation testing: `trimStart().startsWith("{")` → `endsWith("{")` and `trimEnd()`: a JSON text with a literal % cannot be URL-decoded.
    const document = { Version: "2012-10-17", Statement: [{ Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/100%" }] };
    expect(parsePolicy(`\n  ${JSON.stringify(document)}\n`)).toEqual(document);
    expect(parsePolicy(encodeURIComponent(JSON.stringify(document)))).toEqual(document);
  });

  test("compares statements whatever the order of their keys and of their actions, and names unnamed ones by position", () => {
    // mutation testing: canonical's key sort → insertion order, its string-list sort → none, the `#${i + 1}` names, isPolicyDiffEmpty.
    const written = statePolicy(settings, [KEY_ARN], true);
    const readBack: PolicyDocument = {
      ...written,
      Statement: written.Statement.map((s) => Object.fromEntries(Object.entries({ ...s, Action: Array.isArray(s.Action) ? [...s.Action].reverse() : s.Action }).reverse()) as unknown as typeof s),
    };
    expect(readBack.Statement.some((s, i) => JSON.stringify(s) !== JSON.stringify(written.Statement[i]))).toBe(true);
    expect(isPolicyDiffEmpty(diffPolicies(readBack, written))).toBe(true);
    // A policy edited by hand in IAM may have statements without a Sid (bootstrap's own always have one).
    const unnamed = (resource: string) =>
      ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "a" }, { Effect: "Allow", Action: "s3:GetObject", Resource: resource }] }) as unknown as PolicyDocument;
    expect(diffPolicies(unnamed("a"), unnamed("b"))).toEqual({ added: [], removed: [], changed: ["#2"] });
    expect(diffPolicies(undefined, unnamed("b"))).toEqual({ added: ["#1", "#2"], removed: [], changed: [] });
    const nonEmpty = [
      { added: ["A"], removed: [], changed: [] },
      { added: [], removed: ["A"], changed: [] },
      { added: [], removed: [], changed: ["A"] },
      // mutation testing: the sum's `+` → `-` (one added and one changed, or one added and one removed, summed to 0).
      { added: ["A"], removed: [], changed: ["B"] },
      { added: ["A"], removed: ["B"], changed: [] },
    ];
    for (const diff of nonEmpty) expect([diff, isPolicyDiffEmpty(diff)]).toEqual([diff, false]);
    expect(isPolicyDiffEmpty({ added: [], removed: [], changed: [] })).toBe(true);
  });

  test("describes only the kinds of difference there are", () => {
    // mutation testing: each `diff.x.length` test of describePolicyDiff → true, and the ", " separators → "".
    expect(describePolicyDiff({ added: [], removed: [], changed: ["A", "B"] })).toBe("statements changed A, B");
    expect(describePolicyDiff({ added: ["A", "B"], removed: [], changed: [] })).toBe("statements added A, B");
    expect(describePolicyDiff({ added: [], removed: ["A", "B"], changed: [] })).toBe("statements removed A, B");
  });
});
