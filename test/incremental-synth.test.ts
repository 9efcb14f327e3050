/**
 * Incremental synth must write exactly what a full synth writes, for every kind of change a pull
 * request brings, and reuse the cache only where a stack's inputs are unchanged.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/loader";
import { synthesizeApp } from "../stacks/build-app";
import { incrementalSynth } from "../synth/incremental-synth";
import { HELP, main } from "../pipeline/synth-incremental";
import { runMain } from "../pipeline/lib/cli";
import { treeOf } from "./support/synth";
import { FixtureTenant, writeTenants } from "./support/tenant-fixtures";
import { FIXTURE_CDKTF_JSON } from "./support/fixtures";

const cdktfJsonPath = FIXTURE_CDKTF_JSON;
const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const initial: FixtureTenant[] = [
  { id: "inc-a" },
  { id: "inc-b", region: "us-west-2" },
  { id: "inc-c", environment: "staging" },
  { id: "inc-d" },
];

/** A stand-in for the repository's code: its hash is part of every key. */
const codeRoot = temp("openclaw-inc-code-");
writeFileSync(join(codeRoot, "main.ts"), "// v1\n");
const cacheDir = temp("openclaw-inc-cache-");

function full(tenantsDir: string): Record<string, string> {
  const out = join(temp("openclaw-inc-full-"), "out");
  synthesizeApp(loadConfig({ cdktfJsonPath, tenantsDir }), out);
  return treeOf(out);
}

async function incremental(tenantsDir: string) {
  const outdir = join(temp("openclaw-inc-out-"), "out");
  const result = await incrementalSynth({ config: loadConfig({ cdktfJsonPath, tenantsDir }), cdktfJsonPath, tenantsDir, cacheDir, outdir, codeRoot, workers: 1 });
  return { ...result, tree: treeOf(outdir) };
}

const tenantsOf = (changes: (tenants: FixtureTenant[]) => FixtureTenant[]) => writeTenants(changes(structuredClone(initial)));

describe("incremental synth", () => {
  beforeAll(async () => {
    // Seed the cache, as the synth of the last deploy of main does.
    const first = await incremental(tenantsOf((t) => t));
    expect(first.cached).toEqual([]);
  });

  it("copies every tenant from the cache when nothing changed, and writes the full synth's bytes", async () => {
    const dir = tenantsOf((t) => t);
    const run = await incremental(dir);
    expect(run.cached.sort()).toEqual(["tenant-inc-a", "tenant-inc-b", "tenant-inc-c", "tenant-inc-d"]);
    expect(run.synthesized.every((s) => s.startsWith("platform-"))).toBe(true);
    expect(run.tree).toEqual(full(dir));
  });

  it("re-synthesizes only an edited tenant", async () => {
    const dir = tenantsOf((t) => t.map((x) => (x.id === "inc-a" ? { ...x, integrations: ["slack"] } : x)));
    const run = await incremental(dir);
    expect(run.synthesized.filter((s) => s.startsWith("tenant-"))).toEqual(["tenant-inc-a"]);
    expect(run.tree).toEqual(full(dir));
  });

  it("synthesizes an added tenant and nothing else", async () => {
    const dir = tenantsOf((t) => [...t, { id: "inc-e", region: "us-west-2" }]);
    const run = await incremental(dir);
    expect(run.synthesized.filter((s) => s.startsWith("tenant-"))).toEqual(["tenant-inc-e"]);
    expect(run.tree).toEqual(full(dir));
  });

  it("drops a removed tenant's stack from the output and the manifest", async () => {
    const dir = tenantsOf((t) => t.filter((x) => x.id !== "inc-c"));
    const run = await incremental(dir);
    expect(run.synthesized.filter((s) => s.startsWith("tenant-"))).toEqual([]);
    expect(Object.keys(run.tree).some((f) => f.includes("inc-c"))).toBe(false);
    expect(run.tree).toEqual(full(dir));
  });

  it("re-synthesizes a tenant whose status changed", async () => {
    const dir = tenantsOf((t) => t.map((x) => (x.id === "inc-d" ? { ...x, status: "suspended" as const } : x)));
    const run = await incremental(dir);
    expect(run.synthesized.filter((s) => s.startsWith("tenant-"))).toEqual(["tenant-inc-d"]);
    expect(run.tree).toEqual(full(dir));
  });

  it("misses every entry when the code changed", async () => {
    writeFileSync(join(codeRoot, "main.ts"), "// v2\n");
    const dir = tenantsOf((t) => t);
    const run = await incremental(dir);
    expect(run.cached).toEqual([]);
    expect(run.tree).toEqual(full(dir));
  });

  it("misses every entry when cdktf.json changed (a different file, the same tenants)", async () => {
    const other = join(temp("openclaw-inc-json-"), "cdktf.json");
    writeFileSync(other, JSON.stringify(JSON.parse(require("node:fs").readFileSync(cdktfJsonPath, "utf8")), null, 1));
    const dir = tenantsOf((t) => t);
    const result = await incrementalSynth({ config: loadConfig({ cdktfJsonPath: other, tenantsDir: dir }), cdktfJsonPath: other, tenantsDir: dir, cacheDir, outdir: join(temp("openclaw-inc-out-"), "o"), codeRoot, workers: 1 });
    expect(result.cached).toEqual([]);
  });
});

