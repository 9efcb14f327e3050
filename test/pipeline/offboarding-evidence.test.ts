/**
 * Offboarding evidence (pipeline/lib/offboarding-evidence.ts): which CloudTrail event proves a
 * destructive step, and what must never count. CloudTrail's LookupEvents is not implemented by
 * moto 5.2 (moto/cloudtrail/responses.py has trails, selectors and tags only), so the calls are
 * checked here with aws-sdk-client-mock: one lookup attribute per call, MaxResults 50, NextToken
 * with the same parameters, pacing to 2 requests per second, retries on throttling.
 * Event shapes follow AWS's documented log entries: KMS developer guide "ScheduleKeyDeletion"
 * (responseElements.keyId is the key ARN), Secrets Manager user guide "AWS CloudTrail entries"
 * (responseElements.arn, "aRN" before February 2024), S3 (requestParameters.bucketName).
 */
import { mockClient } from "aws-sdk-client-mock";
import { CloudTrailClient, LookupEventsCommand, type Event as TrailEvent } from "@aws-sdk/client-cloudtrail";
import { deleteBucket, deleteSecret, scheduleKey, trailEvent } from "./cloudtrail-events";
import {
  collectEvidence,
  evidenceMarkdown,
  evidenceProblems,
  LookupPacer,
  lookupEvents,
  matchEvent,
  type EvidenceTargets,
  type OffboardingEvidence,
} from "../../pipeline/lib/offboarding-evidence";

import { ACCOUNT, REGION, ROLE } from "./cloudtrail-events";
const BUCKET = `openclaw-acme-${ACCOUNT}-${REGION}`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0a1b2c3d-0000-4000-8000-00000000acme`;
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/openclaw/production/acme/slack-AbCdEf`;
const FROM = "2026-12-01T22:00:00.000Z";
const TO = "2026-12-01T22:10:00.000Z";

const expected = (eventName: string, eventSource: string, resources: string[]) => ({ eventName, eventSource, resources, accountId: ACCOUNT, region: REGION, from: new Date(FROM), to: new Date(TO), pipelineRoleArn: ROLE });

