// @ts-check
/**
 * Called from actions/github-script with the JSON of `npm run -s drift-report -- --json`:
 * keeps exactly ONE open issue labelled `drift`. Drift opens or updates it; a clean run
 * comments and closes it. Failed plans keep it open (we cannot tell that those are clean).
 * The issue body carries the drifted set of the last run (a hidden marker): when the set
 * changes, a comment names what is new and what is resolved (a comment notifies subscribers;
 * an edited body does not). While every drifted stack is only a merged-but-undeployed change
 * (report.undeployed, from the deploy ledger) the issue also carries `<label>-undeployed`.
 *
 *   await require('./.github/scripts/drift-issue.js')({ github, context, core }, { report, label, runUrl });
 */

/**
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ report: { drifted: string[], failed: string[], undeployed?: string[], title: string, body: string }, label: string, runUrl: string }} opts
 * @returns {Promise<"created" | "updated" | "closed" | "none">}
 */
module.exports = async function driftIssue({ github, context, core }, { report, label, runUrl }) {
  const { owner, repo } = context.repo;
  const STATE = /<!-- openclaw-drift-state (\[[^\n]*?\]) -->/;
  const drifted = [...report.drifted].sort();
  const body = `${report.body}\n<!-- openclaw-drift-state ${JSON.stringify(drifted)} -->\n`;
  const undeployedLabel = `${label}-undeployed`;
  const onlyUndeployed = drifted.length > 0 && (report.undeployed || []).length === drifted.length;
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, labels: label, state: "open", per_page: 100 });
  const issues = open.filter((/** @type {any} */ i) => !i.pull_request);
  const existing = issues[0];
  const problems = report.drifted.length + report.failed.length > 0;
  if (problems) {
    if (existing) {
      /** @type {string[]} */
      let before = [];
      try {
        const m = STATE.exec(String(existing.body || ""));
        before = m ? JSON.parse(m[1]) : [];
      } catch {
        before = [];
      }
      const added = drifted.filter((s) => !before.includes(s));
      const resolved = before.filter((/** @type {string} */ s) => !drifted.includes(s));
      await github.rest.issues.update({ owner, repo, issue_number: existing.number, title: report.title, body, labels: onlyUndeployed ? [label, undeployedLabel] : [label] });
      if (added.length || resolved.length) {
        const list = (/** @type {string[]} */ xs) => xs.map((x) => `\`${x}\``).join(", ") || "none";
        await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `The drifted stacks changed ([run](${runUrl})).\n\n- New drift: ${list(added)}\n- No longer drifting: ${list(resolved)}` });
      }
      core.info(`updated drift issue #${existing.number}${added.length || resolved.length ? " (drifted set changed: commented)" : ""}`);
      return "updated";
    }
    try {
      await github.rest.issues.getLabel({ owner, repo, name: label });
    } catch {
      await github.rest.issues.createLabel({ owner, repo, name: label, color: "d93f0b", description: "Infrastructure differs from its Terraform configuration" });
    }
    const { data } = await github.rest.issues.create({ owner, repo, title: report.title, body, labels: onlyUndeployed ? [label, undeployedLabel] : [label] });
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
