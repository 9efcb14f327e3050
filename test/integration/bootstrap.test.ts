import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CreateKeyCommand, DescribeKeyCommand, GetKeyRotationStatusCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  ListBucketsCommand,
} from "@aws-sdk/client-s3";
import { AttachRolePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand, GetPolicyCommand, GetPolicyVersionCommand, ListPoliciesCommand, DetachRolePolicyCommand } from "@aws-sdk/client-iam";
import { deployRoleDesired } from "../../bootstrap/resources/pipeline-roles";
import { DEPLOY_MANAGED_POLICY_PARTS } from "../../bootstrap/policies";
import { DEPLOY_WORKFLOWS, OFFBOARDING_EVIDENCE_WORKFLOWS } from "../../bootstrap/settings";
import { fixtureWithRegions, settingsFor } from "../bootstrap/helpers";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { main } from "../../bootstrap/cli";
import { Clients, accountState, bucketState, inspectionClients, roleState, tableState } from "./aws-state";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";

/**
 * Runs bootstrap for real against a moto server: the same code path as production, the SDK
 * pointed at the emulator through AWS_ENDPOINT_URL. The fixture cdktf.json declares
 * environment "production" in account 123456789012 with its state in us-east-1.
 */

const REPO_ROOT = join(__dirname, "..", "..");
const FIXTURE = join(REPO_ROOT, "test", "bootstrap", "fixtures", "cdktf.json");
const ACCOUNT = "123456789012";
const BUCKET = "fixture-openclaw-tfstate-production";
const TABLE = "fixture-openclaw-tf-locks";
const PLAN_ROLE = "openclaw-production-github-plan";
const DEPLOY_ROLE = "openclaw-production-github-deploy";
const EVIDENCE_ROLE = "openclaw-production-github-offboarding-evidence";
const NAMES = { bucket: BUCKET, table: TABLE, roles: [PLAN_ROLE, DEPLOY_ROLE] };
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
/** The deploy role's allow lists, customer managed policies (too large for inline policies). */
const DEPLOY_POLICIES = DEPLOY_MANAGED_POLICY_PARTS.map((part) => `${DEPLOY_ROLE}-${part}`);
const policyArn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;

const ARGS = ["--env", "production", "--region", "us-east-1", "--github-repo", "acme/openclaw-infra", "--cdktf-json", FIXTURE];

let moto: MotoServer;
let aws: Clients;
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
  aws = inspectionClients("us-east-1");
});

afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

beforeEach(() => moto.reset());

const MAIN = "repo:acme/openclaw-infra:ref:refs/heads/main";
const PRODUCTION = "repo:acme/openclaw-infra:environment:production";
const WORKFLOW = (file: string) => `job_workflow_ref:acme/openclaw-infra/.github/workflows/${file}@refs/heads/main`;
/** The deploy role's subjects: every workflow that applies (deploy.yml, its reusable ring, the audited unlock; #25). */
const DEPLOY_SUBJECTS = (context: string) => DEPLOY_WORKFLOWS.map((file) => `${context}:${WORKFLOW(file)}`);
/** The offboarding evidence role's: its scheduled workflow only, in the deploy role's context (issue 29). */
const EVIDENCE_SUBJECTS = (context: string) => OFFBOARDING_EVIDENCE_WORKFLOWS.map((file) => `${context}:${WORKFLOW(file)}`);

