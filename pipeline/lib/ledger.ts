/**
 * The deploy ledger: per environment and stack, what the fleet deploy last did (commit,
 * status, attempts, times, exit code, run URL) and the last commit it deployed. One JSON object
 * per stack, `<prefix>/<environment>/<stack>.json`, in a local directory (tests, the simulator)
 * or in the environment's state bucket (`s3://<state bucket>/deploy-ledger`), which the deploy
 * role already reads and writes. Each stack is written by the one job that applies it, so
 * objects never see concurrent writers.
 *
 * What it is for: a re-run deploys only the stacks not yet at its commit, and no run applies a
 * commit older than one a stack already got (a "Re-run failed jobs" of an old run would
 * otherwise roll those stacks back).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { STACK_NAME, UsageError } from "./cli";
import { mapLimit } from "./exec";

export const LEDGER_STATUSES = ["in-progress", "deployed", "failed", "stopped", "held"] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

const Sha = z.string().regex(/^[0-9a-f]{7,40}$/);

export const LedgerEntrySchema = z.strictObject({
  environment: z.string(),
  stack: z.string().regex(STACK_NAME),
  /** The commit of the last run that touched the stack. */
  commit: Sha,
  status: z.enum(LEDGER_STATUSES),
  /** Apply attempts in that run (retries included). */
  attempts: z.number().int().min(0),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  exitCode: z.number().int().optional(),
  runUrl: z.string().optional(),
  /** First Error lines of a failure. */
  error: z.string().optional(),
  /** The ring it was deployed in (platform, canary, ring-1 ...). */
  phase: z.string().optional(),
  /** The last commit applied successfully, and when. */
  deployedCommit: Sha.optional(),
  deployedAt: z.string().optional(),
  /** sha256 of the deployed stack configuration (pipeline/lib/synth.ts fingerprint). */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Failed runs in a row (0 after a success): how long a tenant has been stuck. */
  failuresInARow: z.number().int().min(0).default(0),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export interface Ledger {
  /** Where it lives, for messages: a directory or `s3://bucket/prefix`. */
  readonly location: string;
  get(environment: string, stack: string): Promise<LedgerEntry | undefined>;
  put(entry: LedgerEntry): Promise<void>;
  /** Every entry, of one environment or all. */
  list(environment?: string): Promise<LedgerEntry[]>;
  /** Keeps an audit record (e.g. a forced unlock) under `<environment>/_audit/`; returns where. */
  audit(environment: string, name: string, record: object): Promise<string>;
}

const keyOf = (environment: string, stack: string) => `${environment}/${stack}.json`;

function parseEntry(text: string, where: string): LedgerEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: not JSON (${(err as Error).message})`);
  }
  const parsed = LedgerEntrySchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${where}: not a ledger entry: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

export class DirectoryLedger implements Ledger {
  constructor(readonly location: string) {}
  async get(environment: string, stack: string): Promise<LedgerEntry | undefined> {
    const file = join(this.location, keyOf(environment, stack));
    return existsSync(file) ? parseEntry(readFileSync(file, "utf8"), file) : undefined;
  }
  async put(entry: LedgerEntry): Promise<void> {
    const file = join(this.location, keyOf(entry.environment, entry.stack));
    mkdirSync(dirname(file), { recursive: true });
    // write then rename: a reader never sees half an entry
    writeFileSync(`${file}.tmp`, `${JSON.stringify(entry, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }
  async list(environment?: string): Promise<LedgerEntry[]> {
    if (!existsSync(this.location)) return [];
    const envs = environment ? [environment] : readdirSync(this.location).sort();
    const out: LedgerEntry[] = [];
    for (const env of envs) {
      const dir = join(this.location, env);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) out.push(parseEntry(readFileSync(join(dir, f), "utf8"), join(dir, f)));
    }
    return out;
  }
  async audit(environment: string, name: string, record: object): Promise<string> {
    const file = join(this.location, environment, "_audit", `${name}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`, { flag: "wx" }); // never overwrite a record
    return file;
  }
}

