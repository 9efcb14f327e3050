import { UsageError, parseBootstrapArgs } from "../../bootstrap/args";

const required = ["--env", "production", "--region", "us-east-1", "--github-repo", "acme/openclaw-infra"];

describe("parseBootstrapArgs", () => {
  test("the three required flags give a run with documented defaults", () => {
    expect(parseBootstrapArgs(required)).toEqual({
      help: false,
      env: "production",
      region: "us-east-1",
      githubRepo: "acme/openclaw-infra",
      dryRun: false,
      sse: undefined, // taken from the environment's stateEncryption
      noncurrentVersionDays: 90,
      deployTrust: "environment",
      githubEnvironment: "production",
      oidcSubject: "workflow", // roles name the workflow files (job_workflow_ref)
      cdktfJsonPath: "cdktf.json",
    });
  });

  test("every option can be set, with = or a separate value", () => {
    expect(
      parseBootstrapArgs([...required, "--dry-run", "--sse=AES256", "--noncurrent-version-days", "30", "--deploy-trust", "main", "--github-environment=prod", "--cdktf-json", "x.json", "--oidc-subject", "github-default"]),
    ).toMatchObject({ dryRun: true, sse: "aes256", noncurrentVersionDays: 30, deployTrust: "main", githubEnvironment: "prod", cdktfJsonPath: "x.json", oidcSubject: "github-default" });
  });

  test.each([["--help"], ["-h"], ["--env", "x", "--help"]])("%s asks for help, whatever else is given", (...argv) => {
    expect(parseBootstrapArgs(argv)).toEqual({ help: true });
  });

  test("fails listing every missing required flag at once", () => {
    expect(() => parseBootstrapArgs([])).toThrow(new UsageError("--env is required\n--region is required\n--github-repo is required"));
  });

  test.each([
    [["--github-repo", "acme"], '--github-repo must be owner/name, e.g. acme/openclaw-infra (got "acme")'],
    [["--github-repo", "acme/*"], '--github-repo must be owner/name, e.g. acme/openclaw-infra (got "acme/*")'],
    [["--sse", "none"], '--sse must be kms or aes256 (got "none")'],
    [["--noncurrent-version-days", "0"], '--noncurrent-version-days must be a whole number from 1 to 3650 (got "0")'],
    [["--noncurrent-version-days", "7.5"], '--noncurrent-version-days must be a whole number from 1 to 3650 (got "7.5")'],
    [["--deploy-trust", "anyone"], '--deploy-trust must be environment or main (got "anyone")'],
    [["--github-environment", "prod*"], `--github-environment must be letters, digits, '.', '_' or '-' (got "prod*")`],
    [["--oidc-subject", "pull_request"], '--oidc-subject must be workflow or github-default (got "pull_request")'],
  ])("fails when %j: %s", (extra, message) => {
    const argv = [...required.filter((_, i) => !extra.includes(required[i - (i % 2)])), ...extra];
    expect(() => parseBootstrapArgs(argv)).toThrow(new UsageError(message));
  });

  test("fails on an unknown flag, naming it", () => {
    expect(() => parseBootstrapArgs([...required, "--regoin", "x"])).toThrow(/Unknown option '--regoin'/);
  });

  test("fails on a positional argument", () => {
    expect(() => parseBootstrapArgs([...required, "production"])).toThrow(UsageError);
  });
});