/** Runs the CLI in this process, as `npm run bootstrap -- <argv>` would. */
async function bootstrap(...extra: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // No GitHub token: the GitHub settings are listed for a person to verify, never called.
  const code = await main([...ARGS, ...extra], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, undefined, () => undefined);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** The `[n/10] <title>: <status>` lines. */
const statusLines = (stderr: string) => stderr.split("\n").filter((l) => /^\[\d+\/\d+\] /.test(l));

describe("bootstrap against moto", () => {
  test("creates the key, bucket, lock table, provider and both roles in a fresh account", async () => {
    const { code, stdout, stderr } = await bootstrap();
    expect(code).toBe(0);
    expect(statusLines(stderr)).toEqual([
      "[1/10] state key alias/openclaw-production-terraform-state: created",
      `[2/10] state bucket ${BUCKET}: created`,
      `[3/10] lock table ${TABLE}: created`,
      "[4/10] GitHub OIDC provider token.actions.githubusercontent.com: created",
      `[5/10] plan role ${PLAN_ROLE}: created`,
      `[6/10] deploy role ${DEPLOY_ROLE}: created`,
      "[7/10] image signing key alias/openclaw-production-image-signing: created",
      "[8/10] image push role openclaw-production-github-image-push: created",
      "[9/10] image verify role openclaw-production-github-image-verify: created",
      `[10/10] offboarding evidence role ${EVIDENCE_ROLE}: created`,
    ]);
    // Without a token the GitHub settings the trust relies on are listed, not silently skipped.
    expect(stderr).toContain("[github] OIDC subject template: not checked");
    expect(stdout).toContain("gh api --method PUT /repos/acme/openclaw-infra/actions/oidc/customization/sub");

    // The image path: an ECC signing key, and push/verify roles granted exactly that key.
    const signingKey = (await aws.kms.send(new DescribeKeyCommand({ KeyId: "alias/openclaw-production-image-signing" }))).KeyMetadata!;
    expect({ spec: signingKey.KeySpec, usage: signingKey.KeyUsage, state: signingKey.KeyState }).toEqual({ spec: "ECC_NIST_P256", usage: "SIGN_VERIFY", state: "Enabled" });
    const statementOf = async (role: string, policy: string, sid: string) => {
      const state = await roleState(aws, role);
      if (state === "absent") throw new Error(`${role} was not created`);
      return (state.inline[policy] as { Statement: { Sid: string; Resource: unknown }[] }).Statement.find((st) => st.Sid === sid);
    };
    expect((await statementOf("openclaw-production-github-image-push", "openclaw-image-push", "SignAgentImages"))?.Resource).toBe(signingKey.Arn);
    expect((await statementOf("openclaw-production-github-image-verify", "openclaw-image-verify", "ReadSigningPublicKey"))?.Resource).toBe(signingKey.Arn);

    const state = await accountState(aws, NAMES);
    const key = (await aws.kms.send(new DescribeKeyCommand({ KeyId: "alias/openclaw-production-terraform-state" }))).KeyMetadata!;
    const keyArn = key.Arn!;
    expect(key.KeyState).toBe("Enabled");
    expect((await aws.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled).toBe(true);
    expect(state.bucket).toEqual({
      versioning: { Status: "Enabled" },
      encryption: {
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }],
        },
      },
      publicAccessBlock: { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } },
      policy: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      },
      lifecycle: [
        expect.objectContaining({ ID: "openclaw-expire-noncurrent-state", Status: "Enabled", NoncurrentVersionExpiration: expect.objectContaining({ NoncurrentDays: 90 }) }),
      ],
      ownership: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
    });
    expect(state.table).toEqual({
      keySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
      attributes: [{ AttributeName: "LockID", AttributeType: "S" }],
      billingMode: "PAY_PER_REQUEST",
      sseType: "KMS",
      deletionProtection: true,
      pointInTimeRecovery: "ENABLED",
    });
    expect(state.oidcProviders).toEqual([expect.objectContaining({ arn: PROVIDER_ARN, ClientIDList: ["sts.amazonaws.com"] })]);

    expect(stdout).toContain(`kms_key_id     = "${keyArn}"`);
    expect(stdout).toContain(`OPENCLAW_PLAN_ROLE_ARN_PRODUCTION=arn:aws:iam::${ACCOUNT}:role/${PLAN_ROLE}`);
    expect(stdout).toContain(`OPENCLAW_DEPLOY_ROLE_ARN_PRODUCTION=arn:aws:iam::${ACCOUNT}:role/${DEPLOY_ROLE}`);
    expect(stdout).toContain(`OPENCLAW_OFFBOARDING_EVIDENCE_ROLE_ARN_PRODUCTION=arn:aws:iam::${ACCOUNT}:role/${EVIDENCE_ROLE}`);
  });

  test("the bucket policy refuses object access over plain HTTP (moto enforces it on its http endpoint)", async () => {
    await bootstrap();
    await expect(aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "platform/production/us-east-1.tfstate", Body: "{}" }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  test("the roles trust exactly plan.yml and drift.yml on main (plan) and deploy.yml in the production environment (deploy), never pull_request", async () => {
    await bootstrap();
    const trust = (subjects: string | string[]) => ({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitHubActionsOidc",
          Effect: "Allow",
          Principal: { Federated: PROVIDER_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": subjects } },
        },
      ],
    });
    const plan = await roleState(aws, PLAN_ROLE);
    const deploy = await roleState(aws, DEPLOY_ROLE);
    expect(plan).toMatchObject({
      trust: trust([`${MAIN}:${WORKFLOW("plan.yml")}`, `${MAIN}:${WORKFLOW("drift.yml")}`]),
      attached: [],
    });
    expect(Object.keys(plan === "absent" ? {} : plan.inline).sort()).toEqual(["openclaw-plan-guardrails", "openclaw-plan-read", "openclaw-terraform-state"]);
    expect(deploy).toMatchObject({ trust: trust(DEPLOY_SUBJECTS(PRODUCTION)) });
    expect(deploy === "absent" ? [] : [...deploy.attached].sort()).toEqual(DEPLOY_POLICIES.map(policyArn).sort());
    expect(JSON.stringify([plan, deploy])).not.toContain("pull_request");
    expect(Object.keys(deploy === "absent" ? {} : deploy.inline).sort()).toEqual(["openclaw-deploy", "openclaw-terraform-state"]);
    // The daily evidence run has its own narrow role, trusted in the deploy role's context, and
    // the deploy role does not trust its workflow (issue 29).
    const evidence = await roleState(aws, EVIDENCE_ROLE);
    expect(evidence).toMatchObject({ trust: trust(EVIDENCE_SUBJECTS(PRODUCTION)[0]), attached: [] });
    expect(Object.keys(evidence === "absent" ? {} : evidence.inline)).toEqual(["openclaw-offboarding-evidence"]);
    expect(JSON.stringify(deploy)).not.toContain("offboarding-evidence.yml");
    expect(JSON.stringify(evidence)).not.toMatch(/pull_request|deploy\.yml/);
    const stateKey = (await aws.kms.send(new DescribeKeyCommand({ KeyId: "alias/openclaw-production-terraform-state" }))).KeyMetadata!.Arn;
    const statements = (evidence === "absent" ? { Statement: [] } : evidence.inline["openclaw-offboarding-evidence"]) as { Statement: { Sid: string; Resource: unknown }[] };
    expect(statements.Statement.find((st) => st.Sid === "StateKeyThroughS3")?.Resource).toEqual([stateKey]);
    expect(statements.Statement.find((st) => st.Sid === "OffboardingRecordsReadWrite")?.Resource).toBe(`arn:aws:s3:::${BUCKET}/offboarding/*/*`);
  });

  test("--deploy-trust main makes the deploy role trust the main branch instead", async () => {
    await bootstrap("--deploy-trust", "main");
    expect(await roleState(aws, DEPLOY_ROLE)).toMatchObject({
      trust: { Statement: [{ Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": DEPLOY_SUBJECTS(MAIN) } } }] },
    });
    expect(await roleState(aws, EVIDENCE_ROLE)).toMatchObject({
      trust: { Statement: [{ Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": EVIDENCE_SUBJECTS(MAIN)[0] } } }] },
    });
  });

  test("with a GitHub token: sets the OIDC subject template, and a missing GitHub setting the trust relies on fails the run (exit 2) after the AWS part", async () => {
    const calls: string[] = [];
    const github = async (method: string, path: string) => {
      calls.push(`${method} ${path}`);
      if (path.endsWith("/actions/oidc/customization/sub")) return method === "GET" ? { status: 200, body: { use_default: true } } : { status: 201, body: undefined };
      return { status: 404, body: { message: "Not Found" } };
    };
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(ARGS, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, undefined, () => github);
    expect(code).toBe(2);
    expect(calls).toContain("PUT /repos/acme/openclaw-infra/actions/oidc/customization/sub");
    const stderr = err.join("\n");
    expect(stderr).toContain("[github] OIDC subject template: set");
    expect(stderr).toContain("[github] environment production: problem");
    expect(stderr).toContain("[github] branch protection of main: problem");
    expect(stderr).toMatch(/bootstrap failed: 2 GitHub setting\(s\) the role trust relies on are not in place \(environment production, branch protection of main; see above\)\. The AWS part is done\./);
    expect(await roleState(aws, PLAN_ROLE)).not.toBe("absent");
  });

  test("a second run changes nothing and says so for every item", async () => {
    await bootstrap();
    const before = await accountState(aws, NAMES);
    const { code, stderr } = await bootstrap();
    expect(code).toBe(0);
    expect(statusLines(stderr).map((l) => l.replace(/^\[\d+\/10\] .*?: /, ""))).toEqual(Array(10).fill("already in place"));
    expect(await accountState(aws, NAMES)).toEqual(before);
  });

  test("a dry run in a fresh account lists what it would create and creates nothing", async () => {
    const before = await accountState(aws, NAMES);
    const { code, stdout, stderr } = await bootstrap("--dry-run");
    expect(code).toBe(0);
    expect(statusLines(stderr).every((l) => l.endsWith(": would create"))).toBe(true);
    expect(stderr).toContain("      - versioning: Disabled → Enabled");
    expect(stdout).toMatch(/^Dry run: nothing was changed\./);
    expect(await accountState(aws, NAMES)).toEqual(before);
  });

  describe("a pre-existing weak bucket", () => {
    const otherStatement = { Sid: "AllowAccountAudit", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "s3:GetBucketPolicy", Resource: `arn:aws:s3:::${BUCKET}` };
    const otherRule = { ID: "archive-logs", Status: "Enabled" as const, Filter: { Prefix: "logs/" }, Expiration: { Days: 400 } };

    beforeEach(async () => {
      // No versioning, no default encryption (moto's default), someone else's policy and lifecycle rule.
      await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await aws.s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: "2012-10-17", Statement: [otherStatement] }) }));
      await aws.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: [otherRule] } }));
    });

    test("a dry run prints exactly the fixes and changes nothing", async () => {
      const before = await bucketState(aws, BUCKET);
      const { code, stderr } = await bootstrap("--dry-run");
      expect(code).toBe(0);
      const bucketLines = stderr.split("\n").slice(stderr.split("\n").findIndex((l) => l.startsWith("[2/10]")));
      expect(bucketLines[0]).toMatch(/^\[2\/10\] state bucket fixture-openclaw-tfstate-production: would update \(\d changes\)$/);
      expect(bucketLines).toEqual(
        expect.arrayContaining([
          "      - default encryption: none → SSE-KMS with arn:aws:kms:us-east-1:123456789012:key/<created-by-this-run>",
          "      - versioning: Disabled → Enabled",
          "      - lifecycle rule openclaw-expire-noncurrent-state: added (noncurrent versions expire after 90 days; 1 other rule(s) kept)",
          "      - bucket policy: add DenyInsecureTransport (1 other statement(s) kept)",
        ]),
      );
      expect(await bucketState(aws, BUCKET)).toEqual(before);
    });

    test("is fixed, says so, and keeps what others configured", async () => {
      const { code, stderr } = await bootstrap();
      expect(code).toBe(0);
      expect(stderr).toContain(`[2/10] state bucket ${BUCKET}: updated`);
      expect(stderr).toContain("      - versioning: Disabled → Enabled");
      const bucket = await bucketState(aws, BUCKET);
      expect(bucket.versioning).toEqual({ Status: "Enabled" });
      expect(bucket.encryption).toMatchObject({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }] } });
      expect(bucket.policy).toEqual({ Version: "2012-10-17", Statement: [otherStatement, expect.objectContaining({ Sid: "DenyInsecureTransport" })] });
      expect(bucket.lifecycle).toEqual([expect.objectContaining({ ID: "archive-logs" }), expect.objectContaining({ ID: "openclaw-expire-noncurrent-state" })]);
    });
  });

  test("an existing bucket encrypted with another KMS key keeps it, and the roles may use it", async () => {
    const otherKey = (await aws.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await aws.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Enabled" } }));
    await aws.s3.send(
      new PutBucketEncryptionCommand({ Bucket: BUCKET, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: otherKey } }] } }),
    );
    const { code, stderr } = await bootstrap();
    expect(code).toBe(0);
    expect(stderr).toContain(`      note: default encryption: kept SSE-KMS with existing key ${otherKey}; the roles may use it`);
    expect((await bucketState(aws, BUCKET)).encryption).toMatchObject({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { KMSMasterKeyID: otherKey } }] } });
    expect(await roleState(aws, PLAN_ROLE)).toMatchObject({
      inline: { "openclaw-terraform-state": { Statement: expect.arrayContaining([expect.objectContaining({ Sid: "StateEncryptionKey", Resource: expect.arrayContaining([otherKey]) })]) } },
    });
  });

  test("--sse that contradicts the environment's stateEncryption is refused before anything changes, exit 1", async () => {
    const { code, stderr } = await bootstrap("--sse", "aes256");
    expect(code).toBe(1);
    expect(stderr).toContain('--sse aes256 disagrees with stateEncryption "kms" of environment production');
    expect((await aws.s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  });

  test("a role someone widened is narrowed back to exactly the specified trust", async () => {
    const wide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" } } }] };
    await aws.iam.send(new CreateRoleCommand({ RoleName: DEPLOY_ROLE, AssumeRolePolicyDocument: JSON.stringify(wide) }));
    const { code, stderr } = await bootstrap();
    expect(code).toBe(0);
    expect(stderr).toContain(`[6/10] deploy role ${DEPLOY_ROLE}: updated`);
    expect(stderr).toContain(`      - trust policy: replaced (sub repo:acme/* → ${DEPLOY_SUBJECTS(PRODUCTION).join(", ")})`);
    expect(await roleState(aws, DEPLOY_ROLE)).toMatchObject({
      trust: { Statement: [{ Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": DEPLOY_SUBJECTS(PRODUCTION) } } }] },
    });
  });

  test("the deploy role's managed policies hold the documents bootstrap computes, and a changed one gets a new default version", async () => {
    await bootstrap();
    const desired = deployRoleDesired(settingsFor({}), []).ownedPolicies ?? [];
    const network = policyArn(`${DEPLOY_ROLE}-network`);
    const stale = { Version: "2012-10-17", Statement: [{ Sid: "Stale", Effect: "Allow", Action: "ec2:*", Resource: "*" }] };
    await aws.iam.send(new CreatePolicyVersionCommand({ PolicyArn: network, PolicyDocument: JSON.stringify(stale), SetAsDefault: true }));
    const { code, stderr } = await bootstrap();
    expect(code).toBe(0);
    // Every statement of the network part comes back (ManageNetwork, and what shares the part: dashboards since #29).
    const networkSids = (desired.find((p) => p.name === `${DEPLOY_ROLE}-network`)!.document.Statement as readonly { Sid?: string }[]).map((st) => String(st.Sid));
    expect(networkSids).toContain("ManageNetwork");
    expect(stderr).toContain(`      - managed policy ${DEPLOY_ROLE}-network: statements added ${networkSids.join(", ")}; removed Stale`);
    for (const name of DEPLOY_POLICIES) {
      const policy = (await aws.iam.send(new GetPolicyCommand({ PolicyArn: policyArn(name) }))).Policy!;
      const version = (await aws.iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn(name), VersionId: policy.DefaultVersionId }))).PolicyVersion!;
      const document = JSON.parse(decodeURIComponent(version.Document!));
      expect(document.Statement.map((st: { Sid: string }) => st.Sid)).toEqual(desired.find((p) => p.name === name)!.document.Statement.map((st) => st.Sid));
    }
  });

  describe("an environment that grows to five regions and shrinks back to two", () => {
    // us-east-1 and eu-west-1 are the fixture's own two regions.
    const FIVE = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1"];
    const withFixture = (path: string) => ARGS.map((a) => (a === FIXTURE ? path : a));
    const run = async (path: string, ...extra: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main([...withFixture(path), ...extra], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, undefined, () => undefined);
      return { code, stdout: out.join("\n"), stderr: err.join("\n") };
    };
    /** Names and statement Sids of the account's customer managed policies of the deploy role, by default version. */
    const deployParts = async () => {
      const policies = ((await aws.iam.send(new ListPoliciesCommand({ Scope: "Local" }))).Policies ?? []).filter((p) => p.PolicyName!.startsWith(`${DEPLOY_ROLE}-`));
      const parts: Record<string, string[]> = {};
      for (const p of policies) {
        const version = (await aws.iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: p.DefaultVersionId }))).PolicyVersion!;
        parts[p.PolicyName!] = JSON.parse(decodeURIComponent(version.Document!)).Statement.map((st: { Sid: string }) => st.Sid);
      }
      return parts;
    };
    /** What bootstrap computes for these regions: part names and their Sids. */
    const expected = (regions: string[]) =>
      Object.fromEntries((deployRoleDesired({ ...settingsFor({}), regions }, []).ownedPolicies ?? []).map((p) => [p.name, p.document.Statement.map((st) => st.Sid)]));

    test("five regions create and attach the overflow part; back to two, it is detached and deleted and the rest hold every statement", async () => {
      const fivePath = fixtureWithRegions(FIVE);
      const wide = expected(FIVE);
      expect(Object.keys(wide)).toContain(`${DEPLOY_ROLE}-identity-2`);

      const first = await run(fivePath);
      expect(first.code).toBe(0);
      expect(first.stderr).toContain(`      - managed policy ${DEPLOY_ROLE}-identity-2: create (${wide[`${DEPLOY_ROLE}-identity-2`].join(", ")})`);
      expect(await deployParts()).toEqual(wide);
      expect(((await roleState(aws, DEPLOY_ROLE)) as { attached: string[] }).attached.sort()).toEqual(Object.keys(wide).map(policyArn).sort());

      // A dry run with the fixture's two regions names what would go, and changes nothing.
      const before = await accountState(aws, NAMES);
      const partsBefore = await deployParts();
      const dry = await run(FIXTURE, "--dry-run");
      expect(dry.code).toBe(0);
      expect(dry.stderr).toContain(`[6/10] deploy role ${DEPLOY_ROLE}: would update`);
      expect(dry.stderr).toContain(`      - detach managed policy ${DEPLOY_ROLE}-identity-2 (bootstrap's, no longer needed: its statements are in the other parts)`);
      expect(dry.stderr).toContain(`      - delete managed policy ${DEPLOY_ROLE}-identity-2 (bootstrap's, no longer needed)`);
      // The statements of identity-2 come back to identity.
      expect(dry.stderr).toContain(`      - managed policy ${DEPLOY_ROLE}-identity: statements added ${wide[`${DEPLOY_ROLE}-identity-2`].join(", ")}; changed `);
      expect(await accountState(aws, NAMES)).toEqual(before);
      expect(await deployParts()).toEqual(partsBefore);

      const second = await run(FIXTURE);
      expect(second.code).toBe(0);
      const narrow = expected(["us-east-1", "eu-west-1"]);
      expect(Object.keys(narrow)).toEqual(DEPLOY_POLICIES);
      expect(await deployParts()).toEqual(narrow);
      expect(((await roleState(aws, DEPLOY_ROLE)) as { attached: string[] }).attached.sort()).toEqual(DEPLOY_POLICIES.map(policyArn).sort());
      await expect(aws.iam.send(new GetPolicyCommand({ PolicyArn: policyArn(`${DEPLOY_ROLE}-identity-2`) }))).rejects.toMatchObject({ name: expect.stringMatching(/^NoSuchEntity/) });

      const third = await run(FIXTURE);
      expect(third.code).toBe(0);
      expect(third.stderr).toContain(`[6/10] deploy role ${DEPLOY_ROLE}: already in place`);
    });

    test("a stray part a stopped run left unattached is deleted too", async () => {
      await run(fixtureWithRegions(FIVE));
      const stray = policyArn(`${DEPLOY_ROLE}-identity-2`);
      await aws.iam.send(new DetachRolePolicyCommand({ RoleName: DEPLOY_ROLE, PolicyArn: stray }));
      const { code, stderr } = await run(FIXTURE);
      expect(code).toBe(0);
      expect(stderr).not.toContain(`detach managed policy ${DEPLOY_ROLE}-identity-2`);
      expect(stderr).toContain(`      - delete managed policy ${DEPLOY_ROLE}-identity-2 (bootstrap's, no longer needed)`);
      await expect(aws.iam.send(new GetPolicyCommand({ PolicyArn: stray }))).rejects.toMatchObject({ name: expect.stringMatching(/^NoSuchEntity/) });
    });
  });

  test("a plan role that still has ReadOnlyAccess from an earlier bootstrap loses it", async () => {
    await bootstrap();
    await aws.iam.send(new AttachRolePolicyCommand({ RoleName: PLAN_ROLE, PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }));
    const { code, stderr } = await bootstrap();
    expect(code).toBe(0);
    expect(stderr).toContain("      - detach arn:aws:iam::aws:policy/ReadOnlyAccess (no longer part of this role)");
    expect(await roleState(aws, PLAN_ROLE)).toMatchObject({ attached: [] });
  });

  test("a state bucket in another region stops the run before anything is created, exit 2", async () => {
    const west = inspectionClients("eu-west-1");
    await west.s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    const before = await accountState(aws, NAMES);
    const { code, stdout, stderr } = await bootstrap();
    expect(code).toBe(2);
    expect(stderr).toContain(
      `bootstrap failed at step 2/10 (state bucket ${BUCKET}): BucketRegionMismatch: bucket ${BUCKET} is in eu-west-1, not us-east-1: set the environment's stateRegion to eu-west-1 in cdktf.json and run with --region eu-west-1, or choose another stateBucket\nNothing was changed.`,
    );
    expect(stdout).toBe("");
    expect(await accountState(aws, NAMES)).toEqual(before);
  });

  test("an existing lock table Terraform cannot use is reported, not replaced", async () => {
    await aws.dynamodb.send(
      new CreateTableCommand({ TableName: TABLE, AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }),
    );
    const { code, stderr } = await bootstrap();
    expect(code).toBe(2);
    expect(stderr).toContain(`(lock table ${TABLE}): LockTableIncompatible: table ${TABLE} has key id:S:HASH, Terraform needs only LockID:S:HASH`);
    expect(await tableState(aws, TABLE)).toMatchObject({ keySchema: [{ AttributeName: "id", KeyType: "HASH" }] });
  });
});