export class S3Ledger implements Ledger {
  readonly location: string;
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    /** Keys per ListObjectsV2 page (S3 returns at most 1,000). */
    private readonly pageSize = 1000,
  ) {
    this.location = `s3://${bucket}/${prefix}`;
  }
  private key(environment: string, stack: string) {
    return `${this.prefix}/${keyOf(environment, stack)}`;
  }
  async get(environment: string, stack: string): Promise<LedgerEntry | undefined> {
    const Key = this.key(environment, stack);
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return parseEntry(await r.Body!.transformToString(), `s3://${this.bucket}/${Key}`);
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return undefined;
      throw err;
    }
  }
  async put(entry: LedgerEntry): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(entry.environment, entry.stack),
        Body: `${JSON.stringify(entry, null, 2)}\n`,
        ContentType: "application/json",
      }),
    );
  }
  async list(environment?: string): Promise<LedgerEntry[]> {
    const Prefix = `${this.prefix}/${environment ? `${environment}/` : ""}`;
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: this.pageSize }));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith(".json") && !o.Key.includes("/_audit/")) keys.push(o.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    const entries = await mapLimit(keys.sort(), 16, async (Key) => {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return parseEntry(await r.Body!.transformToString(), `s3://${this.bucket}/${Key}`);
    });
    return entries;
  }
  /** `<prefix>/<environment>/_audit/<name>.json`, never overwritten (If-None-Match). */
  async audit(environment: string, name: string, record: object): Promise<string> {
    const Key = `${this.prefix}/${environment}/_audit/${name}.json`;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: `${JSON.stringify(record, null, 2)}\n`, ContentType: "application/json", IfNoneMatch: "*" }));
    return `s3://${this.bucket}/${Key}`;
  }
}

/** `--ledger <dir | s3://bucket/prefix>`. */
export function openLedger(spec: string, s3?: S3Client): Ledger {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?(.*)$/.exec(spec);
  if (m) {
    const prefix = m[2].replace(/\/+$/, "") || "deploy-ledger";
    // path-style only against an emulator endpoint (moto), as bootstrap/clients.ts does
    const client = s3 ?? new S3Client({ region: process.env.AWS_REGION, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3) });
    return new S3Ledger(client, m[1], prefix);
  }
  if (spec.startsWith("s3:")) throw new UsageError(`--ledger ${spec}: expected s3://<bucket>/<prefix>`);
  return new DirectoryLedger(spec);
}

/** How two commits relate: `older` when `a` is an ancestor of `b`. */
export type CommitOrder = "same" | "older" | "newer" | "unrelated";
export type CompareCommits = (a: string, b: string) => CommitOrder;

/** Orders commits with `git merge-base --is-ancestor` in `repo` (needs the history: fetch-depth 0). */
export function gitCompare(repo: string): CompareCommits {
  const isAncestor = (a: string, b: string) => spawnSync("git", ["-C", repo, "merge-base", "--is-ancestor", a, b], { stdio: "ignore" }).status === 0;
  return (a, b) => {
    if (a === b) return "same";
    if (isAncestor(a, b)) return "older";
    if (isAncestor(b, a)) return "newer";
    return "unrelated";
  };
}

export type ResumeDecision =
  | { readonly action: "deploy"; readonly reason: string }
  | { readonly action: "skip"; readonly reason: string }
  | { readonly action: "refuse"; readonly reason: string };

/**
 * What a run of `commit` does with a stack, given its ledger entry. A stack whose last deployed
 * commit, or last attempted one, is newer than `commit` (or cannot be ordered against it) is
 * refused: applying `commit` would roll back what a later run applied or started.
 */
