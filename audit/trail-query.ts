/**
 * The tenant-scoped query over the environment's audit trail (`npm run audit:trail`): where the
 * tenant's events are (resolved from the configuration, never from the caller's strings), which
 * events are the tenant's, the Athena SQL for them, and the parsing of Athena's result pages.
 *
 * Which events are the tenant's is data (TenantEventFilter) rendered two ways: to SQL for Athena,
 * and to a predicate over CloudTrail records, which test/audit/trail-query.test.ts runs on recorded
 * log files. Every value in the SQL comes from the configuration and passes sqlLiteral, which
 * refuses anything outside a small character set: a tenant id or a date from the command line is
 * validated before it is used at all.
 */
import type { ProjectConfig } from "../config/loader";
import { TENANT_ID_PATTERN } from "../config/tenant-id";
import { AUDIT_PARTITIONS } from "../modules/audit-query";
import {
  AUDIT_TABLE_NAME,
  auditBucketName,
  auditDatabaseName,
  auditTrailArn,
  auditTrailName,
  auditWorkGroupName,
  tenantBucketName,
  tenantSecretName,
} from "../modules/naming";
import { plannedStacks } from "../stacks/stack-plan";

/** A caller's mistake (unknown tenant, bad date): exit 1. */
export class TrailQueryInputError extends Error {}

/** Where one tenant's audit events are, all of it derived from the configuration. */
export interface TenantTrailTarget {
  readonly tenantId: string;
  readonly environment: string;
  readonly accountId: string;
  /** The tenant's region: its bucket and secrets, and so the `region` partition to read. */
  readonly region: string;
  readonly trailName: string;
  readonly trailArn: string;
  /** The trail's home region, where its bucket, Glue table and Athena workgroup are. */
  readonly trailRegion: string;
  readonly trailBucket: string;
  readonly database: string;
  readonly table: string;
  readonly workGroup: string;
  readonly tenantBucket: string;
  /** `/openclaw/<env>/<tenant>/`: every tenant secret's name starts with it. */
  readonly secretNamePrefix: string;
  /** The same as an ARN prefix (`arn:aws:secretsmanager:<region>:<account>:secret:/openclaw/...`). */
  readonly secretArnPrefix: string;
}

/**
 * The trail of the tenant's environment. Offboarded tenants (tombstones) resolve too: their
 * events stay in the trail for its retention, and offboarding evidence needs them.
 */
export function tenantTrailTarget(config: ProjectConfig, tenantId: string): TenantTrailTarget {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new TrailQueryInputError(`tenant: not a tenant id (${TENANT_ID_PATTERN.source}), got ${JSON.stringify(tenantId)}`);
  }
  const tenant = [...config.tenants, ...config.tombstones].find((t) => t.id === tenantId);
  if (!tenant) throw new TrailQueryInputError(`tenant: no tenant ${tenantId} in tenants/`);
  const owner = plannedStacks(config).find((s) => s.kind === "platform" && s.environment === tenant.environment && s.ownsAccountResources);
  if (!owner || owner.kind !== "platform") throw new TrailQueryInputError(`tenant ${tenantId}: environment ${tenant.environment} has no platform stack holding its trail`);
  const { environment, region } = tenant;
  const accountId = config.environments[environment].accountId;
  const secretNamePrefix = tenantSecretName(environment, tenantId, "");
  return {
    tenantId,
    environment,
    accountId,
    region,
    trailName: auditTrailName(environment),
    trailArn: auditTrailArn(environment, owner.region, accountId),
    trailRegion: owner.region,
    trailBucket: auditBucketName(environment, owner.region, accountId),
    database: auditDatabaseName(environment),
    table: AUDIT_TABLE_NAME,
    workGroup: auditWorkGroupName(environment),
    tenantBucket: tenantBucketName(tenantId, accountId, region),
    secretNamePrefix,
    secretArnPrefix: `arn:aws:secretsmanager:${region}:${accountId}:secret:${secretNamePrefix}`,
  };
}

/** One condition on a request parameter (a top-level key of `requestParameters`). */
export interface ParameterCondition {
  readonly key: string;
  readonly op: "equals" | "startsWith";
  readonly value: string;
}

/** Events of one service that are the tenant's when any of its conditions holds. */
export interface EventSourceFilter {
  readonly eventSource: string;
  readonly anyOf: readonly ParameterCondition[];
}

export type TenantEventFilter = readonly EventSourceFilter[];

/**
 * The tenant's events: S3 calls on its bucket (object data events and bucket management events
 * carry `bucketName`; a CopyObject out of it names it in `x-amz-copy-source`), and Secrets Manager
 * calls on its secrets (GetSecretValue and the rest carry `secretId`, a name or an ARN).
 * Prefixes end in `/`, so tenant `acme` never matches `acme-2`.
 */
