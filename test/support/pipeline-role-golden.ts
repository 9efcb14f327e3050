/**
 * The pipeline roles as bootstrap creates them (bootstrap/resources/pipeline-roles.ts: names,
 * trust, inline and managed policy documents) for the fixture's production environment, recorded in test/bootstrap/golden/pipeline-role-policies.json so a
 * reviewer sees every action, resource and condition a change adds or removes: these policies
 * are what a pull request (the plan role) and a merge (the deploy role) can do in the account.
 * The test (test/bootstrap/policies.test.ts) only compares; `npm run golden:update` only writes.
 * Like the stacks' goldens they record, they do not specify: what the roles may and may not do
 * is asserted through the IAM evaluator in the role tests.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deployRoleDesired, planRoleDesired } from "../../bootstrap/resources/pipeline-roles";
import { KEY_ARN, settingsFor } from "../bootstrap/helpers";

export const PIPELINE_ROLES_GOLDEN = join(__dirname, "..", "bootstrap", "golden", "pipeline-role-policies.json");

/** One environment with a state key, and one of two regions with S3 managed state keys (the key-less branches and the per-region lists). */
const VARIANTS: Record<string, { regions: string[]; stateKeys: string[] }> = {
  "one region, state key": { regions: ["us-east-1"], stateKeys: [KEY_ARN] },
  "two regions, S3 managed state keys": { regions: ["us-east-1", "eu-west-1"], stateKeys: [] },
};

/** The roles exactly as bootstrap creates them (bootstrap/resources/pipeline-roles.ts); a name pattern is recorded as its source. */
export function pipelineRolePolicies(): string {
  const recorded = Object.fromEntries(
    Object.entries(VARIANTS).map(([name, { regions, stateKeys }]) => {
      const settings = { ...settingsFor(), regions };
      return [name, { plan: planRoleDesired(settings, stateKeys), deploy: deployRoleDesired(settings, stateKeys) }];
    }),
  );
  return `${JSON.stringify(recorded, (_key, value: unknown) => (value instanceof RegExp ? value.source : value), 2)}\n`;
}

/** Writes the golden file; true when it changed. */
export function writePipelineRoleGolden(text = pipelineRolePolicies()): boolean {
  if (existsSync(PIPELINE_ROLES_GOLDEN) && readFileSync(PIPELINE_ROLES_GOLDEN, "utf8") === text) return false;
  writeFileSync(PIPELINE_ROLES_GOLDEN, text);
  return true;
}