export function resumeDecision(entry: LedgerEntry | undefined, commit: string, compare: CompareCommits, fingerprint?: string): ResumeDecision {
  if (!entry) return { action: "deploy", reason: "not in the ledger" };
  for (const [what, other] of [
    ["deployed", entry.deployedCommit],
    ["attempted", entry.commit],
  ] as const) {
    if (!other || other === commit) continue;
    const order = compare(commit, other);
    if (order === "older") return { action: "refuse", reason: `${commit} is older than ${other}, ${what} ${what === "deployed" ? (entry.deployedAt ?? "") : (entry.startedAt ?? "")}${entry.runUrl ? ` by ${entry.runUrl}` : ""}`.replace(/ +/g, " ").trim() };
    if (order === "unrelated") return { action: "refuse", reason: `${commit} and the ${what} ${other} are not on one line of history (or one is unknown here)` };
  }
  if (entry.deployedCommit === commit && entry.status === "deployed") return { action: "skip", reason: `already deployed at ${commit}` };
  // An earlier commit deployed exactly this configuration (a run after a partly failed one
  // compares with an older base): applying it again would change nothing.
  if (entry.status === "deployed" && fingerprint && entry.fingerprint === fingerprint) return { action: "skip", reason: `configuration unchanged since ${entry.deployedCommit}` };
  return { action: "deploy", reason: entry.commit === commit ? `last attempt at this commit: ${entry.status}` : `at ${entry.deployedCommit ?? "nothing yet"}` };
}

/** The run a ledger writer records: environment, commit, and where to find the run. */
export interface LedgerRun {
  readonly environment: string;
  readonly commit: string;
  readonly runUrl?: string;
  /** Each stack's configuration fingerprint at this commit. */
  readonly fingerprints?: ReadonlyMap<string, string>;
}

/**
 * Writes the runner's events to the ledger: `in-progress` when a stack starts, its outcome when
 * it ends. Writes of one stack are chained, so the final status always lands last. A failed
 * write is reported (the deploy exits 2) but never stops an apply.
 */
export function ledgerWriter(ledger: Ledger, run: LedgerRun, onError: (stack: string, err: unknown) => void) {
  const chains = new Map<string, Promise<void>>();
  let failures = 0;
  const update = (stack: string, next: (prev: LedgerEntry | undefined) => LedgerEntry | undefined) => {
    const prev = chains.get(stack) ?? Promise.resolve();
    chains.set(
      stack,
      prev.then(async () => {
        try {
          const entry = next(await ledger.get(run.environment, stack));
          if (entry) await ledger.put(entry);
        } catch (err) {
          failures += 1;
          onError(stack, err);
        }
      }),
    );
  };
  const carried = (prev: LedgerEntry | undefined) => ({
    ...(prev?.deployedCommit ? { deployedCommit: prev.deployedCommit, deployedAt: prev.deployedAt } : {}),
    ...(prev?.fingerprint ? { fingerprint: prev.fingerprint } : {}),
    failuresInARow: prev?.failuresInARow ?? 0,
  });
  const base = (stack: string) => ({ environment: run.environment, stack, commit: run.commit, ...(run.runUrl ? { runUrl: run.runUrl } : {}) });
  return {
    started(stack: string, at: Date, phase?: string) {
      update(stack, (prev) => ({ ...carried(prev), ...base(stack), status: "in-progress", attempts: 0, startedAt: at.toISOString(), ...(phase ? { phase } : {}) }));
    },
    finished(r: { stack: string; status: string; attempts: number; exitCode?: number; startedAt?: string; finishedAt?: string; error?: string }, phase?: string) {
      if (r.status === "not-started") return;
      update(r.stack, (prev) => {
        const keep = carried(prev);
        const status: LedgerStatus = r.status === "deployed" ? "deployed" : r.status === "failed" ? "failed" : "stopped";
        return {
          ...keep,
          ...base(r.stack),
          status,
          attempts: r.attempts,
          ...(r.startedAt ? { startedAt: r.startedAt } : {}),
          ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
          ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
          ...(r.error ? { error: r.error.slice(0, 2000) } : {}),
          ...(phase ? { phase } : {}),
          ...(status === "deployed" ? { deployedCommit: run.commit, deployedAt: r.finishedAt, failuresInARow: 0, ...(run.fingerprints?.get(r.stack) ? { fingerprint: run.fingerprints.get(r.stack) } : {}) } : {}),
          ...(status === "failed" ? { failuresInARow: keep.failuresInARow + 1 } : {}),
        };
      });
    },
    /** A tenant on deployHold: recorded so `fleet status` shows it, its deployed commit kept. */
    held(stack: string, at: Date) {
      update(stack, (prev) => ({ ...carried(prev), ...base(stack), status: "held", attempts: 0, finishedAt: at.toISOString() }));
    },
    async flush(): Promise<number> {
      await Promise.all(chains.values());
      return failures;
    },
  };
}
