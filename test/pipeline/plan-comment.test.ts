// Enforces SECURITY.md C23 (the table "Enforcing tests" there lists this file).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MARKER, renderComment, renderDetails } from "../../pipeline/plan-comment";
import { readPlans, classify, type StackPlan } from "../../pipeline/lib/plan";

import * as tool from "../../pipeline/plan-comment";
import { runCli } from "./cli-helper";
import { expectInOrder } from "../support/text-order";
import { REPO_ROOT } from "../support/fixtures";
const PLANS = join(__dirname, "fixtures", "plans");
const SECRETS = [
  "gmail-app-password-NEW-123",
  "gmail-app-password-OLD-123",
  "Sup3rS3cretOutput!",
  "Sup3rS3cretOutputOld!",
  "hunter2hunter2",
  "AKIAIOSFODNN7EXAMPLE",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
];

const cli = (...args: string[]) => runCli("plan-comment", tool, args);

/** A plan in Terraform's JSON format with `n` resource changes of the given actions. */
function fakePlan(actions: string[][]) {
  return {
    format_version: "1.2",
    terraform_version: "1.9.8",
    resource_changes: actions.map((a, i) => ({
      address: `aws_ssm_parameter.p${i}`,
      mode: "managed",
      type: "aws_ssm_parameter",
      name: `p${i}`,
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: { actions: a, before: null, after: { value: `v${i}` }, after_unknown: {}, before_sensitive: false, after_sensitive: {} },
    })),
    output_changes: {},
    errored: false,
  };
}

function writePlan(dir: string, stack: string, plan: unknown, text: string) {
  mkdirSync(join(dir, stack), { recursive: true });
  writeFileSync(join(dir, stack, "plan.json"), JSON.stringify(plan));
  writeFileSync(join(dir, stack, "plan.txt"), text);
}

describe("plan comment for the fixture plans", () => {
  const comment = renderComment(readPlans(PLANS), {
    removed: ["tenant-umbrella"],
    notes: ["⚠️ IAM roles in 111111111111: 912 of 1000 (quota)"],
    runUrl: "https://github.com/o/r/actions/runs/42",
    artifact: "terraform-plans-42",
  });

  test("starts with the hidden marker the workflow looks for", async () => {
    expect(comment.startsWith(`${MARKER}\n`)).toBe(true);
  });

  test("has a summary row with add / change / destroy / replace for every stack", async () => {
    expect(comment).toContain("| `tenant-globex` | 0 | 0 | 1 | 2 | ⚠️ destroys + replaces |");
    expect(comment).toContain("| `tenant-acme` | 0 | 2 | 0 | 0 | changes |");
    expect(comment).toContain("| `tenant-hooli` | 2 | 0 | 0 | 0 | changes |");
    expect(comment).toContain("| `platform-production-us-east-1` | 0 | 0 | 0 | 0 | no changes |");
    expect(comment).toContain("| `tenant-initech` | – | – | – | – | ❌ plan failed |");
  });

  test("calls out destroys and replacements (both action orders) before the table", async () => {
    expectInOrder(comment, ["[!CAUTION]", "| Stack |"]);
    expect(comment).toContain("`tenant-globex`: **replace** `aws_ecs_task_definition.scout`"); // ["create","delete"]
    expect(comment).toContain("`tenant-globex`: **replace** `aws_kms_key.tenant`"); // ["delete","create"]
    expect(comment).toContain('`tenant-globex`: **destroy** `aws_cloudwatch_metric_alarm.cpu["writer"]`');
  });

  test("reports the failed plan with its error in the details", async () => {
    expect(comment).toContain("**Plan failed for:** `tenant-initech`");
    expect(comment).toContain("InvalidClientTokenId");
  });

  test("lists removed stacks as needing offboarding", async () => {
    expect(comment).toContain("**Removed stacks need offboarding:** `tenant-umbrella`");
  });

  test("puts the notes above the table", async () => {
    // Mutation tried: dropping the notes from renderComment; the old indexOf(note) < indexOf(table) passed (-1).
    expectInOrder(comment, ["IAM roles in 111111111111: 912 of 1000", "| Stack |"]);
  });

  test("collapses per-stack details and skips stacks without changes", async () => {
    expect(comment).toContain("<details><summary><b>tenant-acme</b>");
    expect(comment).not.toContain("<details><summary><b>platform-production-us-east-1</b>");
  });

  test("never prints a sensitive value or a credential", async () => {
    for (const secret of SECRETS) expect(comment).not.toContain(secret);
  });

  test("points to the artifact with the full plans", async () => {
    expect(comment).toContain("artifact `terraform-plans-42` of [this workflow run](https://github.com/o/r/actions/runs/42)");
  });
});

