/**
 * Offboarding evidence: for each destructive step of an offboarding, the CloudTrail event that
 * proves it (event id, time, principal), looked up after the destroy with CloudTrail's
 * LookupEvents in the tenant's region, or why there is none yet.
 *
 * LookupEvents (CloudTrail API Reference; botocore cloudtrail 2013-11-01 service model) returns
 * management events of one account and region from the last 90 days. It takes ONE lookup
 * attribute per call, at most 50 events a page (MaxResults 1..50, NextToken with the same
 * parameters for the next page), and is limited to 2 requests per second per account and region.
 * CloudTrail delivers an event to it within about 5 minutes of the call, typically (not
 * guaranteed): right after a destroy most evidence is `pending`, and a later run fills it in.
 *
 * Lookups are by EventName with the time window of the destroy step: every management event
 * has an event name, while which `Resources` a service reports for ResourceName varies by
 * service. Nothing is trusted from the lookup attribute itself: each event is parsed and must
 * match exactly (event name and source, no error code, this account and region, inside the
 * window, the exact bucket name or key/secret ARN), so an event about `acme2` never proves
 * anything about `acme`, and a failed attempt (AccessDenied, BucketNotEmpty) proves nothing.
 *
 * What LookupEvents cannot show: emptying the bucket (DeleteObjects and DeleteObject are S3
 * *data* events, recorded only by a trail with data events, never in the event history) and the
 * database drop (inside PostgreSQL; the provisioner's Invoke is a Lambda data event). Those
 * steps say where their evidence is instead.
 */
import { LookupEventsCommand, type CloudTrailClient, type Event as TrailEvent } from "@aws-sdk/client-cloudtrail";

/** LookupEvents' largest page (botocore: MaxResults min 1, max 50). */
export const LOOKUP_MAX_RESULTS = 50;
/** 2 requests per second per account and region (CloudTrail API Reference, LookupEvents): one every 500 ms, plus slack. */
export const LOOKUP_MIN_INTERVAL_MS = 550;
/** Attempts per page when CloudTrail answers with a throttling error, backing off 1 s, 2 s, 4 s... */
export const LOOKUP_MAX_ATTEMPTS = 6;
/** A page limit far above any destroy window's events: a runaway pagination fails instead of looping. */
export const LOOKUP_MAX_PAGES = 200;
/** What a pending step tells the reader (CloudTrail User Guide, "CloudTrail concepts": events within about 5 minutes). */
export const DELIVERY_NOTE = "CloudTrail delivers management events to the event history within about 5 minutes of the call, typically";

export type EvidenceStepName = "bucket-emptied" | "bucket-deleted" | "key-deletion-scheduled" | "secret-deleted" | "database-dropped" | "database-retired";

/** Steps proven by a management event in the event history, with the event that proves them and the one that would undo them. */
export const CLOUDTRAIL_STEPS = {
  "bucket-deleted": { eventName: "DeleteBucket", eventSource: "s3.amazonaws.com" },
  "key-deletion-scheduled": { eventName: "ScheduleKeyDeletion", eventSource: "kms.amazonaws.com", reversal: "CancelKeyDeletion" },
  "secret-deleted": { eventName: "DeleteSecret", eventSource: "secretsmanager.amazonaws.com", reversal: "RestoreSecret" },
} as const satisfies Partial<Record<EvidenceStepName, { eventName: string; eventSource: string; reversal?: string }>>;
type CloudTrailStep = keyof typeof CLOUDTRAIL_STEPS;
const isCloudTrailStep = (s: EvidenceStepName): s is CloudTrailStep => s in CLOUDTRAIL_STEPS;

/** One CloudTrail event as the record cites it: enough to find it again, nothing of its payload. */
export interface EvidenceEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: string;
  readonly region: string;
  /** The bucket name or key/secret ARN the event acted on, as matched. */
  readonly resource: string;
  /** The IAM identity that made the call: for an assumed role, the role (session issuer); else the caller's ARN. */
  readonly principalArn: string;
  /** An assumed role's session ARN (names the session: offboard-<run id>-<attempt> for the pipeline). */
  readonly sessionArn?: string;
  /** Whether principalArn is the environment's deploy role, which the offboarding job runs as. */
  readonly byPipelineRole: boolean;
}

