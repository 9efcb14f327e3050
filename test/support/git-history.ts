/** A throwaway git repository with a line of commits, for tests that order commits. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Creates `count` commits on one branch; returns the repository and the commit ids, oldest first. */
export function gitHistory(count: number): { repo: string; commits: string[] } {
  const repo = mkdtempSync(join(tmpdir(), "git-history-"));
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  const commits: string[] = [];
  for (let i = 0; i < count; i++) {
    writeFileSync(join(repo, "f.txt"), `${i}\n`);
    git("add", "f.txt");
    git("commit", "-q", "-m", `c${i}`);
    commits.push(git("rev-parse", "HEAD"));
  }
  return { repo, commits };
}
