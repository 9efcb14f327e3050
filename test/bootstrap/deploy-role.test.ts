// Enforces SECURITY.md C31 (the table "Enforcing tests" there lists this file).
/**
 * Issue 14 attack 4: the deploy role could make itself administrator. Each test is one way an
 * attacker with a commit on main (or a compromised deploy job) would try to widen the role's
 * reach, evaluated against the role's whole policy set (state policy, the managed allow lists
 * and the inline denies) with audit/iam.ts's IAM evaluator. Environment: production of the
 * repository's cdktf.json (account 111111111111, regions us-east-1 and us-west-2).
 *
 * IAM semantics relied on (Service Authorization Reference, IAM):
 * - iam:PermissionsBoundary is present on CreateRole / PutRolePermissionsBoundary (the boundary
 *   in the request) and on PutRolePolicy, AttachRolePolicy, DetachRolePolicy, DeleteRolePolicy
 *   (the role's current boundary); absent when the role has none.
 * - iam:PolicyARN on AttachRolePolicy / DetachRolePolicy; iam:PassedToService on PassRole.
 * - aws:RequestTag on kms:CreateKey, aws:ResourceTag on key actions; kms:ViaService when a
 *   service calls KMS for the caller.
 * - lambda:InvokeFunction with a qualifier is authorized on `<function arn>:<qualifier>`.
 */
import { Decision, evaluate, IamRequest } from "../../audit/iam";
import {
  DEPLOY_MANAGED_POLICY_PARTS,
  attachablePolicyArns,
  deployManagedPolicyName,
  deployPolicies,
  passableRoles,
  policySize,
  statePolicy,
} from "../../bootstrap/policies";
import { deployRoleDesired } from "../../bootstrap/resources/pipeline-roles";
import { wildcardMatch } from "../../audit/iam";
import { allResources, synthesize } from "../support/synth";
import { EIGHT_REGIONS, FIVE_REGIONS, STATE_KEY, boundaryOf, referenced, roleOf, roleStatements, settingsForEnvironment, stackTarget } from "./pipeline-roles-support";

const output = synthesize();
const settings = settingsForEnvironment(output, "production");
const ACCOUNT = "111111111111";
const role = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const policy = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
const TENANT_BOUNDARY = policy("openclaw-production-us-east-1-tenant-boundary");
const SERVICE_BOUNDARY = policy("openclaw-production-us-east-1-service-boundary");
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";

/**
 * The attacks below run against the role as bootstrap writes it for the repository's production
 * environment (2 regions: four managed policies, every deny inline), and for the same environment
 * grown to 5 regions (identity overflows into identity-2) and to 8 (services and identity
 * overflow, and denies move to a guardrails managed policy): packing must lose no deny and add
 * no allow.
 */
