/** Unit, golden and invariant tests. The moto integration suite has its own config. */
module.exports = {
  testEnvironment: "node",
  // Jest's default is one worker fewer than the CPUs: a single worker, run in band, on the
  // 2-core CI machine. Many files wait on PostgreSQL or on child processes, so one per CPU
  // finishes the suite sooner (BENCHMARKS.md, "Test suite").
  maxWorkers: "100%",
  // Many tests start processes (terraform stand-ins, git, the synth); on a loaded 2-core machine
  // one that takes 1 s idle was seen at 5 s, jest's default limit. Hangs still fail, later.
  testTimeout: 30_000,
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/test/support/setup-jest.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/test/integration/"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
};
