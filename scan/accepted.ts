import { parse } from "yaml";
import { z } from "zod";
import type { CheckovFinding } from "./checkov";

const AcceptedEntrySchema = z.strictObject({
  /** checkov check id, e.g. CKV_AWS_144. */
  check: z.string().regex(/^CKV2?_[A-Z0-9]+_\d+$/, "a checkov check id such as CKV_AWS_144"),
  /** Stack-name glob the acceptance is limited to. */
  stacks: z.string().min(1),
  /** Resource-address globs (checkov's spelling), at least one. */
  resources: z.array(z.string().min(1)).min(1),
  /** One line a reviewer accepted: why the check cannot apply or why the design takes the finding. */
  reason: z.string().min(20, "one sentence, at least 20 characters").refine((r) => !r.includes("\n"), "one line"),
});
export type AcceptedEntry = z.infer<typeof AcceptedEntrySchema>;
const AcceptedFileSchema = z.array(AcceptedEntrySchema);

/** Parses the accepted-findings file; throws one message naming every bad entry. */
export function parseAccepted(text: string, file: string): AcceptedEntry[] {
  const result = AcceptedFileSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${file}: ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(problems.join("\n"));
  }
  const seen = new Set<string>();
  for (const entry of result.data) {
    const key = `${entry.check} ${entry.stacks}`;
    if (seen.has(key)) throw new Error(`${file}: ${entry.check} for stacks ${entry.stacks} is listed twice; merge the entries`);
    seen.add(key);
  }
  return result.data;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

export function entryMatches(entry: AcceptedEntry, stack: string, finding: CheckovFinding): boolean {
  return (
    entry.check === finding.checkId &&
    globToRegExp(entry.stacks).test(stack) &&
    entry.resources.some((glob) => globToRegExp(glob).test(finding.resource))
  );
}

export interface Classified {
  /** Findings no entry accepts: each fails the scan. */
  readonly unaccepted: Array<{ stack: string; finding: CheckovFinding }>;
  /** Findings an entry accepts, with the entry. */
  readonly accepted: Array<{ stack: string; finding: CheckovFinding; entry: AcceptedEntry }>;
  /** Entries that matched nothing: stale, reported as a warning until they are removed. */
  readonly unused: AcceptedEntry[];
}

export function classify(findings: Array<{ stack: string; finding: CheckovFinding }>, entries: AcceptedEntry[]): Classified {
  const unaccepted: Classified["unaccepted"] = [];
  const accepted: Classified["accepted"] = [];
  const used = new Set<AcceptedEntry>();
  for (const item of findings) {
    const entry = entries.find((e) => entryMatches(e, item.stack, item.finding));
    if (entry) {
      accepted.push({ ...item, entry });
      used.add(entry);
    } else {
      unaccepted.push(item);
    }
  }
  return { unaccepted, accepted, unused: entries.filter((e) => !used.has(e)) };
}
