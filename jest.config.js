/** Unit, golden and invariant tests. The moto integration suite has its own config. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/test/support/setup-jest.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/test/integration/"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
};
