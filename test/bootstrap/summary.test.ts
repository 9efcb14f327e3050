import { failureSummary, successSummary } from "../../bootstrap/summary";
import { KEY_ARN, settingsFor } from "./helpers";

const outputs = {
  dedicatedKeyArn: KEY_ARN,
  planRoleArn: "arn:aws:iam::123456789012:role/openclaw-production-github-plan",
  deployRoleArn: "arn:aws:iam::123456789012:role/openclaw-production-github-deploy",
};

describe("successSummary", () => {
  test("ends with the backend settings and the five repository variables", () => {
    expect(successSummary(settingsFor(), outputs, false)).toBe(
      [
        "Terraform S3 backend for environment production (cdktf.json context and StackSettings must agree):",
        '  bucket         = "acme-tfstate"',
        '  region         = "us-east-1"',
        '  dynamodb_table = "acme-tf-locks"',
        "  use_lockfile   = true",
        "  encrypt        = true",
        `  kms_key_id     = "${KEY_ARN}"`,
        '  key            = "platform/production/<region>.tfstate" or "tenants/<tenant-id>.tfstate"',
        "",
        "GitHub repository variables for acme/openclaw-infra (Settings → Secrets and variables → Actions → Variables):",
        "  OPENCLAW_PLAN_ROLE_ARN_PRODUCTION=arn:aws:iam::123456789012:role/openclaw-production-github-plan",
        "  OPENCLAW_DEPLOY_ROLE_ARN_PRODUCTION=arn:aws:iam::123456789012:role/openclaw-production-github-deploy",
        "  OPENCLAW_IMAGE_PUSH_ROLE_ARN_PRODUCTION=(not created)",
        "  OPENCLAW_IMAGE_VERIFY_ROLE_ARN_PRODUCTION=(not created)",
        "  OPENCLAW_OFFBOARDING_EVIDENCE_ROLE_ARN_PRODUCTION=(not created)",
        "",
        "GitHub OIDC subject template the roles' trust expects (bootstrap sets it when GITHUB_TOKEN is given):",
        `  gh api --method PUT /repos/acme/openclaw-infra/actions/oidc/customization/sub --input - <<< '{"use_default":false,"include_claim_keys":["repo","context","job_workflow_ref"]}'`,
      ].join("\n"),
    );
  });

  test("has no kms_key_id with S3 managed encryption", () => {
    expect(successSummary(settingsFor({ sse: "aes256" }), { ...outputs, dedicatedKeyArn: undefined }, false)).not.toContain("kms_key_id");
  });

  test("a dry run says nothing was changed", () => {
    expect(successSummary(settingsFor(), outputs, true)).toMatch(/^Dry run: nothing was changed\./);
  });
});

describe("failureSummary", () => {
  test("names step, code and next step, then lists what had changed", () => {
    const text = failureSummary(
      {
        ok: false,
        outputs: {},
        changes: ["state bucket b: create in us-east-1"],
        failure: { step: 3, title: "lock table t", code: "AccessDeniedException", message: "AccessDeniedException: no", hint: "get admin" },
      },
      6,
    );
    expect(text).toBe(
      "bootstrap failed at step 3/6 (lock table t): AccessDeniedException: no\n  next step: get admin\nChanged before the failure (kept; run again to continue):\n  - state bucket b: create in us-east-1",
    );
  });

  test("a conflict's code is shown before its message", () => {
    const text = failureSummary({ ok: false, outputs: {}, changes: [], failure: { step: 2, title: "state bucket b", code: "BucketRegionMismatch", message: "bucket b is in eu-west-1" } }, 6);
    expect(text).toBe("bootstrap failed at step 2/6 (state bucket b): BucketRegionMismatch: bucket b is in eu-west-1\nNothing was changed.");
  });
});
