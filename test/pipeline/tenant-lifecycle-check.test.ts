// Enforces SECURITY.md C36 (the table "Enforcing tests" there lists this file).
/**
 * The pull request check, on real git repositories: the base branch has tenant files, a
 * pull request branch changes them, the check reads the head as blobs.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tool from "../../pipeline/tenant-lifecycle-check";
import { runCli } from "./cli-helper";

const NOW = new Date("2026-12-01T22:00:00Z");
const CDKTF = { context: { environments: { production: { accountId: "111111111111", stateBucket: "state-prod", stateRegion: "us-east-1" } } } };

function tenant(id: string, status: string, extra = ""): string {
  return `# yaml-language-server: $schema=./tenant.schema.json\nid: ${id}\ndisplayName: ${id}\nenvironment: production\nregion: us-east-1\nstatus: ${status}\n${extra}`;
}

let repo: string;
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
function write(files: Record<string, string | null>) {
  for (const [name, content] of Object.entries(files)) {
    const p = join(repo, "tenants", name);
    if (content === null) unlinkSync(p);
    else writeFileSync(p, content);
  }
  git("add", "-A");
  git("commit", "-q", "--allow-empty", "-m", "change");
  return git("rev-parse", "HEAD");
}

/** Base branch with `base` files, then a pull request branch applying `pr`; returns the check's output. */
async function check(base: Record<string, string | null>, pr: Record<string, string | null>) {
  const baseSha = write(base);
  git("checkout", "-q", "-b", `pr-${Math.random().toString(36).slice(2)}`);
  const headSha = write(pr);
  git("checkout", "-q", "main");
  return runCli("lifecycle-check", { HELP: tool.HELP, main: (argv) => tool.main(argv, undefined, NOW) }, [
    "--base", baseSha, "--head", headSha, "--git-dir", repo, "--cdktf-json", join(repo, "cdktf.json"),
  ]);
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), "lifecycle-check-"));
  mkdirSync(join(repo, "tenants"));
  writeFileSync(join(repo, "cdktf.json"), JSON.stringify(CDKTF));
  writeFileSync(join(repo, "tenants", "tenant.schema.json"), "{}");
  git("init", "-q", "-b", "main");
  git("config", "user.email", "t@example.com");
  git("config", "user.name", "t");
  git("config", "commit.gpgsign", "false");
  git("add", "-A");
  git("commit", "-q", "-m", "init");
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

const TOMBSTONE = 'offboardedAt: "2026-12-01T21:00:00.000Z"\noffboardingRecord: s3://state-prod/offboarding/acme/record-2026-12-01T21-00-00-000Z.json\n';

describe("deleting a tenant file", () => {
  test("fails when the base status is not offboarded, with one line saying what to do instead", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "active") }, { "acme.yaml": null });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      "tenants/acme.yaml: deleted while its status is active; set status: offboarding instead, merge, and let the deploy pipeline finish (it prints the tombstone edit to merge).\n",
    );
  });

  test("fails for a tenant still offboarding (the pipeline has not finished)", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": null });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("deleted while its status is offboarding");
  });

  test("fails for a rename, which deletes the old id", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "active") }, { "acme.yaml": null, "acme2.yaml": tenant("acme2", "provisioning") });
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^tenants\/acme\.yaml: deleted while its status is active/)]);
  });

  test("passes for an offboarded tombstone", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) }, { "acme.yaml": null });
    expect(r).toMatchObject({ status: 0, stdout: "" });
  });
});

