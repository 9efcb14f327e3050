/**
 * The capacity gate as users meet it: main.ts run for real on 300 three-agent tenants in one
 * environment. Default quotas stop the synth on IAM roles and leave the previous output alone;
 * with the IAM role quota raised to 1,400 the synth passes with a warning.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/synth";
import { threeAgentTenants, writeCdktfJson, writeTenants } from "../support/tenant-fixtures";

const tenantsDir = writeTenants(threeAgentTenants(300));

function runSynth(cdktfJsonPath: string, outdir: string) {
  return spawnSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "main.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, OPENCLAW_TENANTS_DIR: tenantsDir, OPENCLAW_CDKTF_JSON: cdktfJsonPath, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
    timeout: 120_000,
  });
}

/** A database class large enough for 300 tenants, so the IAM role quota is what binds. */
const withLargeDatabase = (production: Record<string, any>) => {
  production.regions["us-east-1"].database.instanceClass = "db.r6g.8xlarge";
};

describe("capacity gate at synth", () => {
  it("stops 300 three-agent tenants on default quotas, naming the IAM roles quota, and writes nothing", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "openclaw-gate-")), "cdktf.out");
    mkdirSync(join(outdir, "stacks"), { recursive: true });
    writeFileSync(join(outdir, "manifest.json"), "previous output");

    const result = runSynth(writeCdktfJson(withLargeDatabase), outdir);

    expect(result.status).toBe(1);
    const breaches = result.stderr.split("\n").filter((l) => l.startsWith("capacity: "));
    expect(breaches).toEqual([
      "capacity: production (account-wide): IAM roles: 1,203 exceeds the limit of 1,000 (hard maximum 5,000); request an increase (up to 5,000) " +
        "and declare it as environments.production.quotas.iamRoles in cdktf.json, or move tenants to another environment (another AWS account)",
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(join(outdir, "manifest.json"), "utf8")).toBe("previous output");
    expect(existsSync(join(outdir, "stacks", "tenant-t-0000"))).toBe(false);
  }, 120_000);

  it("passes with a warning once the account's IAM role quota is raised to 1,400", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "openclaw-gate-")), "cdktf.out");
    const result = runSynth(
      writeCdktfJson((production) => {
        withLargeDatabase(production);
        production.quotas = { iamRoles: 1400 };
      }),
      outdir,
    );

    expect(result.stderr).toContain(
      "capacity warning: production (account-wide): IAM roles at 85.9% (1,203 of 1,400), room for 49 more tenants like the median one",
    );
    expect(result.status).toBe(0);
    expect(existsSync(join(outdir, "stacks", "tenant-t-0299", "cdk.tf.json"))).toBe(true);
  }, 120_000);
});
