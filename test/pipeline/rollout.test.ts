/**
 * Rings: the pure planner (platform, canary, growing rings, shards per account and region,
 * budgets) and deploy-stacks running them with a fake terraform: halt over budget, go on
 * within it, bake between rings, deployHold.
 */
import { RolloutConfigSchema, parseFailureBudget, resolveFailureBudget } from "../../config/rollout-schema";
import { EnvironmentsSchema } from "../../config/environment-schema";
import { deploy, type DeployOptions } from "../../pipeline/deploy-stacks";
import { DirectoryLedger } from "../../pipeline/lib/ledger";
import { planEnvironment, ringOrder, MATRIX_LIMIT, type RolloutStack } from "../../pipeline/lib/rollout";
import { readSynth } from "../../pipeline/lib/synth";
import { FAKE_TERRAFORM, FakeFleetTerraform } from "../support/fake-terraform-fleet";
import { fleetPlacements, writeFleetSynth } from "../support/fleet-synth";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const tenants = (n: number, regions = ["us-east-1"]): RolloutStack[] =>
  Array.from({ length: n }, (_, i) => ({ name: `tenant-t${String(i).padStart(4, "0")}`, tenantId: `t${i}`, accountId: "111111111111", region: regions[i % regions.length] }));
const platform = (region: string): RolloutStack => ({ name: `platform-production-${region}`, accountId: "111111111111", region });
const defaults = RolloutConfigSchema.parse({});

describe("planEnvironment", () => {
  const stacks = [platform("us-east-1"), platform("us-west-2"), ...tenants(1000, ["us-east-1", "us-west-2"])];
  const plan = planEnvironment("production", stacks, defaults);

  test("platform stacks first, then 3 canaries, then rings of 5%, 25% and the rest, every stack exactly once", () => {
    expect(plan.phases.map((p) => [p.name, p.stacks.length])).toEqual([
      ["platform", 2],
      ["canary", 3],
      ["ring-1", 50],
      ["ring-2", 200],
      ["ring-3", 747],
    ]);
    const all = plan.phases.flatMap((p) => p.stacks);
    expect(new Set(all).size).toBe(stacks.length);
    expect(all.sort()).toEqual(stacks.map((s) => s.name).sort());
  });

  test("the ring order is stable: the same tenants land in the same rings whatever the input order", () => {
    const again = planEnvironment("production", [...stacks].reverse(), defaults);
    expect(again.phases.map((p) => p.stacks)).toEqual(plan.phases.map((p) => p.stacks));
    expect(ringOrder(tenants(5)).map((s) => s.name)).not.toEqual(tenants(5).map((s) => s.name).sort()); // not alphabetical: rings mix tenants
  });

  test("tenants marked deployRing: canary are the canary ring, instead of the first N", () => {
    const marked = tenants(20).map((t, i) => (i === 7 || i === 11 ? { ...t, canary: true } : t));
    const p = planEnvironment("production", marked, defaults);
    expect(p.phases.find((x) => x.name === "canary")?.stacks).toEqual(["tenant-t0007", "tenant-t0011"]);
  });

  test("budgets: counts as given, percentages of the ring rounded down, the platform's always 0, --failure-budget replaces the others", () => {
    expect(plan.phases.map((p) => p.failureBudget)).toEqual([0, 0, 0, 2, 7]);
    const overridden = planEnvironment("production", stacks, defaults, { failureBudget: "10%" });
    expect(overridden.phases.map((p) => p.failureBudget)).toEqual([0, 0, 5, 20, 74]);
    expect(resolveFailureBudget("1%", 99)).toBe(0);
    expect(parseFailureBudget("3")).toBe(3);
    expect(parseFailureBudget("2.5%")).toBe("2.5%");
    expect(parseFailureBudget("lots")).toBeUndefined();
  });

  test("shards: each in one account and region, at most maxJobsPerAccountRegion per account and region, about one round of applies each", () => {
    for (const phase of plan.phases) {
      const perGroup = new Map<string, number>();
      for (const shard of phase.shards) {
        const regions = new Set(shard.stacks.map((s) => stacks.find((x) => x.name === s)?.region));
        expect(regions).toEqual(new Set([shard.region]));
        perGroup.set(`${shard.accountId}/${shard.region}`, (perGroup.get(`${shard.accountId}/${shard.region}`) ?? 0) + 1);
      }
      expect(Math.max(...perGroup.values())).toBeLessThanOrEqual(defaults.maxJobsPerAccountRegion);
      expect(phase.shards.flatMap((s) => s.stacks).sort()).toEqual([...phase.stacks].sort());
      expect(phase.shards.length).toBeLessThanOrEqual(MATRIX_LIMIT);
    }
    const last = plan.phases.at(-1);
    expect(last?.shards).toHaveLength(40); // 2 regions x 20
    expect(Math.max(...(last?.shards ?? []).map((s) => s.stacks.length))).toBe(19);
    expect(plan.phases[1].shards).toHaveLength(2); // 3 canaries in 2 regions
  });

  test("cdktf.json rejects rings that do not grow or do not end at 100%, naming the field", () => {
    const env = { accountId: "111111111111", stateBucket: "b-state", stateRegion: "us-east-1", lockTable: "locks", costCenter: "x", agentImage: `sha256:${"a".repeat(64)}`, regions: { "us-east-1": { vpcCidr: "10.0.0.0/16", database: { instanceClass: "db.t4g.medium", allocatedStorageGiB: 20, multiAz: false, backupRetentionDays: 7 } } } };
    const r = EnvironmentsSchema.safeParse({ production: { ...env, rollout: { rings: [{ percent: 50 }, { percent: 20 }], canary: { failureBudget: "lots" } } } });
    expect(r.success).toBe(false);
    const issues = r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^production\.rollout\.canary\.failureBudget: /),
        "production.rollout.rings.1.percent: must grow ring by ring (ring 1 has 50, got 20)",
        "production.rollout.rings.1.percent: the last ring must be 100 (every tenant), got 20",
      ]),
    );
    expect(EnvironmentsSchema.safeParse({ production: env }).success).toBe(true);
  });
});

