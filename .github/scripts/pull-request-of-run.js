// @ts-check
/**
 * Called from actions/github-script in plan.yml (a `workflow_run` workflow, defined on main):
 * finds the open pull request whose unprivileged `pr-synth` run triggered it. Nothing the
 * pull request's run produced is trusted for this (an artifact could name any pull request, and
 * comment there): the run's head repository, branch and commit come from the event, and the
 * pull request must be open against the default branch of this repository with exactly that
 * head commit. Returns its number as a string, or "" when there is none (a newer push moved the
 * head: that push's own run plans it).
 *
 *   const pullRequestOfRun = require('./.github/scripts/pull-request-of-run.js');
 *   const number = await pullRequestOfRun({ github, context, core });
 */

/**
 * @param {{ github: any, context: any, core: any }} gh
 * @returns {Promise<string>}
 */
module.exports = async function pullRequestOfRun({ github, context, core }) {
  const run = context.payload.workflow_run;
  const { owner, repo } = context.repo;
  const defaultBranch = context.payload.repository.default_branch;
  if (!run || run.event !== "pull_request") {
    core.info(`the triggering run is not a pull_request run (${run && run.event}): nothing to plan`);
    return "";
  }
  const headRepo = run.head_repository && run.head_repository.full_name;
  if (headRepo !== `${owner}/${repo}`) {
    core.info(`the pull request comes from ${headRepo}, not ${owner}/${repo}: fork pull requests are not planned`);
    return "";
  }
  const pulls = await github.paginate(github.rest.pulls.list, { owner, repo, state: "open", head: `${owner}:${run.head_branch}`, base: defaultBranch, per_page: 100 });
  const matches = pulls.filter(
    (/** @type {any} */ p) =>
      p.head && p.head.sha === run.head_sha && p.head.repo && p.head.repo.full_name === headRepo && p.base && p.base.ref === defaultBranch && p.base.repo && p.base.repo.full_name === `${owner}/${repo}`,
  );
  if (matches.length !== 1) {
    core.info(`${matches.length} open pull requests into ${defaultBranch} have head ${run.head_sha}: not planning (a newer run will)`);
    return "";
  }
  core.info(`pull request #${matches[0].number} at ${run.head_sha}`);
  return String(matches[0].number);
};
