/**
 * CloudTrail LookupEvents results as CloudTrail returns them (CloudTrailEvent is the whole log
 * entry as JSON), shaped after AWS's documented entries: KMS developer guide "ScheduleKeyDeletion"
 * (responseElements.keyId is the key ARN), Secrets Manager user guide "AWS CloudTrail entries"
 * (responseElements.arn), S3 (requestParameters.bucketName, no responseElements).
 */
import type { Event as TrailEvent } from "@aws-sdk/client-cloudtrail";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
/** The deploy role of environment production, which the offboarding job runs as. */
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/openclaw-production-github-deploy`;

let ids = 0;
/** A LookupEvents result entry as CloudTrail returns it (CloudTrailEvent is the whole record as JSON). */
export function trailEvent(o: {
  name: string;
  source: string;
  time?: string;
  request?: object;
  response?: object | null;
  resources?: object[];
  account?: string;
  region?: string;
  error?: string;
  identity?: object;
}): TrailEvent {
  const eventID = `e-${++ids}`;
  const time = o.time ?? "2026-12-01T22:05:00Z";
  const detail = {
    eventVersion: "1.08",
    userIdentity: o.identity ?? {
      type: "AssumedRole",
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/openclaw-production-github-deploy/offboard-4242-1`,
      sessionContext: { sessionIssuer: { type: "Role", arn: ROLE, userName: "openclaw-production-github-deploy" } },
    },
    eventTime: time,
    eventSource: o.source,
    eventName: o.name,
    awsRegion: o.region ?? REGION,
    requestParameters: o.request ?? {},
    responseElements: o.response === undefined ? {} : o.response,
    ...(o.error ? { errorCode: o.error, errorMessage: "failed" } : {}),
    eventID,
    readOnly: false,
    resources: o.resources ?? [],
    eventType: "AwsApiCall",
    recipientAccountId: o.account ?? ACCOUNT,
  };
  return { EventId: eventID, EventName: o.name, EventTime: new Date(time), EventSource: o.source, CloudTrailEvent: JSON.stringify(detail) };
}
export const deleteBucket = (bucket: string, o: object = {}) => trailEvent({ name: "DeleteBucket", source: "s3.amazonaws.com", request: { bucketName: bucket, Host: `${bucket}.s3.amazonaws.com` }, response: null, ...o });
export const scheduleKey = (arn: string, o: object = {}) =>
  trailEvent({ name: "ScheduleKeyDeletion", source: "kms.amazonaws.com", request: { keyId: arn.split("/")[1], pendingWindowInDays: 7 }, response: { keyId: arn, keyState: "PendingDeletion" }, resources: [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: arn }], ...o });
export const deleteSecret = (arn: string, o: object = {}) =>
  trailEvent({ name: "DeleteSecret", source: "secretsmanager.amazonaws.com", request: { secretId: arn, recoveryWindowInDays: 7 }, response: { arn, name: arn.split(":secret:")[1].slice(0, -7), deletionDate: "Dec 8, 2026" }, ...o });

