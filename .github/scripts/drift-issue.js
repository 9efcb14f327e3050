// @ts-check
/**
 * Called from actions/github-script with the JSON of `npm run -s drift-report -- --json`:
 * keeps exactly ONE open issue labelled `drift`. Drift opens or updates it; a clean run
 * comments and closes it. Failed plans keep it open (we cannot tell that those are clean).
 *
 *   await require('./.github/scripts/drift-issue.js')({ github, context, core }, { report, label, runUrl });
 */

/**
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ report: { drifted: string[], failed: string[], title: string, body: string }, label: string, runUrl: string }} opts
 * @returns {Promise<"created" | "updated" | "closed" | "none">}
 */
module.exports = async function driftIssue({ github, context, core }, { report, label, runUrl }) {
  const { owner, repo } = context.repo;
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, labels: label, state: "open", per_page: 100 });
  const issues = open.filter((/** @type {any} */ i) => !i.pull_request);
  const existing = issues[0];
  const problems = report.drifted.length + report.failed.length > 0;
  if (problems) {
    if (existing) {
      await github.rest.issues.update({ owner, repo, issue_number: existing.number, title: report.title, body: report.body });
      core.info(`updated drift issue #${existing.number}`);
      return "updated";
    }
    try {
      await github.rest.issues.getLabel({ owner, repo, name: label });
    } catch {
      await github.rest.issues.createLabel({ owner, repo, name: label, color: "d93f0b", description: "Infrastructure differs from its Terraform configuration" });
    }
    const { data } = await github.rest.issues.create({ owner, repo, title: report.title, body: report.body, labels: [label] });
    core.info(`opened drift issue #${data.number}`);
    return "created";
  }
  if (existing) {
    await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `No drift any more: ${report.title} ([run](${runUrl})). Closing.` });
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, state: "closed", state_reason: "completed" });
    core.info(`closed drift issue #${existing.number}`);
    return "closed";
  }
  core.info(report.title);
  return "none";
};
