/**
 * The tests `npm run test:mutation` runs against each mutant (stryker.config.mjs): the unit
 * tests of the security and data-loss code it mutates, not the whole suite. Every synth test
 * imports the config loader and the lifecycle, so with the whole suite each mutant of those
 * would re-run every full-app synth: hours on the shared 2-core machine. The score therefore
 * says how well these focused tests pin the code (BENCHMARKS.md, "Mutation testing").
 */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: [
    "<rootDir>/test/config/tenant-lifecycle.test.ts",
    "<rootDir>/test/config/loader.test.ts",
    "<rootDir>/test/pipeline/tenant-lifecycle-check.test.ts",
    "<rootDir>/test/pipeline/redact.test.ts",
    "<rootDir>/test/pipeline/plan-comment.test.ts",
    "<rootDir>/test/pipeline/stack-policy.test.ts",
    "<rootDir>/test/pipeline/terraform-expressions.test.ts",
    "<rootDir>/test/audit/iam.test.ts",
    "<rootDir>/test/bootstrap/policies.test.ts",
    "<rootDir>/test/bootstrap/deploy-role.test.ts",
    "<rootDir>/test/bootstrap/plan-role.test.ts",
  ],
};
