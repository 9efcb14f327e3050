/* eslint-disable @typescript-eslint/no-require-imports */
import { MARKER } from "../../pipeline/plan-comment";

const upsertComment = require("../../.github/scripts/upsert-comment.js");
const driftIssue = require("../../.github/scripts/drift-issue.js");
const deployBase = require("../../.github/scripts/deploy-base.js");
const pullRequestOfRun = require("../../.github/scripts/pull-request-of-run.js");

const core = { info: jest.fn() };
const context = { repo: { owner: "o", repo: "r" }, payload: { pull_request: { number: 7 } } };

function fakeGithub(lists: Record<string, unknown[]>) {
  const calls: [string, Record<string, unknown>][] = [];
  const rec = (name: string, data: unknown = {}) => jest.fn(async (args: Record<string, unknown>) => (calls.push([name, args]), { data }));
  const github = {
    paginate: jest.fn(async (fn: { listName: string }) => lists[fn.listName] ?? []),
    rest: {
      issues: {
        listComments: Object.assign(jest.fn(), { listName: "comments" }),
        listForRepo: Object.assign(jest.fn(), { listName: "issues" }),
        updateComment: rec("updateComment"),
        createComment: rec("createComment", { html_url: "u" }),
        update: rec("update"),
        create: rec("create", { number: 9 }),
        getLabel: rec("getLabel"),
        createLabel: rec("createLabel"),
      },
      pulls: { list: Object.assign(jest.fn(), { listName: "pulls" }) },
      actions: { listWorkflowRuns: jest.fn(async () => ({ data: { workflow_runs: lists.runs ?? [] } })) },
    },
  };
  return { github, calls };
}

describe("upsert-comment", () => {
  const body = `${MARKER}\nplan`;

  test("updates the bot's marked comment, not a human's quoting the marker", async () => {
    const { github, calls } = fakeGithub({
      comments: [
        { id: 1, user: { login: "alice" }, body: `${MARKER} quoted` },
        { id: 2, user: { login: "github-actions[bot]" }, body: `${MARKER}\nold` },
      ],
    });
    expect(await upsertComment({ github, context, core }, { marker: MARKER, body, createIfMissing: true })).toBe("updated");
    expect(calls).toEqual([["updateComment", { owner: "o", repo: "r", comment_id: 2, body }]]);
  });

  test("creates the comment when there is none, unless there is nothing to say", async () => {
    const a = fakeGithub({ comments: [] });
    expect(await upsertComment({ github: a.github, context, core }, { marker: MARKER, body, createIfMissing: true })).toBe("created");
    const b = fakeGithub({ comments: [] });
    expect(await upsertComment({ github: b.github, context, core }, { marker: MARKER, body, createIfMissing: false })).toBe("skipped");
    expect(b.calls).toEqual([]);
  });
});

describe("upsert-comment from a workflow_run (no pull request in the event)", () => {
  test("comments on the given pull request number, and refuses anything that is not one", async () => {
    const { github, calls } = fakeGithub({ comments: [] });
    const runContext = { repo: { owner: "o", repo: "r" }, payload: {} };
    const body = `${MARKER}\nplan`;
    expect(await upsertComment({ github, context: runContext, core }, { marker: MARKER, body, createIfMissing: true, issueNumber: 12 })).toBe("created");
    expect(calls).toEqual([["createComment", { owner: "o", repo: "r", issue_number: 12, body }]]);
    await expect(upsertComment({ github, context: runContext, core }, { marker: MARKER, body, createIfMissing: true, issueNumber: Number("") })).rejects.toThrow("not a pull request number: 0");
  });
});

describe("pull-request-of-run (plan.yml finds the pull request from the event, not from artifacts)", () => {
  const run = { event: "pull_request", head_branch: "feature", head_sha: "a".repeat(40), head_repository: { full_name: "o/r" } };
  const ctx = (workflowRun: unknown) => ({ repo: { owner: "o", repo: "r" }, payload: { workflow_run: workflowRun, repository: { default_branch: "main" } } });
  const pr = (number: number, sha: string, extra: Record<string, unknown> = {}) => ({
    number,
    head: { sha, repo: { full_name: "o/r" } },
    base: { ref: "main", repo: { full_name: "o/r" } },
    ...extra,
  });

  test("returns the one open pull request into main whose head is the run's commit", async () => {
    const { github } = fakeGithub({ pulls: [pr(5, "b".repeat(40)), pr(7, "a".repeat(40))] });
    expect(await pullRequestOfRun({ github, context: ctx(run), core })).toBe("7");
    expect(github.paginate).toHaveBeenCalledWith(github.rest.pulls.list, { owner: "o", repo: "r", state: "open", head: "o:feature", base: "main", per_page: 100 });
  });

  test("returns nothing when the head moved on, the pull request targets another branch, or the run is from a fork or not a pull request", async () => {
    expect(await pullRequestOfRun({ github: fakeGithub({ pulls: [pr(7, "c".repeat(40))] }).github, context: ctx(run), core })).toBe("");
    expect(await pullRequestOfRun({ github: fakeGithub({ pulls: [pr(7, "a".repeat(40), { base: { ref: "release", repo: { full_name: "o/r" } } })] }).github, context: ctx(run), core })).toBe("");
    expect(await pullRequestOfRun({ github: fakeGithub({ pulls: [pr(7, "a".repeat(40))] }).github, context: ctx({ ...run, head_repository: { full_name: "fork/r" } }), core })).toBe("");
    expect(await pullRequestOfRun({ github: fakeGithub({ pulls: [pr(7, "a".repeat(40))] }).github, context: ctx({ ...run, event: "push" }), core })).toBe("");
  });
});

