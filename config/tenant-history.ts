/**
 * Whether a tenant id was ever used, according to git: a tombstone deleted by hand leaves no file,
 * but the repository's history still has it, and AWS still has (or reserves) the bucket name, the
 * KMS alias pending deletion and the database role of that id. `npm run tenant -- new` asks here.
 */
import { spawnSync } from "node:child_process";

export interface PastTenantFile {
  /** Abbreviated hash of the last commit that touched the file (its deletion, usually). */
  readonly commit: string;
  readonly subject: string;
}

/**
 * The last commit on any ref that touched `<tenantsDir>/<id>.yaml`, or undefined when there is
 * none, or git or a repository is not available (a tarball checkout): then only the files decide.
 */
export function tenantFileInHistory(tenantsDir: string, id: string): PastTenantFile | undefined {
  const result = spawnSync("git", ["log", "--all", "-1", "--format=%h%x09%s", "--", `${id}.yaml`], { cwd: tenantsDir, encoding: "utf8" });
  if (result.error || result.status !== 0) return undefined;
  const line = result.stdout.trim();
  if (!line) return undefined;
  const [commit, ...subject] = line.split("\t");
  return { commit, subject: subject.join("\t") };
}
