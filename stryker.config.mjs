/**
 * `npm run test:mutation`: StrykerJS over the code whose failure is a security or data-loss
 * event (#32): the stack policy and its template parser, plan-comment rendering and redaction,
 * the tenant lifecycle and its pull-request check, the config loader, the deploy/plan role
 * policies and the IAM evaluator. Each mutant is type-checked first (a mutant that does not
 * compile is not a test gap), then run against the focused unit tests of jest.mutation.config.js
 * that cover it. Score and time: BENCHMARKS.md; equivalent mutants: test/mutation/EQUIVALENT.md.
 *
 * Narrow a run with `npm run test:mutation -- --mutate pipeline/lib/redact.ts`: the script
 * (scripts/mutation.ts) gives the run its own incremental file and merges its result into
 * reports/mutation/mutation.json, which keeps every measured file (Stryker's own report holds
 * only the files of its run).
 */
export default {
  packageManager: "npm",
  testRunner: "jest",
  jest: { projectType: "custom", configFile: "jest.mutation.config.js", enableFindRelatedTests: true },
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: "perTest",
  // Mutants of module-level constants (tables, patterns) need every related test re-run in a
  // fresh module registry: 60% of the mutants, ~100% of the time. They are not scored; the
  // tables themselves are pinned by table tests (e.g. every status pair in tenant-lifecycle).
  ignoreStatic: true,
  mutate: [
    "pipeline/lib/stack-policy.ts",
    "pipeline/lib/terraform-expressions.ts",
    "pipeline/plan-comment.ts",
    "pipeline/lib/redact.ts",
    "config/tenant-lifecycle.ts",
    "pipeline/tenant-lifecycle-check.ts",
    "config/loader.ts",
    "bootstrap/policies.ts",
    "audit/iam.ts",
  ],
  // One process: the machine's two cores are shared by every engineer's tests.
  concurrency: 1,
  timeoutMS: 30000,
  reporters: ["json", "html", "clear-text", "progress"],
  // The run's own result; scripts/mutation.ts merges it into reports/mutation/mutation.json.
  jsonReporter: { fileName: "reports/mutation/last-run.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  tempDirName: ".stryker-tmp",
  // Re-runs test only mutants whose code or tests changed since the stored result (a narrowed
  // run gets reports/mutation/incremental/<file>.json from scripts/mutation.ts).
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  ignorePatterns: ["cdktf.out", ".gen", "reports", ".venv", "**/.stryker-tmp"],
  thresholds: { high: 85, low: 75, break: null },
};
