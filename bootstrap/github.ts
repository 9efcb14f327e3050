import { DEPLOY_WORKFLOWS, OFFBOARDING_EVIDENCE_WORKFLOWS, OIDC_SUBJECT_CLAIM_KEYS, PLAN_WORKFLOWS, TRUSTED_BRANCH, type BootstrapSettings } from "./settings";

/**
 * The GitHub side of the role trust. The roles trust main's context (or the protected
 * environment) and, with the `workflow` subject form, the workflow files by name; that is only
 * as strong as three repository settings, which this module sets or checks through the GitHub
 * REST API when a token is given, and otherwise prints for a person to verify:
 *
 * 1. the repository's OIDC subject template includes `job_workflow_ref` (set by bootstrap);
 * 2. the deploy environment requires reviewers and lets only main deploy (its deployment branch
 *    policy): otherwise a workflow_dispatch of a branch's edited deploy.yml enters it;
 * 3. main is protected and needs an approving review: main-defined workflows are only trusted
 *    because nobody changes main without one.
 *
 * https://docs.github.com/en/rest/actions/oidc#set-the-customization-template-for-an-oidc-subject-claim-for-a-repository
 * https://docs.github.com/en/rest/deployments/environments#get-an-environment
 * https://docs.github.com/en/rest/deployments/branch-policies#list-deployment-branch-policies
 * https://docs.github.com/en/rest/branches/branch-protection#get-branch-protection
 */