describe.each([
  ["2 regions (cdktf.json)", settings.regions],
  ["5 regions", FIVE_REGIONS],
  ["8 regions", EIGHT_REGIONS],
])("with %s", (_label, regions) => {
  const withRegions = { ...settings, regions: [...regions] };
  const { deploy } = roleStatements(withRegions);
  const decide = (request: IamRequest): Decision["decision"] => evaluate(deploy, request).decision;
  const refused = (request: IamRequest) => expect(decide(request)).not.toBe("allow");
  const allowed = (request: IamRequest) => expect(decide(request)).toBe("allow");

  test("manages the project's dashboards only (they are global: no region in the ARN)", () => {
    for (const action of ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"]) {
      allowed({ action, resource: `arn:aws:cloudwatch::${ACCOUNT}:dashboard/openclaw-tenant-acme` });
      refused({ action, resource: `arn:aws:cloudwatch::${ACCOUNT}:dashboard/team-billing` });
      refused({ action, resource: `arn:aws:cloudwatch::222222222222:dashboard/openclaw-tenant-acme` });
    }
  });

  describe("the deploy role cannot create or widen an unbounded role", () => {
    test.each(["openclaw-production-us-east-1-anything", "openclaw-acme-butler-task", "openclaw-acme-execution", "openclaw-x", "admin"])(
      "CreateRole %s without a permissions boundary is refused",
      (name) => refused({ action: "iam:CreateRole", resource: role(name) }),
    );

    test("CreateRole with a boundary the attacker made (name matching the boundary's pattern) is refused", () => {
      for (const fake of ["openclaw-production-evil-tenant-boundary", "openclaw-production-us-east-1-tenant-boundary-2", "openclaw-staging-us-east-1-tenant-boundary"]) {
        refused({ action: "iam:CreateRole", resource: role("openclaw-production-us-east-1-x"), context: { "iam:PermissionsBoundary": policy(fake) } });
      }
    });

    test("CreateRole is allowed under the boundary made for that role's name", () => {
      allowed({ action: "iam:CreateRole", resource: role("openclaw-acme-butler-task"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY } });
      allowed({ action: "iam:CreateRole", resource: role("openclaw-acme-execution"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY } });
      allowed({ action: "iam:CreateRole", resource: role("openclaw-production-us-east-1-db-provisioner-role"), context: { "iam:PermissionsBoundary": SERVICE_BOUNDARY } });
      allowed({ action: "iam:CreateRole", resource: role("openclaw-production-us-east-1-flow-logs"), context: { "iam:PermissionsBoundary": SERVICE_BOUNDARY } });
    });

    // Issue 24, item 6: the service boundary reads rds!* secrets; a task role made under it
    // would hand that to a tenant's agents.
    test("a tenant role name under the service boundary, or a service role name under the tenant boundary, is refused", () => {
      for (const action of ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]) {
        refused({ action, resource: role("openclaw-acme-butler-task"), context: { "iam:PermissionsBoundary": SERVICE_BOUNDARY } });
        refused({ action, resource: role("openclaw-acme-execution"), context: { "iam:PermissionsBoundary": SERVICE_BOUNDARY } });
        refused({ action, resource: role("openclaw-production-us-east-1-db-provisioner-role"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY } });
      }
      refused({ action: "iam:CreateRole", resource: role("openclaw-anything"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY } });
      refused({ action: "iam:CreateRole", resource: role("openclaw-anything"), context: { "iam:PermissionsBoundary": SERVICE_BOUNDARY } });
    });

    test("the boundary cannot be removed or replaced by another", () => {
      // An explicit deny (RolesNeverLoseTheBoundary, a guardrails managed policy at 8 regions).
      expect(decide({ action: "iam:DeleteRolePermissionsBoundary", resource: role("openclaw-acme-butler-task"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY } })).toBe("deny");
      refused({ action: "iam:PutRolePermissionsBoundary", resource: role("openclaw-acme-butler-task"), context: { "iam:PermissionsBoundary": ADMIN } });
    });

    test("PutRolePolicy only on roles that carry a boundary of the environment", () => {
      refused({ action: "iam:PutRolePolicy", resource: role("openclaw-legacy-unbounded") });
      refused({ action: "iam:PutRolePolicy", resource: role("some-other-team-role"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY } });
      allowed({ action: "iam:PutRolePolicy", resource: role("openclaw-acme-butler-task"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY } });
    });

    test("AdministratorAccess, or any managed policy the stacks do not attach, cannot be attached", () => {
      for (const arn of [ADMIN, "arn:aws:iam::aws:policy/IAMFullAccess", policy("openclaw-production-us-east-1-tenant-boundary"), policy("openclaw-anything")]) {
        refused({ action: "iam:AttachRolePolicy", resource: role("openclaw-acme-butler-task"), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY, "iam:PolicyARN": arn } });
      }
      allowed({
        action: "iam:AttachRolePolicy",
        resource: role("openclaw-production-us-east-1-db-rds-monitoring"),
        context: { "iam:PermissionsBoundary": SERVICE_BOUNDARY, "iam:PolicyARN": attachablePolicyArns("aws")[0] },
      });
    });

    test("its own roles, managed policies and the OIDC provider are out of reach", () => {
      // Every part of this layout, and the names later overflow parts would take.
      const parts = [...(deployRoleDesired(withRegions, [STATE_KEY]).ownedPolicies ?? []).map((p) => p.name), ...["identity-9", "guardrails-3"].map((part) => deployManagedPolicyName(settings, part))];
      expect(parts.length).toBeGreaterThanOrEqual(DEPLOY_MANAGED_POLICY_PARTS.length + 2);
      for (const name of parts) {
        for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DetachRolePolicy"]) {
          refused({ action, resource: policy(name) });
        }
        refused({ action: "iam:DetachRolePolicy", resource: role(settings.deployRoleName), context: { "iam:PolicyARN": policy(name), "iam:PermissionsBoundary": TENANT_BOUNDARY } });
      }
      for (const name of [settings.deployRoleName, settings.planRoleName]) {
        for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary"]) {
          refused({ action, resource: role(name), context: { "iam:PermissionsBoundary": TENANT_BOUNDARY, "iam:PolicyARN": attachablePolicyArns("aws")[0] } });
        }
      }
    });
  });

  describe("the deploy role cannot run code as another role", () => {
    const passTo = (name: string, service: string) => ({ action: "iam:PassRole", resource: role(name), context: { "iam:PassedToService": service } });

    test("no role goes to Lambda except the provisioner's own role", () => {
      refused(passTo("openclaw-acme-butler-task", "lambda.amazonaws.com"));
      refused(passTo("openclaw-production-us-east-1-flow-logs", "lambda.amazonaws.com"));
      refused(passTo("openclaw-anything", "lambda.amazonaws.com"));
      allowed(passTo("openclaw-production-us-east-1-db-provisioner-role", "lambda.amazonaws.com"));
    });

    test("no role goes to a service that does not run it (EC2, CodeBuild, Glue...)", () => {
      for (const service of ["ec2.amazonaws.com", "codebuild.amazonaws.com", "glue.amazonaws.com", "states.amazonaws.com"]) {
        refused(passTo("openclaw-acme-butler-task", service));
        refused(passTo("openclaw-production-us-east-1-db-provisioner-role", service));
      }
    });

    test("tenant B's task role reaches ECS only through a task definition: RunTask, StartTask and ECS Exec are refused", () => {
      const cluster = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/openclaw-production-us-east-1-agents`;
      const taskDefinition = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/globex-butler:3`;
      refused({ action: "ecs:RunTask", resource: taskDefinition });
      refused({ action: "ecs:StartTask", resource: taskDefinition });
      refused({ action: "ecs:ExecuteCommand", resource: cluster });
      refused({ action: "ssm:StartSession", resource: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/openclaw-production-us-east-1-agents/abc` });
    });

    test("cannot become a tenant role, even after rewriting its trust policy to name the deploy role", () => {
      allowed({ action: "iam:UpdateAssumeRolePolicy", resource: role("openclaw-globex-butler-task") });
      // A same-account trust policy naming the caller allows by itself: only an explicit deny stops it.
      expect(decide({ action: "sts:AssumeRole", resource: role("openclaw-globex-butler-task") })).toBe("deny");
      expect(decide({ action: "sts:TagSession", resource: role("openclaw-globex-butler-task") })).toBe("deny");
    });

    test("invokes no Lambda function but the provisioner", () => {
      refused({ action: "lambda:InvokeFunction", resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:some-other-function` });
      refused({ action: "lambda:InvokeFunction", resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:openclaw-production-us-east-1-evil` });
      refused({ action: "lambda:InvokeAsync", resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:openclaw-production-us-east-1-db-provisioner` });
      allowed({ action: "lambda:InvokeFunction", resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:openclaw-production-us-east-1-db-provisioner:$LATEST` });
    });

    test("manages no function outside the project's openclaw-<env>- names", () => {
      refused({ action: "lambda:UpdateFunctionCode", resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:payroll` });
      refused({ action: "lambda:CreateFunction", resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:openclaw-staging-us-east-1-x` });
    });
  });

  describe("the deploy role uses KMS only on the project's keys", () => {
    const otherKey = `arn:aws:kms:us-east-1:${ACCOUNT}:key/99999999-8888-7777-6666-555555555555`;
    const project = { "aws:ResourceTag/ManagedBy": "openclaw-infra" };

    test.each(["kms:DescribeKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:TagResource"])(
      "%s on a key without the project's tag is refused",
      (action) => refused({ action, resource: otherKey, context: { "aws:ResourceTag/ManagedBy": "someone-else" } }),
    );

    test("a key another owner tagged cannot be re-tagged into the project", () => {
      const foreign = { "aws:ResourceTag/ManagedBy": "payments-team", "aws:RequestTag/ManagedBy": "openclaw-infra", "aws:TagKeys": ["ManagedBy"] };
      refused({ action: "kms:TagResource", resource: otherKey, context: foreign });
      refused({ action: "kms:UntagResource", resource: otherKey, context: { ...foreign, "aws:TagKeys": ["ManagedBy"] } });
    });

    test("a key is created only with the project's tag in the request", () => {
      refused({ action: "kms:CreateKey", resource: "*" });
      refused({ action: "kms:CreateKey", resource: "*", context: { "aws:RequestTag/ManagedBy": "attacker" } });
      allowed({ action: "kms:CreateKey", resource: "*", context: { "aws:RequestTag/ManagedBy": "openclaw-infra" } });
      // KMS authorizes the tags of CreateKey as kms:TagResource on the new key (no tags yet).
      allowed({ action: "kms:TagResource", resource: otherKey, context: { "aws:RequestTag/ManagedBy": "openclaw-infra" } });
    });

    test("project keys decrypt only through RDS and Secrets Manager, never directly (no ciphertext reads)", () => {
      refused({ action: "kms:Decrypt", resource: otherKey, context: project });
      allowed({ action: "kms:Decrypt", resource: otherKey, context: { ...project, "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } });
      refused({ action: "kms:Decrypt", resource: otherKey, context: { ...project, "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
    });

    test("aliases only under alias/openclaw/", () => {
      refused({ action: "kms:CreateAlias", resource: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/s3`, context: project });
      refused({ action: "kms:UpdateAlias", resource: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/payments`, context: project });
    });

    test("the state key can be neither deleted, disabled, re-policied nor granted", () => {
      for (const action of ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CreateGrant"]) {
        refused({ action, resource: STATE_KEY, context: project });
      }
    });
  });

  describe("the deploy role keeps its data guardrails", () => {
    test("no object reads or writes outside the state bucket but offboarding's (test/bootstrap/offboard-role.test.ts), and version deletion only in tenant buckets", () => {
      const tenantBucket = `arn:aws:s3:::openclaw-acme-${ACCOUNT}-us-east-1`;
      for (const bucket of ["arn:aws:s3:::payroll", `arn:aws:s3:::openclaw-${ACCOUNT}-production-us-east-1-platform-logs`]) {
        for (const action of ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]) expect(decide({ action, resource: `${bucket}/memory.json` })).toBe("deny");
      }
      // Offboarding reads tenant objects' metadata and empties the bucket; it never writes one.
      refused({ action: "s3:PutObject", resource: `${tenantBucket}/memory.json` });
      allowed({ action: "s3:DeleteObjectVersion", resource: `${tenantBucket}/memory.json` });
      refused({ action: "s3:DeleteObjectVersion", resource: `arn:aws:s3:::${settings.stateBucket}/tenants/acme.tfstate` });
      refused({ action: "s3:DeleteObjectVersion", resource: "arn:aws:s3:::someone-elses-bucket/x" });
      // The offboarding archive matches the tenant-bucket pattern; what it keeps stays.
      for (const archive of [`openclaw-offboarding-${ACCOUNT}-us-east-1`, `openclaw-${ACCOUNT}-production-us-east-1-archive`]) {
        expect(decide({ action: "s3:DeleteObjectVersion", resource: `arn:aws:s3:::${archive}/database-exports/acme/x` })).toBe("deny");
      }
    });

    test.each(["logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "rds:DownloadDBLogFilePortion", "pi:GetResourceMetrics", "ecr:BatchGetImage"])(
      "no tenant data through %s (explicit deny, like the plan role)",
      (action) => expect(decide({ action, resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/openclaw/production/acme:*` })).toBe("deny"),
    );

    test("no secret values, read or written", () => {
      refused({ action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:/openclaw/production/acme/gmail-AbCdEf` });
      refused({ action: "secretsmanager:PutSecretValue", resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:/openclaw/production/acme/gmail-AbCdEf` });
    });

    test("the state bucket and lock table cannot be weakened", () => {
      refused({ action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::${settings.stateBucket}` });
      refused({ action: "s3:DeleteBucket", resource: `arn:aws:s3:::${settings.stateBucket}` });
      refused({ action: "dynamodb:DeleteTable", resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${settings.lockTable}` });
    });
  });
});

