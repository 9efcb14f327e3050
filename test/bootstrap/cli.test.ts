import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { EXIT_AWS_FAILURE, EXIT_BAD_INPUT, EXIT_OK, main } from "../../bootstrap/cli";
import { createClients } from "../../bootstrap/clients";
import { fixtureWithRegions } from "./helpers";

const FIXTURE = join(__dirname, "fixtures", "cdktf.json");
const args = (...extra: string[]) => ["--env", "production", "--region", "us-east-1", "--github-repo", "acme/openclaw-infra", "--cdktf-json", FIXTURE, ...extra];

const sts = mockClient(STSClient);
const kms = mockClient(KMSClient);
afterEach(() => {
  sts.reset();
  kms.reset();
});

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, createClients);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

const NO_STACK_TRACE = /^\s+at /m;

describe("bootstrap CLI", () => {
  test("--help prints usage to stdout and exits 0 without calling AWS", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/^Usage: npm run bootstrap -- --env <name> --region <region> --github-repo <owner\/repo>/);
    expect(sts.calls()).toHaveLength(0);
  });

  test("exits 1 on a bad flag, pointing at --help", async () => {
    const { code, stdout, stderr } = await run(args("--sse", "none"));
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toBe('--sse must be kms or aes256 (got "none")\nRun with --help for usage.');
    expect(stdout).toBe("");
  });

  test("exits 1 on an environment cdktf.json does not declare, listing those it does", async () => {
    const { code, stderr } = await run(["--env", "prod", "--region", "us-east-1", "--github-repo", "a/b", "--cdktf-json", FIXTURE]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toMatch(/^--env prod is not in .*cdktf\.json \(environments: production, eu-staging\)/);
  });

  test("exits 1 before any AWS call when the environment has more regions than the deploy role's policies can fit, naming the quota", async () => {
    const regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "eu-central-1", "ap-northeast-1", "ca-central-1", "sa-east-1", "ap-southeast-1", "eu-north-1"];
    const more = [...regions, "us-east-2", "ap-south-1", "eu-west-2", "eu-west-3", "ap-northeast-2", "ap-northeast-3", "us-west-1", "eu-south-1", "me-south-1", "af-south-1"];
    const { code, stdout, stderr } = await run(["--env", "production", "--region", "us-east-1", "--github-repo", "a/b", "--cdktf-json", fixtureWithRegions(more)]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toMatch(
      /^bootstrap cannot fit the deploy role into IAM's quotas: environment production has 20 regions: the deploy role openclaw-production-github-deploy would need \d+ customer managed policies \(network, .*\), and IAM attaches at most 10 to a role \(quota "Managed policies per role", https:\/\/docs\.aws\.amazon\.com\/IAM\/latest\/UserGuide\/reference_iam-quotas\.html\): split the environment's regions across environments \(accounts\)\nNothing was changed\.$/,
    );
    expect(stderr).not.toMatch(NO_STACK_TRACE);
    expect(stdout).toBe("");
    expect(sts.calls()).toHaveLength(0);
  });

  test("exits 1 when --region is not the environment's stateRegion", async () => {
    const { code, stderr } = await run(["--env", "eu-staging", "--region", "us-east-1", "--github-repo", "a/b", "--cdktf-json", FIXTURE]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toMatch(/^--region us-east-1 does not match stateRegion eu-west-1 of environment eu-staging/);
  });

  test("exits 1 with every configuration problem when cdktf.json is invalid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bootstrap-cli-"));
    writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ context: { environments: { production: { accountId: "1" } } } }));
    const { code, stderr } = await run(["--env", "production", "--region", "us-east-1", "--github-repo", "a/b", "--cdktf-json", join(dir, "cdktf.json")]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toMatch(/configuration problems:\n.*production\.accountId: a 12-digit AWS account id/);
    expect(stderr).not.toMatch(NO_STACK_TRACE);
  });

  test("exits 2 without credentials, saying what to do, and nothing was changed", async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    const { code, stderr } = await run(args());
    expect(code).toBe(EXIT_AWS_FAILURE);
    expect(stderr).toBe(
      "bootstrap failed checking credentials: NoCredentials: Could not load credentials from any providers\n" +
        "  next step: no AWS credentials found: set AWS_PROFILE (and run `aws sso login`) or export credentials for the target account\n" +
        "Nothing was changed.",
    );
  });

  test("exits 2 when the credentials belong to another account than the environment's", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: "999999999999", Arn: "arn:aws:iam::999999999999:user/me" });
    const { code, stderr } = await run(args());
    expect(code).toBe(EXIT_AWS_FAILURE);
    expect(stderr).toMatch(/AccountMismatch: the credentials are for account 999999999999, but environment production is account 123456789012/);
    expect(stderr).toMatch(/Nothing was changed\.$/);
    expect(kms.calls()).toHaveLength(0);
  });

  test("exits 2 naming the step and AWS error code when access is denied, with no stack trace", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/me" });
    kms.on(DescribeKeyCommand).rejects(Object.assign(new Error("User is not authorized to perform: kms:DescribeKey"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } }));
    const { code, stdout, stderr } = await run(args("--dry-run"));
    expect(code).toBe(EXIT_AWS_FAILURE);
    expect(stderr).toContain(
      "bootstrap failed at step 1/10 (state key alias/openclaw-production-terraform-state): AccessDeniedException: User is not authorized to perform: kms:DescribeKey\n" +
        "  next step: the credentials may not do this: bootstrap needs an administrator of the target account\n" +
        "Nothing was changed.",
    );
    expect(stderr).not.toMatch(NO_STACK_TRACE);
    expect(stdout).toBe("");
  });
});
