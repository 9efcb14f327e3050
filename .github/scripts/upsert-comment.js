// @ts-check
/**
 * Called from actions/github-script: creates or updates THE plan comment of a pull request,
 * found by its hidden marker and author, so every push edits one comment instead of adding one.
 *
 *   const upsert = require('./.github/scripts/upsert-comment.js');
 *   await upsert({ github, context, core }, { marker, body, createIfMissing, issueNumber });
 *
 * `issueNumber` is the pull request's number; a `workflow_run` event carries no pull request
 * of its own, so plan.yml passes the one pull-request-of-run.js found.
 */
const BOT = "github-actions[bot]";

/**
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ marker: string, body: string, createIfMissing: boolean, issueNumber?: number }} opts
 * @returns {Promise<"updated" | "created" | "skipped">}
 */
module.exports = async function upsertComment({ github, context, core }, { marker, body, createIfMissing, issueNumber }) {
  if (!body.startsWith(marker)) throw new Error(`comment body must start with ${marker}`);
  const { owner, repo } = context.repo;
  const issue_number = issueNumber ?? context.payload.pull_request.number;
  if (!Number.isInteger(issue_number) || issue_number < 1) throw new Error(`not a pull request number: ${issue_number}`);
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  // Only our own bot's comment: a human quoting the marker must not get overwritten.
  const mine = comments.find((/** @type {any} */ c) => c.user && c.user.login === BOT && typeof c.body === "string" && c.body.startsWith(marker));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    core.info(`updated comment ${mine.html_url}`);
    return "updated";
  }
  if (!createIfMissing) {
    core.info("nothing to plan and no earlier plan comment: not commenting");
    return "skipped";
  }
  const { data } = await github.rest.issues.createComment({ owner, repo, issue_number, body });
  core.info(`created comment ${data.html_url}`);
  return "created";
};
