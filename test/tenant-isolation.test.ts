// Enforces SECURITY.md C5, C6, C7, C8, C9, C12, C13, C14, C26, C35 (the table "Enforcing tests" there lists this file).
/**
 * Isolation invariants over every tenant stack of the example tenants: what one tenant's
 * infrastructure can reach, expose or run. Each test lists every offending address.
 */
import { allResources, asArray, parsePolicy, synthesize, SynthesizedResource } from "./support/synth";
import { nonEmpty } from "./support/non-empty";
import { BEDROCK_MODELS } from "../config/bedrock-models";
import { isAllowed, parseStatements, substituteVariables, type Statement } from "../audit/iam";

const output = synthesize();
// Every list a test below runs over is non-empty, or the test fails: on a fleet without tenants
// these tests used to pass (mutation tried: an empty tenants directory; 32 of 33 passed).
const tenantIds = nonEmpty(output.config.tenants.map((t) => t.id), "tenants");
const tenantResources = nonEmpty(allResources(output).filter((r) => r.stack.startsWith("tenant-")), "tenant stack resources");
const ofType = (type: string) => nonEmpty(tenantResources.filter((r) => r.type === type), `${type} in tenant stacks`);
const tenantOf = (r: SynthesizedResource) => r.stack.replace(/^tenant-/, "");
/** How a tenant stack reads one field of the platform contract (modules/platform-contract.ts). */
const contractField = (stack: string, field: string) => {
  const [source] = Object.keys(output.stacks[stack].data.aws_ssm_parameter);
  return `\${jsondecode(data.aws_ssm_parameter.${source}.insecure_value).${field}}`;
};

/** Whether a role's own policies allow a request, as IAM evaluates them (audit/iam.ts); an undefined key is absent from the request. */
const canDo = (statements: Statement[], action: string, resource: string, context: Record<string, string | undefined> = {}) =>
  isAllowed(statements, { action, resource, context: Object.fromEntries(Object.entries(context).filter((entry): entry is [string, string] => entry[1] !== undefined)) });

/** Every IAM statement in tenant stacks: role policies, bucket policies, key policies. */
function statements(): Array<{ address: string; tenant: string; statement: Record<string, any> }> {
  const result: Array<{ address: string; tenant: string; statement: Record<string, any> }> = [];
  for (const [type, attribute] of [
    ["aws_iam_role_policy", "policy"],
    ["aws_s3_bucket_policy", "policy"],
    ["aws_kms_key", "policy"],
    ["aws_iam_role", "assume_role_policy"],
  ]) {
    for (const r of ofType(type)) {
      for (const statement of parsePolicy(r.config[attribute]).Statement) result.push({ address: r.address, tenant: tenantOf(r), statement });
    }
  }
  return nonEmpty(result, "IAM statements in tenant stacks");
}

describe("tenant network isolation", () => {
  it("creates no ingress rule at all in any tenant stack", () => {
    const ingress = tenantResources.filter(
      (r) => r.type === "aws_vpc_security_group_ingress_rule" || r.type === "aws_security_group_rule" || (r.type === "aws_security_group" && r.config.ingress?.length),
    );
    expect(ingress.map((r) => r.address)).toEqual([]);
  });

  it("adds rules only to security groups the tenant stack itself owns", () => {
    const foreign = tenantResources
      .filter((r) => r.type.startsWith("aws_vpc_security_group_") && r.type.endsWith("_rule"))
      .filter((r) => !/^\$\{aws_security_group\.[^.]+\.id\}$/.test(r.config.security_group_id));
    expect(foreign.map((r) => r.address)).toEqual([]);
  });

  it("runs every service in private subnets without a public IP, with the tenant group and db-clients", () => {
    const problems = ofType("aws_ecs_service")
      .filter((r) => {
        const network = r.config.network_configuration;
        const groups: string[] = network?.security_groups ?? [];
        return (
          network?.assign_public_ip !== false ||
          groups.length !== 2 ||
          !groups.some((g) => g.startsWith("${aws_security_group.")) ||
          !groups.some((g) => g === contractField(r.stack, "databaseClientsSecurityGroupId"))
        );
      })
      .map((r) => r.address);
    expect(problems).toEqual([]);
  });
});