export interface StepEvidence {
  readonly step: EvidenceStepName;
  /** Bucket name, key ARN, secret ARN (or name when the state did not keep the ARN), database role. */
  readonly resource: string;
  /**
   * `found`: the event is cited; `reversed`: found, and a later event undid it (reversedBy);
   * `pending`: no matching event yet (CloudTrail's delivery lag, or the lookup failed: lookupError);
   * `elsewhere`: not a management event; `note` and `where` say what proves it.
   */
  readonly status: "found" | "reversed" | "pending" | "elsewhere";
  readonly event?: EvidenceEvent;
  readonly reversedBy?: EvidenceEvent;
  readonly lookupError?: string;
  readonly note?: string;
  readonly where?: readonly string[];
}

export interface OffboardingEvidence {
  readonly checkedAt: string;
  readonly region: string;
  /** Events count only inside it: from the start of the destroy step to its completion. */
  readonly window: { readonly from: string; readonly to: string };
  /** The role the job runs as; an event by any other principal is shown, flagged. */
  readonly pipelineRoleArn: string;
  readonly steps: readonly StepEvidence[];
  /** `<step> <resource>` of every step still pending: a later run (`--evidence-only`) fills them in. */
  readonly pending: readonly string[];
}

/** What the offboarding destroyed and where, as the job observed it. */
export interface EvidenceTargets {
  readonly tenantId: string;
  readonly accountId: string;
  readonly region: string;
  readonly pipelineRoleArn: string;
  readonly window: { readonly from: string; readonly to: string };
  readonly bucket: string;
  readonly keyArn: string;
  readonly secrets: readonly { readonly name: string; readonly arn?: string }[];
  /** Data-event steps and the database: status lines the job builds from its own observations. */
  readonly elsewhere: readonly StepEvidence[];
}

/** Paces LookupEvents calls to the API's rate (shared by every lookup against one account and region). */
export class LookupPacer {
  private last = -Infinity;
  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly intervalMs = LOOKUP_MIN_INTERVAL_MS,
  ) {}
  async turn(): Promise<void> {
    const wait = this.last + this.intervalMs - this.now();
    if (wait > 0) await this.sleep(wait);
    this.last = this.now();
  }
}

const isThrottle = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return e?.name === "ThrottlingException" || e?.name === "TooManyRequestsException" || e?.$retryable?.throttling === true || e?.$metadata?.httpStatusCode === 429;
};