describe("npm run bootstrap (a real process)", () => {
  const run = (...argv: string[]) =>
    spawnSync("npm", ["run", "--silent", "bootstrap", "--", ...argv], {
      cwd: REPO_ROOT,
      // A CI runner's token must not send these runs to the real GitHub API.
      env: { ...process.env, GITHUB_TOKEN: "", GH_TOKEN: "" },
      encoding: "utf8",
      timeout: 60_000,
    });

  test("--help exits 0 with the usage", () => {
    const result = run("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run bootstrap/);
  });

  test("an unknown environment exits 1 with one line of explanation and no stack trace", () => {
    const result = run("--env", "nope", "--region", "us-east-1", "--github-repo", "acme/openclaw-infra", "--cdktf-json", FIXTURE);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^--env nope is not in .* \(environments: production, eu-staging\)\nRun with --help for usage\.\n$/);
  });

  test("a dry run against the emulator exits 0 and prints the settings to stdout", () => {
    const result = run(...ARGS, "--dry-run");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("OPENCLAW_PLAN_ROLE_ARN_PRODUCTION=arn:aws:iam::123456789012:role/openclaw-production-github-plan");
    expect(result.stderr).toContain("[6/10] deploy role openclaw-production-github-deploy: would create");
  });

  test("unreachable AWS exits 2 naming the error code, with no stack trace", () => {
    const result = spawnSync("npm", ["run", "--silent", "bootstrap", "--", ...ARGS], {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/bootstrap failed checking credentials: ECONNREFUSED/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
