// @ts-check
/**
 * Called from actions/github-script after the fleet deploy's last ring, with the JSON of
 * `npm run -s fleet -- report --issues <file>`: ONE open issue per failing tenant stack and
 * environment (labelled `deploy-failure`, found again by a marker in its body). A new failure
 * opens it, a repeated one comments on it (the comment notifies its subscribers), a successful
 * deploy of that stack comments and closes it. Platform stacks get none: their failure halts the
 * rollout and the run itself fails.
 *
 *   await require('./.github/scripts/deploy-issues.js')({ github, context, core }, { report, label, runUrl });
 */

/** @param {string} environment @param {string} stack */
const markerOf = (environment, stack) => `<!-- openclaw-deploy-failure ${environment}/${stack} -->`;

/** Pull-request-controlled text (terraform error output) never becomes Markdown or HTML here. */
const fence = (/** @type {string} */ text) => "```\n" + String(text).replace(/```/g, "` ` `").slice(0, 4000) + "\n```";

/**
 * @param {{ github: any, context: any, core: any }} gh
 * @param {{ report: { commit: string, failing: { environment: string, stack: string, phase: string, status: string, attempts: number, exitCode?: number, error?: string }[], deployed: { environment: string, stack: string }[] }, label: string, runUrl: string }} opts
 * @returns {Promise<{ created: string[], updated: string[], closed: string[] }>}
 */
module.exports = async function deployIssues({ github, context, core }, { report, label, runUrl }) {
  const { owner, repo } = context.repo;
  const open = (await github.paginate(github.rest.issues.listForRepo, { owner, repo, labels: label, state: "open", per_page: 100 })).filter((/** @type {any} */ i) => !i.pull_request);
  /** @param {string} environment @param {string} stack */
  const find = (environment, stack) => open.find((/** @type {any} */ i) => String(i.body || "").includes(markerOf(environment, stack)));
  const out = { created: /** @type {string[]} */ ([]), updated: /** @type {string[]} */ ([]), closed: /** @type {string[]} */ ([]) };
  const failing = report.failing.filter((f) => f.stack.startsWith("tenant-"));
  if (failing.length) {
    try {
      await github.rest.issues.getLabel({ owner, repo, name: label });
    } catch {
      await github.rest.issues.createLabel({ owner, repo, name: label, color: "b60205", description: "A tenant stack failed to deploy" });
    }
  }
  for (const f of failing) {
    const details = [
      `**${f.stack}** (${f.environment}) did not deploy at \`${report.commit.slice(0, 12)}\`: ${f.status} in ring ${f.phase}, ${f.attempts} attempt(s), exit ${f.exitCode ?? "-"} ([run](${runUrl})).`,
      "",
      fence(f.error || "(no error output: the job was lost or stopped)"),
    ].join("\n");
    const existing = find(f.environment, f.stack);
    if (existing) {
      await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `Failed again.\n\n${details}` });
      out.updated.push(`${f.environment}/${f.stack}`);
      continue;
    }
    const body = [
      markerOf(f.environment, f.stack),
      details,
      "",
      "The rest of the fleet kept deploying (within the ring's failure budget). Next steps: fix the cause and re-run the deploy, or set `deployHold: true` in the tenant file to leave it out meanwhile. This issue closes itself when the stack deploys. Runbook: `.github/README.md`, *Fleet deploy*.",
    ].join("\n");
    await github.rest.issues.create({ owner, repo, title: `Deploy failing: ${f.stack} (${f.environment})`, body, labels: [label] });
    out.created.push(`${f.environment}/${f.stack}`);
  }
  for (const d of report.deployed) {
    const existing = find(d.environment, d.stack);
    if (!existing) continue;
    await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `Deployed at \`${report.commit.slice(0, 12)}\` ([run](${runUrl})). Closing.` });
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, state: "closed", state_reason: "completed" });
    out.closed.push(`${d.environment}/${d.stack}`);
  }
  core.info(`deploy issues: ${out.created.length} opened, ${out.updated.length} updated, ${out.closed.length} closed`);
  return out;
};
