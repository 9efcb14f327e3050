/**
 * The per-stack apply runner against a fake terraform that is a real process (signals, process
 * groups and exit codes are real): test/support/fake-terraform-fleet.sh.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyArgs, applyStacks, backoffMs, classifyFailure, errorSummary, type RunnerEvent, type RunnerOptions } from "../../pipeline/lib/stack-runner";
import { FAKE_TERRAFORM, FakeFleetTerraform, stackDirs } from "../support/fake-terraform-fleet";

const names = (n: number) => Array.from({ length: n }, (_, i) => `tenant-t${i}`);

function options(fake: FakeFleetTerraform, extra: Partial<RunnerOptions> = {}): RunnerOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    terraform: FAKE_TERRAFORM,
    parallelism: 4,
    lockTimeout: "10m",
    env: { PATH: process.env.PATH ?? "", ...fake.env },
    sleep: async (ms) => void delays.push(ms),
    random: () => 0,
    delays,
    ...extra,
  };
}

describe("applyStacks: one process per stack", () => {
  test("runs init then apply once per stack, each its own process and process group, at most `parallelism` applies at once", async () => {
    const fake = new FakeFleetTerraform().configure("default", { apply_ms: 150 });
    const { work } = stackDirs(names(6));
    const results = await applyStacks(work, options(fake, { parallelism: 2 }));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill("deployed"));
    const calls = fake.calls();
    expect(calls.map((c) => `${c.stack} ${c.args[0]}`).sort()).toEqual(names(6).flatMap((s) => [`${s} apply`, `${s} init`]).sort());
    expect(new Set(calls.map((c) => c.pid)).size).toBe(12);
    for (const c of calls) expect(Number(c.env.pgid)).toBe(c.pid); // own group: a stop reaches terraform and its plugins
    expect(fake.maxConcurrentApplies()).toBeLessThanOrEqual(2);
    expect(fake.maxConcurrentApplies()).toBeGreaterThanOrEqual(1);
  });

  test("one stack's failure never stops another's apply; the failure keeps its Error line", async () => {
    const fake = new FakeFleetTerraform().configure("default", { apply_ms: 50 }).configure("tenant-t2", { fail: "apply" });
    const { work } = stackDirs(names(5));
    const results = await applyStacks(work, options(fake, { parallelism: 2 }));
    expect(results.map((r) => [r.stack, r.status])).toEqual(names(5).map((s) => [s, s === "tenant-t2" ? "failed" : "deployed"]));
    expect(results[2]).toMatchObject({ attempts: 1, exitCode: 1, step: "apply", retried: [] });
    expect(results[2].error).toBe("Error: creating ECS Service (tenant-t2): InvalidParameterException: The target group does not exist");
    expect(fake.calls().filter((c) => c.args[0] === "apply")).toHaveLength(5);
  });

  test("every apply passes -lock-timeout; init reuses the shared lock file and plugin cache, filled by the first stack alone", async () => {
    const fake = new FakeFleetTerraform();
    const { work, root } = stackDirs(names(4));
    const lockFile = join(root, "shared.lock.hcl");
    writeFileSync(lockFile, '# provider "registry.terraform.io/hashicorp/aws"\n');
    const cache = mkdtempSync(join(tmpdir(), "plugins-"));
    await applyStacks(work, options(fake, { lockFile, env: { PATH: process.env.PATH ?? "", TF_PLUGIN_CACHE_DIR: cache, ...fake.env } }));
    const calls = fake.calls();
    const applies = calls.filter((c) => c.args[0] === "apply");
    expect(applies).toHaveLength(4);
    for (const a of applies) expect(a.args).toEqual(applyArgs("10m"));
    for (const i of calls.filter((c) => c.args[0] === "init")) {
      expect(i.args).toContain("-lockfile=readonly");
      expect(i.env).toMatchObject({ cache, lockfile: "yes" });
    }
    // the first stack's init and apply both finished before any other stack started
    const lines = fake.lines();
    const firstOther = lines.findIndex((l) => l.startsWith("call ") && !l.startsWith("call tenant-t0 "));
    expect(lines.slice(0, firstOther).filter((l) => l.startsWith("exit tenant-t0 "))).toHaveLength(2);
    expect(readFileSync(join(work[3].dir, ".terraform.lock.hcl"), "utf8")).toContain("hashicorp/aws");
  });
});

describe("applyStacks: a process that leaves something behind", () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  test("an apply that exits while a leftover of its group still holds its output is finished and the leftover killed (the run never waits on it)", async () => {
    // Without the runner's stdio grace, `close` waits for the leftover (120 s): the test times out.
    const fake = new FakeFleetTerraform().configure("default", { apply_ms: 50, orphan: 1 });
    const { work } = stackDirs(names(2));
    const results = await applyStacks(work, options(fake, { parallelism: 2, stdioGraceMs: 300 }));
    expect(results.map((r) => r.status)).toEqual(["deployed", "deployed"]);
    expect(fake.orphans()).toHaveLength(2);
    for (let i = 0; i < 200 && fake.orphans().some(alive); i++) await new Promise((r) => setTimeout(r, 25));
    expect(fake.orphans().filter(alive)).toEqual([]);
  });
});

describe("applyStacks: retries", () => {
  test("throttling is retried with growing backoff and then deploys", async () => {
    const fake = new FakeFleetTerraform().configure("tenant-t0", { throttle: 2 });
    const { work } = stackDirs(names(1));
    const opts = options(fake, { backoffBaseMs: 1000 });
    const [r] = await applyStacks(work, opts);
    expect(r).toMatchObject({ status: "deployed", attempts: 3, retried: ["throttling", "throttling"] });
    expect(opts.delays).toEqual([1000, 2000]);
    expect(fake.calls().filter((c) => c.args[0] === "init")).toHaveLength(1);
  });

  test("a lock still held after -lock-timeout and network errors are retried a bounded number of times", async () => {
    const fake = new FakeFleetTerraform().configure("tenant-t0", { lockheld: 9 }).configure("tenant-t1", { network: 1 });
    const { work } = stackDirs(names(2));
    const events: RunnerEvent[] = [];
    const results = await applyStacks(work, options(fake, { maxAttempts: 3, onEvent: (e) => events.push(e) }));
    expect(results[0]).toMatchObject({ status: "failed", attempts: 3, retried: ["lock-held", "lock-held"], error: expect.stringContaining("Error acquiring the state lock") });
    expect(results[1]).toMatchObject({ status: "deployed", attempts: 2, retried: ["network"] });
    expect(events.filter((e) => e.type === "retry").map((e) => (e as { reason: string }).reason).sort()).toEqual(["lock-held", "lock-held", "network"]);
  });

  test("an error that is not transient is not retried", async () => {
    const fake = new FakeFleetTerraform().configure("tenant-t0", { fail: "init" });
    const { work } = stackDirs(names(1));
    const [r] = await applyStacks(work, options(fake));
    expect(r).toMatchObject({ status: "failed", attempts: 0, step: "init", retried: [] });
    expect(fake.calls().map((c) => c.args[0])).toEqual(["init"]);
  });

  test("classifies the AWS and Terraform messages it retries", () => {
    expect(classifyFailure("Error: ThrottlingException: Rate exceeded")).toBe("throttling");
    expect(classifyFailure("api error TooManyRequestsException")).toBe("throttling");
    expect(classifyFailure("Error: Error acquiring the state lock")).toBe("lock-held");
    expect(classifyFailure("RequestError: send request failed\ncaused by: dial tcp: i/o timeout")).toBe("network");
    expect(classifyFailure("Error: InvalidParameterException: bad cpu")).toBeUndefined();
    expect(backoffMs(3, 15_000, () => 0.5)).toBe(75_000);
    expect(backoffMs(10, 15_000, () => 0)).toBe(120_000);
    expect(errorSummary("│ Error: one\n│ detail\n│ Error: two")).toBe("Error: one\nError: two");
  });
});

describe("applyStacks: stopping", () => {
  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(cond()).toBe(true);
  };

  test("a stop sends SIGINT to every running apply (never SIGHUP or SIGKILL), starts nothing new and leaves no lock", async () => {
    const fake = new FakeFleetTerraform().configure("default", { apply_ms: 60_000 });
    const { work } = stackDirs(names(4));
    const stop = new AbortController();
    const running = applyStacks(work, options(fake, { parallelism: 2, signal: stop.signal, graceMs: 20_000 }));
    await waitFor(() => fake.calls().filter((c) => c.args[0] === "apply").length === 2 && fake.locks().length === 2);
    stop.abort();
    const results = await running;
    expect(results.map((r) => r.status)).toEqual(["stopped", "stopped", "not-started", "not-started"]);
    expect(fake.signals()).toEqual(expect.arrayContaining([{ stack: "tenant-t0", signal: "INT" }, { stack: "tenant-t1", signal: "INT" }]));
    expect(fake.signals().map((s) => s.signal)).toEqual(["INT", "INT"]);
    expect(fake.locks()).toEqual([]);
    expect(fake.calls().map((c) => c.stack).sort()).toEqual(["tenant-t0", "tenant-t0", "tenant-t1", "tenant-t1"]);
  });

  test("an apply that ignores SIGINT gets SIGTERM only after the grace period", async () => {
    const fake = new FakeFleetTerraform().configure("default", { apply_ms: 60_000, ignore_int: 1 });
    const { work } = stackDirs(names(1));
    const stop = new AbortController();
    const sent: string[] = [];
    const running = applyStacks(work, options(fake, { signal: stop.signal, graceMs: 300, onEvent: (e) => (e.type === "signal" ? void sent.push(e.signal) : undefined) }));
    await waitFor(() => fake.locks().length === 1);
    stop.abort();
    const [r] = await running;
    expect(r.status).toBe("stopped");
    expect(sent).toEqual(["SIGINT", "SIGTERM"]);
    expect(fake.signals().map((s) => s.signal)).toEqual(["TERM"]); // the SIGINT was ignored, the SIGTERM handled
    expect(existsSync(join(fake.dir, "locks", "tenant-t0.lock"))).toBe(false);
  });
});

describe("the fake terraform behaves as Terraform does on signals (why the runner never sends SIGHUP)", () => {
  test("SIGHUP, what cdktf deploy's pty close sends, leaves the state lock behind; SIGINT releases it", async () => {
    const { spawn } = await import("node:child_process");
    const fake = new FakeFleetTerraform().configure("default", { apply_ms: 60_000 });
    const { work } = stackDirs(names(2));
    const started = work.map((w) => spawn(FAKE_TERRAFORM, ["apply"], { cwd: w.dir, env: { PATH: process.env.PATH ?? "", ...fake.env } }));
    for (let i = 0; i < 400 && fake.locks().length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(fake.locks().sort()).toEqual(["tenant-t0", "tenant-t1"]);
    const exited = started.map((c) => new Promise((r) => c.on("close", r)));
    started[0].kill("SIGHUP");
    started[1].kill("SIGINT");
    await Promise.all(exited);
    expect(fake.locks()).toEqual(["tenant-t0"]);
    // Two fake terraform processes start and stop here: on a loaded 2-core runner that took over 30 s.
  }, 120_000);
});