export function tenantEventFilter(t: TenantTrailTarget): TenantEventFilter {
  return [
    {
      eventSource: "s3.amazonaws.com",
      anyOf: [
        { key: "bucketName", op: "equals", value: t.tenantBucket },
        { key: "x-amz-copy-source", op: "startsWith", value: `${t.tenantBucket}/` },
      ],
    },
    {
      eventSource: "secretsmanager.amazonaws.com",
      anyOf: [
        { key: "secretId", op: "startsWith", value: t.secretNamePrefix },
        { key: "secretId", op: "startsWith", value: t.secretArnPrefix },
      ],
    },
  ];
}

/** A CloudTrail record, as in a log file's `Records` array (the fields the filter reads). */
export interface CloudTrailRecord {
  readonly eventSource?: string;
  readonly eventTime?: string;
  readonly awsRegion?: string;
  readonly requestParameters?: Record<string, unknown> | null;
  readonly [field: string]: unknown;
}

/** The filter as a predicate over a record: what the SQL's WHERE clause selects, in-process. */
export function matchesFilter(filter: TenantEventFilter, record: CloudTrailRecord): boolean {
  return filter.some(
    (f) =>
      record.eventSource === f.eventSource &&
      f.anyOf.some((c) => {
        const v = record.requestParameters?.[c.key];
        if (typeof v !== "string") return false;
        return c.op === "equals" ? v === c.value : v.startsWith(c.value);
      }),
  );
}

/**
 * Characters any value the query embeds may contain: ARNs, names, paths, dates. No quote, no
 * backslash, no whitespace, no semicolon: a value outside it is refused, never escaped.
 */
const SAFE_LITERAL = /^[A-Za-z0-9:/._-]*$/;

export function sqlLiteral(value: string): string {
  if (!SAFE_LITERAL.test(value)) throw new TrailQueryInputError(`refusing to put ${JSON.stringify(value)} into SQL (allowed: ${SAFE_LITERAL.source})`);
  return `'${value}'`;
}

