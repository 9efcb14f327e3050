// @ts-check
/**
 * Called from actions/github-script in every approval job (deploy.yml approve-*, deploy-unlock.yml):
 * fails unless the job's GitHub environment exists with required reviewers. GitHub creates a
 * missing environment on first use, unprotected: without this check a forgotten
 * `approve-<env>` environment would let every deploy through without an approval.
 *
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ environment: string }} opts
 * @returns {Promise<string[]>} the reviewers' names
 */
module.exports = async function requireReviewers({ github, context, core }, { environment }) {
  const { owner, repo } = context.repo;
  /** @type {any} */
  let env;
  try {
    ({ data: env } = await github.rest.repos.getEnvironment({ owner, repo, environment_name: environment }));
  } catch (err) {
    throw new Error(`GitHub environment ${environment} cannot be read (${/** @type {Error} */ (err).message}); create it with required reviewers (.github/README.md, "Fleet deploy")`);
  }
  const rule = (env.protection_rules || []).find((/** @type {any} */ r) => r.type === "required_reviewers");
  const reviewers = ((rule && rule.reviewers) || []).map((/** @type {any} */ r) => (r.reviewer && (r.reviewer.login || r.reviewer.slug || r.reviewer.name)) || "?");
  if (reviewers.length === 0) throw new Error(`GitHub environment ${environment} has no required reviewers: this approval would approve nothing. Add reviewers (.github/README.md, "Fleet deploy").`);
  core.info(`${environment}: approved; reviewers ${reviewers.join(", ")}`);
  return reviewers;
};