describe("tenant buckets", () => {
  const buckets = ofType("aws_s3_bucket");
  const bucketRefs = (type: string) => ofType(type).map((r) => `${r.stack}:${r.config.bucket}`);
  const refOf = (bucket: SynthesizedResource) => `${bucket.stack}:\${aws_s3_bucket.${bucket.address.split(".").pop()}.id}`;

  it("each stack has exactly one dedicated bucket", () => {
    expect(buckets.map((b) => b.stack).sort()).toEqual(tenantIds.map((id) => `tenant-${id}`));
  });

  it("versions every bucket", () => {
    const versioned = new Set(ofType("aws_s3_bucket_versioning").filter((r) => r.config.versioning_configuration.status === "Enabled").map((r) => `${r.stack}:${r.config.bucket}`));
    expect(buckets.filter((b) => !versioned.has(refOf(b))).map((b) => b.address)).toEqual([]);
  });

  it("blocks all four kinds of public access on every bucket", () => {
    const blocked = new Set(
      ofType("aws_s3_bucket_public_access_block")
        .filter((r) => ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => r.config[k] === true))
        .map((r) => `${r.stack}:${r.config.bucket}`),
    );
    expect(buckets.filter((b) => !blocked.has(refOf(b))).map((b) => b.address)).toEqual([]);
  });

  it("denies non-TLS access and principals of other tenants in every bucket policy", () => {
    const problems: string[] = [];
    for (const bucket of buckets) {
      const policy = ofType("aws_s3_bucket_policy").find((p) => `${p.stack}:${p.config.bucket}` === refOf(bucket));
      if (!policy) {
        problems.push(`${bucket.address}: no bucket policy`);
        continue;
      }
      const denies = parsePolicy(policy.config.policy).Statement.filter((s) => s.Effect === "Deny" && s.Principal === "*");
      if (!denies.some((s) => s.Condition?.Bool?.["aws:SecureTransport"] === "false")) problems.push(`${bucket.address}: allows plain HTTP`);
      if (!denies.some((s) => s.Condition?.StringNotEquals?.["aws:PrincipalTag/tenant_id"] === tenantOf(bucket))) problems.push(`${bucket.address}: no ABAC deny`);
    }
    expect(problems).toEqual([]);
    expect(bucketRefs("aws_s3_bucket_policy")).toHaveLength(buckets.length);
  });

  it("expires old versions of every bucket", () => {
    const withLifecycle = new Set(
      ofType("aws_s3_bucket_lifecycle_configuration")
        .filter((r) => r.config.rule.some((rule: any) => rule.status === "Enabled" && rule.noncurrent_version_expiration))
        .map((r) => `${r.stack}:${r.config.bucket}`),
    );
    expect(buckets.filter((b) => !withLifecycle.has(refOf(b))).map((b) => b.address)).toEqual([]);
  });
});

