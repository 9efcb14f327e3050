import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploy, type DeployOptions } from "../../pipeline/deploy-stacks";
import { readSynth } from "../../pipeline/lib/synth";
import { FAKE_TERRAFORM, FakeFleetTerraform } from "../support/fake-terraform-fleet";

import * as tool from "../../pipeline/deploy-stacks";
import { runCli } from "./cli-helper";
const FIXTURES = join(__dirname, "fixtures", "synth");
// A copy: the runner works in stacks/<name> (lock file, .terraform), never in the fixtures.
const SYNTH = join(mkdtempSync(join(tmpdir(), "deploy-synth-")), "head");
cpSync(join(FIXTURES, "head"), SYNTH, { recursive: true });
const head = readSynth(SYNTH);
const base = readSynth(join(FIXTURES, "base"));
// What `affected` reports for the fixtures, plus a staging tenant to show the environment filter.
const affected = {
  changed: ["platform-production-us-east-1", "tenant-acme"],
  added: ["tenant-hooli"],
  removed: ["tenant-umbrella"],
  order: [["platform-production-us-east-1", "tenant-hooli"], ["tenant-acme"]],
};

/** A fake terraform; `failOn` stacks fail their apply. Applies of a run, as "stack" in call order. */
function recorder(failOn: string[] = []): { fake: FakeFleetTerraform; applied: () => string[]; env: NodeJS.ProcessEnv } {
  const fake = new FakeFleetTerraform();
  for (const s of failOn) fake.configure(s, { fail: "apply" });
  const applied = () => fake.calls().filter((c) => c.args[0] === "apply").map((c) => c.stack);
  return { fake, applied, env: { PATH: process.env.PATH ?? "", ...fake.env } };
}

const opts = (env: NodeJS.ProcessEnv, extra: Partial<DeployOptions> = {}): DeployOptions => ({
  affected,
  head,
  base,
  environment: "production",
  parallelism: 8,
  dryRun: false,
  terraform: FAKE_TERRAFORM,
  env,
  print: () => undefined,
  ...extra,
});

/** Runs with stderr (progress lines) captured. */
async function quiet<T>(f: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const value = await f();
    return { value, stderr: spy.mock.calls.map((c) => String(c[0])).join("") };
  } finally {
    spy.mockRestore();
  }
}

