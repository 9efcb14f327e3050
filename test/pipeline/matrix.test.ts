import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployTargets, planShards, GITHUB_MATRIX_LIMIT } from "../../pipeline/matrix";
import type { StackInfo } from "../../pipeline/lib/synth";

import * as tool from "../../pipeline/matrix";
import { runCli } from "./cli-helper";
const FIXTURES = join(__dirname, "fixtures", "synth");
const stack = (name: string, environment: string, stateRegion = "us-east-1"): StackInfo => ({
  name,
  environment,
  dependencies: [],
  accountId: "111111111111",
  region: "us-west-2",
  stateRegion,
  workingDirectory: `stacks/${name}`,
  fingerprint: "",
});

describe("planShards", () => {
  test("1,000 stacks in two environments fit the matrix limit, each shard in one environment", async () => {
    const stacks = [
      ...Array.from({ length: 700 }, (_, i) => stack(`tenant-p${i}`, "production")),
      ...Array.from({ length: 300 }, (_, i) => stack(`tenant-s${i}`, "staging")),
    ];
    const shards = planShards(stacks);
    expect(shards.length).toBeLessThanOrEqual(40);
    expect(shards.length).toBeLessThanOrEqual(GITHUB_MATRIX_LIMIT);
    const planned = shards.flatMap((s) => s.stacks.split(" "));
    expect(planned.sort()).toEqual(stacks.map((s) => s.name).sort());
    for (const s of shards) {
      expect(s.stacks.split(" ").every((n) => n.startsWith(s.environment === "production" ? "tenant-p" : "tenant-s"))).toBe(true);
      expect(s.count).toBeLessThanOrEqual(26);
    }
    expect(new Set(shards.map((s) => s.name)).size).toBe(shards.length);
  });

  test("one affected stack gives one shard with the environment's role key and state region", async () => {
    expect(planShards([stack("tenant-a", "pre-prod", "eu-west-1")])).toEqual([
      { name: "pre-prod-1", environment: "pre-prod", envKey: "PRE_PROD", region: "eu-west-1", stacks: "tenant-a", count: 1 },
    ]);
  });

  test("10,000 stacks still stay within 256 jobs when --max-shards is 256", async () => {
    const stacks = Array.from({ length: 10_000 }, (_, i) => stack(`tenant-${i}`, `env${i % 5}`));
    expect(planShards(stacks, 256).length).toBeLessThanOrEqual(256);
  });

  test("fails when a stack has no Environment tag", async () => {
    expect(() => planShards([stack("tenant-a", "")])).toThrow(/tenant-a: no Environment in provider.aws\[0\].default_tags/);
  });

  test("fails when --max-shards is above GitHub's limit", async () => {
    expect(() => planShards([stack("tenant-a", "production")], 300)).toThrow(/--max-shards must be an integer from 1 to 256/);
  });
});

describe("deployTargets", () => {
  test("one entry per environment", async () => {
    expect(deployTargets([stack("a", "staging"), stack("b", "production"), stack("c", "production")]).map((t) => t.envKey)).toEqual([
      "PRODUCTION",
      "STAGING",
    ]);
  });
});

describe("matrix CLI", () => {
  const cli = (...args: string[]) => runCli("matrix", tool, args);
  const affected = () => {
    const file = join(mkdtempSync(join(tmpdir(), "matrix-")), "affected.json");
    writeFileSync(
      file,
      JSON.stringify({ changed: ["tenant-acme"], added: ["tenant-hooli"], removed: ["tenant-umbrella"], order: [["tenant-hooli"], ["tenant-acme"]] }),
    );
    return file;
  };

  test("writes matrix and count to --github-output", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "gh-")), "output");
    const r = await cli("--synth", join(FIXTURES, "head"), "--affected", affected(), "--github-output", out);
    expect(r.status).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text).toContain("count=2\n");
    expect(JSON.parse(/^matrix=(.*)$/m.exec(text)?.[1] ?? "").include.map((s: { name: string }) => s.name)).toEqual(["production-1", "staging-1"]);
  });

  test("deploy mode includes environments that only lost a stack", async () => {
    const r = await cli("--synth", join(FIXTURES, "head"), "--base-synth", join(FIXTURES, "base"), "--affected", affected(), "--mode", "deploy");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).include.map((t: { environment: string }) => t.environment)).toEqual(["production", "staging"]);
  });

  test("exits 1 when --affected does not have the affected shape", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "matrix-")), "bad.json");
    writeFileSync(file, JSON.stringify({ changed: "tenant-a" }));
    const r = await cli("--synth", join(FIXTURES, "head"), "--affected", file);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not the output of `npm run -s affected`/);
  });
});
