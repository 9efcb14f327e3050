/**
 * The deploy ledger: resume (only stacks not at the commit), stale-run refusal naming both
 * commits, what each run records per stack, and `npm run fleet -- status`.
 */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploy, type DeployOptions } from "../../pipeline/deploy-stacks";
import * as fleet from "../../pipeline/fleet";
import { DirectoryLedger, gitCompare, openLedger, resumeDecision, S3Ledger, type LedgerEntry } from "../../pipeline/lib/ledger";
import { readSynth } from "../../pipeline/lib/synth";
import { FAKE_TERRAFORM, FakeFleetTerraform } from "../support/fake-terraform-fleet";
import { gitHistory } from "../support/git-history";
import { runCli } from "./cli-helper";

const SYNTH = join(mkdtempSync(join(tmpdir(), "ledger-synth-")), "head");
cpSync(join(__dirname, "fixtures", "synth", "head"), SYNTH, { recursive: true });
const head = readSynth(SYNTH);
const affected = { changed: ["platform-production-us-east-1", "tenant-acme"], added: ["tenant-globex"], removed: [], order: [["platform-production-us-east-1"], ["tenant-acme", "tenant-globex"]] };
const { repo, commits } = gitHistory(3);
const [OLD, MID, NEW] = commits;

function run(fake: FakeFleetTerraform, ledger: DirectoryLedger, commit: string, extra: Partial<DeployOptions> = {}) {
  const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  return deploy({
    affected,
    head,
    environment: "production",
    parallelism: 4,
    dryRun: false,
    terraform: FAKE_TERRAFORM,
    env: { PATH: process.env.PATH ?? "", ...fake.env },
    print: () => undefined,
    ledger,
    commit,
    runUrl: `https://github.example/runs/${commit.slice(0, 6)}`,
    compare: gitCompare(repo),
    ...extra,
  }).finally(() => spy.mockRestore());
}
const applied = (fake: FakeFleetTerraform) => fake.calls().filter((c) => c.args[0] === "apply").map((c) => c.stack).sort();
const newLedger = () => new DirectoryLedger(mkdtempSync(join(tmpdir(), "ledger-")));

describe("resumeDecision", () => {
  const compare = gitCompare(repo);
  const entry = (e: Partial<LedgerEntry>): LedgerEntry => ({ environment: "production", stack: "tenant-a", commit: MID, status: "deployed", attempts: 1, failuresInARow: 0, deployedCommit: MID, ...e });

  test("deploys a stack the ledger has never seen, or one at an older commit", () => {
    expect(resumeDecision(undefined, NEW, compare).action).toBe("deploy");
    expect(resumeDecision(entry({}), NEW, compare).action).toBe("deploy");
  });

  test("skips a stack already deployed at this commit, retries one that failed or stopped at it", () => {
    expect(resumeDecision(entry({}), MID, compare)).toEqual({ action: "skip", reason: `already deployed at ${MID}` });
    expect(resumeDecision(entry({ status: "failed", deployedCommit: OLD }), MID, compare).action).toBe("deploy");
    expect(resumeDecision(entry({ status: "in-progress", deployedCommit: OLD }), MID, compare).action).toBe("deploy");
  });

  test("refuses a commit older than the deployed one, naming both", () => {
    const d = resumeDecision(entry({ deployedAt: "2026-12-07T10:00:00Z", runUrl: "https://github.example/runs/2" }), OLD, compare);
    expect(d).toEqual({ action: "refuse", reason: `${OLD} is older than ${MID}, deployed 2026-12-07T10:00:00Z by https://github.example/runs/2` });
  });

  test("refuses a commit older than a newer run's failed attempt (re-running the old run would roll it back)", () => {
    expect(resumeDecision(entry({ commit: NEW, status: "failed", deployedCommit: OLD }), MID, compare)).toMatchObject({ action: "refuse", reason: expect.stringContaining(`${MID} is older than ${NEW}, attempted`) });
  });

  test("refuses commits it cannot order (unknown here or on another line of history)", () => {
    expect(resumeDecision(entry({}), "abcdef1234567", compare)).toMatchObject({ action: "refuse", reason: expect.stringContaining("not on one line of history") });
  });
});

