/**
 * `npm run bootstrap -- --offline` (#27): a preview from cdktf.json alone. No client mocks here:
 * the SDK's own send path runs, with no AWS variables in the environment and every outgoing
 * HTTP(S) request refused, so a preview that reached for the network would fail.
 */
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { EXIT_BAD_INPUT, EXIT_OK, main } from "../../bootstrap/cli";

const FIXTURE = join(__dirname, "fixtures", "cdktf.json");
const args = (...extra: string[]) => ["--env", "production", "--region", "us-east-1", "--github-repo", "acme/openclaw-infra", "--cdktf-json", FIXTURE, ...extra];
const NO_STACK_TRACE = /^\s+at /m;

let requests: jest.SpyInstance[] = [];
beforeEach(() => {
  const refuse = () => {
    throw new Error("offline: no network request may be made");
  };
  requests = [jest.spyOn(http, "request").mockImplementation(refuse), jest.spyOn(https, "request").mockImplementation(refuse)];
});
afterEach(() => jest.restoreAllMocks());

describe("bootstrap", () => {
  describe("--offline (#27)", () => {
    const AWS_VARIABLES = ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"];
    const saved: Record<string, string | undefined> = {};
    beforeEach(() => {
      for (const k of AWS_VARIABLES) {
        saved[k] = process.env[k];
        delete process.env[k];
      }
    });
    afterEach(() => {
      for (const k of AWS_VARIABLES) if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    });

    async function offline(argv: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const noAws = () => {
        throw new Error("offline: no AWS client may be created");
      };
      const noGithub = () => {
        throw new Error("offline: GitHub is not called");
      };
      const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, noAws, noGithub);
      return { code, stdout: out.join("\n"), stderr: err.join("\n") };
    }

    test("previews every resource from cdktf.json alone: no credentials, no AWS client, no GitHub call", async () => {
      const { code, stdout, stderr } = await offline(args("--offline"));
      expect(stderr).not.toMatch(NO_STACK_TRACE);
      expect(code).toBe(EXIT_OK);
      expect(stderr.split("\n")[0]).toBe(
        "Offline preview of environment production (account 123456789012 from cdktf.json, region us-east-1): AWS was not read, so every resource shows as it would be created in an empty account; run --dry-run with credentials to see what would really change.",
      );
      const steps = stderr.split("\n").filter((l) => /^\[\d+\/9\] /.test(l));
      expect(steps).toHaveLength(9);
      for (const line of steps) expect(line).toMatch(/: would create$/);
      expect(stderr).toContain("[2/9] state bucket ");
      expect(stderr).toContain("GitHub settings of acme/openclaw-infra: not checked offline");
      expect(stdout).toContain("Dry run: nothing was changed.");
      expect(stdout).toContain("arn:aws:iam::123456789012:role/openclaw-production-github-deploy");
      for (const r of requests) expect(r).not.toHaveBeenCalled();
    });

    test("still refuses bad input first, with exit 1", async () => {
      const { code, stderr } = await offline(["--env", "eu-staging", "--region", "us-east-1", "--github-repo", "a/b", "--cdktf-json", FIXTURE, "--offline"]);
      expect(code).toBe(EXIT_BAD_INPUT);
      expect(stderr).toMatch(/^--region us-east-1 does not match stateRegion eu-west-1/);
    });
  });
});
