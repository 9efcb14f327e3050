/**
 * tenant-lifecycle-check: the pull request check that keeps the tenant lifecycle honest.
 *
 *   npm run -s lifecycle-check -- --base <rev> --head <rev> [--cdktf-json cdktf.json] [--summary f]
 *
 * Runs from a main-defined workflow (tenant-lifecycle.yml, pull_request_target) in a
 * checkout of the base branch. The pull request's tenant files are read as git blobs
 * (`git cat-file blob <head>:<path>`): never checked out, never executed.
 */
import { appendFileSync } from "node:fs";
import { log, parse, run, ToolFailure, UsageError } from "./lib/cli";
import { exec as realExec, type Exec } from "./lib/exec";
import { readEnvironments, type LifecycleEnvironment } from "./lib/environments";
import { isTenantPath, parseTenantFile, type TenantLifecycleFields } from "./lib/tenant-files";
import { parseRecordPointer, TombstoneSchema } from "../config/tenant-schema";
import { INITIAL_STATUS, isTerminal, transitionRefusal } from "../config/tenant-lifecycle";

export const HELP = `Usage: npm run -s lifecycle-check -- --base <rev> --head <rev> [options]

Compares the tenant files of a pull request's head with the base branch and fails when
the pull request would break the tenant lifecycle:
  - a deleted tenant file whose base status is not offboarded (offboard it instead);
  - a status change that is not a legal transition (config/tenant-lifecycle.ts);
  - status: offboarded set without the offboarding record the pipeline wrote;
  - a changed tombstone, a new tenant not starting in provisioning, or a reused id;
  - a tenant moved to another environment or region (its stack would be destroyed).
Files are read with git as data; nothing from the pull request is checked out or run.

Options:
  --base <rev>         the base branch commit (statuses are read there)
  --head <rev>         the pull request's head commit
  --git-dir <dir>      repository to read (default: the current directory)
  --cdktf-json <file>  environments, for the state bucket a record must live in (default cdktf.json)
  --summary <file>     append a Markdown report (e.g. "$GITHUB_STEP_SUMMARY")
  --help               show this help

Exit codes: 0 the lifecycle holds, 1 a tenant file breaks it (one line each), 2 git failed.`;

export interface FileChange {
  readonly status: "A" | "D" | "M";
  readonly path: string;
}

/** What the check needs from git; `git` in production, a fake in tests. */
export interface TenantRevisions {
  /** Tenant files the pull request adds, deletes or modifies (renames are a delete and an add). */
  changes(): Promise<FileChange[]>;
  /** The file's text at the base commit, or undefined when it does not exist there. */
  base(path: string): Promise<string | undefined>;
  head(path: string): Promise<string>;
  /** The file's text where the pull request branched off main (undefined when it did not exist). */
  branchPoint(path: string): Promise<string | undefined>;
  /**
   * For a path the base branch does not have: the commit of its history that removed it (the
   * last one that touched it), or undefined when it never had one.
   */
  everExisted(path: string): Promise<string | undefined>;
}

export interface CheckOptions {
  readonly revisions: TenantRevisions;
  readonly environments: ReadonlyMap<string, LifecycleEnvironment>;
  readonly now: Date;
}

const WHAT_TO_DO = "set status: offboarding instead, merge, and let the deploy pipeline finish (it prints the tombstone edit to merge)";

