/**
 * Make it yours (issue #27): the rewrite `npm run check:fork` applies to a copy of the repository,
 * and the fleet check on its result. Runs on the fixtures (the live fleet is the adopter's); the
 * whole-repository run (`npm test` and `npm run check:fleet` in a forked copy) is a `.ci/run` gate.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../config/loader";
import { HELP as FLEET_HELP, FLEET_INVARIANT_TESTS, main as checkFleet } from "../../scripts/check-fleet";
import { exampleIdentifiers, forkConfiguration, leftovers } from "../../toolchain/fork";
import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR, REPO_ROOT } from "../support/fixtures";
import { synthesize } from "../support/synth";

/** A repository-shaped directory (cdktf.json, tenants/) holding the fixtures. */
function fixtureRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-fork-test-"));
  cpSync(FIXTURE_CDKTF_JSON, join(dir, "cdktf.json"));
  cpSync(FIXTURE_TENANTS_DIR, join(dir, "tenants"), { recursive: true });
  return dir;
}

const dir = fixtureRepository();
const before = exampleIdentifiers(dir);
const fork = forkConfiguration(dir);
const config = loadConfig({ cdktfJsonPath: join(dir, "cdktf.json"), tenantsDir: join(dir, "tenants") });

describe("the fork rewrite (toolchain/fork.ts)", () => {
  it("finds every kind of example identifier it must replace", () => {
    for (const [kind, values] of Object.entries(before)) expect({ kind, found: values.length > 0 }).toEqual({ kind, found: true });
    expect(before.tenants).toEqual(["acme", "globex", "initech"]);
    expect(before.regions).toEqual(["us-east-1", "us-west-2"]);
  });

  it("leaves no example tenant, account id, bucket, lock table, cost center or region in cdktf.json or tenants/", () => {
    const all = Object.values(before).flat();
    expect(all.filter((id) => !fork.replaced.has(id))).toEqual([]);
    expect(leftovers(dir, all)).toEqual([]);
  });

  it("reports an identifier the rewrite missed, with its file", () => {
    const copy = fixtureRepository();
    writeFileSync(join(copy, "tenants", "acme.yaml"), readFileSync(join(copy, "tenants", "acme.yaml"), "utf8").replace("ops@acme.example", "ops@acme.example, billing@globex.example"));
    expect(leftovers(copy, ["globex", "us-west-2", "999999999999"])).toEqual(["cdktf.json: us-west-2", "tenants/acme.yaml: globex", "tenants/globex.yaml: globex", "tenants/globex.yaml: us-west-2"]);
  });

  it("produces a configuration the loader accepts, with a tenant in a region no example used", () => {
    expect(before.regions).not.toContain(fork.added.region);
    expect(config.tenants.map((t) => t.id).sort()).toEqual([...before.tenants.map((t) => fork.replaced.get(t)!), fork.added.id].sort());
    expect(config.tenants.find((t) => t.id === fork.added.id)).toMatchObject({ environment: fork.added.environment, region: fork.added.region });
    expect(Object.values(config.environments).map((e) => e.accountId).filter((a) => before.accounts.includes(a))).toEqual([]);
  });

  it("synthesizes the forked fleet with the fork's accounts, buckets and regions in every stack", () => {
    const output = synthesize(join(dir, "tenants"), join(dir, "cdktf.json"));
    expect(Object.keys(output.stacks)).toContain(`tenant-${fork.added.id}`);
    expect(Object.keys(output.stacks)).toContain(`platform-${fork.added.environment}-${fork.added.region}`);
    const stale = Object.entries(output.texts).filter(([, text]) => [...before.accounts, ...before.buckets].some((id) => text.includes(id)));
    expect(stale.map(([stack]) => stack)).toEqual([]);
  });
});

describe("npm run check:fleet (scripts/check-fleet.ts)", () => {
  async function runFleetCheck(tenantsDir: string, cdktfJsonPath: string): Promise<{ code: number; stderr: string }> {
    const saved = { ...process.env };
    let stderr = "";
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
    try {
      process.env.OPENCLAW_TENANTS_DIR = tenantsDir;
      process.env.OPENCLAW_CDKTF_JSON = cdktfJsonPath;
      return { code: await checkFleet(["--skip-invariants"]), stderr };
    } finally {
      spy.mockRestore();
      process.env = saved;
    }
  }

  it("loads, synthesizes and checks capacity and cost of the forked fleet", async () => {
    const { code, stderr } = await runFleetCheck(join(dir, "tenants"), join(dir, "cdktf.json"));
    expect(stderr).toContain(`[1/5] load: ${config.tenants.length} tenant(s)`);
    expect(stderr).toMatch(/\[2\/5\] synth: \d+ stack\(s\)/);
    expect(stderr).toMatch(/\[3\/5\] capacity: \d+ quota\(s\) within limits/);
    expect(stderr).toMatch(/\[4\/5\] cost: /);
    expect(stderr).toContain("fleet check passed");
    expect(code).toBe(0);
  });

  it("fails with every problem of an invalid tenant file, naming file and field", async () => {
    const broken = fixtureRepository();
    writeFileSync(join(broken, "tenants", "acme.yaml"), readFileSync(join(broken, "tenants", "acme.yaml"), "utf8").replace("cpu: 256", "cpu: 300").replace("region: us-east-1", "region: mars-1"));
    const { code, stderr } = await runFleetCheck(join(broken, "tenants"), join(broken, "cdktf.json"));
    expect(code).toBe(1);
    expect(stderr).toMatch(/acme\.yaml: agents\.scout\.cpu: 300 is not a valid Fargate CPU/);
    expect(stderr).toMatch(/acme\.yaml: region: /);
    expect(stderr).toContain("fleet check failed");
  });

  it("fails when the fleet exceeds an account quota", async () => {
    const tight = fixtureRepository();
    const json = JSON.parse(readFileSync(join(tight, "cdktf.json"), "utf8"));
    json.context.environments.production.quotas = { iamRoles: 3 };
    writeFileSync(join(tight, "cdktf.json"), JSON.stringify(json));
    const { code, stderr } = await runFleetCheck(join(tight, "tenants"), join(tight, "cdktf.json"));
    expect(stderr).toMatch(/quota\(s\) would be exceeded/);
    expect(code).toBe(1);
  });

  it("runs invariant test files that exist and that synthesize() over the fleet", () => {
    expect(FLEET_INVARIANT_TESTS.length).toBeGreaterThan(0);
    for (const file of FLEET_INVARIANT_TESTS) expect({ file, fleetAware: /\bsynthesize\(\)/.test(readFileSync(join(REPO_ROOT, file), "utf8")) }).toEqual({ file, fleetAware: true });
    expect(FLEET_HELP).toContain("Golden files are the fixtures' and are not compared");
  });
});

describe("CI", () => {
  it("runs the fleet check and the fork check in .ci/run, which ci.yml runs on every pull request", () => {
    const ciRun = readFileSync(join(REPO_ROOT, ".ci", "run"), "utf8");
    expect(ciRun).toMatch(/^npm run -s check:fleet$/m);
    expect(ciRun).toMatch(/^npm run -s check:fork$/m);
    expect(readFileSync(join(REPO_ROOT, ".github", "workflows", "ci.yml"), "utf8")).toMatch(/run: bash \.ci\/run/);
  });
});
