import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CostReportSchema } from "../../cost/report";
import { runTypeScript } from "../support/run-typescript";
import { synthesize } from "../support/synth";
import { FixtureTenant, writeTenants } from "../support/tenant-fixtures";

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
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^- `tenant-tb`: \$44\.88 → \$62\.90 per month \(\+\$18\.02\) \+ platform share \$138\.84 → \$\d+\.\d\d$/)]);
    expect(cost(["--base", base, "--head", base, "--plan-comment"]).stdout).toBe("");
  }, 90_000);

  it("fails with usage on bad arguments", () => {
    const result = cost(["--plan-comment"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cost: --plan-comment needs both --base and --head");
  });
});

describe("cost warning at synth", () => {
  it("warns, without failing, when a tenant's own fixed cost exceeds its budget", () => {
    const tenantsDir = writeTenants([{ id: "big", agents: { butler: "{ cpu: 4096, memory: 8192, desiredCount: 2 }" } }]);
    const outdir = join(mkdtempSync(join(tmpdir(), "openclaw-cost-synth-")), "cdktf.out");
    const result = run("main.ts", [], { OPENCLAW_TENANTS_DIR: tenantsDir, CDKTF_OUTDIR: outdir });
    expect(result.status).toBe(0);
    // 8 vCPU × 730 h × $0.04048 = $236.40; 16 GB × 730 h × $0.004445 = $51.92; + key, secrets, alarms, budget.
    expect(result.stderr).toMatch(/^cost: tenant big: fixed estimate \$29\d\.\d\d\/month exceeds its budget of \$100\.00\/month before any Bedrock use/m);
  }, 90_000);
});
