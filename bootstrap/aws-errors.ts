/**
 * Reading AWS SDK v3 errors: their code, whether they mean "not there", and what the user
 * should do next. The SDK puts the service's error code in `name` (e.g. `NoSuchBucket`);
 * credential and network failures carry their own names and codes.
 */

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Codes for errors raised before any request reaches AWS because no credentials were found. */
const NO_CREDENTIALS = new Set(["CredentialsProviderError", "ProviderError", "TokenProviderError"]);

/** The error code to show, e.g. `AccessDenied`, `NoCredentials`, `ECONNREFUSED`. */
export function errorCode(err: unknown): string {
  const e = (err ?? {}) as SdkErrorShape;
  if (e.name && NO_CREDENTIALS.has(e.name)) return "NoCredentials";
  // Node network errors: name is a bare "Error", the useful part is the code.
  if (e.code && /^E[A-Z]+$/.test(e.code)) return e.code;
  if (e.Code) return e.Code;
  if (e.name && e.name !== "Error") return e.name;
  const status = e.$metadata?.httpStatusCode;
  return status ? `HTTP${status}` : "UnknownError";
}

/** The HTTP status AWS answered with, when there was an answer. */
export function httpStatus(err: unknown): number | undefined {
  return ((err ?? {}) as SdkErrorShape).$metadata?.httpStatusCode;
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  return codes.includes(errorCode(err));
}

/**
 * True for "this thing does not exist" answers, including S3's many "not configured" codes
 * (no policy, no lifecycle, no encryption ...), which observers read as "unset".
 */
export function isNotFound(err: unknown): boolean {
  return (
    hasCode(
      err,
      "NotFound",
      "NoSuchBucket",
      "NoSuchEntity",
      "NoSuchEntityException",
      "NotFoundException",
      "ResourceNotFoundException",
      "NoSuchBucketPolicy",
      "NoSuchLifecycleConfiguration",
      "ServerSideEncryptionConfigurationNotFoundError",
      "OwnershipControlsNotFoundError",
      "NoSuchPublicAccessBlockConfiguration",
      "NoSuchTagSet",
    ) || httpStatus(err) === 404
  );
}

/** What to do about an error, keyed by code. Only codes with a useful next step are listed. */
const HINTS: Record<string, string> = {
  NoCredentials: "no AWS credentials found: set AWS_PROFILE (and run `aws sso login`) or export credentials for the target account",
  ExpiredToken: "the credentials have expired: log in again",
  ExpiredTokenException: "the credentials have expired: log in again",
  InvalidClientTokenId: "the access key is not valid in this partition or was deleted",
  UnrecognizedClientException: "the access key is not valid in this partition or was deleted",
  SignatureDoesNotMatch: "the secret key does not match the access key",
  AccessDenied: "the credentials may not do this: bootstrap needs an administrator of the target account",
  AccessDeniedException: "the credentials may not do this: bootstrap needs an administrator of the target account",
  Forbidden: "the credentials may not do this: bootstrap needs an administrator of the target account",
  BucketAlreadyExists: "the bucket name is taken by another AWS account (names are global): choose another stateBucket in cdktf.json",
  ECONNREFUSED: "nothing answers at the AWS endpoint: check AWS_ENDPOINT_URL and network access",
  ENOTFOUND: "the AWS endpoint's host name does not resolve: check the region and network access",
  LimitExceeded: "an IAM quota is reached: see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
  LimitExceededException: "a service quota is reached: request an increase or remove unused resources",
};

export function hintFor(code: string): string | undefined {
  return HINTS[code];
}

/** One line: `AccessDenied: User ... is not authorized ...`, message trimmed to its first line. */
export function describeAwsError(err: unknown): string {
  const code = errorCode(err);
  const message = String(((err ?? {}) as SdkErrorShape).message ?? "").split("\n")[0].trim();
  return message && message !== code ? `${code}: ${message}` : code;
}
