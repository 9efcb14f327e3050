/**
 * The GitHub settings the roles' trust relies on (issue 14): the OIDC subject template that makes
 * a role name its workflow files, the deploy environment's reviewers and branch policy, and
 * main's protection. Tested against a fake GitHub REST API that records every call.
 */
import { describeOidcCustomizationCall, githubApi, githubSettingsChecks, type GithubApi } from "../../bootstrap/github";
import { settingsFor } from "./helpers";

const REPO = "/repos/acme/openclaw-infra";
const CUSTOM = { use_default: false, include_claim_keys: ["repo", "context", "job_workflow_ref"] };
const GOOD_ENV = {
  protection_rules: [{ type: "required_reviewers", reviewers: [{ type: "Team", reviewer: { slug: "platform" } }] }, { type: "branch_policy" }],
  deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
};

/** A fake API: GET answers from `state` (404 when absent); PUT stores the body and answers 201. */
function fakeGithub(state: Record<string, unknown>) {
  const calls: string[] = [];
  const api: GithubApi = async (method, path, body) => {
    calls.push(`${method} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`);
    if (method === "PUT") {
      state[path] = body;
      return { status: 201, body: undefined };
    }
    return path in state ? { status: 200, body: state[path] } : { status: 404, body: { message: "Not Found" } };
  };
  return { api, calls, state };
}

const goodState = () => ({
  [`${REPO}/actions/oidc/customization/sub`]: CUSTOM,
  [`${REPO}/environments/production`]: GOOD_ENV,
  [`${REPO}/environments/production/deployment-branch-policies?per_page=100`]: { branch_policies: [{ name: "main", type: "branch" }] },
  [`${REPO}/branches/main/protection`]: { required_pull_request_reviews: { required_approving_review_count: 1 } },
});

describe("GitHub settings the role trust relies on", () => {
  test("prints the exact API call that makes sub claims name the workflow file", () => {
    expect(describeOidcCustomizationCall(settingsFor())).toBe(
      `gh api --method PUT ${REPO}/actions/oidc/customization/sub --input - <<< '{"use_default":false,"include_claim_keys":["repo","context","job_workflow_ref"]}'`,
    );
  });

  test("with everything in place, reads only and reports each setting in place", async () => {
    const { api, calls } = fakeGithub(goodState());
    expect((await githubSettingsChecks(settingsFor(), api)).map((c) => [c.title, c.status])).toEqual([
      ["OIDC subject template", "in place"],
      ["environment production", "in place"],
      ["branch protection of main", "in place"],
    ]);
    expect(calls.filter((c) => c.startsWith("PUT"))).toEqual([]);
  });

  test("sets the subject template when it is GitHub's default, but only says so in a dry run", async () => {
    const dry = fakeGithub({ ...goodState(), [`${REPO}/actions/oidc/customization/sub`]: { use_default: true } });
    expect((await githubSettingsChecks(settingsFor({ dryRun: true }), dry.api))[0]).toEqual({
      title: "OIDC subject template",
      status: "would set",
      lines: ["GitHub's default → include_claim_keys repo, context, job_workflow_ref"],
    });
    expect(dry.calls.filter((c) => c.startsWith("PUT"))).toEqual([]);

    const real = fakeGithub({ ...goodState(), [`${REPO}/actions/oidc/customization/sub`]: { use_default: true } });
    expect((await githubSettingsChecks(settingsFor(), real.api))[0].status).toBe("set");
    expect(real.calls).toContain(`PUT ${REPO}/actions/oidc/customization/sub {"use_default":false,"include_claim_keys":["repo","context","job_workflow_ref"]}`);
  });

  test.each([
    ["the environment does not exist", { [`${REPO}/environments/production`]: undefined }, /does not exist: create it/],
    ["no required reviewers", { [`${REPO}/environments/production`]: { ...GOOD_ENV, protection_rules: [] } }, /no required reviewers/],
    ["every branch may deploy", { [`${REPO}/environments/production`]: { ...GOOD_ENV, deployment_branch_policy: null } }, /every branch may deploy/],
    ["every protected branch may deploy", { [`${REPO}/environments/production`]: { ...GOOD_ENV, deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } } }, /every protected branch may deploy/],
    [
      "a release/* branch may deploy too",
      { [`${REPO}/environments/production/deployment-branch-policies?per_page=100`]: { branch_policies: [{ name: "main", type: "branch" }, { name: "release/*", type: "branch" }] } },
      /deployment branch policies are branch:main, branch:release\/\*: allow the main branch only/,
    ],
  ])("reports a problem when %s", async (_what, change, message) => {
    const state: Record<string, unknown> = { ...goodState(), ...change };
    for (const [k, v] of Object.entries(state)) if (v === undefined) delete state[k];
    const checks = await githubSettingsChecks(settingsFor(), fakeGithub(state).api);
    const env = checks.find((c) => c.title === "environment production")!;
    expect(env.status).toBe("problem");
    expect(env.lines.join("\n")).toMatch(message);
  });

  test("reports an unprotected main, or one that needs no approving review", async () => {
    const state: Record<string, unknown> = goodState();
    delete state[`${REPO}/branches/main/protection`];
    expect((await githubSettingsChecks(settingsFor(), fakeGithub(state).api))[2]).toMatchObject({ status: "problem", lines: [expect.stringMatching(/^main is not protected/)] });
    state[`${REPO}/branches/main/protection`] = { required_pull_request_reviews: { required_approving_review_count: 0 } };
    expect((await githubSettingsChecks(settingsFor(), fakeGithub(state).api))[2].status).toBe("problem");
  });

  test("with --deploy-trust main there is no environment to check", async () => {
    const checks = await githubSettingsChecks(settingsFor({ deployTrust: "main" }), fakeGithub(goodState()).api);
    expect(checks.map((c) => c.title)).toEqual(["OIDC subject template", "branch protection of main"]);
  });

  test("without a token, lists what to verify by hand and the call to run", async () => {
    const checks = await githubSettingsChecks(settingsFor(), undefined);
    expect(checks.map((c) => [c.title, c.status])).toEqual([
      ["OIDC subject template", "not checked"],
      ["environment production", "not checked"],
      ["branch protection of main", "not checked"],
    ]);
    expect(checks[0].lines[1]).toBe(`  ${describeOidcCustomizationCall(settingsFor())}`);
    expect(checks[1].lines).toEqual(["verify: required reviewers set; deployment branches: selected, main only"]);
  });

  test("the REST client sends the token, API version and JSON body", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ ok: true }), { status: 200 });
    }) as unknown as typeof fetch;
    const api = githubApi("t0ken", "https://api.example", fetchImpl);
    expect(await api("PUT", "/x", { a: 1 })).toEqual({ status: 200, body: { ok: true } });
    expect(seen[0].url).toBe("https://api.example/x");
    expect(seen[0].init).toMatchObject({ method: "PUT", body: '{"a":1}', headers: { Authorization: "Bearer t0ken", "X-GitHub-Api-Version": "2022-11-28" } });
  });
});