describe("plan comment size", () => {
  test("300 stacks with long plans stay under 65,536 characters and keep every summary row", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plans-"));
    const stacks: string[] = [];
    for (let i = 0; i < 300; i++) {
      const stack = `tenant-t${String(i).padStart(3, "0")}`;
      stacks.push(stack);
      const actions = i % 50 === 0 ? [["delete", "create"], ["update"]] : [["update"], ["create"], ["no-op"]];
      // a different value per stack: no two plans alike, so none is grouped (see "stacks with the same changes")
      const text = Array.from({ length: 400 }, (_, l) => `  ~ resource "aws_ssm_parameter" "p${l}" { value = "x${l}-${i}" }`).join("\n");
      writePlan(dir, stack, fakePlan(actions), text);
    }
    const comment = renderComment(readPlans(dir), { runUrl: "https://example.test/run" });
    expect(comment.length).toBeLessThanOrEqual(65_536);
    for (const stack of stacks) expect(comment).toContain(`| \`${stack}\` |`);
    expect(comment).toContain("**Details cut to fit GitHub's comment limit:**");
    expect(comment).toContain("Full plans: artifact `terraform-plans`");
    // destructive stacks are first in line for the detail budget
    expect(comment).toContain("<details><summary><b>tenant-t000</b>");
  });

  test("one huge plan is shortened, saying how much was cut", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plans-"));
    const text = Array.from({ length: 20_000 }, (_, l) => `  + resource line ${l}`).join("\n");
    writePlan(dir, "tenant-big", fakePlan([["create"]]), text);
    const comment = renderComment(readPlans(dir));
    expect(comment.length).toBeLessThanOrEqual(65_000);
    expect(comment).toMatch(/_Shortened: \d+ of 20000 plan line\(s\) cut; the full plan is in the artifact._/);
  });

  test("1,200 stacks without changes are compacted, not dropped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plans-"));
    for (let i = 0; i < 1200; i++) writePlan(dir, `tenant-quite-long-name-${i}`, fakePlan([["no-op"]]), "No changes.");
    writePlan(dir, "tenant-changed", fakePlan([["update"]]), "~ update");
    const comment = renderComment(readPlans(dir));
    expect(comment.length).toBeLessThanOrEqual(65_000);
    expect(comment).toContain("| `tenant-changed` | 0 | 1 | 0 | 0 | changes |");
    expect(comment).toContain("**No changes (1200):**");
    expect(comment).toContain("`tenant-quite-long-name-1199`");
  });
});

describe("plan reading", () => {
  test("classifies Terraform's action lists", async () => {
    expect(classify(["delete", "create"])).toBe("replace");
    expect(classify(["create", "delete"])).toBe("replace");
    expect(classify(["no-op"])).toBe("no-op");
    expect(classify(["read"])).toBe("read");
    expect(classify(["forget"])).toBe("forget");
  });

  test("a stack directory without plan.json or error.txt is reported, not skipped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plans-"));
    mkdirSync(join(dir, "tenant-lost"));
    const comment = renderComment(readPlans(dir));
    expect(comment).toContain("| `tenant-lost` | – | – | – | – | ❔ no result |");
  });

  test("no affected stacks gives a short comment that still carries the marker", async () => {
    const comment = renderComment([], {});
    expect(comment).toContain(MARKER);
    expect(comment).toContain("No stack changed: nothing to plan.");
  });
});

describe("plan-comment CLI", () => {
  test("prints the comment, with --notes-file lines and --removed stacks", async () => {
    const notes = join(mkdtempSync(join(tmpdir(), "notes-")), "notes.md");
    writeFileSync(notes, "Quota: 95% of IAM roles used\n");
    const r = await cli(PLANS, "--removed", "tenant-umbrella,tenant-gone", "--notes-file", notes);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Quota: 95% of IAM roles used");
    expect(r.stdout).toContain("`tenant-gone`, `tenant-umbrella`");
  });

  test("exits 1 when the plans directory does not exist", async () => {
    const r = await cli("/nonexistent/plans");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no such directory/);
  });

  test("exits 1 on a removed stack name that is not a stack name", async () => {
    const r = await cli(PLANS, "--removed", "tenant-a;rm -rf /");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--removed: invalid stack name/);
  });
});

describe("plan-comment: survivors of the Stryker run", () => {
  // mutation testing (Stryker run): the "destroys + replaces" status (condition → false, text → "") survived.
  test("a stack that both destroys and replaces says both", () => {
    expect(renderComment([stackPlan("tenant-a", { destroy: 1, replace: 1 })])).toContain("| `tenant-a` | 0 | 0 | 1 | 1 | ⚠️ destroys + replaces |");
  });

  // mutation testing (Stryker run): the defaults `notes = []` and `offboarded: []` (without --notes-file and --tenants)
  // → a made-up entry survived: nothing checked that the comment then has no notes and no offboarded list.
  test("without --notes-file and --tenants the comment has no notes and every removed stack needs offboarding", async () => {
    const bare = await cli(PLANS, "--removed", "tenant-gone");
    expect(bare.status).toBe(0);
    expect(bare.stdout).toBe(renderComment(readPlans(PLANS), { removed: ["tenant-gone"], offboarded: [], notes: [] }));
  });
});

describe("plan-comment --affected", () => {
  test("reports affected stacks without a plan result and lists removed ones", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "aff-")), "affected.json");
    writeFileSync(file, JSON.stringify({ changed: ["tenant-acme", "tenant-vanished"], added: [], removed: ["tenant-umbrella"], order: [] }));
    const r = await cli(PLANS, "--affected", file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| `tenant-vanished` | – | – | – | – | ❔ no result |");
    expect(r.stdout).toContain("**Removed stacks need offboarding:** `tenant-umbrella`");
  });

  // The pull request that merges the offboarding job's tombstone edit removes the tenant's stack.
  // The deploy reports that stack as offboarded, not as one to offboard (deploy-stacks --tenants);
  // the comment must say the same, not ask reviewers to offboard a tenant already offboarded.
  test("with --tenants, a removed stack whose tenant file is an offboarded tombstone is listed as offboarded, not as needing offboarding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aff-"));
    const file = join(dir, "affected.json");
    writeFileSync(file, JSON.stringify({ changed: [], added: [], removed: ["tenant-umbrella", "tenant-gone", "tenant-broken"], order: [] }));
    const tenants = join(dir, "tenants");
    mkdirSync(tenants);
    writeFileSync(join(tenants, "umbrella.yaml"), "id: umbrella\nenvironment: production\nregion: us-east-1\nstatus: offboarded\noffboardedAt: 2026-12-01T22:10:00.000Z\n");
    writeFileSync(join(tenants, "broken.yaml"), "id: [not, a, tenant\n");
    const r = await cli(PLANS, "--affected", file, "--tenants", tenants);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("**Offboarded (tombstone):** `tenant-umbrella`: destroyed by the offboarding job; nothing to plan or deploy. The deploy checks the offboarding record and the emptied state first.");
    // no file, or a file that does not parse: the comment cannot tell, so the stack needs offboarding
    expect(r.stdout).toContain("**Removed stacks need offboarding:** `tenant-broken`, `tenant-gone`");
    expect(r.stdout).toMatch(/^## Terraform plan: .*2 removed, 1 offboarded$/m);
  });

  test("a removed stack needing offboarding points at the offboarding job, not at destroying by hand", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "aff-")), "affected.json");
    writeFileSync(file, JSON.stringify({ changed: [], added: [], removed: ["tenant-umbrella"], order: [] }));
    const r = await cli(PLANS, "--affected", file);
    expect(r.stdout).toContain("set `status: offboarding`");
    expect(r.stdout).not.toMatch(/destroy by hand/);
  });
});

