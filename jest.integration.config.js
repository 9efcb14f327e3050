/**
 * Integration suite: runs bootstrap against a local moto server (see test/integration/moto.ts).
 * Needs the Python virtualenv: python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/integration"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  // Each test file starts its own moto server; a table waiter or server start can take seconds.
  testTimeout: 60_000,
};
