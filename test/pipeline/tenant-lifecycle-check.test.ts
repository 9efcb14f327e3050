// Enforces SECURITY.md C36 (the table "Enforcing tests" there lists this file).
/**
 * The pull request check, on real git repositories: the base branch has tenant files, a
 * pull request branch changes them, the check reads the head as blobs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tool from "../../pipeline/tenant-lifecycle-check";
import { ToolFailure } from "../../pipeline/lib/cli";
import { exec as realExec, type Exec, type ExecOptions } from "../../pipeline/lib/exec";
import { REPO_ROOT } from "../support/fixtures";
import { runCli } from "./cli-helper";

const NOW = new Date("2026-12-01T22:00:00Z");
const CDKTF = { context: { environments: { production: { accountId: "111111111111", stateBucket: "state-prod", stateRegion: "us-east-1" } } } };

function tenant(id: string, status: string, extra = ""): string {
  return `# yaml-language-server: $schema=./tenant.schema.json\nid: ${id}\ndisplayName: ${id}\nenvironment: production\nregion: us-east-1\nstatus: ${status}\n${extra}`;
}

let repo: string;
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
function write(files: Record<string, string | null>, message = "change") {
  for (const [name, content] of Object.entries(files)) {
    const p = join(repo, "tenants", name);
    if (content === null) unlinkSync(p);
    else writeFileSync(p, content);
  }
  git("add", "-A");
  git("commit", "-q", "--allow-empty", "-m", message);
  return git("rev-parse", "HEAD");
}

/** The check of `--base base --head head` on the test repository (`args` appended); returns its output. */
function checkRevs(base: string, head: string, args: string[] = []) {
  return runCli("lifecycle-check", { HELP: tool.HELP, main: (argv) => tool.main(argv, undefined, NOW) }, [
    "--base", base, "--head", head, "--git-dir", repo, "--cdktf-json", join(repo, "cdktf.json"), ...args,
  ]);
}

/** Base branch with `base` files, then a pull request branch applying `pr`; returns the check's output. */
async function check(base: Record<string, string | null>, pr: Record<string, string | null>, args: string[] = []) {
  const baseSha = write(base);
  git("checkout", "-q", "-b", `pr-${Math.random().toString(36).slice(2)}`);
  const headSha = write(pr);
  git("checkout", "-q", "main");
  return checkRevs(baseSha, headSha, args);
}

/**
 * A pull request branched off main at `fork`, applying `pr`, while main went on to `main`:
 * the shape of a stale branch. Returns the check's output.
 */
