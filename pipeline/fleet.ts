/**
 * fleet: the fleet deploy's operator commands.
 *
 *   npm run fleet -- status --ledger <dir | s3://bucket/prefix> [--environment <env>] [--status <s>] [--json]
 */
import { log, parse, run, UsageError } from "./lib/cli";
import { LEDGER_STATUSES, openLedger, type LedgerEntry } from "./lib/ledger";

export const HELP = `Usage: npm run fleet -- <command> [options]

Commands:
  status   the deploy ledger: per environment and stack the last run's commit, status,
           attempts, finish time, exit code and run, and the last commit deployed

Options (status):
  --ledger <dir|s3://bucket/prefix>   where deploy-stacks --ledger wrote it
  --environment <env>                 one environment only
  --status <status>                   only stacks in this status (${LEDGER_STATUSES.join(", ")})
  --json                              the entries as JSON instead of a table
  --help                              show this help

Exit codes: 0 ok, 1 bad input, 2 unexpected failure (e.g. S3).`;

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : "-");

/** A fixed-width table: one line per stack, failed ones first (they need someone). */
export function statusTable(entries: readonly LedgerEntry[]): string {
  const order = (e: LedgerEntry) => ["failed", "stopped", "in-progress", "held", "deployed"].indexOf(e.status);
  const rows = [...entries].sort((a, b) => a.environment.localeCompare(b.environment) || order(a) - order(b) || a.stack.localeCompare(b.stack));
  const header = ["ENVIRONMENT", "STACK", "STATUS", "COMMIT", "DEPLOYED", "ATTEMPTS", "FINISHED", "EXIT", "RUN"];
  const lines = rows.map((e) => [e.environment, e.stack, e.status, short(e.commit), short(e.deployedCommit), String(e.attempts), e.finishedAt ?? "-", e.exitCode === undefined ? "-" : String(e.exitCode), e.runUrl ?? "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  const counts = LEDGER_STATUSES.map((s) => [s, rows.filter((e) => e.status === s).length] as const).filter(([, n]) => n > 0);
  return [fmt(header), ...lines.map(fmt), "", `${rows.length} stack(s): ${counts.map(([s, n]) => `${n} ${s}`).join(", ") || "none"}`].join("\n");
}

async function status(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ledger: { type: "string" }, environment: { type: "string" }, status: { type: "string" }, json: { type: "boolean" } });
  if (!values.ledger) throw new UsageError("--ledger is required");
  if (values.status && !(LEDGER_STATUSES as readonly string[]).includes(values.status)) throw new UsageError(`--status must be one of ${LEDGER_STATUSES.join(", ")}, got ${values.status}`);
  const ledger = openLedger(values.ledger);
  const entries = (await ledger.list(values.environment)).filter((e) => !values.status || e.status === values.status);
  process.stdout.write(values.json ? `${JSON.stringify(entries, null, 2)}\n` : `${statusTable(entries)}\n`);
  if (entries.length === 0) log(`fleet status: no entries in ${ledger.location}${values.environment ? ` for ${values.environment}` : ""}`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "status") return status(rest);
  throw new UsageError(command ? `unknown command ${command} (commands: status)` : "give a command: status");
}

if (require.main === module) run("fleet", HELP, main);
