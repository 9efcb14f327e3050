/**
 * How tenant files and environments name the agent image: by manifest digest only. A tag can be
 * moved to other contents in a mutable repository, and even in an immutable one it says nothing
 * about whether that image was scanned and signed; a digest is what the pre-deploy gate
 * (pipeline/image-gate.ts) checks and what ECS runs.
 */
export const IMAGE_DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export const IMAGE_DIGEST_MESSAGE =
  "an image digest sha256:<64 hex digits>; a tag is not accepted, resolve it with `npm run image:resolve -- --environment <env> --tag <tag>`";

/** Severities of ECR scan findings, lowest first (ECR's FindingSeverity without UNDEFINED). */
export const SCAN_SEVERITIES = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type ScanSeverity = (typeof SCAN_SEVERITIES)[number];

/** A finding's severity reaches the threshold (ECR's UNDEFINED and unknown values never do). */
export function reachesThreshold(severity: string, threshold: ScanSeverity): boolean {
  const rank = SCAN_SEVERITIES.indexOf(severity as ScanSeverity);
  return rank >= 0 && rank >= SCAN_SEVERITIES.indexOf(threshold);
}
