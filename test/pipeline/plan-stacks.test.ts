import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planStacks, type PlanOptions } from "../../pipeline/plan-stacks";
import type { Exec } from "../../pipeline/lib/exec";
import { readPlans } from "../../pipeline/lib/plan";
import { renderComment } from "../../pipeline/plan-comment";
import { writeSynth, type FakeStack } from "./synth-helper";
import { loadEnvironments } from "../../config/loader";

import * as tool from "../../pipeline/plan-stacks";
import { runCli } from "./cli-helper";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";
const FAKE_TF = join(__dirname, "fixtures", "fake-terraform.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fakeTerraform } = require("./fixtures/fake-terraform.js") as {
  fakeTerraform: (env: Record<string, string>, log: { t: number; what: string; stack: string }[]) => Exec;
};
const tmp = () => mkdtempSync(join(tmpdir(), "plan-stacks-"));

const tenants = (n: number): FakeStack[] => [
  { name: "platform-production-us-east-1", environment: "production" },
  ...Array.from({ length: n }, (_, i) => ({
    name: `tenant-t${i}`,
    environment: "production",
    dependencies: ["platform-production-us-east-1"],
  })),
];

type LogEntry = { t: number; what: string; stack: string };

/** In-process fake terraform (same behaviour as the script the CLI tests spawn). */
function options(stacks: string[], env: Record<string, string>, extra: Partial<PlanOptions> = {}, log: LogEntry[] = []): PlanOptions {
  return {
    synthDir: writeSynth(tmp(), tenants(12)),
    environments: loadEnvironments(FIXTURE_CDKTF_JSON),
    stacks,
    outDir: tmp(),
    parallelism: 3,
    detailedExitcode: false,
    lock: false,
    terraform: FAKE_TF,
    exec: fakeTerraform(env, log),
    env: { ...process.env, ...env },
    ...extra,
  };
}

/** Highest number of fake terraform commands running at the same time. */
function maxConcurrent(log: LogEntry[]): number {
  let running = 0;
  let max = 0;
  for (const { what } of log) {
    running += what === "start" ? 1 : -1;
    max = Math.max(max, running);
  }
  return max;
}

describe("plan-stacks (shard runner)", () => {
  beforeEach(() => jest.spyOn(process.stderr, "write").mockImplementation(() => true));
  afterEach(() => jest.restoreAllMocks());

  test("plans every stack, writing plan.json, plan.txt and result.json, and deletes the binary plan", async () => {
    const opts = options(["tenant-t0", "tenant-t1"], { FAKE_TF_CHANGES: "tenant-t1" });
    const results = await planStacks(opts);
    expect(results.map((r) => [r.stack, r.status, r.changes])).toEqual([
      ["tenant-t0", "planned", false],
      ["tenant-t1", "planned", true],
    ]);
    for (const s of ["tenant-t0", "tenant-t1"]) {
      expect(existsSync(join(opts.outDir, s, "plan.json"))).toBe(true);
      expect(existsSync(join(opts.outDir, s, "plan.txt"))).toBe(true);
      expect(existsSync(join(opts.outDir, s, "tfplan"))).toBe(false);
    }
    expect(JSON.parse(readFileSync(join(opts.outDir, "tenant-t1", "result.json"), "utf8"))).toMatchObject({ status: "planned", changes: true });
  });

  test("keeps sensitive values out of the files it writes", async () => {
    const opts = options(["tenant-t0"], { FAKE_TF_CHANGES: "tenant-t0" });
    await planStacks(opts);
    const json = readFileSync(join(opts.outDir, "tenant-t0", "plan.json"), "utf8");
    const text = readFileSync(join(opts.outDir, "tenant-t0", "plan.txt"), "utf8");
    expect(json + text).not.toMatch(/fake-secret-(before|after)-1/);
    expect(json).not.toContain("prior_state");
  });

  test("records a failed stack in error.txt (redacted) and carries on with the others", async () => {
    const opts = options(["tenant-t0", "tenant-t1", "tenant-t2"], { FAKE_TF_FAIL_INIT: "tenant-t1" });
    const results = await planStacks(opts);
    expect(results.map((r) => r.status)).toEqual(["planned", "failed", "planned"]);
    const error = readFileSync(join(opts.outDir, "tenant-t1", "error.txt"), "utf8");
    expect(error).toMatch(/^terraform init failed \(exit 1\)/);
    expect(error).not.toContain("AKIAIOSFODNN7EXAMPLE");
    const comment = renderComment(readPlans(opts.outDir));
    expect(comment).toContain("| `tenant-t1` | – | – | – | – | ❌ plan failed |");
  });

  test("with --detailed-exitcode, exit code 2 means changes (drift), not failure", async () => {
    const opts = options(["tenant-t0", "tenant-t1"], { FAKE_TF_CHANGES: "tenant-t0" }, { detailedExitcode: true });
    const results = await planStacks(opts);
    expect(results.map((r) => [r.status, r.changes])).toEqual([
      ["planned", true],
      ["planned", false],
    ]);
  });

  test("runs the first stack alone (plugin cache) and then at most --parallelism at once", async () => {
    const log: LogEntry[] = [];
    const stacks = Array.from({ length: 10 }, (_, i) => `tenant-t${i}`);
    await planStacks(options(stacks, { FAKE_TF_SLEEP_MS: "5" }, { parallelism: 3 }, log));
    expect(maxConcurrent(log)).toBe(3);
    const firstOther = log.findIndex((l) => l.stack !== "tenant-t0");
    const lastOfFirst = log.map((l) => l.stack === "tenant-t0").lastIndexOf(true);
    expect(firstOther).toBeGreaterThan(lastOfFirst);
  });

  test("fails with a usage error for a stack that is not in the synth output", async () => {
    await expect(planStacks(options(["tenant-nope"], {}))).rejects.toThrow(/not in .*: tenant-nope/);
  });
});

