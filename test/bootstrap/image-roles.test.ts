/**
 * The image path's roles (bootstrap/image-roles.ts) and the deploy role's distance from them,
 * evaluated with audit/iam.ts's IAM evaluator over the policies bootstrap writes for the
 * repository's production environment (account 111111111111, us-east-1 and us-west-2).
 * ECR actions are authorized on repository ARNs, KMS Sign carries kms:SigningAlgorithm and
 * kms:MessageType (Service Authorization Reference: Amazon ECR, AWS KMS).
 */
import { evaluate, IamRequest, Statement } from "../../audit/iam";
import { imagePushRoleDesired, imageVerifyRoleDesired } from "../../bootstrap/image-roles";
import { statementsOf } from "../../bootstrap/policies";
import { GithubRoleDesired } from "../../bootstrap/resources/github-role";
import { synthesize } from "../support/synth";
import { roleStatements, settingsForEnvironment } from "./pipeline-roles-support";

const settings = settingsForEnvironment(synthesize(), "production");
const ACCOUNT = "111111111111";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/aaaaaaaa-0000-0000-0000-000000000000`;
const repo = (region: string, name = "openclaw/agent") => `arn:aws:ecr:${region}:${ACCOUNT}:repository/${name}`;
const statements = (role: GithubRoleDesired) => statementsOf(Object.values(role.inlinePolicies)) as Statement[];
const push = statements(imagePushRoleDesired(settings, KEY));
const verify = statements(imageVerifyRoleDesired(settings, KEY));
const { deploy } = roleStatements(settings);
const decide = (role: Statement[], request: IamRequest) => evaluate(role, request).decision;
const PUSH_ACTIONS = ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchCheckLayerAvailability"];
const SIGN = { action: "kms:Sign", resource: KEY, context: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW" } };

describe("the push role", () => {
  test.each(PUSH_ACTIONS)("may %s to the agent repository of each region", (action) => {
    expect(settings.regions.length).toBe(2);
    for (const region of settings.regions) expect(decide(push, { action, resource: repo(region) })).toBe("allow");
  });

  test("may push nowhere else, and never delete an image or loosen the repository", () => {
    expect(decide(push, { action: "ecr:PutImage", resource: repo("us-east-1", "other") })).not.toBe("allow");
    expect(decide(push, { action: "ecr:PutImage", resource: repo("eu-west-1") })).not.toBe("allow");
    for (const action of ["ecr:BatchDeleteImage", "ecr:PutImageTagMutability", "ecr:SetRepositoryPolicy", "ecr:DeleteRepository"]) {
      expect(decide(push, { action, resource: repo("us-east-1") })).toBe("deny");
    }
  });

  test("signs only with the signing key, ECDSA_SHA_256 over RAW messages", () => {
    expect(decide(push, SIGN)).toBe("allow");
    expect(decide(push, { ...SIGN, context: { "kms:SigningAlgorithm": "RSASSA_PSS_SHA_256", "kms:MessageType": "RAW" } })).not.toBe("allow");
    expect(decide(push, { ...SIGN, context: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "DIGEST" } })).not.toBe("allow");
    expect(decide(push, { ...SIGN, resource: KEY.replace("aaaaaaaa", "bbbbbbbb") })).not.toBe("allow");
  });

  test("is trusted by image.yml on main only", () => {
    const trust = JSON.stringify(imagePushRoleDesired(settings, KEY).trustPolicy);
    expect(trust).toContain(".github/workflows/image.yml@refs/heads/main");
    expect(trust).not.toMatch(/deploy\.yml|plan\.yml|environment:|pull_request/);
  });
});

describe("the verify role (the deploy's image gate)", () => {
  test("reads image metadata, scan findings and signature manifests, and the public key", () => {
    for (const action of ["ecr:DescribeImages", "ecr:DescribeImageScanFindings", "ecr:BatchGetImage"]) {
      for (const region of settings.regions) expect(decide(verify, { action, resource: repo(region) })).toBe("allow");
    }
    expect(decide(verify, { action: "kms:GetPublicKey", resource: KEY })).toBe("allow");
  });

  test("cannot download a layer, push or sign", () => {
    expect(decide(verify, { action: "ecr:GetDownloadUrlForLayer", resource: repo("us-east-1") })).toBe("deny");
    for (const action of PUSH_ACTIONS) expect(decide(verify, { action, resource: repo("us-east-1") })).not.toBe("allow");
    expect(decide(verify, SIGN)).not.toBe("allow");
  });

  test("is trusted by deploy.yml on main, without an environment (no approval for a read-only check)", () => {
    const trust = JSON.stringify(imageVerifyRoleDesired(settings, KEY).trustPolicy);
    expect(trust).toContain("ref:refs/heads/main:job_workflow_ref:acme/openclaw-infra/.github/workflows/deploy.yml@refs/heads/main");
    expect(trust).not.toMatch(/image\.yml|environment:/);
  });
});

describe("the deploy role cannot push or sign images", () => {
  test.each(PUSH_ACTIONS)("%s on the agent repositories is refused", (action) => {
    for (const region of settings.regions) expect(decide(deploy, { action, resource: repo(region) })).not.toBe("allow");
  });

  test("kms:Sign with the signing key is refused, and the key's policy cannot be changed", () => {
    expect(decide(deploy, SIGN)).not.toBe("allow");
    // The signing key is tagged ManagedBy=openclaw-bootstrap, not the stacks' openclaw-infra.
    const bootstrapKey = { "aws:ResourceTag/ManagedBy": "openclaw-bootstrap" };
    expect(decide(deploy, { action: "kms:PutKeyPolicy", resource: KEY, context: bootstrapKey })).not.toBe("allow");
    expect(decide(deploy, { action: "kms:TagResource", resource: KEY, context: bootstrapKey })).not.toBe("allow");
  });

  test("cannot make the push role trust it (retrusting it would be pushing)", () => {
    for (const role of [settings.imagePushRoleName, settings.imageVerifyRoleName]) {
      for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole", "iam:TagRole"]) {
        expect({ role, action, decision: decide(deploy, { action, resource: `arn:aws:iam::${ACCOUNT}:role/${role}` }) }).toEqual({ role, action, decision: "deny" });
      }
    }
  });
});
