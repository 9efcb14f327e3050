import { IAMClient } from "@aws-sdk/client-iam";
import { Outputs, Step } from "../plan";
import {
  DEPLOY_POLICY_NAME,
  PLAN_GUARDRAILS_POLICY_NAME,
  STATE_POLICY_NAME,
  deployPolicy,
  deployRoleSubjects,
  githubTrustPolicy,
  planGuardrailsPolicy,
  planRoleSubjects,
  readOnlyAccessArn,
  statePolicy,
} from "../policies";
import { BootstrapSettings, roleArn } from "../settings";
import { GithubRoleAction, GithubRoleDesired, applyGithubRoleAction, observeGithubRole, planGithubRole } from "./github-role";

/** The plan role: read-only AWS, read state, take locks. Pull requests and drift checks on main. */
export function planRoleDesired(settings: BootstrapSettings, stateKeyArns: readonly string[]): GithubRoleDesired {
  return {
    name: settings.planRoleName,
    description: `terraform plan for ${settings.githubRepo} pull requests and drift checks (${settings.env})`,
    trustPolicy: githubTrustPolicy(settings, planRoleSubjects(settings)),
    inlinePolicies: {
      [STATE_POLICY_NAME]: statePolicy(settings, stateKeyArns, false),
      [PLAN_GUARDRAILS_POLICY_NAME]: planGuardrailsPolicy(settings),
    },
    managedPolicyArns: [readOnlyAccessArn(settings.partition)],
    tags: settings.tags,
  };
}

/** The deploy role: read and write state, manage the stacks' resources. */
export function deployRoleDesired(settings: BootstrapSettings, stateKeyArns: readonly string[]): GithubRoleDesired {
  return {
    name: settings.deployRoleName,
    description: `cdktf deploy from ${settings.githubRepo} (${settings.env})`,
    trustPolicy: githubTrustPolicy(settings, deployRoleSubjects(settings)),
    inlinePolicies: {
      [STATE_POLICY_NAME]: statePolicy(settings, stateKeyArns, true),
      [DEPLOY_POLICY_NAME]: deployPolicy(settings, stateKeyArns),
    },
    managedPolicyArns: [],
    tags: settings.tags,
  };
}

/** A role step; `output` says which output its ARN fills. */
export function githubRoleStep(iam: IAMClient, settings: BootstrapSettings, desired: GithubRoleDesired, output: "planRoleArn" | "deployRoleArn"): Step {
  return {
    title: `${output === "planRoleArn" ? "plan" : "deploy"} role ${desired.name}`,
    async plan() {
      const observed = await observeGithubRole(iam, desired);
      const outputs: Outputs = { [output]: observed?.arn ?? roleArn(settings, desired.name) };
      return { plan: planGithubRole(desired, observed), outputs };
    },
    async applyAction(action) {
      const arn = await applyGithubRoleAction(iam, desired, action as GithubRoleAction);
      return arn ? { [output]: arn } : undefined;
    },
  };
}
