// Enforces SECURITY.md C27 (the table "Enforcing tests" there lists this file).
/**
 * The capacity gate as users meet it: main.ts run for real on 30 three-agent tenants in one
 * environment whose account declares an IAM role quota of 100. The quota stops the synth and
 * leaves the previous output alone; raised to 140 the synth passes with a warning. (The default
 * quota of 1,000 is the same code path with another number: capacity/cli.test.ts shows it; 300
 * tenants to reach it here cost ten times the synth time.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTypeScript } from "../support/run-typescript";
import { threeAgentTenants, writeCdktfJson, writeTenants } from "../support/tenant-fixtures";

const tenantsDir = writeTenants(threeAgentTenants(30));

function runSynth(cdktfJsonPath: string, outdir: string) {
  return runTypeScript("main.ts", [], { env: { OPENCLAW_TENANTS_DIR: tenantsDir, OPENCLAW_CDKTF_JSON: cdktfJsonPath, CDKTF_OUTDIR: outdir }, timeoutMs: 120_000 });
}

/** The account's declared IAM role quota; the database class is large enough that roles bind first. */
const withRoleQuota = (iamRoles: number) => (production: Record<string, any>) => {
  production.regions["us-east-1"].database.instanceClass = "db.r6g.8xlarge";
  production.quotas = { iamRoles };
};

describe("capacity gate at synth", () => {
  it("stops 30 three-agent tenants on an IAM role quota of 100, naming the quota, and writes nothing", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "openclaw-gate-")), "cdktf.out");
    mkdirSync(join(outdir, "stacks"), { recursive: true });
    writeFileSync(join(outdir, "manifest.json"), "previous output");

    const result = runSynth(writeCdktfJson(withRoleQuota(100)), outdir);

    expect(result.status).toBe(1);
    const breaches = result.stderr.split("\n").filter((l) => l.startsWith("capacity: "));
    expect(breaches).toEqual([
      "capacity: production (account-wide): IAM roles: 125 exceeds the limit of 100 (hard maximum 5,000); request an increase (up to 5,000) " +
        "and declare it as environments.production.quotas.iamRoles in cdktf.json, or move tenants to another environment (another AWS account)",
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(join(outdir, "manifest.json"), "utf8")).toBe("previous output");
    expect(existsSync(join(outdir, "stacks", "tenant-t-0000"))).toBe(false);
  }, 120_000);

  it("passes with a warning once the account's IAM role quota is raised to 140", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "openclaw-gate-")), "cdktf.out");
    const result = runSynth(writeCdktfJson(withRoleQuota(140)), outdir);

    expect(result.stderr).toContain(
      "capacity warning: production (account-wide): IAM roles at 89.3% (125 of 140), room for 3 more tenants like the median one",
    );
    expect(result.status).toBe(0);
    expect(existsSync(join(outdir, "stacks", "tenant-t-0029", "cdk.tf.json"))).toBe(true);
  }, 120_000);
});