test("2,000 failed plans (e.g. a role that cannot be assumed) still give a comment GitHub accepts", () => {
  const dir = mkdtempSync(join(tmpdir(), "plans-"));
  for (let i = 0; i < 2000; i++) {
    mkdirSync(join(dir, `tenant-t${i}`));
    writeFileSync(join(dir, `tenant-t${i}`, "error.txt"), "Error: AccessDenied: not authorized to perform sts:AssumeRoleWithWebIdentity");
  }
  const comment = renderComment(readPlans(dir));
  expect(comment.length).toBeLessThanOrEqual(65_000);
  expect(comment).toContain("**Plan failed for:** `tenant-t0`");
  expect(comment).toMatch(/and 1970 more/);
  expect(comment).toMatch(/\*\*\d+ summary row\(s\) cut: too many stacks for one comment\.\*\*/);
});

/** A plan as readPlans gives it: no changes unless `fields` say otherwise. */
function stackPlan(stack: string, fields: Partial<StackPlan> = {}): StackPlan {
  return { stack, status: "ok", add: 0, change: 0, destroy: 0, replace: 0, outputsChanged: 0, drifted: 0, changes: [], text: "", ...fields };
}

const TABLE_HEAD = ["| Stack | Add | Change | Destroy | Replace | Status |", "|---|--:|--:|--:|--:|---|"];
/** The end of the last details section and the comment's footer, with the default artifact. */
const CLOSING_FENCE_AND_FOOTER = ["```", "</details>", "", "---", "Full plans: artifact `terraform-plans`.", ""];

