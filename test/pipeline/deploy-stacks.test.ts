import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploy, type DeployOptions } from "../../pipeline/deploy-stacks";
import type { Exec } from "../../pipeline/lib/exec";
import { readSynth } from "../../pipeline/lib/synth";

import * as tool from "../../pipeline/deploy-stacks";
import { runCli } from "./cli-helper";
const FIXTURES = join(__dirname, "fixtures", "synth");
const FAKE_CDKTF = join(__dirname, "fixtures", "fake-cdktf.js");
const head = readSynth(join(FIXTURES, "head"));
const base = readSynth(join(FIXTURES, "base"));
// What `affected` reports for the fixtures, plus a staging tenant to show the environment filter.
const affected = {
  changed: ["platform-production-us-east-1", "tenant-acme"],
  added: ["tenant-hooli"],
  removed: ["tenant-umbrella"],
  order: [["platform-production-us-east-1", "tenant-hooli"], ["tenant-acme"]],
};

function recorder(failOn: string[] = []): { calls: string[][]; exec: Exec } {
  const calls: string[][] = [];
  const exec: Exec = async (_cmd, args) => {
    calls.push([...args]);
    const failed = args.some((a) => failOn.includes(a));
    return { code: failed ? 1 : 0, stdout: "", stderr: failed ? "apply failed" : "" };
  };
  return { calls, exec };
}

const opts = (exec: Exec, extra: Partial<DeployOptions> = {}): DeployOptions => ({
  affected,
  head,
  base,
  environment: "production",
  parallelism: 8,
  dryRun: false,
  cdktf: "cdktf",
  exec,
  print: () => undefined,
  ...extra,
});

