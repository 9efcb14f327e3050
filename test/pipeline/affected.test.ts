import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeAffected, dependencyWaves } from "../../pipeline/affected";
import { readSynth } from "../../pipeline/lib/synth";
import { runTypeScript } from "../support/run-typescript";
import { writeSynth, type FakeStack } from "./synth-helper";

const FIXTURES = join(__dirname, "fixtures", "synth");
const tmp = () => mkdtempSync(join(tmpdir(), "affected-"));

const platform = (env: string, extra: Partial<FakeStack> = {}): FakeStack => ({
  name: `platform-${env}-us-east-1`,
  environment: env,
  resources: { aws_ecs_cluster: { cluster: { name: `openclaw-${env}` } } },
  ...extra,
});
const tenant = (id: string, env = "production", cpu = 256): FakeStack => ({
  name: `tenant-${id}`,
  environment: env,
  dependencies: [`platform-${env}-us-east-1`],
  resources: { aws_ecs_task_definition: { butler: { family: `${id}-butler`, cpu: String(cpu) } } },
});

describe("affected on the committed fixtures", () => {
  const result = computeAffected(readSynth(join(FIXTURES, "base")), readSynth(join(FIXTURES, "head")));

  test("reports changed, added and removed stacks", () => {
    expect(result.changed).toEqual(["platform-production-us-east-1", "tenant-acme"]);
    expect(result.added).toEqual(["tenant-hooli"]);
    expect(result.removed).toEqual(["tenant-umbrella"]);
  });

  test("ignores cdktf // metadata (globex differs only in the cdktf version)", () => {
    expect(result.changed).not.toContain("tenant-globex");
  });

  test("orders platform before its tenants and never schedules removed stacks", () => {
    expect(result.order).toEqual([["platform-production-us-east-1", "tenant-hooli"], ["tenant-acme"]]);
    expect(result.order.flat()).not.toContain("tenant-umbrella");
  });
});

describe("affected", () => {
  test("a change to one tenant yields exactly that tenant", () => {
    const stacks = [platform("production"), tenant("a"), tenant("b"), tenant("c")];
    const base = readSynth(writeSynth(tmp(), stacks));
    const head = readSynth(writeSynth(tmp(), [platform("production"), tenant("a"), tenant("b", "production", 512), tenant("c")]));
    expect(computeAffected(base, head)).toEqual({ changed: ["tenant-b"], added: [], removed: [], order: [["tenant-b"]] });
  });

  test("a shared change yields every stack whose output changed and nothing more", () => {
    const base = readSynth(writeSynth(tmp(), [platform("production"), platform("staging"), tenant("a"), tenant("b", "staging")]));
    const head = readSynth(
      writeSynth(tmp(), [platform("production"), platform("staging"), tenant("a", "production", 512), tenant("b", "staging", 512)]),
    );
    const r = computeAffected(base, head);
    expect(r.changed).toEqual(["tenant-a", "tenant-b"]);
    expect(r.order).toEqual([["tenant-a", "tenant-b"]]);
  });

  test("identical synth outputs give nothing to do", () => {
    const stacks = [platform("production"), tenant("a")];
    expect(computeAffected(readSynth(writeSynth(tmp(), stacks)), readSynth(writeSynth(tmp(), stacks)))).toEqual({
      changed: [],
      added: [],
      removed: [],
      order: [],
    });
  });

  test("key order in cdk.tf.json is not a change", () => {
    const baseDir = writeSynth(tmp(), [platform("production"), tenant("a")]);
    const headDir = writeSynth(tmp(), [platform("production"), tenant("a")]);
    const file = join(headDir, "stacks/tenant-a/cdk.tf.json");
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(parsed).reverse());
    writeFileSync(file, JSON.stringify(reversed));
    expect(computeAffected(readSynth(baseDir), readSynth(headDir)).changed).toEqual([]);
  });

  test("an asset whose content changes marks its stack changed even with the same cdk.tf.json", () => {
    const base = readSynth(writeSynth(tmp(), [platform("production", { assets: { "fn/archive.zip": "v1" } }), tenant("a")]));
    const head = readSynth(writeSynth(tmp(), [platform("production", { assets: { "fn/archive.zip": "v2" } }), tenant("a")]));
    expect(computeAffected(base, head).changed).toEqual(["platform-production-us-east-1"]);
  });

  test("platform and tenants of several environments come in two waves", () => {
    const base = readSynth(writeSynth(tmp(), []));
    const head = readSynth(writeSynth(tmp(), [platform("production"), platform("staging"), tenant("a"), tenant("b", "staging")]));
    expect(computeAffected(base, head).order).toEqual([
      ["platform-production-us-east-1", "platform-staging-us-east-1"],
      ["tenant-a", "tenant-b"],
    ]);
  });

  test("refuses a manifest that points a stack at files outside its own directory (untrusted synth output)", () => {
    const dir = writeSynth(tmp(), [tenant("a", "production")]);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    manifest.stacks["tenant-a"].synthesizedStackPath = "../../../home/runner/work/_temp/secret.json";
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    expect(() => readSynth(dir)).toThrow(/stack tenant-a: synthesizedStackPath must be stacks\/tenant-a\/cdk\.tf\.json \(got "\.\.\/\.\.\/\.\.\/home\/runner/);
  });

  test("refuses an environment or region a job name, role variable or STS endpoint could not safely hold", () => {
    const dir = writeSynth(tmp(), [tenant("a", "production")]);
    const file = join(dir, "stacks", "tenant-a", "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8"));
    stack.provider.aws[0].region = "attacker.example#";
    stack.provider.aws[0].default_tags[0].tags.Environment = "PROD/../x";
    writeFileSync(file, JSON.stringify(stack));
    expect(() => readSynth(dir)).toThrow(/Environment "PROD\/\.\.\/x" \(allowed: .*\); provider\.aws\[0\]\.region "attacker\.example#"/);
  });

  test("fails when the manifest names a dependency that is not synthesized", () => {
    const base = readSynth(writeSynth(tmp(), []));
    const head = readSynth(writeSynth(tmp(), [tenant("a")]));
    expect(() => computeAffected(base, head)).toThrow(/tenant-a depends on platform-production-us-east-1, which is not in the synth output/);
  });
});