describe("deploy-stacks runs the rings", () => {
  const fleet = writeFleetSynth(fleetPlacements(60).filter((s) => s.environment === "staging")); // 20 staging tenants + platform
  const head = readSynth(fleet.dir);
  const rollout = RolloutConfigSchema.parse({ canary: { count: 2, bakeMinutes: 15 }, rings: [{ percent: 10, bakeMinutes: 5 }, { percent: 50, failureBudget: 1, bakeMinutes: 5 }, { percent: 100, failureBudget: "10%" }] });
  const tenantStacks = fleet.stacks.filter((s) => s.name.startsWith("tenant-")).map((s) => ({ name: s.name, tenantId: s.name.slice(7), accountId: s.accountId, region: s.region }));
  const planned = planEnvironment("staging", tenantStacks, rollout);
  const ring = (name: string) => planned.phases.find((p) => p.name === name)?.stacks ?? [];

  async function run(fake: FakeFleetTerraform, extra: Partial<DeployOptions> = {}) {
    const naps: number[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const r = await deploy({ affected: fleet.affected, head, environment: "staging", parallelism: 8, dryRun: false, terraform: FAKE_TERRAFORM, env: { PATH: process.env.PATH ?? "", ...fake.env }, print: () => undefined, rollout, sleep: async (ms) => void naps.push(ms), ...extra });
      return { r, naps };
    } finally {
      spy.mockRestore();
    }
  }
  const applied = (fake: FakeFleetTerraform) => new Set(fake.calls().filter((c) => c.args[0] === "apply").map((c) => c.stack));

  test("the planned rings have the sizes the test relies on", () => {
    expect(planned.phases.map((p) => [p.name, p.stacks.length])).toEqual([
      ["canary", 2],
      ["ring-1", 2],
      ["ring-2", 7],
      ["ring-3", 9],
    ]);
  });

  test("a ring over its budget halts the rollout: every stack of that ring is applied, later rings never start", async () => {
    const fake = new FakeFleetTerraform();
    for (const s of ring("ring-2").slice(0, 2)) fake.configure(s, { fail: "apply" });
    const { r, naps } = await run(fake);
    const done = applied(fake);
    for (const s of [...ring("canary"), ...ring("ring-1"), ...ring("ring-2")]) expect(done.has(s)).toBe(true);
    for (const s of ring("ring-3")) expect(done.has(s)).toBe(false);
    expect(r.phases.map((p) => [p.name, p.status])).toEqual([
      ["platform", "deployed"],
      ["canary", "deployed"],
      ["ring-1", "deployed"],
      ["ring-2", "halted"],
      ["ring-3", "not started"],
    ]);
    expect(naps).toEqual([15 * 60_000, 5 * 60_000]); // canary and ring-1 baked; no bake after the halt
    expect(r.exitCode).toBe(2);
    expect(r.markdown).toContain("Ring **ring-2** went over its failure budget (2 failed, budget 1): ring-3 (9 stacks) did not start.");
    expect(r.markdown).toContain("To resume: fix the failing stacks");
    for (const s of ring("ring-2").slice(0, 2)) expect(r.markdown).toContain(`| \`${s}\` | failed | apply | 1 | 1 | Error: creating ECS Service`);
    expect(fake.locks()).toEqual([]);
  });

  test("failures within the budget do not halt: the next rings deploy and the run still exits 2", async () => {
    const fake = new FakeFleetTerraform().configure(ring("ring-2")[3], { fail: "apply" });
    const { r } = await run(fake);
    for (const s of ring("ring-3")) expect(applied(fake).has(s)).toBe(true);
    expect(r.phases.find((p) => p.name === "ring-2")).toMatchObject({ status: "within budget", failed: [ring("ring-2")[3]] });
    expect(r.phases.at(-1)?.status).toBe("deployed");
    expect(r.exitCode).toBe(2);
  });

  test("--failure-budget overrides the rings' budgets for one run", async () => {
    const fake = new FakeFleetTerraform();
    for (const s of ring("ring-2").slice(0, 2)) fake.configure(s, { fail: "apply" });
    const { r } = await run(fake, { failureBudget: 2 });
    expect(r.phases.map((p) => p.status)).toEqual(["deployed", "deployed", "deployed", "within budget", "deployed"]);
  });

  test("a tenant with deployHold: true is not applied, has a summary line, and is recorded as held", async () => {
    const held = ring("ring-3")[0];
    const id = held.slice("tenant-".length);
    const tenantsMap = new Map([[id, { id, environment: "staging", region: "us-east-1", status: "active" as const, databaseDeletion: "retain" as const, deployHold: true }]]);
    const ledger = new DirectoryLedger(mkdtempSync(join(tmpdir(), "ledger-")));
    const fake = new FakeFleetTerraform();
    const { r } = await run(fake, { tenants: tenantsMap, ledger, commit: "a".repeat(40), compare: () => "older" });
    expect(applied(fake).has(held)).toBe(false);
    expect(applied(fake).size).toBe(fleet.stacks.length - 1);
    expect(r.markdown).toContain(`- Held: \`${held}\`: deployHold: true in tenants/${id}.yaml; remove it to deploy this tenant again`);
    expect(await ledger.get("staging", held)).toMatchObject({ status: "held", commit: "a".repeat(40) });
    expect(r.exitCode).toBe(0);
  });
});