describe("what counts as evidence (attacks)", () => {
  test("an event on another tenant's bucket whose name extends this one's (acme2 vs acme) is not evidence", () => {
    const other = deleteBucket(`openclaw-acme2-${ACCOUNT}-${REGION}`);
    expect(matchEvent(other, expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toEqual({ rejected: expect.stringContaining("not openclaw-acme-") });
    const prefix = deleteBucket(`openclaw-acm-${ACCOUNT}-${REGION}`);
    expect("rejected" in matchEvent(prefix, expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toBe(true);
  });

  test("a secret of another tenant, or another secret whose ARN starts like this one's, is not evidence", () => {
    const acme2 = SECRET.replace("/acme/", "/acme2/");
    expect("rejected" in matchEvent(deleteSecret(acme2), expected("DeleteSecret", "secretsmanager.amazonaws.com", [SECRET]))).toBe(true);
    const longer = `${SECRET.slice(0, -7)}-2-XyZ123`;
    expect("rejected" in matchEvent(deleteSecret(longer), expected("DeleteSecret", "secretsmanager.amazonaws.com", [SECRET]))).toBe(true);
  });

  test("another key's ScheduleKeyDeletion is not evidence, even with this key's id in requestParameters", () => {
    const other = KEY.replace("acme", "acm2");
    const spoof = trailEvent({ name: "ScheduleKeyDeletion", source: "kms.amazonaws.com", request: { keyId: KEY }, response: { keyId: other }, resources: [{ ARN: other }] });
    expect("rejected" in matchEvent(spoof, expected("ScheduleKeyDeletion", "kms.amazonaws.com", [KEY]))).toBe(true);
  });

  test("an event from before the destroy started, or after it finished, is not evidence", () => {
    expect(matchEvent(deleteBucket(BUCKET, { time: "2026-12-01T21:59:59Z" }), expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toEqual({ rejected: expect.stringContaining("outside") });
    expect(matchEvent(deleteBucket(BUCKET, { time: "2026-12-01T22:10:01Z" }), expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toEqual({ rejected: expect.stringContaining("outside") });
    expect("evidence" in matchEvent(deleteBucket(BUCKET, { time: FROM }), expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toBe(true);
  });

  test("a failed call (BucketNotEmpty, AccessDenied) proves nothing", () => {
    for (const error of ["BucketNotEmpty", "AccessDenied"]) {
      expect(matchEvent(deleteBucket(BUCKET, { error }), expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toEqual({ rejected: `the call failed (${error})` });
    }
  });

  test("an event of another account or region, or with another name or source, is not evidence", () => {
    const ok = expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]);
    expect("rejected" in matchEvent(deleteBucket(BUCKET, { account: "210987654321" }), ok)).toBe(true);
    expect("rejected" in matchEvent(deleteBucket(BUCKET, { region: "us-west-2" }), ok)).toBe(true);
    expect("rejected" in matchEvent(trailEvent({ name: "DeleteBucketPolicy", source: "s3.amazonaws.com", request: { bucketName: BUCKET } }), ok)).toBe(true);
    expect("rejected" in matchEvent(trailEvent({ name: "DeleteBucket", source: "s3-outposts.amazonaws.com", request: { bucketName: BUCKET } }), ok)).toBe(true);
  });

  test("a principal that is not the pipeline's deploy role is still shown, and flagged", () => {
    const byHand = deleteBucket(BUCKET, { identity: { type: "IAMUser", arn: `arn:aws:iam::${ACCOUNT}:user/mallory` } });
    const m = matchEvent(byHand, expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]));
    expect(m).toEqual({ evidence: expect.objectContaining({ principalArn: `arn:aws:iam::${ACCOUNT}:user/mallory`, byPipelineRole: false }) });
    const lookalike = deleteBucket(BUCKET, {
      identity: { type: "AssumedRole", arn: `arn:aws:sts::${ACCOUNT}:assumed-role/openclaw-production-github-deploy-2/x`, sessionContext: { sessionIssuer: { arn: `${ROLE}-2` } } },
    });
    expect(matchEvent(lookalike, expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toEqual({ evidence: expect.objectContaining({ byPipelineRole: false }) });
    expect(matchEvent(deleteBucket(BUCKET), expected("DeleteBucket", "s3.amazonaws.com", [BUCKET]))).toEqual({
      evidence: expect.objectContaining({ principalArn: ROLE, sessionArn: expect.stringContaining("assumed-role/openclaw-production-github-deploy/offboard-4242-1"), byPipelineRole: true }),
    });
    expect(evidenceMarkdown(evidenceOf([{ step: "bucket-deleted", resource: BUCKET, status: "found", event: (matchEvent(byHand, expected("DeleteBucket", "s3.amazonaws.com", [BUCKET])) as { evidence: never }).evidence }])).join("\n")).toContain(
      "by `arn:aws:iam::123456789012:user/mallory` **(not the pipeline's deploy role)**",
    );
  });

  test("the secret's ARN in Secrets Manager's older 'aRN' spelling still matches, exactly", () => {
    const old = trailEvent({ name: "DeleteSecret", source: "secretsmanager.amazonaws.com", request: { secretId: "/openclaw/production/acme/slack" }, response: { aRN: SECRET } });
    expect("evidence" in matchEvent(old, expected("DeleteSecret", "secretsmanager.amazonaws.com", [SECRET]))).toBe(true);
  });
});

/** An evidence section around the given steps, its pending list computed. */
function evidenceOf(steps: OffboardingEvidence["steps"]): OffboardingEvidence {
  return { checkedAt: TO, region: REGION, window: { from: FROM, to: TO }, pipelineRoleArn: ROLE, steps, pending: steps.filter((s) => s.status === "pending").map((s) => `${s.step} ${s.resource}`) };
}

describe("a record can never claim more than its evidence shows", () => {
  const event = (matchEvent(deleteBucket(BUCKET), expected("DeleteBucket", "s3.amazonaws.com", [BUCKET])) as { evidence: NonNullable<OffboardingEvidence["steps"][number]["event"]> }).evidence;

  test("found without an event, or with another resource's, step's or time's event, is refused", () => {
    expect(evidenceProblems(evidenceOf([{ step: "bucket-deleted", resource: BUCKET, status: "found" }]))).toEqual([`bucket-deleted ${BUCKET}: found without a CloudTrail event`]);
    expect(evidenceProblems(evidenceOf([{ step: "bucket-deleted", resource: "openclaw-acme2-x", status: "found", event }]))).toEqual([`bucket-deleted openclaw-acme2-x: cites an event on ${BUCKET}`]);
    expect(evidenceProblems(evidenceOf([{ step: "key-deletion-scheduled", resource: BUCKET, status: "found", event }]))).toEqual([`key-deletion-scheduled ${BUCKET}: cites DeleteBucket, not ScheduleKeyDeletion`]);
    expect(evidenceProblems(evidenceOf([{ step: "bucket-deleted", resource: BUCKET, status: "found", event: { ...event, eventTime: "2026-12-01T21:00:00.000Z" } }]))).toEqual([
      expect.stringContaining("cites an event at 2026-12-01T21:00:00.000Z, outside"),
    ]);
  });

  test("a data-event or database step cannot be 'found' in the event history, and a pending list must match the steps", () => {
    expect(evidenceProblems(evidenceOf([{ step: "bucket-emptied", resource: BUCKET, status: "found", event }]))).toEqual([`bucket-emptied ${BUCKET}: found, but this step has no CloudTrail management event`]);
    expect(evidenceProblems(evidenceOf([{ step: "database-dropped", resource: "tenant_acme", status: "pending" }]))).toEqual([`database-dropped tenant_acme: pending, but CloudTrail's event history never shows it`]);
    expect(evidenceProblems({ ...evidenceOf([{ step: "bucket-deleted", resource: BUCKET, status: "pending" }]), pending: [] })).toEqual([expect.stringContaining("pending lists [], the steps say")]);
    expect(evidenceProblems(evidenceOf([{ step: "bucket-deleted", resource: BUCKET, status: "pending", event }]))).toEqual([`bucket-deleted ${BUCKET}: pending, yet cites an event`]);
  });

  test("the Markdown says pending, never deleted, for a step without its event", () => {
    const md = evidenceMarkdown(evidenceOf([{ step: "secret-deleted", resource: SECRET, status: "pending" }])).join("\n");
    expect(md).toContain(`- **secret deleted** \`${SECRET}\`: **pending**: no matching DeleteSecret event yet`);
    expect(md).toContain("within about 5 minutes");
    expect(md).toContain("--evidence-only");
    expect(md).toContain("0 of 1 management events found, **1 pending**");
  });
});

describe("LookupEvents calls", () => {
  const ct = new CloudTrailClient({ region: REGION });
  const mock = mockClient(ct);
  afterEach(() => mock.reset());
  const clock = () => {
    let t = Date.parse("2026-12-01T22:20:00Z");
    const slept: number[] = [];
    return { now: () => new Date(t), sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept, tick: (ms: number) => (t += ms) };
  };

  test("one lookup attribute per call, MaxResults 50, every page through NextToken with the same parameters, paced to 2 per second", async () => {
    const c = clock();
    mock.on(LookupEventsCommand).callsFake(async (input) => (input.NextToken === undefined ? { Events: [deleteBucket("a")], NextToken: "t1" } : input.NextToken === "t1" ? { Events: [deleteBucket("b")], NextToken: "t2" } : { Events: [deleteBucket("c")] }));
    const pacer = new LookupPacer(() => c.now().getTime(), c.sleep);
    const events = await lookupEvents(ct, "DeleteBucket", new Date(FROM), new Date(TO), pacer, c.sleep);
    expect(events.map((e) => JSON.parse(e.CloudTrailEvent!).requestParameters.bucketName)).toEqual(["a", "b", "c"]);
    const calls = mock.commandCalls(LookupEventsCommand).map((x) => x.args[0].input);
    expect(calls.map((i) => i.NextToken)).toEqual([undefined, "t1", "t2"]);
    for (const i of calls) {
      expect(i.LookupAttributes).toEqual([{ AttributeKey: "EventName", AttributeValue: "DeleteBucket" }]);
      expect(i).toMatchObject({ StartTime: new Date(FROM), EndTime: new Date(TO), MaxResults: 50 });
    }
    // The clock does not move between calls here, so each call after the first waits its turn.
    expect(c.slept).toEqual([550, 550]);
  });

  test("retries a throttled page with backoff, and gives up after 6 attempts", async () => {
    const c = clock();
    const throttle = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    mock.on(LookupEventsCommand).rejectsOnce(throttle).rejectsOnce(throttle).resolves({ Events: [] });
    const pacer = new LookupPacer(() => c.now().getTime(), c.sleep, 0);
    await expect(lookupEvents(ct, "DeleteBucket", new Date(FROM), new Date(TO), pacer, c.sleep)).resolves.toEqual([]);
    expect(c.slept).toEqual([1000, 2000]);
    mock.reset();
    mock.on(LookupEventsCommand).rejects(throttle);
    await expect(lookupEvents(ct, "DeleteBucket", new Date(FROM), new Date(TO), pacer, c.sleep)).rejects.toThrow("Rate exceeded");
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(6);
  });

  test("another error is not retried", async () => {
    const c = clock();
    mock.on(LookupEventsCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    await expect(lookupEvents(ct, "DeleteBucket", new Date(FROM), new Date(TO), new LookupPacer(() => c.now().getTime(), c.sleep, 0), c.sleep)).rejects.toThrow("not authorized");
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });

  const targets: EvidenceTargets = {
    tenantId: "acme",
    accountId: ACCOUNT,
    region: REGION,
    pipelineRoleArn: ROLE,
    window: { from: FROM, to: TO },
    bucket: BUCKET,
    keyArn: KEY,
    secrets: [{ name: "/openclaw/production/acme/slack", arn: SECRET }],
    elsewhere: [
      { step: "bucket-emptied", resource: BUCKET, status: "elsewhere", note: "data events", where: ["npm run audit:trail -- acme"] },
      { step: "database-dropped", resource: "tenant_acme", status: "elsewhere", note: "provisioner answer" },
    ],
  };
  const byName = (events: Record<string, TrailEvent[]>) => mock.on(LookupEventsCommand).callsFake(async (input) => ({ Events: events[input.LookupAttributes[0].AttributeValue] ?? [] }));

  test("collects each step's earliest matching event, ignores lookalikes and failures, and lists what is still pending", async () => {
    const c = clock();
    byName({
      DeleteBucket: [deleteBucket(BUCKET, { error: "BucketNotEmpty", time: "2026-12-01T22:03:00Z" }), deleteBucket(`openclaw-acme2-${ACCOUNT}-${REGION}`), deleteBucket(BUCKET, { time: "2026-12-01T22:06:00Z" })],
      DeleteSecret: [deleteSecret(SECRET.replace("/acme/", "/acme2/"))],
      ScheduleKeyDeletion: [scheduleKey(KEY, { time: "2026-12-01T21:59:00Z" })],
    });
    const e = await collectEvidence(ct, targets, undefined, c);
    expect(e.steps.map((s) => [s.step, s.status, s.event?.eventTime])).toEqual([
      ["bucket-emptied", "elsewhere", undefined],
      ["bucket-deleted", "found", "2026-12-01T22:06:00.000Z"],
      ["key-deletion-scheduled", "pending", undefined],
      ["secret-deleted", "pending", undefined],
      ["database-dropped", "elsewhere", undefined],
    ]);
    expect(e.pending).toEqual([`key-deletion-scheduled ${KEY}`, `secret-deleted ${SECRET}`]);
    expect(evidenceProblems(e)).toEqual([]);
    // One call per event name; the key's CancelKeyDeletion is looked up only once its deletion is proven.
    expect(mock.commandCalls(LookupEventsCommand).map((x) => x.args[0].input.LookupAttributes![0].AttributeValue)).toEqual(["DeleteBucket", "ScheduleKeyDeletion", "DeleteSecret"]);
  });

  test("a later run looks up only what is pending, keeps what was found, and catches a deletion undone since (CancelKeyDeletion, RestoreSecret)", async () => {
    const c = clock();
    byName({ DeleteBucket: [deleteBucket(BUCKET)] });
    const first = await collectEvidence(ct, targets, undefined, c);
    mock.reset();
    byName({
      ScheduleKeyDeletion: [scheduleKey(KEY)],
      DeleteSecret: [deleteSecret(SECRET)],
      CancelKeyDeletion: [trailEvent({ name: "CancelKeyDeletion", source: "kms.amazonaws.com", time: "2026-12-01T22:30:00Z", request: { keyId: KEY }, response: { keyId: KEY } })],
    });
    c.tick(3_600_000);
    const second = await collectEvidence(ct, targets, first, c);
    expect(mock.commandCalls(LookupEventsCommand).map((x) => x.args[0].input.LookupAttributes![0].AttributeValue)).toEqual(["ScheduleKeyDeletion", "DeleteSecret", "CancelKeyDeletion", "RestoreSecret"]);
    // The reversal window runs to now, not to the end of the destroy.
    expect(mock.commandCalls(LookupEventsCommand)[2].args[0].input.EndTime).toEqual(new Date(second.checkedAt));
    expect(second.checkedAt > TO).toBe(true);
    expect(second.steps.map((s) => [s.step, s.status])).toEqual([
      ["bucket-emptied", "elsewhere"],
      ["bucket-deleted", "found"],
      ["key-deletion-scheduled", "reversed"],
      ["secret-deleted", "found"],
      ["database-dropped", "elsewhere"],
    ]);
    expect(second.steps[1].event).toEqual(first.steps[1].event);
    expect(second.pending).toEqual([]);
    expect(evidenceProblems(second)).toEqual([]);
    expect(evidenceMarkdown(second).join("\n")).toContain("**then undone**: CancelKeyDeletion");
  });

  test("a failed lookup leaves its steps pending with the error; the others are still found", async () => {
    const c = clock();
    mock.on(LookupEventsCommand).callsFake(async (input) => {
      if (input.LookupAttributes[0].AttributeValue === "DeleteSecret") throw Object.assign(new Error("User is not authorized\n  to perform: cloudtrail:LookupEvents"), { name: "AccessDeniedException" });
      return { Events: input.LookupAttributes[0].AttributeValue === "DeleteBucket" ? [deleteBucket(BUCKET)] : [] };
    });
    const e = await collectEvidence(ct, targets, undefined, c);
    expect(e.steps.find((s) => s.step === "secret-deleted")).toEqual({ step: "secret-deleted", resource: SECRET, status: "pending", lookupError: "AccessDeniedException: User is not authorized to perform: cloudtrail:LookupEvents" });
    expect(e.steps.find((s) => s.step === "bucket-deleted")!.status).toBe("found");
  });

  test("without the secret's ARN (a progress file from before the ARN was kept), its exact name matches", async () => {
    const c = clock();
    byName({ DeleteSecret: [deleteSecret(SECRET.replace("/acme/", "/acme2/")), deleteSecret(SECRET)] });
    const e = await collectEvidence(ct, { ...targets, secrets: [{ name: "/openclaw/production/acme/slack" }] }, undefined, c);
    expect(e.steps.find((s) => s.step === "secret-deleted")).toMatchObject({ status: "found", resource: "/openclaw/production/acme/slack", event: { resource: "/openclaw/production/acme/slack" } });
  });
});