/** A Glue/Athena identifier: lowercase letters, digits, underscore. */
function sqlIdentifier(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new TrailQueryInputError(`refusing identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

function renderCondition(c: ParameterCondition): string {
  // Bracket notation: keys like x-amz-copy-source are not plain JSONPath names.
  if (!/^[A-Za-z0-9-]+$/.test(c.key)) throw new TrailQueryInputError(`refusing request parameter ${JSON.stringify(c.key)}`);
  const value = `json_extract_scalar(requestparameters, '$["${c.key}"]')`;
  return c.op === "equals" ? `${value} = ${sqlLiteral(c.value)}` : `starts_with(${value}, ${sqlLiteral(c.value)})`;
}

export function renderFilter(filter: TenantEventFilter): string {
  return filter.map((f) => `(eventsource = ${sqlLiteral(f.eventSource)} AND (${f.anyOf.map(renderCondition).join(" OR ")}))`).join("\n    OR ");
}

/** A time window, both ends as UTC instants. */
export interface TimeWindow {
  readonly since: Date;
  readonly until: Date;
}

const DATE_ARGUMENT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?$/;
const DAY_MS = 86_400_000;

/**
 * `--since` / `--until` (YYYY-MM-DD or YYYY-MM-DDTHH:MMZ, UTC); a day alone means its start for
 * --since and its end for --until. Defaults: the last 7 days up to now.
 */
export function timeWindow(since: string | undefined, until: string | undefined, now: Date): TimeWindow {
  const parse = (flag: string, value: string, endOfDay: boolean) => {
    const date = DATE_ARGUMENT.test(value) ? new Date(value.length === 10 ? `${value}T00:00:00Z` : value) : new Date(NaN);
    if (Number.isNaN(date.getTime()) || (value.length === 10 && date.toISOString().slice(0, 10) !== value)) {
      throw new TrailQueryInputError(`${flag}: a UTC date like 2026-12-01 or 2026-12-01T13:00Z, got ${JSON.stringify(value)}`);
    }
    return value.length === 10 && endOfDay ? new Date(date.getTime() + DAY_MS) : date;
  };
  const end = until === undefined ? now : parse("--until", until, true);
  const start = since === undefined ? new Date(end.getTime() - 7 * DAY_MS) : parse("--since", since, false);
  if (start.getTime() >= end.getTime()) throw new TrailQueryInputError(`--since (${start.toISOString()}) must be before --until (${end.toISOString()})`);
  if (end.getTime() - start.getTime() > 366 * DAY_MS) throw new TrailQueryInputError("the window is longer than 366 days: query it in parts");
  return { since: start, until: end };
}

const dayFolder = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, "/");
/** CloudTrail writes eventTime as `2026-12-01T13:00:05Z`: no fraction, so strings order like instants. */
const eventTime = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/**
 * The SQL for one tenant and window: only the tenant's region partition and the window's day
 * partitions are read (partition projection), then the tenant's events within the window.
 */
export function tenantTrailSql(t: TenantTrailTarget, window: TimeWindow): string {
  // A day folder holds the events CloudTrail delivered that UTC day; events reach it within about
  // 15 minutes, so the folder after the window's last day is read too.
  const lastDay = new Date(window.until.getTime() - 1 + DAY_MS);
  const s3Key = `json_extract_scalar(requestparameters, '$["key"]')`;
  return [
    "SELECT eventtime, eventsource, eventname, useridentity.arn AS principal_arn, useridentity.type AS principal_type,",
    "  sourceipaddress, useragent, errorcode, awsregion, eventid,",
    `  CASE WHEN eventsource = 's3.amazonaws.com' THEN concat('s3://', json_extract_scalar(requestparameters, '$["bucketName"]'), '/', coalesce(${s3Key}, ''))`,
    `       ELSE json_extract_scalar(requestparameters, '$["secretId"]') END AS resource`,
    `FROM ${sqlIdentifier(t.database)}.${sqlIdentifier(t.table)}`,
    `WHERE ${AUDIT_PARTITIONS.region} = ${sqlLiteral(t.region)}`,
    `  AND ${AUDIT_PARTITIONS.day} BETWEEN ${sqlLiteral(dayFolder(window.since))} AND ${sqlLiteral(dayFolder(lastDay))}`,
    `  AND eventtime >= ${sqlLiteral(eventTime(window.since))} AND eventtime < ${sqlLiteral(eventTime(window.until))}`,
    `  AND (${renderFilter(tenantEventFilter(t))})`,
    "ORDER BY eventtime, eventid",
  ].join("\n");
}

/** One event of the tenant: who did what to which resource, when, from where. */
export interface TrailEvent {
  readonly time: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly principalArn: string;
  readonly principalType: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly errorCode: string;
  readonly region: string;
  readonly eventId: string;
  readonly resource: string;
}

/** The parts of Athena's GetQueryResults output the parser reads. */
export interface ResultPage {
  readonly ResultSet?: {
    readonly Rows?: ReadonlyArray<{ readonly Data?: ReadonlyArray<{ readonly VarCharValue?: string }> }>;
    readonly ResultSetMetadata?: { readonly ColumnInfo?: ReadonlyArray<{ readonly Name?: string }> };
  };
}

const COLUMNS: Record<keyof TrailEvent, string> = {
  time: "eventtime",
  eventSource: "eventsource",
  eventName: "eventname",
  principalArn: "principal_arn",
  principalType: "principal_type",
  sourceIp: "sourceipaddress",
  userAgent: "useragent",
  errorCode: "errorcode",
  region: "awsregion",
  eventId: "eventid",
  resource: "resource",
};

/**
 * Rows of every page, by column name from the metadata. Athena repeats the column names as the
 * first row of the first page of a SELECT; that row is dropped (and only that one).
 */
export function parseResultPages(pages: readonly ResultPage[]): TrailEvent[] {
  const names = pages[0]?.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name ?? "") ?? [];
  const missing = Object.values(COLUMNS).filter((c) => !names.includes(c));
  if (missing.length > 0) throw new Error(`query results lack columns ${missing.join(", ")} (got ${names.join(", ")})`);
  const rows = pages.flatMap((p, page) => (p.ResultSet?.Rows ?? []).filter((_, i) => !(page === 0 && i === 0)));
  return rows.map((row) => {
    const value = (column: string) => row.Data?.[names.indexOf(column)]?.VarCharValue ?? "";
    return Object.fromEntries(Object.entries(COLUMNS).map(([field, column]) => [field, value(column)])) as unknown as TrailEvent;
  });
}

/** One line per event: time, who (principal, IP, user agent), what (event, resource), outcome. */
export function formatEvents(t: TenantTrailTarget, window: TimeWindow, events: readonly TrailEvent[]): string {
  const head = `Audit trail ${t.trailName} (${t.environment}, ${t.trailRegion}) for tenant ${t.tenantId}: bucket ${t.tenantBucket}, secrets ${t.secretNamePrefix}*, ${window.since.toISOString()} .. ${window.until.toISOString()}`;
  if (events.length === 0) return `${head}\nno events\n`;
  const lines = events.map((e) =>
    [e.time, e.eventName, e.resource || "-", e.principalArn || e.principalType || "-", e.sourceIp || "-", e.errorCode ? `error=${e.errorCode}` : "ok", JSON.stringify(e.userAgent)].join("  "),
  );
  return `${head}\n${events.length} event(s): time  event  resource  principal  source-ip  outcome  user-agent\n${lines.join("\n")}\n`;
}