describe("the whole comment", () => {
  // mutation testing: the status labels, the headline parts, the ranking (failed, destroying, changing, unchanged; by
  // name within), the removed/offboarded sorting and texts, the blank line after the notes, the callout texts and the
  // commit in the footer survived before this test (the fixture tests only checked fragments).
  test("every kind of stack, given in reverse order, renders in rank order with every section", () => {
    const plans = [
      stackPlan("tenant-a-same"),
      stackPlan("tenant-b-out", { outputsChanged: 2, text: 'Changes to Outputs:\n  ~ url = "a" -> "b"' }),
      stackPlan("tenant-c-add", { add: 1, changes: [{ address: "aws_s3_bucket.b", action: "create" }], text: '  + resource "aws_s3_bucket" "b" {}' }),
      stackPlan("tenant-d-repl", { replace: 1, changes: [{ address: "aws_kms_key.k", action: "replace" }], text: '-/+ resource "aws_kms_key" "k"' }),
      stackPlan("tenant-e-del", { destroy: 1, changes: [{ address: "aws_sqs_queue.q", action: "delete" }], text: '  - resource "aws_sqs_queue" "q"' }),
      stackPlan("tenant-f-fail", { status: "error", text: "Error: AccessDenied" }),
      stackPlan("tenant-g-ref", { status: "refused", text: "aws_iam_user is not allowed" }),
      stackPlan("tenant-h-lost", { status: "missing" }),
    ].reverse();
    const comment = renderComment(plans, { removed: ["tenant-z", "tenant-y"], offboarded: ["tenant-x", "tenant-w"], notes: ["note one", "note two"], commit: "abc123" });
    expect(comment).toBe(
      [
        MARKER,
        "## Terraform plan: 8 stack(s) planned, 4 with changes, 2 destroying or replacing, 2 failed, 1 refused, 2 removed, 2 offboarded",
        "",
        "note one",
        "note two",
        "",
        "> [!CAUTION]",
        "> **Destroys and replacements.** Check each one before merging:",
        "> - `tenant-d-repl`: **replace** `aws_kms_key.k`",
        "> - `tenant-e-del`: **destroy** `aws_sqs_queue.q`",
        "",
        "> [!WARNING]",
        "> **Removed stacks need offboarding:** `tenant-y`, `tenant-z`.",
        "> The pipeline never destroys a removed stack: the deploy will stop with instructions.",
        "> To offboard a tenant, keep its file and set `status: offboarding` instead: the deploy's offboard job exports, destroys and",
        "> records, then prints the tombstone edit to merge (`.github/README.md`, *Offboarding a tenant*).",
        "",
        "**Offboarded (tombstone):** `tenant-w`, `tenant-x`: destroyed by the offboarding job; nothing to plan or deploy. The deploy checks the offboarding record and the emptied state first.",
        "",
        "> [!CAUTION]",
        "> **Refused by the stack policy (not planned):** `tenant-g-ref`. Their synthesized Terraform holds something the",
        "> project's stacks never contain (reasons in the details below); see `pipeline/lib/stack-policy.ts`.",
        "",
        "> [!WARNING]",
        "> **Plan failed for:** `tenant-f-fail`, `tenant-h-lost` (errors in the details below).",
        "",
        ...TABLE_HEAD,
        "| `tenant-f-fail` | – | – | – | – | ❌ plan failed |",
        "| `tenant-g-ref` | – | – | – | – | ⛔ refused by the stack policy |",
        "| `tenant-h-lost` | – | – | – | – | ❔ no result |",
        "| `tenant-d-repl` | 0 | 0 | 0 | 1 | ⚠️ replaces |",
        "| `tenant-e-del` | 0 | 0 | 1 | 0 | ⚠️ destroys |",
        "| `tenant-b-out` | 0 | 0 | 0 | 0 | changes |",
        "| `tenant-c-add` | 1 | 0 | 0 | 0 | changes |",
        "| `tenant-a-same` | 0 | 0 | 0 | 0 | no changes |",
        "",
        "<details><summary><b>tenant-f-fail</b>: ❌ plan failed</summary>",
        "",
        "```text",
        "Error: AccessDenied",
        "```",
        "</details>",
        "",
        "<details><summary><b>tenant-g-ref</b>: ⛔ refused by the stack policy</summary>",
        "",
        "```text",
        "aws_iam_user is not allowed",
        "```",
        "</details>",
        "",
        "<details><summary><b>tenant-h-lost</b>: ❔ no result</summary>",
        "",
        "```text",
        "",
        "```",
        "</details>",
        "",
        "<details><summary><b>tenant-d-repl</b>: 0 to add, 0 to change, 0 to destroy, 1 to replace</summary>",
        "",
        "- **replace** `aws_kms_key.k`",
        "",
        "```text",
        '-/+ resource "aws_kms_key" "k"',
        "```",
        "</details>",
        "",
        "<details><summary><b>tenant-e-del</b>: 0 to add, 0 to change, 1 to destroy, 0 to replace</summary>",
        "",
        "- **destroy** `aws_sqs_queue.q`",
        "",
        "```text",
        '  - resource "aws_sqs_queue" "q"',
        "```",
        "</details>",
        "",
        "<details><summary><b>tenant-b-out</b>: 0 to add, 0 to change, 0 to destroy, 0 to replace, 2 output(s) changed</summary>",
        "",
        "```text",
        "Changes to Outputs:",
        '  ~ url = "a" -> "b"',
        "```",
        "</details>",
        "",
        "<details><summary><b>tenant-c-add</b>: 1 to add, 0 to change, 0 to destroy, 0 to replace</summary>",
        "",
        "- create `aws_s3_bucket.b`",
        "",
        "```text",
        '  + resource "aws_s3_bucket" "b" {}',
        "```",
        "</details>",
        "",
        "---",
        "Full plans: artifact `terraform-plans`. Planned for abc123.",
        "",
      ].join("\n"),
    );
  });

  // mutation testing: `(opts.notes ?? []).length` → true (a blank line without notes), the default artifact name and
  // the trailing-whitespace trim of the plan text survived before this test.
  test("one changed stack without options: headline, table, details and footer only", () => {
    const comment = renderComment([stackPlan("tenant-a", { change: 1, changes: [{ address: "aws_s3_bucket.b", action: "update" }], text: "  ~ update\n\n" })]);
    expect(comment).toBe(
      [
        MARKER,
        "## Terraform plan: 1 stack(s) planned, 1 with changes",
        "",
        ...TABLE_HEAD,
        "| `tenant-a` | 0 | 1 | 0 | 0 | changes |",
        "",
        "<details><summary><b>tenant-a</b>: 0 to add, 1 to change, 0 to destroy, 0 to replace</summary>",
        "",
        "- update `aws_s3_bucket.b`",
        "",
        "```text",
        "  ~ update",
        ...CLOSING_FENCE_AND_FOOTER,
      ].join("\n"),
    );
  });

  // mutation testing: the `p.drifted > 0` candidate filter → false (a drifted stack without changes lost its details)
  // survived before this test.
  test("a stack without changes but with drift gets details; one without either does not", () => {
    const comment = renderComment([stackPlan("tenant-a", { drifted: 1, text: "drift" }), stackPlan("tenant-b")]);
    expect(comment).toBe(
      [
        MARKER,
        "## Terraform plan: 2 stack(s) planned",
        "",
        ...TABLE_HEAD,
        "| `tenant-a` | 0 | 0 | 0 | 0 | no changes |",
        "| `tenant-b` | 0 | 0 | 0 | 0 | no changes |",
        "",
        "<details><summary><b>tenant-a</b>: 0 to add, 0 to change, 0 to destroy, 0 to replace</summary>",
        "",
        "- 1 resource(s) changed outside Terraform since the last apply",
        "",
        "```text",
        "drift",
        ...CLOSING_FENCE_AND_FOOTER,
      ].join("\n"),
    );
  });

  // mutation testing: `opts.marker ?? MARKER` and `opts.title ?? …` (→ the defaults always) survived before this test.
  test("a given marker and title replace the defaults", () => {
    expect(renderComment([], { marker: "<!-- other -->", title: "Drift report" }).split("\n").slice(0, 2)).toEqual(["<!-- other -->", "## Drift report"]);
  });

  // mutation testing: `removed.length + offboarded.length` → `-`, and the conditional → true/false, survived before
  // this test (only the "nothing to plan" text was checked).
  test("no stack to plan: says why, depending on whether stacks were removed", () => {
    const last = (opts: Parameters<typeof renderComment>[1]) => renderComment([], opts).split("\n---\n")[0].trimEnd().split("\n").pop();
    expect(renderComment([])).toBe(`${MARKER}\n## Terraform plan: 0 stack(s) planned\n\nNo stack changed: nothing to plan.\n\n\n---\nFull plans: artifact \`terraform-plans\`.\n`);
    expect(last({ removed: ["tenant-y"], offboarded: ["tenant-x"] })).toBe("No stack to plan.");
    expect(last({ offboarded: ["tenant-x"] })).toBe("No stack to plan.");
  });
});

