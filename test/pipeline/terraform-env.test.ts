/**
 * Issue 24, item 1, defense in depth: what terraform can read in the plan job, and whether what
 * it prints can carry a credential out. The terraform here is test/pipeline/fixtures/
 * env-dump-terraform.js: it prints its whole environment base64-, hex- and URL-encoded as a
 * resource tag (what `base64encode(file("/proc/self/environ"))` did with the real one) and
 * fetches credentials from the endpoint as the AWS provider would.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnvironments } from "../../config/loader";
import { exec } from "../../pipeline/lib/exec";
import { redactText } from "../../pipeline/lib/redact";
import { encodedForms, serveCredentials, terraformEnvironment } from "../../pipeline/lib/terraform-env";
import { planStacks } from "../../pipeline/plan-stacks";
import { writeSynth } from "./synth-helper";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";

const ENV_DUMP = join(__dirname, "fixtures", "env-dump-terraform.js");
const SECRETS = {
  AWS_ACCESS_KEY_ID: "ASIAZZZZZZZZZZZZZZZZ",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzSECRETzz",
  AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDsessiontokenvalue+/=",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "idtokenrequesttoken-0123456789abcdef",
  ACTIONS_ID_TOKEN_REQUEST_URL: "https://pipelines.actions.githubusercontent.com/abc/idtoken",
  ACTIONS_RUNTIME_TOKEN: "runtimetoken-0123456789abcdef0123",
  GITHUB_TOKEN: "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB",
};

/** Whether `text` holds `secret` in clear, URL-encoded, or inside any base64 or hex run. */
function carries(text: string, secret: string): boolean {
  if (text.includes(secret)) return true;
  try {
    if (decodeURIComponent(text.replace(/%(?![0-9A-Fa-f]{2})/g, "%25")).includes(secret)) return true;
  } catch {
    /* not URL-encoded text */
  }
  for (const [run] of text.matchAll(/[A-Za-z0-9+/_-]{16,}/g)) {
    for (let skip = 0; skip < 4; skip++) {
      const decoded = Buffer.from(run.slice(skip).replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("latin1");
      if (decoded.includes(secret)) return true;
    }
  }
  for (const [run] of text.matchAll(/[0-9A-Fa-f]{16,}/g)) {
    for (let skip = 0; skip < 2; skip++) if (Buffer.from(run.slice(skip), "hex").toString("latin1").includes(secret)) return true;
  }
  return false;
}

describe("terraform's environment in the plan job", () => {
  beforeEach(() => jest.spyOn(process.stderr, "write").mockImplementation(() => true));
  afterEach(() => jest.restoreAllMocks());

  const run = async () => {
    const work = mkdtempSync(join(tmpdir(), "tf-env-"));
    const dump = join(work, "dump.jsonl");
    const synthDir = writeSynth(mkdtempSync(join(tmpdir(), "tf-env-synth-")), [{ name: "tenant-t0", environment: "production" }]);
    const outDir = mkdtempSync(join(tmpdir(), "tf-env-out-"));
    const env = { PATH: process.env.PATH, HOME: work, ...SECRETS, GITHUB_REPOSITORY: "o/r", RUNNER_TEMP: work, ENV_DUMP_FILE: dump, OPENCLAW_TERRAFORM_PASS_ENV: "ENV_DUMP_FILE" };
    const results = await planStacks({ synthDir, environments: loadEnvironments(FIXTURE_CDKTF_JSON), stacks: ["tenant-t0"], outDir, parallelism: 1, detailedExitcode: false, lock: false, terraform: ENV_DUMP, exec, env });
    const calls = readFileSync(dump, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { cmd: string; env: Record<string, string>; fetched: string });
    const outputs = readdirSync(join(outDir, "tenant-t0")).filter((f) => f !== "tfplan").map((f) => readFileSync(join(outDir, "tenant-t0", f), "utf8"));
    return { results, calls, outputs };
  };

  it("holds no credential, ACTIONS_* or GitHub variable; AWS credentials come from a loopback endpoint", async () => {
    const { results, calls } = await run();
    expect(results.map((r) => r.status)).toEqual(["planned"]);
    expect(calls.map((c) => c.cmd)).toEqual(["init", "plan", "show", "show"]);
    for (const { env, fetched } of calls) {
      expect(Object.keys(env).filter((k) => /^(AWS_(ACCESS|SECRET|SESSION)|ACTIONS_|GITHUB_|RUNNER_)/.test(k))).toEqual([]);
      expect(Object.values(env).filter((v) => Object.values(SECRETS).includes(v))).toEqual([]);
      expect(env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials\/[0-9a-f]{16}$/);
      expect(fetched).toBe(SECRETS.AWS_SECRET_ACCESS_KEY); // the provider's SDK gets the credentials
    }
  });

  it("prints no credential in any form, not even what terraform fetched from the endpoint", async () => {
    const { outputs, calls } = await run();
    expect(outputs.length).toBeGreaterThanOrEqual(3);
    const token = calls[0].env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    const joined = outputs.join("\n");
    expect(joined).toContain("environ_b64"); // the dump did reach the output
    for (const secret of [SECRETS.AWS_SECRET_ACCESS_KEY, SECRETS.AWS_SESSION_TOKEN, SECRETS.AWS_ACCESS_KEY_ID, token]) {
      expect([secret, carries(joined, secret)]).toEqual([secret, false]);
    }
  });

  it("the endpoint answers only with its token and only while plan-stacks runs", async () => {
    const endpoint = await serveCredentials({ accessKeyId: "AKIAX", secretAccessKey: "s" });
    const url = endpoint.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(url, { headers: { authorization: "wrong" } })).status).toBe(403);
    const ok = await fetch(url, { headers: { authorization: endpoint.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
    expect(await ok.json()).toMatchObject({ AccessKeyId: "AKIAX", SecretAccessKey: "s" });
    await endpoint.close();
    await expect(fetch(url)).rejects.toThrow();
  });

  it("refuses to pass a credential even when the workflow names it", () => {
    expect(() => terraformEnvironment({ OPENCLAW_TERRAFORM_PASS_ENV: "AWS_SECRET_ACCESS_KEY,ACTIONS_ID_TOKEN_REQUEST_TOKEN" })).toThrow(
      "OPENCLAW_TERRAFORM_PASS_ENV names variables terraform must never see: AWS_SECRET_ACCESS_KEY, ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    );
  });
});

describe("redaction of encoded credentials", () => {
  const secret = SECRETS.AWS_SECRET_ACCESS_KEY;
  it.each([
    ["base64 of the environment, every alignment", (pre: string) => Buffer.from(`${pre}AWS_SECRET_ACCESS_KEY=${secret}\0X=1`).toString("base64")],
    ["base64url", (pre: string) => Buffer.from(`${pre}${secret}`).toString("base64url")],
    ["hex", (pre: string) => Buffer.from(`${pre}${secret}`).toString("hex")],
    ["upper-case hex", (pre: string) => Buffer.from(`${pre}${secret}`).toString("hex").toUpperCase()],
    ["URL encoding", (pre: string) => encodeURIComponent(`${pre}${secret}`)],
  ])("scrubs %s", (_what, encode) => {
    for (const pre of ["", "a", "ab", "abc"]) {
      const text = `tags = { leak = "${encode(pre)}" }`;
      expect(carries(text, secret)).toBe(true); // the oracle sees it before redaction
      expect(carries(redactText(text, encodedForms(secret)), secret)).toBe(false);
    }
  });
});