describe("tenant files: deployHold and deployRing", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseTenantFile } = require("../../pipeline/lib/tenant-files") as typeof import("../../pipeline/lib/tenant-files");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TenantSchema } = require("../../config/tenant-schema") as typeof import("../../config/tenant-schema");
  const base = "id: acme\nenvironment: production\nregion: us-east-1\nstatus: active\n";

  test("the pipeline reads them as data, and names file and field when they are wrong", () => {
    expect(parseTenantFile("tenants/acme.yaml", `${base}deployHold: true\ndeployRing: canary\n`)).toMatchObject({ ok: true, tenant: { deployHold: true, deployRing: "canary" } });
    expect(parseTenantFile("tenants/acme.yaml", `${base}deployHold: "yes"\ndeployRing: first\n`)).toEqual({
      ok: false,
      problems: ['tenants/acme.yaml: deployHold: true or false (got "yes")', 'tenants/acme.yaml: deployRing: canary (got "first")'],
    });
  });

  test("the tenant schema accepts them and rejects other values", () => {
    const shape = TenantSchema.shape;
    expect(shape.deployHold.safeParse(true).success).toBe(true);
    expect(shape.deployHold.safeParse("yes").success).toBe(false);
    expect(shape.deployRing.safeParse("canary").success).toBe(true);
    expect(shape.deployRing.safeParse("ring-1").success).toBe(false);
  });
});

