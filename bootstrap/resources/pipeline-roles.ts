import { IAMClient } from "@aws-sdk/client-iam";
import { Outputs, Step } from "../plan";
import {
  DEPLOY_POLICY_NAME,
  PLAN_GUARDRAILS_POLICY_NAME,
  PLAN_READ_POLICY_NAME,
  STATE_POLICY_NAME,
  deployManagedPolicyName,
  deployManagedPolicyNamePattern,
  deployPolicies,
  deployRoleSubjects,
  githubTrustPolicy,
  planGuardrailsPolicy,
  planReadPolicy,
  planRoleSubjects,
  statePolicy,
} from "../policies";
import { BootstrapSettings, roleArn } from "../settings";
import { GithubRoleAction, GithubRoleDesired, OwnedPolicy, applyGithubRoleAction, observeGithubRole, planGithubRole } from "./github-role";

/**
 * AWS's ReadOnlyAccess, which earlier bootstrap versions attached to the plan role: it reads
 * data (logs, RDS log files, images), so a run that finds it attached detaches it.
 */
function readOnlyAccessArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/ReadOnlyAccess`;
}

/** The plan role: what refresh reads, the state, no locks. Pull requests and drift checks on main. */
export function planRoleDesired(settings: BootstrapSettings, stateKeyArns: readonly string[]): GithubRoleDesired {
  return {
    name: settings.planRoleName,
    description: `terraform plan for ${settings.githubRepo} pull requests and drift checks (${settings.env})`,
    trustPolicy: githubTrustPolicy(settings, planRoleSubjects(settings)),
    inlinePolicies: {
      [STATE_POLICY_NAME]: statePolicy(settings, stateKeyArns, false),
      [PLAN_READ_POLICY_NAME]: planReadPolicy(settings),
      [PLAN_GUARDRAILS_POLICY_NAME]: planGuardrailsPolicy(settings, stateKeyArns),
    },
    managedPolicyArns: [],
    retiredManagedPolicyArns: [readOnlyAccessArn(settings.partition)],
    tags: settings.tags,
  };
}

/** The deploy role: read and write state, manage the stacks' resources. */
export function deployRoleDesired(settings: BootstrapSettings, stateKeyArns: readonly string[]): GithubRoleDesired {
  const policies = deployPolicies(settings, stateKeyArns);
  // As many parts as the environment's regions need (bootstrap/policy-packing.ts).
  const ownedPolicies: OwnedPolicy[] = Object.entries(policies.managed).map(([part, document]) => {
    const name = deployManagedPolicyName(settings, part);
    return {
      name,
      arn: `arn:${settings.partition}:iam::${settings.accountId}:policy/${name}`,
      description: `cdktf deploy from ${settings.githubRepo} (${settings.env}): ${part}`,
      document,
    };
  });
  return {
    name: settings.deployRoleName,
    description: `cdktf deploy from ${settings.githubRepo} (${settings.env})`,
    trustPolicy: githubTrustPolicy(settings, deployRoleSubjects(settings)),
    inlinePolicies: {
      [STATE_POLICY_NAME]: statePolicy(settings, stateKeyArns, true),
      [DEPLOY_POLICY_NAME]: policies.guardrails,
    },
    managedPolicyArns: ownedPolicies.map((p) => p.arn),
    ownedPolicies,
    ownedPolicyNamePattern: deployManagedPolicyNamePattern(settings),
    tags: settings.tags,
  };
}

/**
 * Checks, before bootstrap calls AWS, that the deploy role of this environment fits IAM's
 * quotas (bootstrap/policy-packing.ts): throws PolicyQuotaError otherwise. The state key ARNs
 * are only known later; the check uses two of the same length (a dedicated key and one the
 * bucket already uses), the most a run grants.
 */
export function assertDeployRoleFitsQuotas(settings: BootstrapSettings): void {
  const placeholderKey = (n: number) => `arn:${settings.partition}:kms:${settings.region}:${settings.accountId}:key/0000000${n}-0000-0000-0000-000000000000`;
  deployRoleDesired(settings, [placeholderKey(1), placeholderKey(2)]);
}

const ROLE_TITLES = { planRoleArn: "plan", deployRoleArn: "deploy", imagePushRoleArn: "image push", imageVerifyRoleArn: "image verify", offboardingEvidenceRoleArn: "offboarding evidence" } as const;

/** A role step; `output` says which output its ARN fills. */
export function githubRoleStep(iam: IAMClient, settings: BootstrapSettings, desired: GithubRoleDesired, output: keyof typeof ROLE_TITLES): Step {
  return {
    title: `${ROLE_TITLES[output]} role ${desired.name}`,
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