describe("tenant task definitions", () => {
  const containers = ofType("aws_ecs_task_definition").flatMap((r) =>
    (JSON.parse(r.config.container_definitions) as Array<Record<string, any>>).map((c) => ({ address: r.address, tenant: tenantOf(r), container: c })),
  );

  // The tracing collector (#29) is a second container where the environment traces.
  const agentContainers = containers.filter(({ container }) => container.name === "agent");

  it("exist for every agent of every tenant", () => {
    const expected = output.config.tenants.reduce((n, t) => n + Object.keys(t.agents).length, 0);
    expect(agentContainers).toHaveLength(expected);
    expect(containers.filter(({ container }) => !["agent", "tracing"].includes(container.name)).map((c) => c.address)).toEqual([]);
  });

  it("run as a non-root user", () => {
    const root = containers.filter(({ container }) => !container.user || /^(0|root)(:|$)/.test(container.user));
    expect(root.map((c) => c.address)).toEqual([]);
  });

  it("have a read-only root filesystem and are never privileged", () => {
    const weak = containers.filter(({ container }) => container.readonlyRootFilesystem !== true || container.privileged === true);
    expect(weak.map((c) => c.address)).toEqual([]);
  });

  it("drop every Linux capability and run an init process for ECS Exec", () => {
    const weak = containers.filter(
      ({ container }) => JSON.stringify(container.linuxParameters?.capabilities?.drop) !== '["ALL"]' || container.linuxParameters?.initProcessEnabled !== true,
    );
    expect(weak.map((c) => c.address)).toEqual([]);
  });

  it("take credentials only as Secrets Manager references, never as plain values", () => {
    const leaks = containers.filter(({ container }) =>
      (container.environment ?? []).some((e: { name: string; value: string }) => /SECRET|PASSWORD|TOKEN|CREDENTIAL|KEY/i.test(e.name)),
    );
    const badRefs = containers.filter(({ container }) =>
      (container.secrets ?? []).some((s: { valueFrom: string }) => !/^\$\{aws_secretsmanager_secret\.[^.]+\.arn\}(:[A-Za-z]+::)?$/.test(s.valueFrom)),
    );
    expect([...leaks, ...badRefs].map((c) => c.address)).toEqual([]);
  });

  it("log to the tenant's own log group and carry TENANT_ID and AGENT", () => {
    const problems = containers.filter(({ container, tenant }) => {
      const env = Object.fromEntries((container.environment ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
      return (
        container.logConfiguration?.logDriver !== "awslogs" ||
        !/^\$\{aws_cloudwatch_log_group\./.test(container.logConfiguration.options["awslogs-group"]) ||
        (container.name === "agent" && (env.TENANT_ID !== tenant || !env.AGENT))
      );
    });
    expect(problems.map((c) => c.address)).toEqual([]);
  });

  it("start only after the tenant's database role has been provisioned", () => {
    const early = ofType("aws_ecs_service").filter((r) => !(r.config.depends_on ?? []).some((d: string) => d.startsWith("aws_lambda_invocation.")));
    expect(early.map((r) => r.address)).toEqual([]);
  });

  it("scale every agent of a suspended tenant to zero", () => {
    const suspended = output.config.tenants.filter((t) => t.status === "suspended").map((t) => `tenant-${t.id}`);
    expect(suspended.length).toBeGreaterThan(0);
    const running = ofType("aws_ecs_service").filter((r) => suspended.includes(r.stack) && r.config.desired_count !== 0);
    expect(running.map((r) => r.address)).toEqual([]);
  });
});

describe("tenant IAM", () => {
  const DATA_SERVICES = /^(s3|secretsmanager|kms):/;

  it("never grants S3, Secrets Manager or KMS data actions on * without a condition", () => {
    const broad = statements().filter(({ statement, address }) => {
      if (statement.Effect !== "Allow" || statement.Condition) return false;
      // In a key policy, "*" means the key itself.
      if (address.includes(":aws_kms_key.")) return false;
      const actions = asArray<string>(statement.Action);
      return actions.some((a) => DATA_SERVICES.test(a) || a === "*") && asArray<string>(statement.Resource).some((r) => r === "*" || r.endsWith(":*"));
    });
    expect(broad.map((b) => `${b.address} ${b.statement.Sid ?? ""}`)).toEqual([]);
  });

  it("never names another tenant anywhere in a tenant stack", () => {
    const problems: string[] = [];
    for (const id of tenantIds) {
      const text = output.texts[`tenant-${id}`];
      for (const other of tenantIds.filter((o) => o !== id)) {
        if (new RegExp(`(^|[^a-z0-9-])${other}([^a-z0-9-]|$)`).test(text)) problems.push(`tenant-${id} mentions ${other}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("scopes every allowed resource to this tenant's own ARNs or the platform's shared ones", () => {
    const problems: string[] = [];
    for (const { address, tenant, statement } of statements()) {
      if (statement.Effect !== "Allow" || address.includes(":aws_kms_key.") || address.includes(":aws_iam_role.")) continue;
      for (const resource of asArray<string>(statement.Resource)) {
        const own =
          resource.startsWith("${aws_") || // a resource of this very stack
          /^\$\{jsondecode\(data\.aws_ssm_parameter\.platform_contract_[0-9A-F]{8}\.insecure_value\)\.[A-Za-z]+\}/.test(resource) || // a platform resource from the contract
          resource === "*" || // only for actions without resource-level permissions, checked above
          resource.startsWith(`arn:aws:bedrock:`) ||
          (statement.Action === "logs:DescribeLogGroups" && /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:\*$/.test(resource)) || // lists names only; no narrower resource exists
          resource.includes(`:dbuser:`) && resource.endsWith(`/tenant_${tenant.replace(/-/g, "_")}`);
        if (!own) problems.push(`${address} ${statement.Sid}: ${resource}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("bounds every tenant role with the platform permissions boundary and tags it with the tenant", () => {
    const problems = ofType("aws_iam_role").filter(
      (r) => r.config.permissions_boundary !== contractField(r.stack, "permissionsBoundaryArn") || r.config.tags?.tenant_id !== tenantOf(r),
    );
    expect(problems.map((r) => r.address)).toEqual([]);
  });

  it("lets only ECS tasks of this account assume tenant roles, and AWS Budgets the execution role for the spend stop", () => {
    const problems = ofType("aws_iam_role").filter((r) => {
      const [statement, ...rest] = parsePolicy(r.config.assume_role_policy).Statement;
      const account = output.config.environments[output.stacks[r.stack].provider.aws[0].default_tags[0].tags.Environment].accountId;
      const budgets = rest.length === 1 && r.config.name.endsWith("-execution") ? rest[0] : undefined;
      return (
        rest.length > (budgets ? 1 : 0) ||
        statement.Principal?.Service !== "ecs-tasks.amazonaws.com" ||
        statement.Condition?.StringEquals?.["aws:SourceAccount"] !== account ||
        (budgets &&
          (budgets.Principal?.Service !== "budgets.amazonaws.com" ||
            budgets.Condition?.StringEquals?.["aws:SourceAccount"] !== account ||
            !asArray<string>(budgets.Condition?.ArnLike?.["aws:SourceArn"]).every((arn) => arn.startsWith(`arn:aws:budgets::${account}:budget/openclaw-`))))
      );
    });
    expect(problems.map((r) => r.address)).toEqual([]);
  });

  it("uses 1 + (number of agents) roles per tenant", () => {
    const problems = output.config.tenants
      .filter((t) => ofType("aws_iam_role").filter((r) => tenantOf(r) === t.id).length !== 1 + Object.keys(t.agents).length)
      .map((t) => t.id);
    expect(problems).toEqual([]);
  });

  describe("Bedrock: a task role reaches a foundation model only through its own tenant's inference profiles", () => {
    // Policy evaluation with audit/iam.ts over the synthesized task policies and the boundary.
    const REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "ap-south-1"];
    const KNOWN = Object.keys(BEDROCK_MODELS);
    const boundaryOf = (tenantStack: string) => {
      const { environment, region } = output.config.tenants.find((t) => `tenant-${t.id}` === tenantStack)!;
      const boundary = allResources(output).find((p) => p.type === "aws_iam_policy" && p.stack === `platform-${environment}-${region}` && p.address.includes("tenant-boundary"))!;
      return parseStatements(substituteVariables(boundary.config.policy, { "aws:PrincipalTag/tenant_id": tenantStack.slice("tenant-".length) }));
    };
    const taskPolicies = () => ofType("aws_iam_role_policy").filter((p) => p.address.includes("-task-policy"));
    const invoke = "bedrock:InvokeModel";
    const fm = (region: string, model: string) => `arn:aws:bedrock:${region}::foundation-model/${model}`;
    const profilesOf = (stack: string) => ofType("aws_bedrock_inference_profile").filter((p) => p.stack === stack);

    it("creates one tagged application inference profile per model the tenant file lists", () => {
      const problems = output.config.tenants.flatMap((t) => {
        const profiles = profilesOf(`tenant-${t.id}`);
        const copied = profiles.map((p) => p.config.model_source[0].copy_from.split("/").pop().replace(/^(us|eu|apac|global)\./, ""));
        return [
          ...(JSON.stringify(copied.sort()) === JSON.stringify([...t.bedrockModels].sort()) ? [] : [`${t.id}: profiles copy ${copied.join(", ")}`]),
          ...profiles.filter((p) => p.config.tags?.TenantID !== t.id).map((p) => `${p.address}: not tagged TenantID=${t.id}`),
        ];
      });
      expect(problems).toEqual([]);
    });

    it("never lets a task role invoke a foundation model directly or through anything but its own profiles", () => {
      const problems: string[] = [];
      for (const policy of taskPolicies()) {
        const statements = parseStatements(policy.config.policy);
        const boundary = boundaryOf(policy.stack);
        const own = profilesOf(policy.stack).map((p) => `\${aws_bedrock_inference_profile.${p.address.split(".").pop()}.arn}`);
        const foreign = ["arn:aws:bedrock:us-east-1:111111111111:application-inference-profile/someone-else", ...KNOWN.map((m) => `arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.${m}`)];
        for (const region of REGIONS) {
          for (const model of KNOWN) {
            for (const via of [undefined, ...foreign]) {
              const context = { "bedrock:InferenceProfileArn": via };
              if (canDo(statements, invoke, fm(region, model), context)) problems.push(`${policy.address}: ${model} in ${region} via ${via ?? "a direct call"}`);
            }
            if (canDo(boundary, invoke, fm(region, model), {})) problems.push(`boundary of ${policy.stack}: ${model} in ${region} by a direct call`);
          }
        }
        // And the tenant's own profiles do reach their models, in the home region at least.
        for (const ref of own) {
          const model = profilesOf(policy.stack).find((p) => ref.includes(p.address.split(".").pop()!))!.config.model_source[0].copy_from.split("/").pop().replace(/^(us|eu|apac|global)\./, "");
          const home = output.stacks[policy.stack].provider.aws[0].region;
          if (!canDo(statements, invoke, ref)) problems.push(`${policy.address}: cannot invoke its own profile ${ref}`);
          if (!canDo(statements, invoke, fm(home, model), { "bedrock:InferenceProfileArn": ref })) problems.push(`${policy.address}: cannot reach ${model} through ${ref}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it("grants no model the tenant file does not list", () => {
      const problems: string[] = [];
      for (const policy of taskPolicies()) {
        const listed = output.config.tenants.find((t) => `tenant-${t.id}` === policy.stack)!.bedrockModels;
        const statements = parseStatements(policy.config.policy);
        for (const model of KNOWN.filter((m) => !listed.includes(m))) {
          for (const region of REGIONS) {
            for (const ref of profilesOf(policy.stack).map((p) => `\${aws_bedrock_inference_profile.${p.address.split(".").pop()}.arn}`)) {
              if (canDo(statements, invoke, fm(region, model), { "bedrock:InferenceProfileArn": ref })) problems.push(`${policy.address}: ${model} in ${region}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });
});

describe("tenant secrets", () => {
  it("creates one secret per integration, encrypted with the tenant key, never with a value", () => {
    expect(allResources(output).filter((r) => r.type === "aws_secretsmanager_secret_version").map((r) => r.address)).toEqual([]);
    // One per integration, plus each tenant's egress proxy credential.
    const expected = output.config.tenants.reduce((n, t) => n + t.integrations.length + 1, 0);
    const secrets = ofType("aws_secretsmanager_secret");
    expect(secrets).toHaveLength(expected);
    expect(secrets.filter((s) => !/^\$\{aws_kms_key\./.test(s.config.kms_key_id)).map((s) => s.address)).toEqual([]);
  });
});

describe("tenant cost and alarms", () => {
  it("has a budget per tenant filtered on its TenantID tag", () => {
    const budgets = ofType("aws_budgets_budget");
    expect(budgets.map((b) => [tenantOf(b), b.config.cost_filter[0].values[0]])).toEqual(tenantIds.map((id) => [id, `user:TenantID$${id}`]));
  });

  it("has CPU, memory and tasks-short alarms for every agent service, a database storage and a refused-egress alarm per tenant, sent to the platform topic", () => {
    const alarms = ofType("aws_cloudwatch_metric_alarm");
    const tenantStacks = new Set(ofType("aws_ecs_service").map((s) => s.stack)).size;
    expect(tenantStacks).toBeGreaterThan(0);
    // Per tenant also its database storage alarm and its refused-egress alarm.
    expect(alarms).toHaveLength(3 * ofType("aws_ecs_service").length + 2 * tenantStacks);
    expect(alarms.filter((a) => a.config.alarm_actions[0] !== contractField(a.stack, "alarmTopicArn")).map((a) => a.address)).toEqual([]);
  });
});