describe("deploy-stacks --ledger", () => {
  test("records each stack's run: commit, status, attempts, times, exit, error and run URL", async () => {
    const fake = new FakeFleetTerraform().configure("tenant-acme", { fail: "apply" }).configure("tenant-globex", { throttle: 1 });
    const ledger = newLedger();
    const r = await run(fake, ledger, MID, { backoffBaseMs: 1, sleep: async () => undefined });
    expect(r.exitCode).toBe(2);
    const acme = await ledger.get("production", "tenant-acme");
    expect(acme).toMatchObject({ stack: "tenant-acme", commit: MID, status: "failed", attempts: 1, exitCode: 1, failuresInARow: 1, runUrl: `https://github.example/runs/${MID.slice(0, 6)}` });
    expect(acme?.error).toContain("InvalidParameterException");
    expect(acme?.deployedCommit).toBeUndefined();
    expect(await ledger.get("production", "tenant-globex")).toMatchObject({ status: "deployed", attempts: 2, exitCode: 0, deployedCommit: MID });
    const platform = await ledger.get("production", "platform-production-us-east-1");
    expect(platform).toMatchObject({ status: "deployed", deployedCommit: MID, deployedAt: platform?.finishedAt });
    expect(Date.parse(platform?.startedAt ?? "")).toBeLessThanOrEqual(Date.parse(platform?.finishedAt ?? ""));
  });

  test("a re-run of the same commit applies only the stacks not yet deployed at it", async () => {
    const ledger = newLedger();
    const first = new FakeFleetTerraform().configure("tenant-acme", { fail: "apply" });
    await run(first, ledger, MID);
    expect(applied(first)).toEqual(["platform-production-us-east-1", "tenant-acme", "tenant-globex"]);
    const second = new FakeFleetTerraform();
    const r = await run(second, ledger, MID);
    expect(applied(second)).toEqual(["tenant-acme"]);
    expect(r.exitCode).toBe(0);
    expect(r.skipped.map((s) => s.stack).sort()).toEqual(["platform-production-us-east-1", "tenant-globex"]);
    expect(await ledger.get("production", "tenant-acme")).toMatchObject({ status: "deployed", deployedCommit: MID, failuresInARow: 0 });
  });

  test("a stale re-run (an older commit than the ledger's) applies nothing and names both commits", async () => {
    const ledger = newLedger();
    await run(new FakeFleetTerraform(), ledger, NEW);
    const stale = new FakeFleetTerraform();
    const r = await run(stale, ledger, MID);
    expect(stale.calls()).toEqual([]);
    expect(r.exitCode).toBe(1);
    expect(r.refused).toHaveLength(3);
    expect(r.refused[0]).toContain(`ledger: stale re-run refused: platform-production-us-east-1: ${MID} is older than ${NEW}`);
    expect(r.markdown).toContain("Nothing was applied");
    expect((await ledger.get("production", "tenant-acme"))?.deployedCommit).toBe(NEW);
  });

  test("a stopped stack is recorded as stopped, and deployed by the next run of the commit", async () => {
    const ledger = newLedger();
    const fake = new FakeFleetTerraform().configure("default", { apply_ms: 60_000 });
    const stop = new AbortController();
    const running = run(fake, ledger, MID, { signal: stop.signal, graceMs: 10_000 });
    for (let i = 0; i < 400 && fake.locks().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    stop.abort();
    await running;
    expect(await ledger.get("production", "platform-production-us-east-1")).toMatchObject({ status: "stopped", commit: MID });
    expect(fake.locks()).toEqual([]);
    const next = new FakeFleetTerraform();
    await run(next, ledger, MID);
    expect(applied(next)).toEqual(["platform-production-us-east-1", "tenant-acme", "tenant-globex"]);
  });
});

describe("npm run fleet -- status", () => {
  test("prints the ledger as a table, failures first, and as JSON", async () => {
    const ledger = newLedger();
    await run(new FakeFleetTerraform().configure("tenant-acme", { fail: "apply" }), ledger, MID);
    const table = await runCli("fleet", fleet, ["status", "--ledger", ledger.location]);
    expect(table.status).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ENVIRONMENT\s+STACK\s+STATUS\s+COMMIT\s+DEPLOYED\s+ATTEMPTS\s+FINISHED\s+EXIT\s+RUN$/);
    expect(lines[1]).toMatch(new RegExp(`^production\\s+tenant-acme\\s+failed\\s+${MID.slice(0, 12)}\\s+-\\s+1\\s+\\S+\\s+1\\s+https://github.example/runs/`));
    expect(lines.at(-1)).toBe("3 stack(s): 2 deployed, 1 failed");
    const json = await runCli("fleet", fleet, ["status", "--ledger", ledger.location, "--json", "--status", "failed"]);
    expect(JSON.parse(json.stdout).map((e: LedgerEntry) => e.stack)).toEqual(["tenant-acme"]);
  });

  test("exits 1 on an unknown status or a missing --ledger", async () => {
    expect((await runCli("fleet", fleet, ["status", "--ledger", "x", "--status", "meh"])).status).toBe(1);
    expect((await runCli("fleet", fleet, ["status"])).stderr).toContain("--ledger is required");
  });
});

test("--ledger s3://bucket/prefix opens the S3 ledger (default prefix deploy-ledger), anything else a directory", () => {
  expect(openLedger("s3://tf-state/deploy-ledger")).toBeInstanceOf(S3Ledger);
  expect(openLedger("s3://tf-state").location).toBe("s3://tf-state/deploy-ledger");
  expect(openLedger("/tmp/ledger")).toBeInstanceOf(DirectoryLedger);
  expect(() => openLedger("s3:/nope")).toThrow(/expected s3:\/\/<bucket>\/<prefix>/);
});