describe("drift-issue", () => {
  const drift = { drifted: ["tenant-a"], failed: [], title: "Drift: 1 drifted of 3 stacks", body: "b" };
  const clean = { drifted: [], failed: [], title: "No drift in 3 stacks", body: "b" };

  test("opens one labelled issue on drift", async () => {
    const { github, calls } = fakeGithub({ issues: [] });
    expect(await driftIssue({ github, context, core }, { report: drift, label: "drift", runUrl: "u" })).toBe("created");
    expect(calls.find(([n]) => n === "create")?.[1]).toMatchObject({ title: drift.title, labels: ["drift"] });
  });

  test("updates the open issue instead of opening another", async () => {
    // the same drifted set as last time (the issue's state marker): updated in place, no comment
    const { github, calls } = fakeGithub({ issues: [{ number: 3, body: 'x\n<!-- openclaw-drift-state ["tenant-a"] -->' }] });
    expect(await driftIssue({ github, context, core }, { report: drift, label: "drift", runUrl: "u" })).toBe("updated");
    expect(calls.map(([n]) => n)).toEqual(["update"]);
  });

  test("closes the open issue when clean, and does nothing when clean and none is open", async () => {
    const a = fakeGithub({ issues: [{ number: 3 }] });
    expect(await driftIssue({ github: a.github, context, core }, { report: clean, label: "drift", runUrl: "u" })).toBe("closed");
    expect(a.calls.map(([n]) => n)).toEqual(["createComment", "update"]);
    const b = fakeGithub({ issues: [] });
    expect(await driftIssue({ github: b.github, context, core }, { report: clean, label: "drift", runUrl: "u" })).toBe("none");
  });

  test("keeps the issue open when plans failed (cannot tell those stacks are clean)", async () => {
    const { github } = fakeGithub({ issues: [{ number: 3 }] });
    const failed = { ...clean, failed: ["tenant-b"] };
    expect(await driftIssue({ github, context, core }, { report: failed, label: "drift", runUrl: "u" })).toBe("updated");
  });
});

describe("deploy-base", () => {
  const sha = (c: string) => c.repeat(40);
  const opts = { input: "", before: sha("b"), workflow: "deploy.yml", branch: "main" };

  test("prefers the dispatch input, then the last successful deploy, then before, then HEAD^", async () => {
    const withRun = fakeGithub({ runs: [{ head_sha: sha("a"), html_url: "u" }] }).github;
    const noRun = fakeGithub({ runs: [] }).github;
    expect(await deployBase({ github: withRun, context, core }, { ...opts, input: sha("c") })).toBe(sha("c"));
    expect(await deployBase({ github: withRun, context, core }, opts)).toBe(sha("a"));
    expect(await deployBase({ github: noRun, context, core }, opts)).toBe(sha("b"));
    expect(await deployBase({ github: noRun, context, core }, { ...opts, before: sha("0") })).toBe("");
  });

  test("fails on a dispatch input that is not a full SHA", async () => {
    const { github } = fakeGithub({});
    await expect(deployBase({ github, context, core }, { ...opts, input: "main" })).rejects.toThrow(/full 40-character commit SHA/);
  });
});

describe("run-approvals", () => {
  const runApprovals = require("../../.github/scripts/run-approvals.js");

  test("writes who approved which environment of this run, for the offboarding record", async () => {
    const file = require("node:path").join(require("node:os").tmpdir(), `approvals-${process.pid}.json`);
    const getReviewsForRun = jest.fn(async () => ({
      data: [{ state: "approved", comment: "contract ended", environments: [{ name: "production", id: 1 }], user: { login: "bob", id: 2 } }],
    }));
    const github = { rest: { actions: { getReviewsForRun } } };
    expect(await runApprovals({ github, context: { ...context, runId: 4242 }, core }, { file })).toBe(1);
    expect(getReviewsForRun).toHaveBeenCalledWith({ owner: "o", repo: "r", run_id: 4242 });
    expect(JSON.parse(require("node:fs").readFileSync(file, "utf8"))).toEqual([{ user: "bob", environments: ["production"], state: "approved", comment: "contract ended" }]);
  });
});