describe("details of one stack (renderDetails)", () => {
  // mutation testing: the forget/import labels, the fallback to the action's own name and the drift line survived
  // before this test.
  test("labels every action and adds the drift count", () => {
    const plan = stackPlan("tenant-a", {
      drifted: 2,
      changes: [
        { address: "aws_s3_bucket.f", action: "forget" },
        { address: "aws_s3_bucket.i", action: "import" },
        { address: "data.aws_x.r", action: "read" },
      ],
      text: "x",
    });
    expect(renderDetails(plan, 10_000)).toEqual({
      text: [
        "<details><summary><b>tenant-a</b>: 0 to add, 0 to change, 0 to destroy, 0 to replace</summary>",
        "",
        "- forget (removed from state, kept in AWS) `aws_s3_bucket.f`",
        "- import `aws_s3_bucket.i`",
        "- read `data.aws_x.r`",
        "- 2 resource(s) changed outside Terraform since the last apply",
        "",
        "```text",
        "x",
        "```",
        "</details>",
        "",
      ].join("\n"),
      shortened: false,
    });
  });

  // mutation testing: the fence's `/`+/g` → /`/g, Math.max → Math.min (both), `longest + 1` → `- 1` and the `?? []`
  // default → ["Stryker was here"] survived before this test.
  test.each([
    ["no backtick", "plain", "```"],
    ["a double backtick", "a `` b", "```"],
    ["three backticks", "a ``` b", "````"],
    ["four backticks, after a single one", "` and ````", "`````"],
  ])("the code fence is longer than any backtick run in the plan (%s)", (_, text, fence) => {
    const details = renderDetails(stackPlan("tenant-a", { status: "error", text }), 10_000)!.text;
    expect(details).toBe(`<details><summary><b>tenant-a</b>: ❌ plan failed</summary>\n\n${fence}text\n${text}\n${fence}\n</details>\n`);
  });

  const OPEN = "<details><summary><b>tenant-s</b>: 2 to add, 0 to change, 0 to destroy, 0 to replace</summary>\n\n";
  const CLOSE = "\n</details>\n";
  // resource lines of 26 characters (27 with their newline), then plan lines
  const big = (text: string) =>
    stackPlan("tenant-s", {
      add: 2,
      changes: [
        { address: "aws_s3_bucket.a", action: "create" },
        { address: "aws_s3_bucket.b", action: "create" },
      ],
      text,
    });
  const A26 = "a".repeat(26);
  const C300 = "c".repeat(300);

  // mutation testing: `full.length <= allowance` → `<` survived before this test.
  test("a section exactly the allowance long is not shortened; one character less is", () => {
    const full = renderDetails(big(C300), 10_000)!;
    expect(full.shortened).toBe(false);
    expect(renderDetails(big(C300), full.text.length)).toEqual(full);
    expect(renderDetails(big(C300), full.text.length - 1)!.shortened).toBe(true);
  });

  // mutation testing: `minimum` (open + close + 160, `+` → `-`) and `allowance < minimum` → `<=` survived before this test.
  test("the smallest shortened section is the heading, the note and the close: below that, none", () => {
    const minimum = OPEN.length + CLOSE.length + 160;
    expect(renderDetails(big(`${A26}\n${C300}`), minimum - 1)).toBeUndefined();
    expect(renderDetails(big(`${A26}\n${C300}`), minimum)).toEqual({
      text: `${OPEN}_Shortened: 2 resource line(s) and 2 of 2 plan line(s) cut; the full plan is in the artifact._${CLOSE}`,
      shortened: true,
    });
  });

  // mutation testing (Stryker run): `keptResources.join("\n")` → `join("")` survived: no test kept two resource lines.
  test("kept resource lines stay one per line", () => {
    const shortened = renderDetails(big(`${C300}\n${C300}`), OPEN.length + CLOSE.length + 160 + 108)!;
    expect(shortened.text.startsWith(`${OPEN}- create \`aws_s3_bucket.a\`\n- create \`aws_s3_bucket.b\`\n\n`)).toBe(true);
  });

  // mutation testing: the budget arithmetic (each `-` → `+`), `line.length + 1 > budget / 2` → `>=` and `budget * 2`,
  // `budget -= …` → `+=`, `line.length + 1 > budget` → `>=`, and the kept-lines/kept-resources conditionals survived
  // before this test.
  test("resources take at most half of the budget, plan lines the rest, both to the exact character", () => {
    // 54 characters beyond the minimum: one resource line (27 = 54 / 2), then one 26-character plan line (27 left)
    const allowance = OPEN.length + CLOSE.length + 160 + 54;
    expect(renderDetails(big(`${A26}\nb\n${C300}`), allowance)).toEqual({
      text:
        `${OPEN}- create \`aws_s3_bucket.a\`\n\n\`\`\`text\n${A26}\n\`\`\`\n` +
        `_Shortened: 1 resource line(s) and 2 of 3 plan line(s) cut; the full plan is in the artifact._${CLOSE}`,
      shortened: true,
    });
    // one character less: the resource line no longer fits in half, the plan line still fits in the whole
    expect(renderDetails(big(`${A26}\n${A26}\n${C300}`), allowance - 1)).toEqual({
      text: `${OPEN}\`\`\`text\n${A26}\n\`\`\`\n_Shortened: 2 resource line(s) and 2 of 3 plan line(s) cut; the full plan is in the artifact._${CLOSE}`,
      shortened: true,
    });
  });

  // mutation testing: `cutResources ? … : ""` → true survived before this test.
  test("when every resource line is kept the note counts only the plan lines", () => {
    const plan = stackPlan("tenant-s", { status: "error", text: `${A26}\n${C300}` });
    const open = "<details><summary><b>tenant-s</b>: ❌ plan failed</summary>\n\n";
    expect(renderDetails(plan, open.length + CLOSE.length + 160 + 27)).toEqual({
      text: `${open}\`\`\`text\n${A26}\n\`\`\`\n_Shortened: 1 of 2 plan line(s) cut; the full plan is in the artifact._${CLOSE}`,
      shortened: true,
    });
  });
});