describe("deploy-stacks CLI: rings from cdktf.json and --failure-budget", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tool = require("../../pipeline/deploy-stacks") as typeof import("../../pipeline/deploy-stacks");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCli } = require("./cli-helper") as typeof import("./cli-helper");
  const { writeFileSync } = require("node:fs") as typeof import("node:fs");
  const fleet = writeFleetSynth(fleetPlacements(30).filter((s) => s.environment === "staging"));
  const dir = mkdtempSync(join(tmpdir(), "rings-cli-"));
  const affectedFile = join(dir, "affected.json");
  writeFileSync(affectedFile, JSON.stringify(fleet.affected));
  // the fixture cdktf.json with staging's canary bake set to 0 (a test never waits minutes)
  const cdktfJson = join(dir, "cdktf.json");
  const config = JSON.parse(require("node:fs").readFileSync(FIXTURE_CDKTF_JSON, "utf8"));
  config.context.environments.staging.rollout = { stage: 1, canary: { count: 2, bakeMinutes: 0 }, rings: [{ percent: 100, failureBudget: "2%" }] };
  writeFileSync(cdktfJson, JSON.stringify(config));

  test("reads the environment's rings from --cdktf-json and accepts --failure-budget, writing --results", async () => {
    const fake = new FakeFleetTerraform();
    const results = join(dir, "results.json");
    const r = await runCli("deploy-stacks", tool, ["--affected", affectedFile, "--synth", fleet.dir, "--environment", "staging", "--cdktf-json", cdktfJson, "--failure-budget", "1", "--results", results], { TERRAFORM_BINARY: FAKE_TERRAFORM, ...fake.env });
    expect(r.status).toBe(0);
    // staging: 2 canaries and one ring of the rest
    expect(r.stderr).toContain("[canary] staging: 2 stack(s), failure budget 1");
    expect(r.stderr).toContain("[ring-1] staging: 8 stack(s), failure budget 1");
    const written = JSON.parse(require("node:fs").readFileSync(results, "utf8"));
    expect(written.results).toHaveLength(11);
  });

  test("exits 1 on a bad --failure-budget", async () => {
    const r = await runCli("deploy-stacks", tool, ["--affected", affectedFile, "--synth", fleet.dir, "--environment", "staging", "--failure-budget", "many"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--failure-budget must be a count like 2 or a percentage like 5%, got many");
  });
});

describe("deploy-stacks --rollout --shard: one matrix job", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tool = require("../../pipeline/deploy-stacks") as typeof import("../../pipeline/deploy-stacks");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCli } = require("./cli-helper") as typeof import("./cli-helper");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { planFleet } = require("../../pipeline/lib/fleet-plan") as typeof import("../../pipeline/lib/fleet-plan");
  const fs = require("node:fs") as typeof import("node:fs");

  test("applies only its shard's stacks, records results, and leaves the budget to the gate (exit 0 with a failed stack)", async () => {
    const fleet = writeFleetSynth(fleetPlacements(90).filter((s) => s.environment === "staging"));
    const plan = planFleet({ affected: fleet.affected, head: readSynth(fleet.dir), tenants: new Map(), rollouts: new Map(), commit: "b".repeat(40) });
    const dir = mkdtempSync(join(tmpdir(), "shard-"));
    fs.writeFileSync(join(dir, "rollout.json"), JSON.stringify(plan.file));
    fs.writeFileSync(join(dir, "affected.json"), JSON.stringify(fleet.affected));
    const shard = plan.file.environments[0].phases.find((p) => p.name === "ring-3")?.shards[0];
    expect(shard?.stacks.length).toBeGreaterThan(1);
    const fake = new FakeFleetTerraform().configure(shard?.stacks[0] ?? "", { fail: "apply" });
    const r = await runCli("deploy-stacks", tool, ["--affected", join(dir, "affected.json"), "--synth", fleet.dir, "--environment", "staging", "--rollout", join(dir, "rollout.json"), "--shard", shard?.id ?? "", "--results", join(dir, "r.json")], { TERRAFORM_BINARY: FAKE_TERRAFORM, ...fake.env });
    expect(r.status).toBe(0);
    expect([...new Set(fake.calls().map((c) => c.stack))].sort()).toEqual([...(shard?.stacks ?? [])].sort());
    const results = JSON.parse(fs.readFileSync(join(dir, "r.json"), "utf8"));
    expect(results).toMatchObject({ environment: "staging", phase: "ring-3", shard: shard?.id });
    expect(results.results.filter((x: { status: string }) => x.status === "failed").map((x: { stack: string }) => x.stack)).toEqual([shard?.stacks[0]]);
  });
});