/** Every problem of the pull request's tenant files, one line each. */
export async function checkLifecycle(opts: CheckOptions): Promise<{ checked: number; problems: string[] }> {
  const problems: string[] = [];
  const changes = (await opts.revisions.changes()).filter((c) => isTenantPath(c.path));
  for (const change of changes) {
    const baseText = await opts.revisions.base(change.path);
    const base = baseText === undefined ? undefined : parseTenantFile(change.path, baseText);
    const baseTenant = base?.ok ? base.tenant : undefined;
    if (change.status === "D") {
      if (baseText === undefined) continue; // already gone on the base branch
      if (isTerminal(baseTenant?.status)) continue; // removing a tombstone changes nothing
      const status = baseTenant ? baseTenant.status : "unreadable";
      problems.push(`${change.path}: deleted while its status is ${status}; ${WHAT_TO_DO}.`);
      continue;
    }
    const head = parseTenantFile(change.path, await opts.revisions.head(change.path));
    if (!head.ok) {
      problems.push(...head.problems);
      continue;
    }
    const to = head.tenant;
    if (baseText === undefined) {
      const usedAt = await opts.revisions.everExisted(change.path);
      if (usedAt) {
        problems.push(`${change.path}: tenant id ${to.id} was used before (its file was removed in ${usedAt.slice(0, 12)}); ids are never reused, choose another id.`);
      } else if (to.status !== INITIAL_STATUS) {
        problems.push(`${change.path}: status: a new tenant starts in provisioning (got ${to.status}); write its secret values, then change it to active.`);
      }
      continue;
    }
    if (!baseTenant) continue; // the base branch's own file is broken: the loader reports that on main
    // A stale branch whose change leaves the lifecycle fields alone merges into main's values:
    // the pull request itself changes no status, whatever its old copy of the file says.
    const forkText = await opts.revisions.branchPoint(change.path);
    const fork = forkText === undefined ? undefined : parseTenantFile(change.path, forkText);
    if (fork?.ok && sameLifecycle(fork.tenant, to)) continue;
    problems.push(...transitionProblems(change.path, baseTenant, to, opts));
  }
  return { checked: changes.length, problems };
}

const LIFECYCLE_FIELDS = ["status", "environment", "region", "offboardedAt", "offboardingRecord"] as const;
const sameLifecycle = (a: TenantLifecycleFields, b: TenantLifecycleFields) => LIFECYCLE_FIELDS.every((f) => a[f] === b[f]);

function transitionProblems(file: string, from: TenantLifecycleFields, to: TenantLifecycleFields, opts: CheckOptions): string[] {
  if (isTerminal(from.status)) {
    const same = isTerminal(to.status) && to.offboardedAt === from.offboardedAt && to.offboardingRecord === from.offboardingRecord;
    return same ? [] : [`${file}: an offboarded tenant is a tombstone: its status, offboardedAt and offboardingRecord never change (its id is never reused).`];
  }
  if (from.environment !== to.environment || from.region !== to.region) {
    // The stack would move: Terraform would destroy the tenant where its data is (or fail on prevent_destroy).
    return [`${file}: environment and region of an existing tenant never change (${from.environment}/${from.region} -> ${to.environment}/${to.region}); offboard it and add a tenant with a new id.`];
  }
  // The same rules and wording as the loader and `npm run tenant` (config/tenant-lifecycle.ts);
  // the pipeline may set offboarded (the job's tombstone edit), so "pipeline".
  const refusal = transitionRefusal(to.id, from.status, to.status, "pipeline");
  if (refusal) return [`${file}: ${refusal}.`];
  if (isTerminal(to.status)) return tombstoneProblems(file, to, opts);
  return [];
}

/** `offboarded` is set from what the offboarding job printed: a date and the record it stored. */
function tombstoneProblems(file: string, t: TenantLifecycleFields, opts: CheckOptions): string[] {
  const how = "copy the tombstone edit the offboarding job printed when it finished";
  if (t.offboardedAt === undefined || t.offboardingRecord === undefined) {
    return [`${file}: status: offboarded needs offboardedAt and offboardingRecord; ${how}.`];
  }
  const problems: string[] = [];
  const at = Date.parse(t.offboardedAt);
  // The loader's own rules for both fields (config/tenant-schema.ts), not copies of them.
  if (!TombstoneSchema.shape.offboardedAt.safeParse(t.offboardedAt).success || Number.isNaN(at)) problems.push(`${file}: offboardedAt: an ISO 8601 date-time like 2026-12-01T22:10:00Z (got ${t.offboardedAt})`);
  else if (at > opts.now.getTime() + 5 * 60_000) problems.push(`${file}: offboardedAt: a time in the past (got ${t.offboardedAt})`);
  const pointer = parseRecordPointer(t.offboardingRecord);
  const stateBucket = opts.environments.get(t.environment)?.stateBucket;
  if (!pointer) problems.push(`${file}: offboardingRecord: s3://<state bucket>/offboarding/${t.id}/<name>.json (got ${t.offboardingRecord}); ${how}`);
  else if (pointer.tenantId !== t.id) problems.push(`${file}: offboardingRecord: a record of tenant ${t.id}, under offboarding/${t.id}/ (got ${t.offboardingRecord})`);
  else if (stateBucket && pointer.bucket !== stateBucket) problems.push(`${file}: offboardingRecord: in environment ${t.environment}'s state bucket ${stateBucket} (got ${pointer.bucket})`);
  return problems;
}