describe("plan-stacks CLI", () => {
  // The fixtures' environments unless a test names its own (the default, ./cdktf.json, is the live fleet).
  // The fake reads FAKE_TF_* from its environment, which plan-stacks allow-lists: name them.
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli("plan-stacks", tool, args.includes("--cdktf-json") ? args : [...args, "--cdktf-json", FIXTURE_CDKTF_JSON], {
      TERRAFORM_BINARY: FAKE_TF,
      OPENCLAW_TERRAFORM_PASS_ENV: "FAKE_TF_FAIL_INIT,FAKE_TF_CHANGES,FAKE_TF_SLEEP_MS",
      ...env,
    });

  test("exits 2 when a plan failed and 0 when all planned", async () => {
    const synth = writeSynth(tmp(), tenants(2));
    const ok = await cli(["--synth", synth, "--stacks", "tenant-t0 tenant-t1", "--out", tmp()]);
    expect(ok.stderr).toMatch(/\[2\/2\] tenant-t\d: no changes/);
    expect(ok.status).toBe(0);
    const failed = await cli(["--synth", synth, "--stacks", "tenant-t0", "--out", tmp()], { FAKE_TF_FAIL_INIT: "tenant-t0" });
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(/1 failed: tenant-t0/);
  });

  test("a stack the policy refuses fails the run (exit 2) with one stderr line per reason, and terraform never runs for it", async () => {
    const synth = writeSynth(tmp(), tenants(1));
    const file = join(synth, "stacks", "tenant-t0", "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8"));
    stack.provider.aws[0].https_proxy = "http://attacker.example:3128";
    stack.data = { terraform_remote_state: { other: { backend: "s3" } } };
    writeFileSync(file, JSON.stringify(stack));
    const r = await cli(["--synth", synth, "--stacks", "tenant-t0", "--out", tmp(), "--cdktf-json", FIXTURE_CDKTF_JSON]);
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("tenant-t0: refused: "))).toEqual([
      "tenant-t0: refused: provider aws: argument https_proxy is not allowed (allowed: region, allowed_account_ids, default_tags)",
      "tenant-t0: refused: data source type terraform_remote_state is not allowed (allowed: aws_availability_zones, aws_vpc_endpoint_service, aws_ssm_parameter)",
    ]);
    expect(r.stderr).toContain("[1/1] tenant-t0: REFUSED by the stack policy (see error.txt)");
  });

  test("exits 1 when --cdktf-json is not a valid cdktf.json", async () => {
    const synth = writeSynth(tmp(), tenants(1));
    const bad = join(tmp(), "cdktf.json");
    writeFileSync(bad, "{}");
    const r = await cli(["--synth", synth, "--stacks", "tenant-t0", "--out", tmp(), "--cdktf-json", bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^plan-stacks: --cdktf-json: /);
  });

  test("exits 1 on a bad stack name or parallelism", async () => {
    const synth = writeSynth(tmp(), tenants(1));
    expect((await cli(["--synth", synth, "--stacks", "Tenant_X", "--out", tmp()])).status).toBe(1);
    expect((await cli(["--synth", synth, "--stacks", "tenant-t0", "--out", tmp(), "--parallelism", "0"])).status).toBe(1);
  });

  test("--dry-run prints the terraform commands and runs nothing", async () => {
    const synth = writeSynth(tmp(), tenants(1));
    const out = tmp();
    const r = await cli(["--synth", synth, "--stacks", "tenant-t0", "--out", out, "--dry-run"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("plan -input=false -no-color -lock=false -out=");
    expect(existsSync(join(out, "tenant-t0"))).toBe(false);
  });
});
