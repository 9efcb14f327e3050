/**
 * cdktf captures a full stack trace for every token it creates (each `.arn`, `.id` or `Fn.*`),
 * only to print it if that token later fails to resolve. At 1,000 tenant stacks that is most
 * of the synth's CPU time and more than half of its memory (measured in BENCHMARKS.md). The app
 * replaces the capture with an empty trace; set OPENCLAW_TOKEN_STACK_TRACES=1 to get the traces
 * back when debugging a token that does not resolve.
 *
 * The hook is cdktf's internal module `lib/tokens/private/stack-trace` (cdktf 0.21.0, the final
 * release). If it is missing, synth still works, only slower.
 */
export function disableTokenStackTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OPENCLAW_TOKEN_STACK_TRACES === "1") return false;
  // Source-mapped traces are the slow part of any trace that is still taken; tsx turns them on.
  process.setSourceMapsEnabled(false);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const stackTrace = require("cdktf/lib/tokens/private/stack-trace.js") as { captureStackTrace: () => string[] };
    stackTrace.captureStackTrace = () => [];
    return true;
  } catch {
    return false;
  }
}