describe("dependencyWaves", () => {
  const info = (name: string, dependencies: string[] = []) => ({
    name,
    dependencies,
    environment: "production",
    accountId: "",
    region: "",
    stateRegion: "",
    workingDirectory: "",
    fingerprint: "",
  });

  test("keeps the order through stacks that are not affected", () => {
    const stacks = new Map([
      ["a", info("a")],
      ["b", info("b", ["a"])],
      ["c", info("c", ["b"])],
    ]);
    expect(dependencyWaves(["a", "c"], stacks)).toEqual([["a"], ["c"]]);
  });

  test("fails when stacks depend on each other in a cycle", () => {
    const stacks = new Map([
      ["a", info("a", ["b"])],
      ["b", info("b", ["a"])],
    ]);
    expect(() => dependencyWaves(["a"], stacks)).toThrow(/dependency cycle between stacks: a -> b -> a/);
  });

  test("handles 1,000 tenants in two waves quickly", () => {
    const stacks = new Map([["p", info("p")]]);
    for (let i = 0; i < 1000; i++) stacks.set(`t${i}`, info(`t${i}`, ["p"]));
    const waves = dependencyWaves(stacks.keys(), stacks);
    expect(waves.map((w) => w.length)).toEqual([1, 1000]);
  });
});

describe("affected CLI", () => {
  const cli = (...args: string[]) =>
    runTypeScript("pipeline/affected.ts", args);

  const inProcess = async (...args: string[]) => {
    const { runCli } = await import("./cli-helper");
    return runCli("affected", await import("../../pipeline/affected"), args);
  };

  test("prints the JSON and exits 0 (run as a script)", () => {
    const r = cli("--base", join(FIXTURES, "base"), "--head", join(FIXTURES, "head"));
    expect(r.status).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(["changed", "added", "removed", "order"]);
  });

  test("exits 1 naming the problem when a directory has no manifest", async () => {
    const r = await inProcess("--base", tmp(), "--head", join(FIXTURES, "head"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no manifest.json; run `npm run synth` first/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  test("exits 1 on an unknown option and 0 on --help", async () => {
    expect((await inProcess("--bsae", "x")).status).toBe(1);
    const help = await inProcess("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run -s affected/);
  });
});

describe("affected --empty-base", () => {
  test("reports every head stack as added, in waves", async () => {
    const { runCli } = await import("./cli-helper");
    const tool = await import("../../pipeline/affected");
    const r = await runCli("affected", tool, ["--empty-base", "--head", join(FIXTURES, "head")]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.added).toHaveLength(6);
    expect(out.order[0]).toEqual(["platform-production-us-east-1", "platform-staging-us-east-1"]);
  });

  test("exits 1 when both --base and --empty-base are given", async () => {
    const { runCli } = await import("./cli-helper");
    const tool = await import("../../pipeline/affected");
    const r = await runCli("affected", tool, ["--empty-base", "--base", "x", "--head", join(FIXTURES, "head")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/exactly one of --base <dir> or --empty-base/);
  });
});