describe("callouts above the table", () => {
  const destroying = (stack: string, n: number) =>
    stackPlan(stack, {
      destroy: n,
      add: 1,
      changes: [{ address: "aws_s3_bucket.new", action: "create" }, ...Array.from({ length: n }, (_, i) => ({ address: `aws_sqs_queue.q${i}`, action: "delete" as const }))],
    });
  const callout = (comment: string) => comment.split("\n").filter((l) => l.startsWith("> - "));

  // mutation testing: dropping the delete/replace filter of the callout (a create listed as a destroy) survived before this test.
  test("lists only the destroys and replacements, not the creates of the same stack", () => {
    expect(callout(renderComment([destroying("tenant-a", 1)]))).toEqual(["> - `tenant-a`: **destroy** `aws_sqs_queue.q0`"]);
  });

  // mutation testing: `items.length - shown.length` → `+` survived before this test (`>` → `>=` was caught only by
  // the exact comment, which has two items).
  test("shows 40 destroys and counts the rest", () => {
    expect(callout(renderComment([destroying("tenant-a", 40)]))).toHaveLength(40);
    const lines = callout(renderComment([destroying("tenant-a", 41)]));
    expect(lines).toHaveLength(41);
    expect(lines[40]).toBe("> - … and 1 more (see the table and details)");
  });

  // mutation testing: `names.length > max` → `>=` and dropping the 30-name slice of `capped` survived before this test.
  test("names at most 30 removed stacks and counts the rest", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `tenant-r${String(i).padStart(2, "0")}`);
    const line = (n: number) => renderComment([], { removed: names(n) }).split("\n").find((l) => l.startsWith("> **Removed stacks"));
    expect(line(30)).toBe(`> **Removed stacks need offboarding:** ${names(30).map((s) => `\`${s}\``).join(", ")}.`);
    expect(line(31)).toBe(`> **Removed stacks need offboarding:** ${names(30).map((s) => `\`${s}\``).join(", ")} and 1 more.`);
  });

  // mutation testing: dropping redactText from the notes survived before this test.
  test("notes are redacted", () => {
    const comment = renderComment([], { notes: ["key AKIAIOSFODNN7EXAMPLE leaked"] });
    expect(comment).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(comment).toContain("key ");
  });

  // mutation testing: the secrets error line (`if (secrets.error)` → false, redactText dropped) and the warning
  // texts survived before this test.
  test("secrets scheduled for deletion and a failed lookup are called out, each with the stack", () => {
    const comment = renderComment([
      stackPlan("tenant-acme", {
        secrets: {
          recoveryWindowDays: 7,
          scheduled: [{ address: "aws_secretsmanager_secret.s", name: "openclaw/acme/s", deletedDate: new Date("2026-12-01T10:00:00Z") }],
          error: "ThrottlingException: slow down, key AKIAIOSFODNN7EXAMPLE",
        },
      }),
      stackPlan("tenant-b", { secrets: { recoveryWindowDays: 30, scheduled: [] } }),
    ]);
    const warning = comment.split("\n\n")[1].split("\n");
    expect(warning.slice(0, 2)).toEqual([
      "> [!WARNING]",
      "> **Secrets scheduled for deletion.** Applying would fail on CreateSecret; the deploy refuses these stacks before any apply:",
    ]);
    expect(warning[2]).toMatch(/^> - tenant `acme` \(`tenant-acme`\): `aws_secretsmanager_secret\.s`: secret `openclaw\/acme\/s` was deleted on 2026-12-01 .*\(recovery window 7 days\): creating it fails until about 2026-12-08\./);
    expect(warning[3]).toMatch(/^> - `tenant-acme`: the secrets this plan creates could not be checked for a pending deletion \(ThrottlingException\\: slow down\\, key .+\)\.$/);
    expect(warning).toHaveLength(4);
    expect(comment).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });
});

/** The footer when nothing is cut: the comment reserves its length + 300 for the footer. */
const FOOTER = "\n---\nFull plans: artifact `terraform-plans`.\n";

describe("the summary under the size limit", () => {
  const unchanged = [stackPlan("tenant-a"), stackPlan("tenant-b")];

  // mutation testing: `full.length <= budget` → `<`, `listed.length <= budget` → `<`, the summary budget arithmetic
  // (maxChars - head - footer reserve, each `-` → `+`) and the footer reserve (`+ 300` → `- 300`) survived before this test.
  test("a row per stack while it fits with 300 characters to spare, then the unchanged stacks in a line, then their count", () => {
    const whole = renderComment(unchanged);
    expect(renderComment(unchanged, { maxChars: whole.length + 300 })).toBe(whole);
    const listed = renderComment(unchanged, { maxChars: whole.length + 299 });
    expect(listed).toBe(`${MARKER}\n## Terraform plan: 2 stack(s) planned\n\n${TABLE_HEAD.join("\n")}\n\n**No changes (2):** \`tenant-a\`, \`tenant-b\`\n${FOOTER}`);
    expect(renderComment(unchanged, { maxChars: listed.length + 300 })).toBe(listed);
    expect(renderComment(unchanged, { maxChars: listed.length + 299 })).toBe(
      `${MARKER}\n## Terraform plan: 2 stack(s) planned\n\n${TABLE_HEAD.join("\n")}\n\n**No changes:** 2 more stacks (listed in the artifact).\n${FOOTER}`,
    );
  });

  // mutation testing: `noChange.length === 0` → false (a "No changes" line for no stack) survived before this test.
  test("with no unchanged stack to compact, the table stays whole and the details give way", () => {
    const failed = [stackPlan("tenant-a", { status: "error", text: "Error" }), stackPlan("tenant-b", { status: "error", text: "Error" })];
    const whole = renderComment(failed);
    const rows = whole.slice(0, whole.indexOf("\n<details>"));
    expect(renderComment(failed, { maxChars: rows.length + FOOTER.length + 299 })).toBe(
      `${rows}\n---\n**Details cut to fit GitHub's comment limit:** 2 stack(s) without details. Full plans: artifact \`terraform-plans\`.\n`,
    );
  });

  // mutation testing: the group member budget (maxChars - head - table - footer reserve, each `-` → `+`) survived
  // before this test.
  test("the members of a group are named while they fit with 300 characters to spare, then counted", () => {
    const same = (s: string) => stackPlan(s, { change: 1, changes: [{ address: "aws_s3_bucket.b", action: "update" }], text: `  ~ bucket = "${s}-data"` });
    const plans = [same("tenant-aa"), same("tenant-bb"), stackPlan("tenant-cc")];
    const whole = renderComment(plans);
    const summary = whole.slice(0, whole.indexOf("\n<details>"));
    expect(summary).toContain("\n| `tenant-aa + 1 more with the same changes` | 0 | 1 | 0 | 0 | changes |\n| `tenant-cc` |");
    expect(summary).toContain("\n\n**The same changes as `tenant-aa` (2 stacks):** `tenant-aa`, `tenant-bb`\n");
    const named = renderComment(plans, { maxChars: summary.length + FOOTER.length + 300 });
    expect(named.startsWith(`${summary}\n---\n**Details cut`)).toBe(true);
    const counted = renderComment(plans, { maxChars: summary.length + FOOTER.length + 299 });
    expect(counted).toContain("\n\n**The same changes as `tenant-aa`:** 2 stacks (listed in the artifact).\n");
  });
});