/** Every event named `eventName` in [from, to], all pages, one attribute per call, paced and retried on throttling. */
export async function lookupEvents(ct: CloudTrailClient, eventName: string, from: Date, to: Date, pacer: LookupPacer, sleep: (ms: number) => Promise<void>): Promise<TrailEvent[]> {
  const events: TrailEvent[] = [];
  let token: string | undefined;
  for (let page = 0; page < LOOKUP_MAX_PAGES; page++) {
    // NextToken must come with the same parameters as the first call (API Reference, LookupEvents).
    const input = { LookupAttributes: [{ AttributeKey: "EventName" as const, AttributeValue: eventName }], StartTime: from, EndTime: to, MaxResults: LOOKUP_MAX_RESULTS, NextToken: token };
    let answer;
    for (let attempt = 1; ; attempt++) {
      await pacer.turn();
      try {
        answer = await ct.send(new LookupEventsCommand(input));
        break;
      } catch (err) {
        if (!isThrottle(err) || attempt >= LOOKUP_MAX_ATTEMPTS) throw err;
        await sleep(1000 * 2 ** (attempt - 1));
      }
    }
    events.push(...(answer.Events ?? []));
    token = answer.NextToken;
    if (!token) return events;
  }
  throw new Error(`LookupEvents ${eventName}: more than ${LOOKUP_MAX_PAGES} pages of ${LOOKUP_MAX_RESULTS} events between ${from.toISOString()} and ${to.toISOString()}`);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/** The identity an event names: the role for an assumed-role session, else the caller's ARN. */
function principalOf(detail: Json): { principalArn: string; sessionArn?: string } {
  const who = obj(detail.userIdentity);
  const issuer = str(obj(obj(who.sessionContext).sessionIssuer).arn);
  const arn = str(who.arn);
  if (who.type === "AssumedRole" && issuer) return { principalArn: issuer, ...(arn ? { sessionArn: arn } : {}) };
  return { principalArn: arn ?? str(who.invokedBy) ?? str(who.principalId) ?? "(unknown principal)" };
}

/** The resource identifiers an event names for a step, exactly as CloudTrail wrote them. */
function identifiersOf(eventName: string, detail: Json): string[] {
  const request = obj(detail.requestParameters);
  const response = obj(detail.responseElements);
  const resources = Array.isArray(detail.resources) ? detail.resources.map((r) => str(obj(r).ARN)) : [];
  switch (eventName) {
    case "DeleteBucket":
      return [str(request.bucketName)].filter((x): x is string => !!x);
    case "ScheduleKeyDeletion":
    case "CancelKeyDeletion":
      // responseElements.keyId is the key ARN; requestParameters.keyId is whatever the caller sent.
      return [str(response.keyId), ...resources].filter((x): x is string => !!x);
    case "DeleteSecret":
    case "RestoreSecret":
      // Before February 2024 some Secrets Manager events spelled the ARN field "aRN" (Secrets Manager User Guide, CloudTrail entries).
      return [str(response.arn), str(response.aRN), str(request.secretId), str(response.name)].filter((x): x is string => !!x);
    default:
      return [];
  }
}

/** Why an event does not prove `eventName` on one of `resources` in the window, or the evidence it gives. */
export function matchEvent(
  event: TrailEvent,
  expected: { eventName: string; eventSource: string; resources: readonly string[]; accountId: string; region: string; from: Date; to: Date; pipelineRoleArn: string },
): { evidence: EvidenceEvent } | { rejected: string } {
  let detail: Json;
  try {
    detail = obj(JSON.parse(event.CloudTrailEvent ?? ""));
  } catch {
    return { rejected: "CloudTrailEvent is not JSON" };
  }
  const eventId = str(detail.eventID) ?? str(event.EventId);
  const time = new Date(str(detail.eventTime) ?? event.EventTime?.toISOString() ?? "");
  if (!eventId) return { rejected: "no event id" };
  if (detail.eventName !== expected.eventName || event.EventName !== expected.eventName) return { rejected: `event ${String(detail.eventName)}, not ${expected.eventName}` };
  if (detail.eventSource !== expected.eventSource) return { rejected: `source ${String(detail.eventSource)}, not ${expected.eventSource}` };
  if (detail.errorCode !== undefined || detail.errorMessage !== undefined) return { rejected: `the call failed (${String(detail.errorCode ?? detail.errorMessage)})` };
  if (detail.recipientAccountId !== expected.accountId) return { rejected: `account ${String(detail.recipientAccountId)}, not ${expected.accountId}` };
  if (detail.awsRegion !== expected.region) return { rejected: `region ${String(detail.awsRegion)}, not ${expected.region}` };
  if (Number.isNaN(time.getTime()) || time < expected.from || time > expected.to) return { rejected: `at ${str(detail.eventTime)}, outside ${expected.from.toISOString()}..${expected.to.toISOString()}` };
  const resource = identifiersOf(expected.eventName, detail).find((id) => expected.resources.includes(id));
  if (!resource) return { rejected: `names ${identifiersOf(expected.eventName, detail).join(", ") || "no resource"}, not ${expected.resources.join(" / ")}` };
  const who = principalOf(detail);
  return {
    evidence: {
      eventId,
      eventName: expected.eventName,
      eventSource: expected.eventSource,
      eventTime: time.toISOString(),
      region: expected.region,
      // The step's own identifier (its first), whichever spelling the event used.
      resource: expected.resources[0],
      ...who,
      byPipelineRole: who.principalArn === expected.pipelineRoleArn,
    },
  };
}

const earliest = (a: EvidenceEvent | undefined, b: EvidenceEvent) => (!a || b.eventTime < a.eventTime ? b : a);

/** The CloudTrail steps of an offboarding, each with every identifier that names its resource (the first is the one recorded). */
function cloudTrailSteps(t: EvidenceTargets): { step: CloudTrailStep; ids: string[] }[] {
  return [
    { step: "bucket-deleted", ids: [t.bucket] },
    { step: "key-deletion-scheduled", ids: [t.keyArn] },
    // With the ARN known, only the ARN: a secret's name is reused by the next secret of that name.
    ...t.secrets.map((s) => ({ step: "secret-deleted" as const, ids: s.arn ? [s.arn] : [s.name] })),
  ];
}

/**
 * Looks up the evidence still missing from `previous` (all of it without one) and returns the
 * whole evidence section. A failed lookup leaves its steps pending with the error; it never
 * fails the offboarding, which has already happened.
 */
export async function collectEvidence(
  ct: CloudTrailClient,
  t: EvidenceTargets,
  previous: OffboardingEvidence | undefined,
  deps: { readonly now: () => Date; readonly sleep: (ms: number) => Promise<void>; readonly pacer?: LookupPacer },
): Promise<OffboardingEvidence> {
  const pacer = deps.pacer ?? new LookupPacer(() => deps.now().getTime(), deps.sleep);
  const from = new Date(t.window.from);
  const to = new Date(t.window.to);
  const checkedAt = deps.now();
  const known = new Map((previous?.steps ?? []).filter((s) => s.event).map((s) => [`${s.step} ${s.resource}`, s]));
  const wanted = cloudTrailSteps(t);
  const base = { accountId: t.accountId, region: t.region, pipelineRoleArn: t.pipelineRoleArn };

  const found = new Map<string, EvidenceEvent>();
  const failures = new Map<string, string>();
  const missingNames = new Set(wanted.filter((w) => !known.has(`${w.step} ${w.ids[0]}`)).map((w) => CLOUDTRAIL_STEPS[w.step].eventName));
  const fetched = new Map<string, TrailEvent[]>();
  const fetch = async (eventName: string, until: Date) => {
    try {
      fetched.set(eventName, await lookupEvents(ct, eventName, from, until, pacer, deps.sleep));
    } catch (err) {
      // One line: it goes into a Markdown list item.
      failures.set(eventName, `${(err as Error).name ?? "Error"}: ${(err as Error).message}`.replace(/\s+/g, " ").slice(0, 300));
    }
  };
  for (const name of missingNames) await fetch(name, to);
  for (const w of wanted) {
    const { eventName, eventSource } = CLOUDTRAIL_STEPS[w.step];
    for (const e of fetched.get(eventName) ?? []) {
      const m = matchEvent(e, { ...base, eventName, eventSource, resources: w.ids, from, to });
      if ("evidence" in m) found.set(`${w.step} ${w.ids[0]}`, earliest(found.get(`${w.step} ${w.ids[0]}`), m.evidence));
    }
  }

  // A deletion that was undone afterwards (CancelKeyDeletion, RestoreSecret) is no longer one:
  // looked up from the destroy to now, every time the evidence is checked.
  const reversals = new Map<string, EvidenceEvent>();
  const proven = wanted.filter((w) => known.has(`${w.step} ${w.ids[0]}`) || found.has(`${w.step} ${w.ids[0]}`));
  for (const name of new Set(proven.map((w) => (CLOUDTRAIL_STEPS[w.step] as { reversal?: string }).reversal).filter((x): x is string => !!x))) {
    await fetch(name, checkedAt);
    for (const w of proven) {
      const spec = CLOUDTRAIL_STEPS[w.step] as { eventSource: string; reversal?: string };
      if (spec.reversal !== name) continue;
      for (const e of fetched.get(name) ?? []) {
        const m = matchEvent(e, { ...base, eventName: name, eventSource: spec.eventSource, resources: w.ids, from, to: checkedAt });
        if ("evidence" in m) reversals.set(`${w.step} ${w.ids[0]}`, earliest(reversals.get(`${w.step} ${w.ids[0]}`), m.evidence));
      }
    }
  }

  const steps: StepEvidence[] = [];
  const emptied = t.elsewhere.filter((s) => s.step === "bucket-emptied");
  steps.push(...emptied);
  for (const w of wanted) {
    const id = `${w.step} ${w.ids[0]}`;
    const event = known.get(id)?.event ?? found.get(id);
    const spec = CLOUDTRAIL_STEPS[w.step] as { eventName: string; reversal?: string };
    const reversedBy = reversals.get(id) ?? known.get(id)?.reversedBy;
    if (event && reversedBy && reversedBy.eventTime >= event.eventTime) steps.push({ step: w.step, resource: w.ids[0], status: "reversed", event, reversedBy });
    else if (event) steps.push({ step: w.step, resource: w.ids[0], status: "found", event });
    else {
      const error = failures.get(spec.eventName);
      steps.push({ step: w.step, resource: w.ids[0], status: "pending", ...(error ? { lookupError: error } : {}) });
    }
  }
  steps.push(...t.elsewhere.filter((s) => s.step !== "bucket-emptied"));
  return {
    checkedAt: checkedAt.toISOString(),
    region: t.region,
    window: t.window,
    pipelineRoleArn: t.pipelineRoleArn,
    steps,
    pending: steps.filter((s) => s.status === "pending").map((s) => `${s.step} ${s.resource}`),
  };
}

/**
 * What would make the evidence section claim more than it shows: a step found or reversed
 * without its event, an event for another resource, step or time, evidence on a step that
 * has none, a pending list that disagrees with the steps. The job refuses to write such a record.
 */
export function evidenceProblems(e: OffboardingEvidence): string[] {
  const problems: string[] = [];
  const from = new Date(e.window.from);
  const to = new Date(e.window.to);
  for (const s of e.steps) {
    const where = `${s.step} ${s.resource}`;
    if (s.status === "found" || s.status === "reversed") {
      if (!isCloudTrailStep(s.step)) {
        problems.push(`${where}: ${s.status}, but this step has no CloudTrail management event`);
        continue;
      }
      const spec = CLOUDTRAIL_STEPS[s.step] as { eventName: string; reversal?: string };
      const ev = s.event;
      if (!ev || !ev.eventId) problems.push(`${where}: ${s.status} without a CloudTrail event`);
      else {
        if (ev.eventName !== spec.eventName) problems.push(`${where}: cites ${ev.eventName}, not ${spec.eventName}`);
        if (ev.resource !== s.resource) problems.push(`${where}: cites an event on ${ev.resource}`);
        const at = new Date(ev.eventTime);
        if (Number.isNaN(at.getTime()) || at < from || at > to) problems.push(`${where}: cites an event at ${ev.eventTime}, outside ${e.window.from}..${e.window.to}`);
      }
      if (s.status === "reversed" && (!s.reversedBy || s.reversedBy.eventName !== spec.reversal || s.reversedBy.resource !== s.resource)) problems.push(`${where}: reversed without its ${spec.reversal ?? "reversing"} event`);
      if (s.status === "found" && s.reversedBy) problems.push(`${where}: found, yet reversed by ${s.reversedBy.eventName}`);
    } else {
      if (s.event || s.reversedBy) problems.push(`${where}: ${s.status}, yet cites an event`);
      if (s.status === "elsewhere" && isCloudTrailStep(s.step)) problems.push(`${where}: elsewhere, but it is a management event: found or pending`);
      if (s.status === "pending" && !isCloudTrailStep(s.step)) problems.push(`${where}: pending, but CloudTrail's event history never shows it`);
    }
  }
  const pending = e.steps.filter((s) => s.status === "pending").map((s) => `${s.step} ${s.resource}`);
  if (JSON.stringify(pending) !== JSON.stringify(e.pending)) problems.push(`pending lists ${JSON.stringify(e.pending)}, the steps say ${JSON.stringify(pending)}`);
  return problems;
}

const STEP_TITLES: Record<EvidenceStepName, string> = {
  "bucket-emptied": "bucket emptied",
  "bucket-deleted": "bucket deleted",
  "key-deletion-scheduled": "KMS key scheduled for deletion",
  "secret-deleted": "secret deleted",
  "database-dropped": "database role dropped",
  "database-retired": "database role retired",
};

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const cite = (ev: EvidenceEvent) =>
  `${ev.eventName} ${code(ev.eventId)} at ${ev.eventTime} by ${code(ev.principalArn)}${ev.byPipelineRole ? "" : " **(not the pipeline's deploy role)**"}`;

/** The evidence section of the record's Markdown. */
export function evidenceMarkdown(e: OffboardingEvidence): string[] {
  const confirmed = e.steps.filter((s) => s.status === "found").length;
  const cloudTrail = e.steps.filter((s) => isCloudTrailStep(s.step)).length;
  const lines = [
    `**CloudTrail evidence** (event history of ${e.region}, events between ${e.window.from} and ${e.window.to}, checked ${e.checkedAt}): ${confirmed} of ${cloudTrail} management events found${e.pending.length ? `, **${e.pending.length} pending**` : ""}.`,
    "",
  ];
  for (const s of e.steps) {
    const head = `- **${STEP_TITLES[s.step]}** ${code(s.resource)}:`;
    if (s.status === "found") lines.push(`${head} ${cite(s.event!)}`);
    else if (s.status === "reversed") lines.push(`${head} ${cite(s.event!)}, **then undone**: ${cite(s.reversedBy!)}`);
    else if (s.status === "pending") lines.push(`${head} **pending**: no matching ${CLOUDTRAIL_STEPS[s.step as CloudTrailStep].eventName} event yet${s.lookupError ? ` (lookup failed: ${s.lookupError})` : ""}`);
    else lines.push(`${head} ${s.note ?? ""}${s.where?.length ? ` See ${s.where.map(code).join("; ")}.` : ""}`);
  }
  if (e.pending.length) lines.push("", `${DELIVERY_NOTE}; \`npm run -s offboard -- --evidence-only\` looks the pending ones up again and rewrites this record.`);
  return lines;
}

/** What the job observed of the steps CloudTrail's event history cannot show. */
export interface ElsewhereInputs {
  readonly tenantId: string;
  readonly environment: string;
  readonly region: string;
  readonly bucket: string;
  readonly window: { readonly from: string; readonly to: string };
  readonly bucketEmptied: { readonly versionsDeleted: number; readonly deleteMarkersDeleted: number };
  /** The database outcome the record states, and the provisioner's own answer when it dropped. */
  readonly database: { readonly status: "exported" | "dropped" | "retained" | "none"; readonly exportLocation?: string };
  readonly databaseAnswer?: Record<string, unknown>;
  readonly databaseAnsweredAt?: string;
  /** The provisioner's log group (platformLogGroupName(env, region, "db-provisioner")) and the database's PostgreSQL log group. */
  readonly provisionerLogGroup: string;
  readonly postgresLogGroup: string;
}

/**
 * The steps whose evidence is not a management event, with what does prove them:
 * - emptying the bucket: DeleteObjects/DeleteObject are S3 data events, in a trail with data
 *   events only (issue 29 item 1's audit trail, `npm run audit:trail`), never in LookupEvents;
 * - the database side: DROP ROLE runs inside PostgreSQL. The provisioner's Invoke is a Lambda
 *   data event. What exists: the provisioner's answer the job kept (status, role, export), its
 *   JSON log line in the provisioner's log group, and the DDL statement in the database's
 *   PostgreSQL log (`log_statement = ddl`, modules/database.ts; kept for that log group's
 *   retention). Nothing stays in PostgreSQL: the registry row and the tenant's audit_log rows go
 *   with the drop (db/provisioner/tenant.ts dropTenant). With `retain` the role is retired:
 *   openclaw.tenant_roles.retired_at is set and the rows stay.
 */
export function elsewhereEvidence(i: ElsewhereInputs): StepEvidence[] {
  const since = `--since ${i.window.from} --until ${i.window.to}`;
  const steps: StepEvidence[] = [
    {
      step: "bucket-emptied",
      resource: i.bucket,
      status: "elsewhere",
      note: `the job deleted ${i.bucketEmptied.versionsDeleted} object version(s) and ${i.bucketEmptied.deleteMarkersDeleted} delete marker(s) (DeleteObjects); S3 object deletions are data events, recorded only by the audit trail (never in LookupEvents), and the bucket manifest lists every version deleted.`,
      where: [`npm run audit:trail -- ${i.tenantId} ${since}`],
    },
  ];
  const role = typeof i.databaseAnswer?.roleName === "string" ? (i.databaseAnswer.roleName as string) : undefined;
  if (i.database.status === "dropped") {
    steps.push({
      step: "database-dropped",
      resource: role ?? `tenant ${i.tenantId}`,
      status: "elsewhere",
      note: `the provisioner answered status dropped${i.databaseAnsweredAt ? ` at ${i.databaseAnsweredAt}` : ""} on the verified export ${i.database.exportLocation ?? "(none)"}; DROP ROLE runs inside PostgreSQL and the provisioner's Invoke is a Lambda data event, so CloudTrail's event history has neither. Nothing of the tenant stays in PostgreSQL (registry row and audit rows are dropped with it).`,
      where: [
        `${i.provisionerLogGroup}: "tenant database provisioned", action delete, status dropped, tenantId ${i.tenantId}`,
        `${i.postgresLogGroup}: DROP ROLE ${role ?? "<the tenant's role>"} (log_statement = ddl; kept for the log group's retention)`,
      ],
    });
  } else if (i.database.status === "retained") {
    steps.push({
      step: "database-retired",
      resource: role ?? `tenant ${i.tenantId}`,
      status: "elsewhere",
      note: "databaseDeletion retain: terraform destroy's provisioner delete revoked the role's login and kept its rows; inside PostgreSQL, not in CloudTrail.",
      where: [`openclaw.tenant_roles.retired_at for tenant_id ${i.tenantId}`, `${i.provisionerLogGroup}: "tenant database provisioned", action delete, status retired`],
    });
  }
  return steps;
}
