// @ts-check
/**
 * Called from actions/github-script in deploy.yml's detect job: does the pull request merged as
 * this push's commit carry `label` (the blast-radius guard's `fleet-wide`)? "true" or "false".
 * A push without a merged pull request (a direct push, a manual run) has no label: a fleet-wide
 * change then needs the second approval.
 *
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ sha: string, label: string }} opts
 * @returns {Promise<string>}
 */
module.exports = async function mergedPrLabels({ github, context, core }, { sha, label }) {
  const { owner, repo } = context.repo;
  const { data } = await github.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha });
  const merged = (data || []).filter((/** @type {any} */ p) => p.merged_at && p.base && p.base.ref === "main");
  const labelled = merged.some((/** @type {any} */ p) => (p.labels || []).some((/** @type {any} */ l) => l.name === label));
  core.info(`${merged.length ? `pull request(s) ${merged.map((/** @type {any} */ p) => `#${p.number}`).join(", ")}` : "no merged pull request"} for ${sha}: ${labelled ? "" : "no "}${label} label`);
  return labelled ? "true" : "false";
};