describe("details under the size limit", () => {
  /**
   * A changed stack whose plan has 5,000 one-character lines: its details shrink by one line per 2 characters. Each
   * changes a different number of resources, so that no two are grouped.
   */
  const long = (stack: string, change: number) => stackPlan(stack, { change, text: Array.from({ length: 5000 }, () => "x").join("\n") });
  /** What the details may use: the limit less the head and summary, the footer reserve and 2. */
  const detailsBudget = (comment: string, maxChars: number) => maxChars - comment.indexOf("\n<details>") - FOOTER.length - 300 - 2;
  const sections = (comment: string) => comment.slice(comment.indexOf("\n<details>") + 1, comment.indexOf("\n---\n")).split("\n<details>").map((s, i) => (i ? `<details>${s}` : s));

  // mutation testing: the details budget arithmetic (`- 2` → `+ 2`, …), Math.min/Math.max swapped, `remaining / (n - i)`
  // → `n + i` and `remaining -= text + 1` → `- 1` survived before this test.
  test.each([6000, 6001, 6002, 6003])("two long plans: the first gets half of the budget, the second what is left (maxChars %d)", (maxChars) => {
    const plans = [long("tenant-a", 1), long("tenant-b", 2)];
    const comment = renderComment(plans, { maxChars });
    const budget = detailsBudget(comment, maxChars);
    const first = renderDetails(plans[0], Math.floor(budget / 2))!.text;
    const second = renderDetails(plans[1], budget - first.length - 1)!.text;
    expect(sections(comment)).toEqual([first, second]);
    expect(comment.endsWith("\n---\n**Details cut to fit GitHub's comment limit:** 2 stack(s) shortened. Full plans: artifact `terraform-plans`.\n")).toBe(true);
  });

  // mutation testing: MIN_USEFUL_DETAIL (Math.max → Math.min) and the footer's counts survived before this test.
  test("when a fair share is too small, stacks in order get 1,200 characters each until the budget runs out", () => {
    const plans = Array.from({ length: 10 }, (_, i) => long(`tenant-s${i}`, i + 1));
    const maxChars = 5830;
    const comment = renderComment(plans, { maxChars });
    const budget = detailsBudget(comment, maxChars);
    const first = plans.slice(0, 4).map((p) => renderDetails(p, 1200)!.text);
    const used = first.reduce((n, d) => n + d.length + 1, 0);
    expect(budget / 10).toBeLessThan(1200);
    expect(sections(comment)).toEqual([...first, renderDetails(plans[4], budget - used)!.text]);
    expect(comment.endsWith("\n---\n**Details cut to fit GitHub's comment limit:** 5 stack(s) shortened, 5 stack(s) without details. Full plans: artifact `terraform-plans`.\n")).toBe(true);
  });
});

describe("the hard limit", () => {
  const failed = (n: number) => Array.from({ length: n }, (_, i) => stackPlan(`tenant-t${String(i).padStart(2, "0")}`, { status: "error", text: "Error: AccessDenied" }));

  // mutation testing: `out.length <= maxChars` → `<` survived before this test.
  test("a comment exactly maxChars long is kept whole", () => {
    const plans = failed(2);
    const whole = renderComment(plans);
    const rows = whole.slice(0, whole.indexOf("\n<details>"));
    const cut = `${rows}\n---\n**Details cut to fit GitHub's comment limit:** 2 stack(s) without details. Full plans: artifact \`terraform-plans\`.\n`;
    expect(renderComment(plans, { maxChars: cut.length })).toBe(cut);
  });

  // mutation testing: hardLimit's row accounting (the kept-row loop, its `<=`, the cut count `rows - kept`) survived
  // before this test: the 2,000-stack test only matched the footer's shape.
  test("too many rows: as many summary rows as fit, to the character, and how many were cut", () => {
    const plans = failed(60);
    const whole = renderComment(plans);
    const head = whole.slice(0, whole.indexOf("| Stack |"));
    const summary = whole.slice(head.length, whole.indexOf("\n<details>")).split("\n");
    const keeping = (kept: number) =>
      `${head}${summary.slice(0, kept).join("\n")}\n\n**${summary.length - kept} summary row(s) cut: too many stacks for one comment.** Full plans: artifact \`terraform-plans\`.\n`;
    for (let maxChars = 2000; maxChars < 2200; maxChars++) {
      const comment = renderComment(plans, { maxChars });
      let kept = 0;
      while (keeping(kept + 1).length <= maxChars) kept += 1;
      expect({ maxChars, comment }).toEqual({ maxChars, comment: keeping(kept) });
      expect(kept).toBeGreaterThan(2);
    }
  });

  // mutation testing: `kept < rows.length` → true (the loop then never ends) survived before this test.
  test("when only the longer footer of cut details goes over the limit, every row is kept", () => {
    const plans = failed(2);
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const whole = renderComment(plans, { commit });
    const rows = whole.slice(0, whole.indexOf("\n<details>"));
    const cut = `${rows}\n---\n**Details cut to fit GitHub's comment limit:** 2 stack(s) without details. Full plans: artifact \`terraform-plans\`. Planned for ${commit}.\n`;
    expect(renderComment(plans, { commit, maxChars: cut.length })).toBe(cut);
    const comment = renderComment(plans, { commit, maxChars: cut.length - 1 });
    expect(comment.startsWith(rows)).toBe(true);
    expect(comment).toContain("**0 summary row(s) cut: too many stacks for one comment.**");
  });
});