/** Parses `git diff --name-status -z` output. */
export function parseNameStatus(output: string): FileChange[] {
  // Every field ends in NUL: the last one of the split is the empty rest, never a pair's start.
  const fields = output.split("\0");
  const changes: FileChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = fields[i][0];
    // T (type change, e.g. a file turned symlink) reads as a modification: the blob is then not YAML.
    const status = code === "A" ? "A" : code === "D" ? "D" : "M";
    changes.push({ status, path: fields[i + 1] });
  }
  return changes;
}

export function gitRevisions(exec: Exec, gitDir: string, base: string, head: string): TenantRevisions {
  const git = async (args: string[], allowFail = false) => {
    const r = await exec("git", ["-C", gitDir, ...args], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    if (r.code !== 0 && !allowFail) throw new ToolFailure(`git ${args.join(" ")} failed: ${r.stderr.trim()}`);
    return r;
  };
  let mergeBase: Promise<string> | undefined;
  return {
    async changes() {
      // The pull request's own changes: from where it branched off, as GitHub's "Files changed".
      mergeBase ??= git(["merge-base", base, head]).then((r) => r.stdout.trim());
      const r = await git(["diff", "--name-status", "--no-renames", "-z", await mergeBase, head, "--", "tenants/"]);
      return parseNameStatus(r.stdout);
    },
    async base(path) {
      const r = await git(["cat-file", "blob", `${base}:${path}`], true);
      return r.code === 0 ? r.stdout : undefined;
    },
    async branchPoint(path) {
      mergeBase ??= git(["merge-base", base, head]).then((r) => r.stdout.trim());
      const r = await git(["cat-file", "blob", `${await mergeBase}:${path}`], true);
      return r.code === 0 ? r.stdout : undefined;
    },
    async head(path) {
      return (await git(["cat-file", "blob", `${head}:${path}`])).stdout;
    },
    async everExisted(path) {
      const r = await git(["log", "--format=%H", "-n", "1", base, "--", path]);
      return r.stdout.trim() || undefined;
    },
  };
}

const TOOL = "tenant-lifecycle-check";
const REV = /^[0-9a-f]{7,40}$|^[A-Za-z0-9_./-]{1,200}$/;

export async function main(argv: string[], exec: Exec = realExec, now = new Date()): Promise<number> {
  const { values } = parse(argv, {
    base: { type: "string" },
    head: { type: "string" },
    "git-dir": { type: "string" },
    "cdktf-json": { type: "string" },
    summary: { type: "string" },
  });
  if (!values.base || !values.head) throw new UsageError("--base and --head are required");
  for (const rev of [values.base, values.head]) if (!REV.test(rev) || rev.startsWith("-")) throw new UsageError(`not a git revision: ${JSON.stringify(rev)}`);
  const revisions = gitRevisions(exec, values["git-dir"] ?? ".", values.base, values.head);
  const environments = readEnvironments(values["cdktf-json"] ?? "cdktf.json");
  const { checked, problems } = await checkLifecycle({ revisions, environments, now });
  for (const p of problems) process.stdout.write(`${p}\n`);
  log(`${TOOL}: ${checked} tenant file(s) changed, ${problems.length} problem(s)`);
  if (values.summary) {
    const md = ["### Tenant lifecycle", ""];
    if (problems.length) md.push(...problems.map((p) => `- ${p}`));
    else md.push(`${checked} tenant file(s) changed; every change keeps the lifecycle.`);
    appendFileSync(values.summary, `${md.join("\n")}\n`);
  }
  return problems.length ? 1 : 0;
}

if (require.main === module) run(TOOL, HELP, main);
