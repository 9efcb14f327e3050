/**
 * `npm run audit:trail -- <tenant-id> [--since DATE] [--until DATE] [--environment ENV] [--json]`:
 * who touched one tenant's bucket and secrets, from the environment's CloudTrail trail, through
 * the Athena workgroup and Glue table the platform stack creates (modules/audit-query.ts).
 *
 * Exit codes: 0 events printed (none is fine); 1 bad input (unknown tenant, bad date, wrong
 * environment); 2 AWS or unexpected failure (the query failed, was cancelled, or timed out).
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { ConfigError, loadConfig } from "../config/loader";
import { repositoryConfigPaths } from "../config/repository-paths";
import { log, parse, run, ToolFailure, UsageError } from "../pipeline/lib/cli";
import { formatEvents, parseResultPages, ResultPage, tenantTrailSql, tenantTrailTarget, TimeWindow, timeWindow, TrailEvent, TrailQueryInputError } from "./trail-query";

export const HELP = `Usage: npm run audit:trail -- <tenant-id> [--since DATE] [--until DATE] [--environment ENV] [--json]

Prints who touched the tenant's bucket and secrets (principal ARN, source IP, user agent, event,
resource, time), read from its environment's CloudTrail trail through Athena. Data events cover
every object read and write on the tenant bucket; secret reads (GetSecretValue) are management
events. Runs with the caller's AWS credentials in the trail's home region.

  --since DATE        UTC start, 2026-12-01 or 2026-12-01T13:00Z (default: 7 days before --until)
  --until DATE        UTC end; a day alone includes that whole day (default: now)
  --environment ENV   refuse unless the tenant lives in ENV (guards against the wrong account)
  --json              one JSON document: the query target, window, SQL and events
  --help              this text

CloudTrail delivers events within about 15 minutes: the last minutes may be missing.
Exit codes: 0 ok, 1 bad input, 2 AWS or unexpected failure.`;

/** The Athena calls the tool makes; AthenaClient in production, a mock in tests. */
export type AthenaSend = Pick<AthenaClient, "send">;

export interface QueryOptions {
  readonly sql: string;
  readonly workGroup: string;
  readonly database: string;
  /** Milliseconds between GetQueryExecution polls. @default 1000 */
  readonly pollMs?: number;
  /** Give up (and report) after this long. @default 300000 */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * StartQueryExecution in the workgroup (whose enforced settings choose where results go and how
 * they are encrypted), GetQueryExecution until the query ends, then every GetQueryResults page.
 */
export async function runAthenaQuery(athena: AthenaSend, o: QueryOptions): Promise<ResultPage[]> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = await athena.send(
    new StartQueryExecutionCommand({ QueryString: o.sql, WorkGroup: o.workGroup, QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: o.database } }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new ToolFailure("Athena returned no query execution id");
  const deadline = (o.timeoutMs ?? 300_000) / (o.pollMs ?? 1000);
  for (let polls = 0; ; polls++) {
    const { QueryExecution: q } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = q?.Status?.State;
    if (state === "SUCCEEDED") break;
    if (state === "FAILED" || state === "CANCELLED") {
      throw new ToolFailure(`Athena query ${id} ${state}: ${q?.Status?.StateChangeReason ?? "no reason given"} (workgroup ${o.workGroup})`);
    }
    if (polls >= deadline) throw new ToolFailure(`Athena query ${id} still ${state} after ${(o.timeoutMs ?? 300_000) / 1000} s: see it in workgroup ${o.workGroup}`);
    await sleep(o.pollMs ?? 1000);
  }
  const pages: ResultPage[] = [];
  let token: string | undefined;
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
    pages.push(page);
    token = page.NextToken;
  } while (token);
  return pages;
}

export interface TrailAuditResult {
  readonly target: ReturnType<typeof tenantTrailTarget>;
  readonly window: TimeWindow;
  readonly sql: string;
  readonly events: TrailEvent[];
}

export interface MainDeps {
  readonly config?: Parameters<typeof tenantTrailTarget>[0];
  readonly athena?: (region: string) => AthenaSend;
  readonly now?: Date;
  readonly out?: (s: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const { values, positionals } = parse(argv, { since: { type: "string" }, until: { type: "string" }, environment: { type: "string" }, json: { type: "boolean" } }, true);
  if (positionals.length !== 1) throw new UsageError(`one tenant id, got ${positionals.length} (see --help)`);
  let config = deps.config;
  try {
    config ??= loadConfig(repositoryConfigPaths());
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  let target, window;
  try {
    target = tenantTrailTarget(config, positionals[0]);
    if (values.environment !== undefined && values.environment !== target.environment) {
      throw new TrailQueryInputError(`tenant ${target.tenantId} lives in environment ${target.environment}, not ${values.environment}`);
    }
    window = timeWindow(values.since, values.until, deps.now ?? new Date());
  } catch (err) {
    if (err instanceof TrailQueryInputError) throw new UsageError(err.message);
    throw err;
  }
  const sql = tenantTrailSql(target, window);
  log(`[1/2] query ${target.database}.${target.table} in workgroup ${target.workGroup} (${target.trailRegion})`);
  const athena = (deps.athena ?? ((region: string) => new AthenaClient({ region })))(target.trailRegion);
  let pages: ResultPage[];
  try {
    pages = await runAthenaQuery(athena, { sql, workGroup: target.workGroup, database: target.database, sleep: deps.sleep });
  } catch (err) {
    if (err instanceof ToolFailure) throw err;
    const e = err as Error;
    throw new ToolFailure(
      `Athena in ${target.trailRegion} (workgroup ${target.workGroup}, database ${target.database}): ${e.name}: ${e.message}. Check that your AWS credentials are for account ${target.accountId} and may use the workgroup, read the audit bucket and decrypt with its key.`,
    );
  }
  const events = parseResultPages(pages);
  log(`[2/2] ${events.length} event(s) in ${pages.length} result page(s)`);
  const out = deps.out ?? ((s: string) => process.stdout.write(s));
  const result: TrailAuditResult = { target, window, sql, events };
  out(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatEvents(target, window, events));
  return 0;
}

if (require.main === module) run("audit:trail", HELP, (argv) => main(argv));