describe("deploy-stacks", () => {
  test("deploys one cdktf command per wave, platform first, only this environment's stacks", async () => {
    const { calls, exec } = recorder();
    const r = await deploy(opts(exec, { affected: { ...affected, removed: [] } }));
    expect(calls.map((c) => c.filter((a) => /^(platform|tenant)-/.test(a)))).toEqual([["platform-production-us-east-1"], ["tenant-acme"]]);
    expect(calls[0]).toEqual(expect.arrayContaining(["deploy", "--auto-approve", "--skip-synth", "--ignore-missing-stack-dependencies"]));
    expect(calls[0].join(" ")).toContain("--parallelism 8");
    expect(r.exitCode).toBe(0);
  });

  test("never passes a removed stack to cdktf, and fails loudly with offboarding steps", async () => {
    const { calls, exec } = recorder();
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const r = await deploy(opts(exec, { baseRef: "abc123" }));
    const printed = stderr.mock.calls.map((c) => String(c[0])).join("");
    stderr.mockRestore();
    expect(calls.flat()).not.toContain("tenant-umbrella");
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
    const { calls, exec } = recorder();
    const r = await deploy(opts(exec, { affected: { ...affected, removed: [] }, tenants: lifecycle([["acme", "offboarding"]]) }));
    expect(calls.flat()).not.toContain("tenant-acme");
    expect(calls.map((c) => c.filter((a) => /^(platform|tenant)-/.test(a)))).toEqual([["platform-production-us-east-1"]]);
    expect(r).toMatchObject({ exitCode: 0, offboarding: ["tenant-acme"] });
    expect(r.markdown).toContain("Offboarding (applied and destroyed by the offboard job, not deployed here): `tenant-acme`.");
  });

  test("accepts a removed stack whose tenant file is an offboarded tombstone, and still refuses any other", async () => {
    const { calls, exec } = recorder();
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    // the record and state checks themselves run on moto: test/integration/tombstone.test.ts
    const holds = async (tenants: readonly { id: string }[]) => ({ verified: tenants.map((t) => t.id), problems: [] });
    const ok = await deploy(opts(exec, { tenants: lifecycle([["umbrella", "offboarded"]]), verifyTombstones: holds }));
    const refused = await deploy(opts(exec, { tenants: lifecycle([["umbrella", "offboarding"]]), verifyTombstones: holds }));
    stderr.mockRestore();
    expect(ok).toMatchObject({ exitCode: 0, removed: [], offboarded: ["tenant-umbrella"] });
    expect(refused).toMatchObject({ exitCode: 1, removed: ["tenant-umbrella"] });
    expect(calls.flat()).not.toContain("tenant-umbrella");
  });

  test("refuses a tombstone it cannot verify, naming the tenant (issue 24, item 3)", async () => {
    const { exec } = recorder();
    const lines: string[] = [];
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation((l) => (lines.push(String(l)), true));
    const forged = await deploy(opts(exec, { tenants: lifecycle([["umbrella", "offboarded"]]), verifyTombstones: async () => ({ verified: [], problems: ["tenant umbrella: tombstone refused: no such object"] }) }));
    const unchecked = await deploy(opts(exec, { tenants: lifecycle([["umbrella", "offboarded"]]) }));
    stderr.mockRestore();
    expect(forged).toMatchObject({ exitCode: 1, removed: ["tenant-umbrella"], offboarded: [] });
    expect(unchecked).toMatchObject({ exitCode: 1, removed: ["tenant-umbrella"], offboarded: [] });
    expect(lines.join("")).toContain("::error::tenant umbrella: tombstone refused: no such object");
    expect(lines.join("")).toContain("::error::tenant umbrella: tombstone refused: the deploy was given no way to read the offboarding record");
  });

  test("a removed stack of another environment does not fail this one", async () => {
    const { exec } = recorder();
    expect((await deploy(opts(exec, { environment: "staging" }))).exitCode).toBe(0);
  });

  test("stops after a failed wave and reports the rest as skipped", async () => {
    const { calls, exec } = recorder(["platform-production-us-east-1"]);
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const r = await deploy(opts(exec, { affected: { ...affected, removed: [] } }));
    stderr.mockRestore();
    expect(calls).toHaveLength(1);
    expect(r.waves.map((w) => w.status)).toEqual(["failed", "skipped"]);
    expect(r.exitCode).toBe(2);
    expect(r.markdown).toContain("| 2 | `tenant-acme` | skipped |");
  });

  test("--dry-run prints the commands and runs nothing", async () => {
    const { calls, exec } = recorder();
    const printed: string[] = [];
    await deploy(opts(exec, { dryRun: true, affected: { ...affected, removed: [] }, print: (l) => printed.push(l) }));
    expect(calls).toHaveLength(0);
    expect(printed).toHaveLength(2);
  });
});

describe("deploy-stacks CLI", () => {
  const cli = (args: string[], env: Record<string, string> = {}) => runCli("deploy-stacks", tool, args, { CDKTF_BINARY: FAKE_CDKTF, ...env });
  const write = (value: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), "deploy-")), "affected.json");
    writeFileSync(file, JSON.stringify(value));
    return file;
  };

  test("deploys with cdktf and appends the job summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-"));
    const log = join(dir, "cdktf.log");
    const summary = join(dir, "summary.md");
    const r = await cli(
      ["--affected", write({ ...affected, removed: [] }), "--synth", join(FIXTURES, "head"), "--environment", "production", "--summary", summary],
      { FAKE_CDKTF_LOG: log },
    );
    expect(r.status).toBe(0);
    expect(readFileSync(log, "utf8").trim().split("\n")).toHaveLength(2);
    expect(readFileSync(summary, "utf8")).toContain("| 1 | `platform-production-us-east-1` | deployed |");
  });

  test("exits 2 when cdktf deploy fails", async () => {
    const r = await cli(["--affected", write({ ...affected, removed: [] }), "--synth", join(FIXTURES, "head"), "--environment", "production"], {
      FAKE_CDKTF_FAIL: "tenant-acme",
    });
    expect(r.status).toBe(2);
  });

  test("exits 1 when the affected file names a stack the synth output lacks", async () => {
    const r = await cli(["--affected", write({ ...affected, order: [["tenant-ghost"]] }), "--synth", join(FIXTURES, "head"), "--environment", "production"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/names stacks not in .*: tenant-ghost/);
  });
});