describe("what the synthesized stacks need from IAM", () => {
  const resources = allResources(output);
  const rolesByEnv = new Map(Object.keys(output.config.environments).map((env) => [env, roleStatements(settingsForEnvironment(output, env)).deploy]));

  test("every role the stacks create carries one of its environment's boundaries", () => {
    const problems: string[] = [];
    for (const r of resources.filter((x) => x.type === "aws_iam_role")) {
      const boundary = boundaryOf(output, r.stack, r.config);
      if (!boundary) problems.push(`${r.address}: no permissions_boundary the deploy role accepts (${r.config.permissions_boundary})`);
      const { env, accountId } = stackTarget(output, r.stack);
      if (evaluate(rolesByEnv.get(env)!, { action: "iam:CreateRole", resource: role(r.config.name, accountId), context: boundary ? { "iam:PermissionsBoundary": boundary } : {} }).decision !== "allow") {
        problems.push(`${r.address}: CreateRole refused`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every managed policy the stacks attach is on the deploy role's list", () => {
    const attachments = resources.filter((r) => r.type === "aws_iam_role_policy_attachment");
    expect(attachments.length).toBeGreaterThan(0);
    const unlisted = attachments
      .map((r) => {
        // A customer managed policy of the stack is referenced, not spelled out.
        const target = referenced(output, r.stack, r.config.policy_arn);
        const arn = target?.type === "aws_iam_policy" ? policy(target.config.name) : (r.config.policy_arn as string);
        return { address: r.address, arn };
      })
      .filter(({ arn }) => !attachablePolicyArns("aws").includes(arn.replace(/::\d{12}:/, `::${ACCOUNT}:`)))
      .map(({ address, arn }) => `${address}: ${arn} (add it to attachablePolicyArns in bootstrap/policies.ts if the stacks really need it)`);
    expect(unlisted).toEqual([]);
  });

  /** Where the stacks hand a role to a service: attribute → the service that assumes it. */
  const PASSES: Record<string, Record<string, string>> = {
    aws_ecs_task_definition: { execution_role_arn: "ecs-tasks.amazonaws.com", task_role_arn: "ecs-tasks.amazonaws.com" },
    aws_lambda_function: { role: "lambda.amazonaws.com" },
    aws_flow_log: { iam_role_arn: "vpc-flow-logs.amazonaws.com" },
    aws_db_instance: { monitoring_role_arn: "monitoring.rds.amazonaws.com" },
    aws_budgets_budget_action: { execution_role_arn: "budgets.amazonaws.com" },
  };

  test("every role a stack passes is passable, to exactly the service that uses it", () => {
    const problems: string[] = [];
    let passes = 0;
    for (const r of resources.filter((x) => x.type in PASSES)) {
      const { env, accountId } = stackTarget(output, r.stack);
      for (const [attribute, service] of Object.entries(PASSES[r.type])) {
        if (r.config[attribute] === undefined) continue;
        const passed = roleOf(output, r.stack, r.config[attribute]);
        if (!passed) {
          problems.push(`${r.address}.${attribute}: not a role of this stack (${r.config[attribute]})`);
          continue;
        }
        passes++;
        const request = { action: "iam:PassRole", resource: role(passed.name, accountId), context: { "iam:PassedToService": service } };
        if (evaluate(rolesByEnv.get(env)!, request).decision !== "allow") problems.push(`${r.address}: PassRole ${passed.name} to ${service} refused`);
        // A role may go to every service of every group naming it (the execution role: ECS and Budgets).
        const groups = passableRoles(settingsForEnvironment(output, env));
        const own = groups
          .filter((p) => p.roleNames.some((pattern) => wildcardMatch(pattern, passed.name)))
          .flatMap((p) => p.services);
        for (const other of groups.flatMap((p) => p.services).filter((s) => !own.includes(s))) {
          if (evaluate(rolesByEnv.get(env)!, { ...request, context: { "iam:PassedToService": other } }).decision === "allow") {
            problems.push(`${r.address}: ${passed.name} could also be passed to ${other}`);
          }
        }
      }
    }
    expect(passes).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test("the provisioner each tenant invokes is the one function the deploy role may invoke", () => {
    for (const r of resources.filter((x) => x.type === "aws_lambda_invocation")) {
      const target = referenced(output, r.stack, r.config.function_name);
      expect(target && ["aws_lambda_function", "data.aws_ssm_parameter"].includes(target.type)).toBe(true);
      const { region } = stackTarget(output, r.stack);
      if (target?.type === "aws_lambda_function") expect(target.config.function_name).toBe(`openclaw-production-${region}-db-provisioner`.replace("production", stackTarget(output, r.stack).env));
    }
  });

  test("the boundary patterns in the policy match the names the stacks give the boundaries", () => {
    const names = resources.filter((r) => r.type === "aws_iam_policy" && String(r.config.name).endsWith("-boundary")).map((r) => policy(r.config.name));
    const production = names.filter((n) => n.includes("-production-"));
    expect(production.sort()).toEqual(
      ["us-east-1", "us-west-2"].flatMap((region) => [policy(`openclaw-production-${region}-service-boundary`), policy(`openclaw-production-${region}-tenant-boundary`)]).sort(),
    );
    expect(production.every((arn) => wildcardMatch(`arn:aws:iam::${ACCOUNT}:policy/openclaw-*`, arn))).toBe(true);
  });
});

describe("policy size", () => {
  // IAM quotas: 6,144 characters per managed policy, 10,240 for all inline policies of a role,
  // whitespace not counted; 10 managed policies per role by default.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
  const desired = deployRoleDesired(settings, [STATE_KEY, STATE_KEY.replace("1111", "9999")]);

  test("each of the deploy role's managed policies fits 6,144 characters", () => {
    const sizes = Object.fromEntries((desired.ownedPolicies ?? []).map((p) => [p.name, policySize(p.document)]));
    expect(Object.values(sizes).every((n) => n <= 6144)).toBe(true);
    expect(Object.keys(sizes)).toHaveLength(DEPLOY_MANAGED_POLICY_PARTS.length);
  });

  test("its inline policies together fit 10,240 characters, and it has at most 10 managed policies", () => {
    const inline = Object.values(desired.inlinePolicies).reduce((sum, d) => sum + policySize(d), 0);
    expect(inline).toBeLessThanOrEqual(10240);
    expect(desired.managedPolicyArns.length).toBeLessThanOrEqual(10);
  });

  test.each(EIGHT_REGIONS.map((_r, i) => i + 1))("with %i region(s), every IAM quota holds: each managed policy <= 6,144, inline total <= 10,240, <= 10 attached", (count) => {
    const wide = deployRoleDesired({ ...settings, regions: EIGHT_REGIONS.slice(0, count) }, [STATE_KEY, STATE_KEY.replace("1111", "9999")]);
    const over = (wide.ownedPolicies ?? []).map((p) => ({ name: p.name, size: policySize(p.document) })).filter((p) => p.size > 6144);
    expect(over).toEqual([]);
    expect(Object.values(wide.inlinePolicies).reduce((sum, d) => sum + policySize(d), 0)).toBeLessThanOrEqual(10240);
    expect(wide.managedPolicyArns.length).toBeLessThanOrEqual(10);
  });

  test("the sizes hold for an environment with four regions (each adds boundary, role and function ARNs)", () => {
    const wide = { ...settings, regions: ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"] };
    const policies = deployPolicies(wide, [STATE_KEY]);
    for (const document of Object.values(policies.managed)) expect(policySize(document)).toBeLessThanOrEqual(6144);
    expect(policySize(policies.guardrails) + policySize(statePolicy(wide, [STATE_KEY], true))).toBeLessThanOrEqual(10240);
  });
});