describe("plan-comment CLI arguments", () => {
  const tmp = () => mkdtempSync(join(tmpdir(), "plan-comment-"));
  const headingAndNotes = (stdout: string) => stdout.split("\n| Stack |")[0].split("\n").slice(1);

  // mutation testing: the positional check (`!== 1` → false) and its message survived before this test.
  test.each([[[]], [[PLANS, PLANS]]])("exits 1 unless given exactly one plans directory (%j)", async (args) => {
    const r = await cli(...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plan-comment: expected exactly one <plans-dir>, got ${args.length}\n`);
    expect(r.stdout).toBe("");
  });

  // mutation testing: the blank-line filter of --notes-file (dropped, or without trim) survived before this test.
  test("--notes-file: blank and whitespace-only lines are dropped", async () => {
    const notes = join(tmp(), "notes.md");
    writeFileSync(notes, "first\n\n   \nsecond\n");
    const r = await cli(PLANS, "--notes-file", notes);
    expect(headingAndNotes(r.stdout).slice(1, 5)).toEqual(["", "first", "second", ""]);
  });

  // mutation testing: the --notes-file read error and its message survived before this test.
  test("--notes-file that cannot be read: exit 1", async () => {
    const missing = join(tmp(), "none.md");
    const r = await cli(PLANS, "--notes-file", missing);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plan-comment: --notes-file: cannot read ${missing}\n`);
  });

  // mutation testing: each part of the --max-chars check (`!Number.isInteger`, `< 2000` → `<=`, `> 65_536` → `>=`,
  // `||` → `&&`) and its message survived before this test.
  test.each(["abc", "2500.5", "1999", "65537", ""])("--max-chars %j is refused", async (value) => {
    const r = await cli(PLANS, "--max-chars", value);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plan-comment: --max-chars must be an integer between 2000 and 65536, got ${value}\n`);
  });

  // mutation testing: passing maxChars to renderComment (dropped: the default limit) survived before this test.
  test.each([["2000"], ["65536"]])("--max-chars %s is accepted and limits the comment", async (value) => {
    const r = await cli(PLANS, "--max-chars", value);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeLessThanOrEqual(Number(value));
    expect(r.stdout.includes("**Details cut to fit GitHub's comment limit:**")).toBe(value === "2000");
  });

  // mutation testing: --artifact, --run-url and --commit not passed on, and the progress line, survived before this test.
  test("--artifact, --run-url and --commit name the full plans in the footer; stderr says what was written", async () => {
    const r = await cli(PLANS, "--artifact", "plans-7", "--run-url", "https://example.test/run/7", "--commit", "abc1234");
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith("\n---\nFull plans: artifact `plans-7` of [this workflow run](https://example.test/run/7). Planned for abc1234.\n")).toBe(true);
    expect(r.stderr).toBe(`plan-comment: 5 stack(s), ${r.stdout.length} characters\n`);
  });

  // mutation testing: `if (values.out)` → false (stdout instead of the file) survived before this test.
  test("--out writes the comment to the file and nothing to stdout", async () => {
    const out = join(tmp(), "comment.md");
    const r = await cli(PLANS, "--out", out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    const written = readFileSync(out, "utf8");
    expect(written.startsWith(`${MARKER}\n## Terraform plan: 5 stack(s) planned`)).toBe(true);
    expect(r.stderr).toBe(`plan-comment: 5 stack(s), ${written.length} characters\n`);
  });

  // mutation testing: `!have.has(stack)` → true (a planned stack also reported as "no result"), the added stacks
  // dropped, and `!removed.includes(stack)` → true (a stack removed twice) survived before this test.
  test("--affected: added stacks without a plan are 'no result'; planned ones and removed ones are listed once", async () => {
    const file = join(tmp(), "affected.json");
    writeFileSync(file, JSON.stringify({ changed: ["tenant-acme"], added: ["tenant-new"], removed: ["tenant-umbrella"], order: [] }));
    const r = await cli(PLANS, "--affected", file, "--removed", "tenant-umbrella");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("| `tenant-acme` |"))).toEqual(["| `tenant-acme` | 0 | 2 | 0 | 0 | changes |"]);
    expect(r.stdout).toContain("| `tenant-new` | – | – | – | – | ❔ no result |");
    expect(r.stdout).toContain("> **Removed stacks need offboarding:** `tenant-umbrella`.\n");
    expect(r.stderr).toBe(`plan-comment: 6 stack(s), ${r.stdout.length} characters\n`);
  });

  test("runs as the script npm runs: a usage error exits 1 and names the tool", () => {
    // The entry line (module level, not mutated: ignoreStatic) is otherwise never run by a test.
    const r = spawnSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "pipeline", "plan-comment.ts")], { encoding: "utf8" });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 1,
      stdout: "",
      stderr: "plan-comment: expected exactly one <plans-dir>, got 0\nRun with --help for usage.\n",
    });
  });
});
