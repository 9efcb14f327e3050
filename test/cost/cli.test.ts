import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CostReportSchema } from "../../cost/report";
import { runTypeScript } from "../support/run-typescript";
import { parse } from "yaml";
import { REPO_ROOT, synthesize } from "../support/synth";
import { FixtureTenant, writeCdktfJson, writeTenants } from "../support/tenant-fixtures";

const run = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) => runTypeScript(script, args, { env });
const cost = (args: string[], env: NodeJS.ProcessEnv = {}) => run(join("cost", "cli.ts"), args, env);

const synthDir = (tenants: FixtureTenant[]) => synthesize(writeTenants(tenants)).outdir;

describe("npm run cost", () => {
  it("prints --json in the documented shape, with every tenant and platform stack", () => {
    const result = cost(["--json"]);
    expect(result.status).toBe(0);
    const report = CostReportSchema.parse(JSON.parse(result.stdout));
    expect(report.tenants.map((t) => t.tenant)).toEqual(["acme", "globex", "initech"]);
    expect(report.platforms.map((p) => p.stack)).toEqual(["platform-production-us-east-1", "platform-production-us-west-2", "platform-staging-us-east-1"]);
    const acme = report.tenants.find((t) => t.tenant === "acme")!;
    expect(acme.totalMonthlyUsd).toBeCloseTo(acme.ownMonthlyUsd + acme.platformShareUsd, 9);
  }, 90_000);

  it("prints one plan-comment line per changed tenant stack: before → after and the platform share", () => {
    // Two tenants; head doubles tb's butler (512 CPU units: +0.5 vCPU × 730 h × $0.04048 = +$14.78, +1 GB × 730 h × $0.004445 = +$3.24).
    const base = synthDir([{ id: "ta" }, { id: "tb" }]);
    const head = synthDir([{ id: "ta" }, { id: "tb", agents: { butler: "{ cpu: 512, memory: 1024, desiredCount: 2 }", scout: "{ cpu: 256, memory: 512, spot: true }", writer: "{ cpu: 512, memory: 1024 }" } }]);
    const result = cost(["--base", base, "--head", head, "--plan-comment"]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\*\*Estimated fixed monthly cost\*\* \(before → after;/);
    // Only tenant-tb changed; ta's share moves too, but its stack (and plan) does not.
    // Base share: production us-east-1's platform (egress path, the provisioner's failed-runs alarm, the agent images' ECR storage, the fleet dashboard and the audit trail's key included) / 2 tenants.
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^- `tenant-tb`: \$48\.48 → \$66\.50 per month \(\+\$18\.02\) \+ platform share \$159\.21 → \$\d+\.\d\d — \*\*over its \$100\.00 budget by \$\d+\.\d\d\*\*$/)]);
    expect(cost(["--base", base, "--head", base, "--plan-comment"]).stdout).toBe("");
  }, 90_000);

  it("gives a tenant added in a region without a price table one line saying so and how to fix it, exit 0 (#27)", () => {
    const cdktfJson = writeCdktfJson((production) => {
      production.regions["ca-central-1"] = { ...production.regions["us-west-2"], vpcCidr: "10.40.0.0/16" };
    });
    const base = synthesize(writeTenants([{ id: "ta" }]), cdktfJson).outdir;
    const head = synthesize(writeTenants([{ id: "ta" }, { id: "tc", region: "ca-central-1" }]), cdktfJson).outdir;
    const result = cost(["--base", base, "--head", head, "--plan-comment"]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toContain(
      "- `tenant-tc`: no estimate: no price table for region ca-central-1 (cost/prices/ca-central-1.json): `npm run prices:update -- --region ca-central-1` writes it from the AWS Price List API with AWS credentials",
    );
    expect(lines).toContain(
      "- `platform-production-ca-central-1`: no estimate: no price table for region ca-central-1 (cost/prices/ca-central-1.json): `npm run prices:update -- --region ca-central-1` writes it from the AWS Price List API with AWS credentials",
    );
  }, 90_000);

  it("fails with usage on bad arguments", () => {
    const result = cost(["--plan-comment"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cost: --plan-comment needs both --base and --head");
  });
});

describe("plan.yml's notes step", () => {
  // GitHub runs `run:` scripts with bash -e: a failing command there used to end the job before the comment.
  it("still writes the comment's notes when npm run cost fails, with a line saying the estimate is missing", () => {
    const workflow = parse(readFileSync(join(REPO_ROOT, ".github", "workflows", "plan.yml"), "utf8"));
    const steps = Object.values<any>(workflow.jobs).flatMap((job) => job.steps ?? []);
    const notes = steps.find((s) => s.name === "Notes for the comment");
    expect(notes?.run).toContain("npm run -s cost");
    const dir = mkdtempSync(join(tmpdir(), "openclaw-plan-notes-"));
    // npm stand-in: capacity prints its line, cost dies as a crash would.
    writeFileSync(join(dir, "npm"), '#!/bin/sh\ncase "$*" in *capacity*) echo "capacity line";; *cost*) echo boom >&2; exit 2;; esac\n', { mode: 0o755 });
    const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", notes.run], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, "comment-notes.md"), "utf8")).toBe("capacity line\n**Estimated fixed monthly cost**: not available (npm run cost failed; see this workflow's log)\n");
  });
});

describe("cost warning at synth", () => {
  it("warns, without failing, when a tenant's own fixed cost exceeds its budget", () => {
    const tenantsDir = writeTenants([{ id: "big", agents: { butler: "{ cpu: 4096, memory: 8192, desiredCount: 2 }" } }]);
    const outdir = join(mkdtempSync(join(tmpdir(), "openclaw-cost-synth-")), "cdktf.out");
    const result = run("main.ts", [], { OPENCLAW_TENANTS_DIR: tenantsDir, CDKTF_OUTDIR: outdir });
    expect(result.status).toBe(0);
    // 8 vCPU × 730 h × $0.04048 = $236.40; 16 GB × 730 h × $0.004445 = $51.92; + key, secrets, alarms, budget.
    expect(result.stderr).toMatch(/^cost: tenant big: fixed estimate \$29\d\.\d\d\/month exceeds its budget of \$100\.00\/month by \$19\d\.\d\d before any Bedrock use/m);
  }, 90_000);
});