describe("deploy-stacks", () => {
  test("applies each stack of this environment in its own terraform process, platform wave first", async () => {
    const { fake, applied, env } = recorder();
    const { value: r } = await quiet(() => deploy(opts(env, { affected: { ...affected, removed: [] } })));
    expect(applied()).toEqual(["platform-production-us-east-1", "tenant-acme"]);
    const calls = fake.calls();
    expect(calls.map((c) => `${c.stack} ${c.args[0]}`)).toEqual([
      "platform-production-us-east-1 init",
      "platform-production-us-east-1 apply",
      "tenant-acme init",
      "tenant-acme apply",
    ]);
    for (const c of calls.filter((c) => c.args[0] === "apply")) expect(c.args).toContain("-lock-timeout=10m");
    expect(r.exitCode).toBe(0);
    expect(r.results.map((x) => [x.stack, x.status])).toEqual([
      ["platform-production-us-east-1", "deployed"],
      ["tenant-acme", "deployed"],
    ]);
  });

  test("terraform gets adaptive retries from the AWS SDK unless the job set its own", async () => {
    const { fake, env } = recorder();
    await quiet(() => deploy(opts(tool.terraformEnv({ ...env, AWS_MAX_ATTEMPTS: "7" }), { affected: { ...affected, removed: [] } })));
    for (const c of fake.calls()) expect(c.env).toMatchObject({ retry: "adaptive", max: "7" });
    expect(fake.calls().length).toBeGreaterThan(0);
  });

  test("never passes a removed stack to terraform, and fails loudly with offboarding steps", async () => {
    const { fake, env } = recorder();
    const { value: r, stderr: printed } = await quiet(() => deploy(opts(env, { baseRef: "abc123" })));
    expect(fake.calls().map((c) => c.stack)).not.toContain("tenant-umbrella");
    expect(r.exitCode).toBe(1);
    expect(r.removed).toEqual(["tenant-umbrella"]);
    expect(printed).toContain("Refusing to destroy removed stack(s) in production: tenant-umbrella.");
    expect(printed).toContain("restore the tenant file from abc123,");
    expect(printed).toContain("set status: offboarding and merge");
    expect(printed).toContain("::error::Removed stacks need offboarding");
    expect(r.markdown).toContain("**not destroyed**");
  });

  const lifecycle = (entries: [string, string][]) =>
    new Map(entries.map(([id, status]) => [id, { id, environment: "production", region: "us-east-1", status, databaseDeletion: "retain" } as never]));

  test("never deploys the stack of an offboarding tenant: the offboard job applies and destroys it", async () => {
    const { applied, env } = recorder();
    const { value: r } = await quiet(() => deploy(opts(env, { affected: { ...affected, removed: [] }, tenants: lifecycle([["acme", "offboarding"]]) })));
    expect(applied()).toEqual(["platform-production-us-east-1"]);
    expect(r).toMatchObject({ exitCode: 0, offboarding: ["tenant-acme"] });
    expect(r.markdown).toContain("Offboarding (applied and destroyed by the offboard job, not deployed here): `tenant-acme`.");
  });

  describe("offboarding -> suspended (a cancelled offboarding, #27)", () => {
    const progress = (extra: Record<string, unknown> = {}) => ({ version: 1, tenantId: "acme", environment: "production", region: "us-east-1", startedAt: "2026-12-01T22:00:00Z", stamp: "s", runs: [], steps: { agents: { completedAt: "2026-12-01T22:01:00Z", services: [] } }, ...extra }) as any;
    function store(p: any) {
      const cancelled: string[] = [];
      return { cancelled, store: { read: async (id: string) => (id === "acme" ? p : undefined), cancel: async (id: string) => void cancelled.push(id) } };
    }

    test("deploys the suspended form while the job has not started destroying, and retires its progress so a later offboarding starts over", async () => {
      const { applied, env } = recorder();
      const s = store(progress({ steps: { agents: { completedAt: "x", services: [] }, export: { prefix: "acme/s/" } } }));
      const { value: r } = await quiet(() => deploy(opts(env, { affected: { ...affected, removed: [] }, tenants: lifecycle([["acme", "suspended"]]), offboardingProgress: s.store })));
      expect(applied()).toContain("tenant-acme");
      expect(s.cancelled).toEqual(["acme"]);
      expect(r.exitCode).toBe(0);
    });

    test("refuses it once the job began deleting: the stack is not applied and the summary says to finish the offboarding", async () => {
      const { applied, env } = recorder();
      const s = store(progress({ destroyStartedAt: "2026-12-01T22:05:00Z" }));
      const { value: r, stderr } = await quiet(() => deploy(opts(env, { affected: { ...affected, removed: [] }, tenants: lifecycle([["acme", "suspended"]]), offboardingProgress: s.store })));
      expect(applied()).not.toContain("tenant-acme");
      expect(s.cancelled).toEqual([]);
      expect(stderr).toContain("tenant-acme: not deployed (offboarding-started): the offboarding job of acme started destroying at 2026-12-01T22:05:00Z");
      expect(r.markdown).toContain("set status: offboarding again");
    });

    test("a suspended tenant with no offboarding progress, or a cancelled one, is deployed as usual", async () => {
      for (const p of [undefined, progress({ cancelledAt: "2026-12-02T00:00:00Z", destroyStartedAt: "2026-12-01T22:05:00Z" })]) {
        const { applied, env } = recorder();
        const s = store(p);
        await quiet(() => deploy(opts(env, { affected: { ...affected, removed: [] }, tenants: lifecycle([["acme", "suspended"]]), offboardingProgress: s.store })));
        expect(applied()).toContain("tenant-acme");
        expect(s.cancelled).toEqual([]);
      }
    });
  });

  test("accepts a removed stack whose tenant file is an offboarded tombstone, and still refuses any other", async () => {
    const { fake, env } = recorder();
    // the record and state checks themselves run on moto: test/integration/tombstone.test.ts
    const holds = async (tenants: readonly { id: string }[]) => ({ verified: tenants.map((t) => t.id), problems: [] });
    const { value: ok } = await quiet(() => deploy(opts(env, { tenants: lifecycle([["umbrella", "offboarded"]]), verifyTombstones: holds })));
    const { value: refused } = await quiet(() => deploy(opts(env, { tenants: lifecycle([["umbrella", "offboarding"]]), verifyTombstones: holds })));
    expect(ok).toMatchObject({ exitCode: 0, removed: [], offboarded: ["tenant-umbrella"] });
    expect(refused).toMatchObject({ exitCode: 1, removed: ["tenant-umbrella"] });
    expect(fake.calls().length).toBeGreaterThan(0);
    expect(fake.calls().map((c) => c.stack)).not.toContain("tenant-umbrella");
  });

  test("refuses a tombstone it cannot verify, naming the tenant (issue 24, item 3)", async () => {
    const { env } = recorder();
    const tenants = lifecycle([["umbrella", "offboarded"]]);
    const forged = await quiet(() => deploy(opts(env, { tenants, verifyTombstones: async () => ({ verified: [], problems: ["tenant umbrella: tombstone refused: no such object"] }) })));
    const unchecked = await quiet(() => deploy(opts(env, { tenants })));
    expect(forged.value).toMatchObject({ exitCode: 1, removed: ["tenant-umbrella"], offboarded: [] });
    expect(unchecked.value).toMatchObject({ exitCode: 1, removed: ["tenant-umbrella"], offboarded: [] });
    expect(forged.stderr).toContain("::error::tenant umbrella: tombstone refused: no such object");
    expect(unchecked.stderr).toContain("::error::tenant umbrella: tombstone refused: the deploy was given no way to read the offboarding record");
  });

  test("a removed stack of another environment does not fail this one", async () => {
    const { env } = recorder();
    expect((await quiet(() => deploy(opts(env, { environment: "staging" })))).value.exitCode).toBe(0);
  });

  test("a failed platform stack halts the rollout: its tenants are reported as not started", async () => {
    const { applied, env } = recorder(["platform-production-us-east-1"]);
    const { value: r } = await quiet(() => deploy(opts(env, { affected: { ...affected, removed: [] } })));
    expect(applied()).toEqual(["platform-production-us-east-1"]);
    expect(r.phases.map((p) => [p.name, p.status])).toEqual([
      ["platform", "halted"],
      ["canary", "not started"],
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.markdown).toContain("| canary | 1 | 0 | 0 | not started |");
    expect(r.markdown).toContain("| `platform-production-us-east-1` | failed | apply | 1 | 1 | Error: creating ECS Service (platform-production-us-east-1): InvalidParameterException");
  });

  test("--dry-run prints the terraform commands and runs nothing", async () => {
    const { fake, env } = recorder();
    const printed: string[] = [];
    await quiet(() => deploy(opts(env, { dryRun: true, affected: { ...affected, removed: [] }, print: (l) => printed.push(l) })));
    expect(fake.calls()).toHaveLength(0);
    expect(printed).toHaveLength(2);
    expect(printed[1]).toMatch(/^\[canary\] \(cd .*stacks\/tenant-acme && .* init -input=false -no-color && .* apply -input=false -no-color -auto-approve -lock-timeout=10m\)$/);
  });
});

describe("deploy-stacks CLI", () => {
  const fake = new FakeFleetTerraform();
  const cli = (args: string[], env: Record<string, string> = {}) => runCli("deploy-stacks", tool, args, { TERRAFORM_BINARY: FAKE_TERRAFORM, ...fake.env, ...env });
  const write = (value: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), "deploy-")), "affected.json");
    writeFileSync(file, JSON.stringify(value));
    return file;
  };

  test("deploys with terraform, passes --lock-timeout and appends the job summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-"));
    const summary = join(dir, "summary.md");
    const r = await cli(["--affected", write({ ...affected, removed: [] }), "--synth", SYNTH, "--environment", "production", "--summary", summary, "--lock-timeout", "3m"]);
    expect(r.status).toBe(0);
    expect(fake.calls().filter((c) => c.args[0] === "apply").map((c) => c.args.at(-1))).toEqual(["-lock-timeout=3m", "-lock-timeout=3m"]);
    expect(readFileSync(summary, "utf8")).toContain("| platform | 1 | 0 | 0 | deployed |");
  });

  test("exits 2 when an apply fails", async () => {
    const failing = new FakeFleetTerraform().configure("tenant-acme", { fail: "apply" });
    const r = await cli(["--affected", write({ ...affected, removed: [] }), "--synth", SYNTH, "--environment", "production"], failing.env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("::error::tenant-acme: apply failed (exit 1, 1 attempt(s))");
  });

  test("exits 1 on a bad --lock-timeout", async () => {
    const r = await cli(["--affected", write({ ...affected, removed: [] }), "--synth", SYNTH, "--environment", "production", "--lock-timeout", "forever"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--lock-timeout must be a duration like 10m");
  });

  test("exits 1 when the affected file names a stack the synth output lacks", async () => {
    const r = await cli(["--affected", write({ ...affected, order: [["tenant-ghost"]] }), "--synth", SYNTH, "--environment", "production"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/names stacks not in .*: tenant-ghost/);
  });
});
