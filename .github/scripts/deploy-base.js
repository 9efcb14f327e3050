// @ts-check
/**
 * Called from actions/github-script in deploy.yml: the commit to compare HEAD with.
 *
 * Not simply the commit before the push: with `concurrency` a newer push replaces a pending
 * deploy run, so the skipped push's changes would never be deployed. Instead the base is the
 * head commit of the last successful deploy run on main, so every run covers all changes
 * since the last good deploy. Falls back to the push's `before`, then to HEAD^ (empty string).
 *
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ input: string, before: string, workflow: string, branch: string }} opts
 * @returns {Promise<string>}
 */
module.exports = async function deployBase({ github, context, core }, { input, before, workflow, branch }) {
  const sha = /^[0-9a-f]{40}$/;
  if (input) {
    if (!sha.test(input)) throw new Error(`base must be a full 40-character commit SHA, got "${input}"`);
    core.info(`base from workflow_dispatch input: ${input}`);
    return input;
  }
  const { owner, repo } = context.repo;
  const { data } = await github.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: workflow, branch, status: "success", per_page: 1 });
  const last = data.workflow_runs && data.workflow_runs[0];
  if (last && sha.test(last.head_sha)) {
    core.info(`base: last successful deploy run ${last.html_url} at ${last.head_sha}`);
    return last.head_sha;
  }
  if (before && sha.test(before) && !/^0+$/.test(before)) {
    core.info(`base: no successful deploy run yet; using the push's before ${before}`);
    return before;
  }
  core.info("base: no successful deploy run and no usable before; using HEAD^");
  return "";
};
