// @ts-check
/**
 * Called from actions/github-script in deploy.yml's offboard job: who approved this run's
 * deployments (GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals), reduced to what
 * the offboarding record keeps, and written as JSON to `file` for `npm run offboard --approvals`.
 * Needs `actions: read`.
 *
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ file: string }} opts
 * @returns {Promise<number>} how many approvals were found
 */
module.exports = async function runApprovals({ github, context, core }, { file }) {
  const { owner, repo } = context.repo;
  const { data } = await github.rest.actions.getReviewsForRun({ owner, repo, run_id: context.runId });
  const approvals = (Array.isArray(data) ? data : []).map((/** @type {any} */ a) => ({
    user: (a.user && a.user.login) || "",
    environments: (a.environments || []).map((/** @type {any} */ e) => e.name),
    state: a.state || "",
    comment: a.comment || "",
  }));
  require("node:fs").writeFileSync(file, `${JSON.stringify(approvals, null, 2)}\n`);
  core.info(`${approvals.length} approval(s) of run ${context.runId}: ${approvals.map((a) => `${a.user} (${a.state})`).join(", ") || "none"}`);
  return approvals.length;
};