describe("status transitions between base and head", () => {
  test.each([
    ["provisioning", "active"],
    ["active", "suspended"],
    ["suspended", "active"],
    ["active", "offboarding"],
  ])("allows %s -> %s", async (from, to) => {
    const r = await check({ "acme.yaml": tenant("acme", from) }, { "acme.yaml": tenant("acme", to) });
    expect(r).toMatchObject({ status: 0, stdout: "" });
  });

  test("refuses an illegal transition, naming the legal ones", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": tenant("acme", "active") });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("tenants/acme.yaml: tenant acme: offboarding -> active is not a legal transition (from offboarding: suspended, offboarded).\n");
  });

  test("accepts offboarding -> suspended (a cancelled offboarding): only the deploy pipeline can read whether the job started destroying (#27)", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": tenant("acme", "suspended") });
    expect(r).toMatchObject({ status: 0, stdout: "" });
  });

  test("refuses setting offboarded by hand on a tenant that never went through offboarding", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "active") }, { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) });
    expect(r.stdout).toBe("tenants/acme.yaml: tenant acme: active -> offboarded is not a legal transition (from active: suspended, offboarding).\n");
  });

  test("refuses offboarded without the record pointer", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": tenant("acme", "offboarded") });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^tenants\/acme\.yaml: status: offboarded needs offboardedAt and offboardingRecord; copy the tombstone edit/);
  });

  test("refuses a record outside the environment's state bucket or of another tenant, and a date in the future", async () => {
    const bad = 'offboardedAt: "2027-01-01T00:00:00Z"\noffboardingRecord: s3://attacker/offboarding/globex/record.json\n';
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": tenant("acme", "offboarded", bad) });
    expect(r.stdout.trim().split("\n")).toEqual([
      "tenants/acme.yaml: offboardedAt: a time in the past (got 2027-01-01T00:00:00Z)",
      "tenants/acme.yaml: offboardingRecord: a record of tenant acme, under offboarding/acme/ (got s3://attacker/offboarding/globex/record.json)",
    ]);
    const other = await check({ "x1.yaml": tenant("x1", "offboarding") }, { "x1.yaml": tenant("x1", "offboarded", TOMBSTONE.replace(/acme/g, "x1").replace("state-prod", "state-other")) });
    expect(other.stdout).toContain("offboardingRecord: in environment production's state bucket state-prod (got state-other)");
  });

  test("accepts the tombstone the offboarding job printed", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) });
    expect(r).toMatchObject({ status: 0, stdout: "" });
  });

  test("refuses any change to a tombstone", async () => {
    const r = await check(
      { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) },
      { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE.replace("21:00:00.000Z", "20:00:00.000Z")) },
    );
    expect(r.stdout).toMatch(/^tenants\/acme\.yaml: an offboarded tenant is a tombstone/);
  });

  test("reports an unknown status with the allowed list", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "active") }, { "acme.yaml": tenant("acme", "paused") });
    expect(r.stdout).toBe('tenants/acme.yaml: status: one of provisioning, active, suspended, offboarding, offboarded (got "paused")\n');
  });
});

describe("stale pull requests and moves", () => {
  test("a branch that only edits other fields passes after main moved the tenant to offboarding", async () => {
    const fork = write({ "acme.yaml": tenant("acme", "active") });
    git("checkout", "-q", "-b", "stale");
    const head = write({ "acme.yaml": tenant("acme", "active", "costCenter: new\n") });
    git("checkout", "-q", "main");
    const base = write({ "acme.yaml": tenant("acme", "offboarding") });
    const run = (h: string) =>
      runCli("lifecycle-check", { HELP: tool.HELP, main: (argv) => tool.main(argv, undefined, NOW) }, ["--base", base, "--head", h, "--git-dir", repo, "--cdktf-json", join(repo, "cdktf.json")]);
    expect(fork).not.toBe(base);
    expect(await run(head)).toMatchObject({ status: 0, stdout: "" });
    // ...but a stale branch that does change the status is checked against main's status.
    git("checkout", "-q", "stale");
    const reactivate = write({ "acme.yaml": tenant("acme", "provisioning") });
    git("checkout", "-q", "main");
    expect((await run(reactivate)).stdout).toBe("tenants/acme.yaml: tenant acme: offboarding -> provisioning is not a legal transition (from offboarding: suspended, offboarded).\n");
  });

  test("refuses moving a tenant to another region or environment", async () => {
    const r = await check({ "acme.yaml": tenant("acme", "active") }, { "acme.yaml": tenant("acme", "active").replace("us-east-1", "eu-west-1") });
    expect(r.stdout).toBe("tenants/acme.yaml: environment and region of an existing tenant never change (production/us-east-1 -> production/eu-west-1); offboard it and add a tenant with a new id.\n");
  });
});

describe("new tenant files", () => {
  test("start in provisioning", async () => {
    expect((await check({}, { "acme.yaml": tenant("acme", "provisioning") })).status).toBe(0);
    const r = await check({}, { "beta.yaml": tenant("beta", "active") });
    expect(r.stdout).toBe("tenants/beta.yaml: status: a new tenant starts in provisioning (got active); write its secret values, then change it to active.\n");
  });

  test("never reuse the id of a removed tenant", async () => {
    write({ "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) });
    const r = await check({ "acme.yaml": null }, { "acme.yaml": tenant("acme", "provisioning") });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^tenants\/acme\.yaml: tenant id acme was used before \(the file existed at [0-9a-f]{12}\); ids are never reused/);
  });

  test("ignores files that are not tenant files", async () => {
    const r = await check({}, { "tenant.schema.json": '{"x":1}' });
    expect(r).toMatchObject({ status: 0, stdout: "" });
  });
});

test("refuses an option that is not a git revision", async () => {
  const r = await runCli("lifecycle-check", tool, ["--base", "--upload-pack=x", "--head", "abc1234"]);
  expect(r.status).toBe(1);
});