const cli = (argv: string[]) => runMain("synth:incremental", HELP, main, argv);

describe("synth:incremental CLI", () => {
  it("replaces --out, prints what it reused, and refuses invalid tenants with exit 1 leaving --out alone", async () => {
    const out = join(temp("openclaw-inc-cli-"), "cdktf.out");
    const dir = tenantsOf((t) => t);
    let stdout = "";
    const write = jest.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
    let stderr = "";
    const errors = () => stderr;
    const err = jest.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
    try {
      expect(await cli(["--cache", temp("openclaw-inc-cli-cache-"), "--out", out, "--tenants", dir, "--cdktf-json", cdktfJsonPath, "--workers", "1"])).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ cached: 0, synthesized: 7 });
      expect(treeOf(out)).toEqual(full(dir));
      writeFileSync(join(dir, "inc-a.yaml"), "id: inc-a\nagents: 3\n");
      const before = treeOf(out);
      expect(await cli(["--cache", cacheDir, "--out", out, "--tenants", dir, "--cdktf-json", cdktfJsonPath])).toBe(1);
      expect(errors()).toMatch(/inc-a\.yaml: .*nothing was synthesized/s);
      expect(treeOf(out)).toEqual(before);
      expect(await cli(["--out", out])).toBe(1);
      expect(errors()).toMatch(/--cache <dir> is required/);
    } finally {
      write.mockRestore();
      err.mockRestore();
      rmSync(out, { recursive: true, force: true });
    }
  });

  // #19: "then run the fleet-wide checks (capacity, cost) on the merged output", as npm run synth does.
  it("warns, like npm run synth, when a tenant's own fixed cost exceeds its budget, also for a tenant copied from the cache", async () => {
    const dir = writeTenants([{ id: "inc-big", agents: { butler: "{ cpu: 4096, memory: 8192, desiredCount: 2 }" } }]);
    const cache = temp("openclaw-inc-cost-cache-");
    let stderr = "";
    const err = jest.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
    const out = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      for (const round of ["synthesized", "copied from the cache"]) {
        stderr = "";
        expect(await cli(["--cache", cache, "--out", join(temp("openclaw-inc-cost-"), "out"), "--tenants", dir, "--cdktf-json", cdktfJsonPath, "--workers", "1"])).toBe(0);
        expect({ round, warned: /^cost: tenant inc-big: fixed estimate \$\d[\d,.]* ?\/month exceeds its budget/m.test(stderr) }).toEqual({ round, warned: true });
      }
    } finally {
      err.mockRestore();
      out.mockRestore();
    }
  });
});
