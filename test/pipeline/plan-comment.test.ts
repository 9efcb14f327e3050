// Enforces SECURITY.md C23 (the table "Enforcing tests" there lists this file).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MARKER, renderComment } from "../../pipeline/plan-comment";
import { readPlans, classify } from "../../pipeline/lib/plan";

import * as tool from "../../pipeline/plan-comment";
import { runCli } from "./cli-helper";
import { expectInOrder } from "../support/text-order";
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
