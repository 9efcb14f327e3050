/**
 * The pipeline roles' policy documents, as bootstrap/policies.ts writes them for the fixture's
 * production environment, recorded in test/bootstrap/golden/pipeline-role-policies.json so a
 * reviewer sees every action, resource and condition a change adds or removes: these policies
 * are what a pull request (the plan role) and a merge (the deploy role) can do in the account.
 * The test (test/bootstrap/policies.test.ts) only compares; `npm run golden:update` only writes.
 * Like the stacks' goldens they record, they do not specify: what the roles may and may not do
 * is asserted through the IAM evaluator in the role tests.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  PLAN_GUARDRAILS_POLICY_NAME,
  PLAN_READ_POLICY_NAME,
  STATE_POLICY_NAME,
  deployPolicies,
  deployRoleSubjects,
  githubTrustPolicy,
  planGuardrailsPolicy,
  planReadPolicy,
  planRoleSubjects,
  statePolicy,
} from "../../bootstrap/policies";
import { KEY_ARN, settingsFor } from "../bootstrap/helpers";

export const PIPELINE_ROLES_GOLDEN = join(__dirname, "..", "bootstrap", "golden", "pipeline-role-policies.json");

/** One environment with a state key, and one of two regions with S3 managed state keys (the key-less branches and the per-region lists). */
const VARIANTS: Record<string, { regions: string[]; stateKeys: string[] }> = {
  "one region, state key": { regions: ["us-east-1"], stateKeys: [KEY_ARN] },
  "two regions, S3 managed state keys": { regions: ["us-east-1", "eu-west-1"], stateKeys: [] },
};

export function pipelineRolePolicies(): string {
  const recorded = Object.fromEntries(
    Object.entries(VARIANTS).map(([name, { regions, stateKeys }]) => {
      const settings = { ...settingsFor(), regions };
      const deploy = deployPolicies(settings, stateKeys);
      return [
        name,
        {
          plan: {
            trust: githubTrustPolicy(settings, planRoleSubjects(settings)),
            inline: {
              [STATE_POLICY_NAME]: statePolicy(settings, stateKeys, false),
              [PLAN_READ_POLICY_NAME]: planReadPolicy(settings),
              [PLAN_GUARDRAILS_POLICY_NAME]: planGuardrailsPolicy(settings, stateKeys),
            },
          },
          deploy: {
            trust: githubTrustPolicy(settings, deployRoleSubjects(settings)),
            inline: { [STATE_POLICY_NAME]: statePolicy(settings, stateKeys, true), guardrails: deploy.guardrails },
            managed: deploy.managed,
          },
        },
      ];
    }),
  );
  return `${JSON.stringify(recorded, null, 2)}\n`;
}

/** Writes the golden file; true when it changed. */
export function writePipelineRoleGolden(text = pipelineRolePolicies()): boolean {
  if (existsSync(PIPELINE_ROLES_GOLDEN) && readFileSync(PIPELINE_ROLES_GOLDEN, "utf8") === text) return false;
  writeFileSync(PIPELINE_ROLES_GOLDEN, text);
  return true;
}