async function checkStale(fork: Record<string, string | null>, pr: Record<string, string | null>, main: Record<string, string | null>) {
  write(fork);
  git("checkout", "-q", "-b", "stale");
  const headSha = write(pr);
  git("checkout", "-q", "main");
  // Its own message: the same change on both sides in the same second would otherwise be the same commit.
  return checkRevs(write(main, "main moved on"), headSha);
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

  test("passes when main already removed the file the pull request deletes", async () => {
    // mutation testing: `baseText === undefined` -> false (line 74) survived before this test
    const r = await checkStale({ "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) }, { "acme.yaml": null }, { "acme.yaml": null });
    expect(r).toMatchObject({ status: 0, stdout: "" });
  });

  test("fails for a file that does not parse on the base branch, its status unreadable", async () => {
    // mutation testing: "unreadable" -> "" (line 76) had no coverage before this test
    const r = await check({ "acme.yaml": "id: [" }, { "acme.yaml": null });
    expect(r.stdout).toBe("tenants/acme.yaml: deleted while its status is unreadable; set status: offboarding instead, merge, and let the deploy pipeline finish (it prints the tombstone edit to merge).\n");
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

  test("refuses an offboardedAt that is not an ISO 8601 date-time, and a record pointer of another shape", async () => {
    // mutation testing: the date check -> false and `||` -> `&&` (line 135) survived before this test; both messages (lines 135, 139) had no coverage
    const bad = 'offboardedAt: "2026-12-01"\noffboardingRecord: s3://state-prod/records/acme.json\n';
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": tenant("acme", "offboarded", bad) });
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([
      "tenants/acme.yaml: offboardedAt: an ISO 8601 date-time like 2026-12-01T22:10:00Z (got 2026-12-01)",
      "tenants/acme.yaml: offboardingRecord: s3://<state bucket>/offboarding/acme/<name>.json (got s3://state-prod/records/acme.json); copy the tombstone edit the offboarding job printed when it finished",
    ]);
  });

  test.each([
    ["accepts an offboardedAt five minutes ahead of the check's clock (clock skew)", "2026-12-01T22:05:00.000Z", 0, ""],
    ["refuses one a millisecond later", "2026-12-01T22:05:00.001Z", 1, "tenants/acme.yaml: offboardedAt: a time in the past (got 2026-12-01T22:05:00.001Z)\n"],
  ])("%s", async (_title, at, status, stdout) => {
    // mutation testing: `>` -> `>=`, `+` -> `-` and `5 * 60_000` -> `5 / 60_000` (line 136) survived before this test (NOW is 22:00:00Z)
    const r = await check({ "acme.yaml": tenant("acme", "offboarding") }, { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE.replace("2026-12-01T21:00:00.000Z", at)) });
    expect(r).toMatchObject({ status, stdout });
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

  test("refuses a tombstone whose record pointer alone changes", async () => {
    // mutation testing: `to.offboardingRecord === from.offboardingRecord` -> true (line 111) had no coverage before this test
    const r = await check(
      { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) },
      { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE.replace("record-", "other-")) },
    );
    expect(r.stdout).toBe("tenants/acme.yaml: an offboarded tenant is a tombstone: its status, offboardedAt and offboardingRecord never change (its id is never reused).\n");
  });

  test("accepts a stale branch that writes the tombstone main already has, unchanged", async () => {
    // mutation testing: the tombstone comparison -> false and `===` -> `!==` (line 111) survived or had no coverage before this test, and so did `[]` (line 112)
    const r = await checkStale(
      { "acme.yaml": tenant("acme", "offboarding") },
      { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) },
      { "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) },
    );
    expect(r).toMatchObject({ status: 0, stdout: "" });
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

  test("refuses moving a tenant to another environment in the same region", async () => {
    // mutation testing: `from.environment !== to.environment` -> false (line 114) survived before this test
    const r = await check({ "acme.yaml": tenant("acme", "active") }, { "acme.yaml": tenant("acme", "active").replace("environment: production", "environment: staging") });
    expect(r.stdout).toBe("tenants/acme.yaml: environment and region of an existing tenant never change (production/us-east-1 -> staging/us-east-1); offboard it and add a tenant with a new id.\n");
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
    expect(r.stdout).toMatch(/^tenants\/acme\.yaml: tenant id acme was used before \(its file was removed in [0-9a-f]{12}\); ids are never reused/);
    // The commit named is the one that removed it (git log's last commit touching the path), which the message says.
    const named = /removed in ([0-9a-f]{12})/.exec(r.stdout)![1];
    expect(git("show", "--name-status", "--format=", named)).toBe("D\ttenants/acme.yaml");
  });

  test("ignores files that are not tenant files", async () => {
    const r = await check({}, { "tenant.schema.json": '{"x":1}' });
    expect(r).toMatchObject({ status: 0, stdout: "" });
  });
});


describe("reading the pull request with git", () => {
  test("parses git's NUL-separated name-status list: A and D as given, M and T (type change) as modifications", () => {
    // mutation testing: `code === "A"` -> false and "A" -> "" (line 152) survived before this test; so did `i + 1 <= fields.length` once the dead empty-field filter (line 147) was removed
    expect(tool.parseNameStatus("A\0tenants/a.yaml\0D\0tenants/b.yaml\0M\0tenants/c.yaml\0T\0tenants/d.yaml\0")).toEqual([
      { status: "A", path: "tenants/a.yaml" },
      { status: "D", path: "tenants/b.yaml" },
      { status: "M", path: "tenants/c.yaml" },
      { status: "M", path: "tenants/d.yaml" },
    ]);
    expect(tool.parseNameStatus("")).toEqual([]);
  });

  test("lists the pull request's own changes since it branched off, a rename as a delete and an add", async () => {
    write({ "acme.yaml": tenant("acme", "active"), "beta.yaml": tenant("beta", "active") });
    git("checkout", "-q", "-b", "pr");
    git("mv", "tenants/acme.yaml", "tenants/acme2.yaml");
    const head = write({ "beta.yaml": tenant("beta", "suspended"), "gamma.yaml": tenant("gamma", "provisioning") });
    git("checkout", "-q", "main");
    const base = write({ "delta.yaml": tenant("delta", "provisioning") }); // main's own change, not the pull request's
    expect(await tool.gitRevisions(realExec, repo, base, head).changes()).toEqual([
      { status: "D", path: "tenants/acme.yaml" },
      { status: "A", path: "tenants/acme2.yaml" },
      { status: "M", path: "tenants/beta.yaml" },
      { status: "A", path: "tenants/gamma.yaml" },
    ]);
  });

  test("reads a file at the branch point, the base and the head, undefined where the branch point or base lacks it", async () => {
    // mutation testing: `mergeBase ??=` -> `&&=`, the merge-base call and its `.trim()` (line 177), `true` -> false (line 178) and `r.code === 0` -> true (line 179) survived or had no coverage before this test (branchPoint() runs first here)
    write({ "acme.yaml": tenant("acme", "active") });
    git("checkout", "-q", "-b", "pr");
    const head = write({ "acme.yaml": tenant("acme", "suspended") });
    git("checkout", "-q", "main");
    const base = write({ "acme.yaml": tenant("acme", "offboarding"), "beta.yaml": tenant("beta", "provisioning") });
    const revs = tool.gitRevisions(realExec, repo, base, head);
    expect(await revs.branchPoint("tenants/acme.yaml")).toBe(tenant("acme", "active"));
    expect(await revs.branchPoint("tenants/beta.yaml")).toBeUndefined();
    expect(await revs.base("tenants/beta.yaml")).toBe(tenant("beta", "provisioning"));
    expect(await revs.base("tenants/gamma.yaml")).toBeUndefined();
    expect(await revs.head("tenants/acme.yaml")).toBe(tenant("acme", "suspended"));
  });

  test("names a commit of the base branch's history that had the file, as a bare hash, or undefined", async () => {
    // mutation testing: `r.stdout.trim()` -> `r.stdout` (line 186) survived before this test
    write({ "acme.yaml": tenant("acme", "offboarded", TOMBSTONE) });
    const base = write({ "acme.yaml": null });
    const revs = tool.gitRevisions(realExec, repo, base, base);
    expect(await revs.everExisted("tenants/acme.yaml")).toMatch(/^[0-9a-f]{40}$/);
    expect(await revs.everExisted("tenants/never.yaml")).toBeUndefined();
  });

  test("runs git in the given repository without a terminal prompt; a failed read names the command and git's message", async () => {
    // mutation testing: the exec options -> {} and GIT_TERMINAL_PROMPT "0" -> "" (line 160), allowFail -> true (line 159), the failure check -> false (line 161) survived before this test; the message (line 161) had no coverage
    const calls: { command: string; args: readonly string[]; options: ExecOptions }[] = [];
    const failing: Exec = async (command, args, options) => {
      calls.push({ command, args, options });
      return { code: 128, stdout: "", stderr: "fatal: bad object h1\n" };
    };
    const revs = tool.gitRevisions(failing, "/repo", "b1", "h1");
    const err = await revs.head("tenants/acme.yaml").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolFailure);
    expect((err as Error).message).toBe("git cat-file blob h1:tenants/acme.yaml failed: fatal: bad object h1");
    expect(calls).toEqual([
      { command: "git", args: ["-C", "/repo", "cat-file", "blob", "h1:tenants/acme.yaml"], options: { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } } },
    ]);
    // A file missing on the base branch is an answer, not a failure.
    expect(await revs.base("tenants/acme.yaml")).toBeUndefined();
  });

  test("exits 2 when git fails, e.g. on a revision the repository does not have", async () => {
    const head = write({});
    const r = await checkRevs("0000000", head);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^lifecycle-check: git merge-base 0000000 ${head} failed: fatal: \\S`));
  });
});

describe("the command line", () => {
  test("requires --base and --head", async () => {
    // mutation testing: the message -> "" (line 201) had no coverage before this test
    const r = await runCli("lifecycle-check", tool, ["--base", "main"]);
    expect(r).toEqual({ status: 1, stdout: "", stderr: "lifecycle-check: --base and --head are required\nRun with --help for usage.\n" });
  });

  test.each([
    ["an option with a value", "--base", "--upload-pack=x"],
    ["a word that git reads as an option", "--base", "--all"],
    ["a lone dash", "--head", "-"],
    ["a reflog expression", "--head", "main@{1}"],
    ["a name longer than 200 characters", "--base", "a".repeat(201)],
  ])("refuses %s as a revision before running git", async (_what, option, rev) => {
    // mutation testing: `rev.startsWith("-")` -> false / `endsWith`, `||` -> `&&` and the message (line 202) survived or had no coverage before this test
    // (an earlier test passed "--base --upload-pack=x", which the option parser refused before this check)
    const calls: (readonly string[])[] = [];
    const spy: Exec = async (_command, args) => (calls.push(args), { code: 128, stdout: "", stderr: "not expected" });
    const argv = ["--base", "abc1234", "--head", "abc1234", "--git-dir", repo, "--cdktf-json", join(repo, "cdktf.json"), `${option}=${rev}`];
    const r = await runCli("lifecycle-check", { HELP: tool.HELP, main: (a) => tool.main(a, spy, NOW) }, argv);
    expect(r).toEqual({ status: 1, stdout: "", stderr: `lifecycle-check: not a git revision: ${JSON.stringify(rev)}\nRun with --help for usage.\n` });
    expect(calls).toEqual([]);
  });

  test("reads the repository and cdktf.json of the current directory by default, and counts the files on stderr", async () => {
    // mutation testing: the default "cdktf.json" -> "" (line 204) had no coverage and the progress line -> `` (line 207) survived before this test
    const base = write({});
    git("checkout", "-q", "-b", "pr");
    const head = write({ "acme.yaml": tenant("acme", "provisioning") });
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const r = await runCli("lifecycle-check", { HELP: tool.HELP, main: (argv) => tool.main(argv, undefined, NOW) }, ["--base", base, "--head", head]);
      expect(r).toEqual({ status: 0, stdout: "", stderr: "tenant-lifecycle-check: 1 tenant file(s) changed, 0 problem(s)\n" });
    } finally {
      process.chdir(cwd);
    }
  });

  test("appends a Markdown report to --summary: the problems, or the count when there are none", async () => {
    // mutation testing: the summary block (lines 208-212) had no coverage before this test
    const dir = mkdtempSync(join(tmpdir(), "lifecycle-summary-"));
    try {
      const summary = join(dir, "step-summary.md");
      writeFileSync(summary, "## An earlier step\n");
      const bad = await check({ "acme.yaml": tenant("acme", "active") }, { "acme.yaml": null, "beta.yaml": tenant("beta", "active") }, ["--summary", summary]);
      expect(bad.status).toBe(1);
      const good = await check({}, { "gamma.yaml": tenant("gamma", "provisioning") }, ["--summary", summary]);
      expect(good.status).toBe(0);
      expect(readFileSync(summary, "utf8")).toBe(
        [
          "## An earlier step",
          "### Tenant lifecycle",
          "",
          `- tenants/acme.yaml: deleted while its status is active; ${"set status: offboarding instead, merge, and let the deploy pipeline finish (it prints the tombstone edit to merge)"}.`,
          "- tenants/beta.yaml: status: a new tenant starts in provisioning (got active); write its secret values, then change it to active.",
          "### Tenant lifecycle",
          "",
          "1 tenant file(s) changed; every change keeps the lifecycle.",
          "",
        ].join("\n"),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("runs as the script npm runs: a usage error exits 1 and names the tool", () => {
    // The entry line's tool name had no coverage (Stryker cannot see into a child process): it is the TOOL
    // constant now, also pinned in-process by the progress line above.
    const r = spawnSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "pipeline", "tenant-lifecycle-check.ts"), "--base", "main"], { cwd: repo, encoding: "utf8" });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 1,
      stdout: "",
      stderr: "tenant-lifecycle-check: --base and --head are required\nRun with --help for usage.\n",
    });
  });
});
