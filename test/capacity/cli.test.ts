import { CapacityReportSchema } from "../../capacity/report";
import { runTypeScript } from "../support/run-typescript";
import { synthesize } from "../support/synth";
import { threeAgentTenants, writeCdktfJson, writeTenants } from "../support/tenant-fixtures";

const capacity = (args: string[], env: NodeJS.ProcessEnv = {}) => runTypeScript("capacity/cli.ts", args, { env });

/** Synthesizes a tenants directory into a fresh output directory. */
const synthDir = (tenantsDir: string) => synthesize(tenantsDir).outdir;

describe("npm run capacity", () => {
  it("prints --json in the documented shape, covering every environment", () => {
    const result = capacity(["--json"]);
    expect(result.status).toBe(0);
    const report = CapacityReportSchema.parse(JSON.parse(result.stdout));
    expect(new Set(report.quotas.map((q) => q.environment))).toEqual(new Set(["production", "staging"]));
    expect(report.breaches).toEqual([]);
  }, 60_000);

  it("prints the first bottleneck, then a table per account and region with headroom in tenants, about 100 columns wide (#27)", () => {
    const result = capacity([]);
    const lines = result.stdout.split("\n");
    expect(`${lines[0]} ${lines[1].trim()}`).toMatch(/^first bottleneck: .+ in \w+ .+: [\d,.]+ of [\d,]+, room for [\d,]+ more tenants like the median one$/);
    expect(result.stdout).toContain("production — account-wide (all regions)");
    // 2 production regions × 5 platform roles (provisioner, flow logs, RDS monitoring, the egress
    // proxy's execution and task roles) + 7 tenant roles.
    expect(result.stdout).toMatch(/IAM roles\s+17\s+1,000\s+1.7%\s+\d+ more/);
    expect(result.stdout).not.toMatch(/_[0-9A-F]{8}\)/); // no cdktf hash suffixes in subjects
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    // A tenant's own security group is not a shared resource: no "room for N more tenants" on it.
    expect(result.stdout).toMatch(/each tenant's network_security-group\s+3\s+60\s+5%\s+—/);
    expect(lines[0]).not.toMatch(/security-group/);
  }, 60_000);

  it("prints one line for the plan comment when a change moves a quota past 80%", () => {
    // An account whose IAM role quota is 100: 2 tenants use 13 roles, 22 tenants 93 (5 of them the platform's).
    const env = { OPENCLAW_CDKTF_JSON: writeCdktfJson((production) => (production.quotas = { iamRoles: 100 })) };
    const base = synthDir(writeTenants(threeAgentTenants(2)));
    const head = synthDir(writeTenants(threeAgentTenants(22)));
    const crossing = capacity(["--base", base, "--head", head, "--crossing"], env);
    expect(crossing.status).toBe(0);
    expect(crossing.stdout).toBe(
      ":warning: **Capacity:** this change moves IAM roles in production (account-wide) at 93% (93 of 100) past 80% of the account quota. See `npm run capacity`.\n",
    );
    expect(capacity(["--base", base, "--head", base, "--crossing"], env).stdout).toBe("");
  }, 60_000);

  it("fails with usage on bad arguments", () => {
    const result = capacity(["--crossing"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("capacity: --crossing needs both --base and --head");
  });
});