/** One REST call: status and parsed body (undefined when empty). */
export type GithubApi = (method: "GET" | "PUT", path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** A REST client for api.github.com (GITHUB_API_URL for GitHub Enterprise Server). */
export function githubApi(token: string, baseUrl = process.env.GITHUB_API_URL || "https://api.github.com", fetchImpl: typeof fetch = fetch): GithubApi {
  return async (method, path, body) => {
    const response = await fetchImpl(`${baseUrl}${path}`, {
      method,
      headers: {
        Accept: "application/vnd.github+json",
        Authorization: `Bearer ${token}`,
        "X-GitHub-Api-Version": "2022-11-28",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  };
}

/** The API call that makes the repository's OIDC `sub` claims name the workflow file. */
export function oidcCustomizationCall(settings: Pick<BootstrapSettings, "githubRepo" | "oidcSubject">) {
  const body = settings.oidcSubject === "workflow" ? { use_default: false, include_claim_keys: [...OIDC_SUBJECT_CLAIM_KEYS] } : { use_default: true };
  return { method: "PUT" as const, path: `/repos/${settings.githubRepo}/actions/oidc/customization/sub`, body };
}

/** The same call as a command a person with admin rights on the repository can run. */
export function describeOidcCustomizationCall(settings: Pick<BootstrapSettings, "githubRepo" | "oidcSubject">): string {
  const call = oidcCustomizationCall(settings);
  return `gh api --method ${call.method} ${call.path} --input - <<< '${JSON.stringify(call.body)}'`;
}

/** The outcome of one GitHub setting. `problem` fails the run: the trust relies on it. */
export interface GithubCheck {
  readonly title: string;
  readonly status: "in place" | "set" | "would set" | "problem" | "not checked";
  /** What is wrong and what to do, or what to verify by hand. */
  readonly lines: readonly string[];
}

const unreadable = (what: string, status: number) =>
  `cannot read ${what} (HTTP ${status}); the token needs admin access to the repository (classic: repo scope; fine-grained: Administration and Environments read, Actions write)`;

async function oidcTemplateCheck(settings: BootstrapSettings, api: GithubApi): Promise<GithubCheck> {
  const title = "OIDC subject template";
  const call = oidcCustomizationCall(settings);
  const wanted = settings.oidcSubject === "workflow" ? `include_claim_keys ${OIDC_SUBJECT_CLAIM_KEYS.join(", ")}` : "GitHub's default";
  const current = await api("GET", call.path);
  if (current.status !== 200) return { title, status: "problem", lines: [unreadable(call.path, current.status), `then run: ${describeOidcCustomizationCall(settings)}`] };
  const keys: unknown = current.body?.include_claim_keys;
  const matches =
    settings.oidcSubject === "workflow"
      ? current.body?.use_default === false && JSON.stringify(keys) === JSON.stringify(OIDC_SUBJECT_CLAIM_KEYS)
      : current.body?.use_default === true;
  if (matches) return { title, status: "in place", lines: [] };
  const before = current.body?.use_default ? "GitHub's default" : `include_claim_keys ${JSON.stringify(keys ?? [])}`;
  if (settings.dryRun) return { title, status: "would set", lines: [`${before} → ${wanted}`] };
  const put = await api(call.method, call.path, call.body);
  if (put.status !== 201 && put.status !== 200 && put.status !== 204) {
    return { title, status: "problem", lines: [`setting it failed (HTTP ${put.status}): ${JSON.stringify(put.body)}`, `run by hand: ${describeOidcCustomizationCall(settings)}`] };
  }
  return { title, status: "set", lines: [`${before} → ${wanted}`] };
}

async function environmentCheck(settings: BootstrapSettings, api: GithubApi): Promise<GithubCheck> {
  const name = settings.githubEnvironment;
  const title = `environment ${name}`;
  const path = `/repos/${settings.githubRepo}/environments/${encodeURIComponent(name)}`;
  const env = await api("GET", path);
  if (env.status === 404) {
    return { title, status: "problem", lines: [`does not exist: create it (Settings → Environments) with required reviewers and deployment branches: selected, ${TRUSTED_BRANCH} only`] };
  }
  if (env.status !== 200) return { title, status: "problem", lines: [unreadable(path, env.status)] };
  const problems: string[] = [];
  const rules: any[] = Array.isArray(env.body?.protection_rules) ? env.body.protection_rules : [];
  const reviewers = rules.find((r) => r?.type === "required_reviewers");
  if (!reviewers || !Array.isArray(reviewers.reviewers) || reviewers.reviewers.length === 0) problems.push("no required reviewers: add at least one (a deploy waits for their approval)");
  const policy = env.body?.deployment_branch_policy;
  if (!policy) problems.push(`every branch may deploy: set deployment branches to selected, ${TRUSTED_BRANCH} only`);
  else if (policy.protected_branches) problems.push(`every protected branch may deploy: set deployment branches to selected, ${TRUSTED_BRANCH} only`);
  else if (policy.custom_branch_policies) {
    const listed = await api("GET", `${path}/deployment-branch-policies?per_page=100`);
    if (listed.status !== 200) problems.push(unreadable(`${path}/deployment-branch-policies`, listed.status));
    else {
      const names = (Array.isArray(listed.body?.branch_policies) ? listed.body.branch_policies : []).map((p: any) => `${p?.type ?? "branch"}:${p?.name}`);
      if (JSON.stringify(names) !== JSON.stringify([`branch:${TRUSTED_BRANCH}`])) {
        problems.push(`deployment branch policies are ${names.join(", ") || "empty"}: allow the ${TRUSTED_BRANCH} branch only`);
      }
    }
  }
  return problems.length ? { title, status: "problem", lines: problems } : { title, status: "in place", lines: [] };
}

async function mainProtectionCheck(settings: BootstrapSettings, api: GithubApi): Promise<GithubCheck> {
  const title = `branch protection of ${TRUSTED_BRANCH}`;
  const path = `/repos/${settings.githubRepo}/branches/${TRUSTED_BRANCH}/protection`;
  const protection = await api("GET", path);
  if (protection.status === 404) {
    return { title, status: "problem", lines: [`${TRUSTED_BRANCH} is not protected: require a pull request with at least one approving review (rulesets are not read here; check them by hand)`] };
  }
  if (protection.status !== 200) return { title, status: "problem", lines: [unreadable(path, protection.status)] };
  const reviews = protection.body?.required_pull_request_reviews;
  if (!reviews || !(reviews.required_approving_review_count >= 1)) {
    return { title, status: "problem", lines: ["pull requests into main need no approving review: require at least one"] };
  }
  return { title, status: "in place", lines: [] };
}

/** What a person must verify when no token is given. */
function byHand(settings: BootstrapSettings): GithubCheck[] {
  const checks: GithubCheck[] = [
    {
      title: "OIDC subject template",
      status: "not checked",
      lines: [
        settings.oidcSubject === "workflow"
          ? `the roles expect sub claims naming the workflow (${[...PLAN_WORKFLOWS, ...DEPLOY_WORKFLOWS, ...OFFBOARDING_EVIDENCE_WORKFLOWS].join(", ")}); until this runs, every role assumption fails:`
          : "the roles expect GitHub's default sub claims:",
        `  ${describeOidcCustomizationCall(settings)}`,
      ],
    },
  ];
  if (settings.deployTrust === "environment") {
    checks.push({
      title: `environment ${settings.githubEnvironment}`,
      status: "not checked",
      lines: [`verify: required reviewers set; deployment branches: selected, ${TRUSTED_BRANCH} only`],
    });
  }
  checks.push({ title: `branch protection of ${TRUSTED_BRANCH}`, status: "not checked", lines: ["verify: pull requests with at least one approving review are required"] });
  return checks;
}

/**
 * Sets (unless dry run) or checks every GitHub setting the trust relies on; without an API
 * client, lists them for a person to verify.
 */
export async function githubSettingsChecks(settings: BootstrapSettings, api: GithubApi | undefined): Promise<GithubCheck[]> {
  if (!api) return byHand(settings);
  const checks = [await oidcTemplateCheck(settings, api)];
  if (settings.deployTrust === "environment") checks.push(await environmentCheck(settings, api));
  checks.push(await mainProtectionCheck(settings, api));
  return checks;
}
