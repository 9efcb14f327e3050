// Enforces SECURITY.md C1, C2, C3, C4, C5, C14, C15, C18, C19, C44 (the table "Enforcing tests" there lists this file).
/**
 * Properties that must hold for every resource of every stack. Each test collects all
 * violations, so a failure lists every offending address at once.
 */
import { stateKeyAlias } from "../modules/naming";
import { synthesize, allResources, asArray, itOnFixtures, parsePolicy, resourcesOfType, SynthOutput } from "./support/synth";
import { nonEmpty } from "./support/non-empty";

const output: SynthOutput = synthesize();
const resources = allResources(output);
const stackNames = Object.keys(output.stacks);
// The suite fails on a fleet without tenant stacks, where the per-tenant checks would pass over nothing (#32).
const tenantStacks = nonEmpty(stackNames.filter((s) => s.startsWith("tenant-")), "tenant stacks");

describe("every stack", () => {
  it("synthesizes a platform stack per region in use or always on, and a stack per tenant that is not offboarded", () => {
    const inUse = new Set([...output.config.tenants, ...output.config.tombstones].map((t) => `${t.environment}/${t.region}`));
    const platforms = Object.entries(output.config.environments).flatMap(([env, e]) =>
      Object.entries(e.regions)
        .filter(([region, r]) => r.alwaysOn || inUse.has(`${env}/${region}`))
        .map(([region]) => `platform-${env}-${region}`),
    );
    const expected = [...platforms, ...output.config.tenants.map((t) => `tenant-${t.id}`)];
    expect(expected.length).toBeGreaterThan(0);
    expect([...stackNames].sort()).toEqual(expected.sort());
  });

  itOnFixtures("synthesizes the expected stacks for the fixture tenants", () => {
    expect(stackNames).toEqual([
      "platform-production-us-east-1",
      "platform-production-us-west-2",
      "platform-staging-us-east-1",
      "tenant-acme",
      "tenant-globex",
      "tenant-initech",
    ]);
  });

  it("keeps state in the environment's encrypted, locked S3 backend", () => {
    const problems: string[] = [];
    for (const [stack, json] of Object.entries(output.stacks)) {
      const backend = json.terraform?.backend?.s3;
      const envName = json.provider.aws[0].default_tags[0].tags.Environment;
      const env = output.config.environments[envName];
      if (!backend) {
        problems.push(`${stack}: no s3 backend`);
        continue;
      }
      if (backend.bucket !== env.stateBucket) problems.push(`${stack}: bucket ${backend.bucket}`);
      if (backend.region !== env.stateRegion) problems.push(`${stack}: backend region ${backend.region}`);
      if (backend.encrypt !== true) problems.push(`${stack}: state not encrypted`);
      if (env.stateEncryption === "kms" && backend.kms_key_id !== stateKeyAlias(envName)) {
        problems.push(`${stack}: state not encrypted with bootstrap's state key (${backend.kms_key_id})`);
      }
      if (backend.dynamodb_table !== env.lockTable) problems.push(`${stack}: lock table ${backend.dynamodb_table}`);
      if (backend.use_lockfile !== true) problems.push(`${stack}: no S3 lock file`);
      if (!/^(platform|tenants)\/.+\.tfstate$/.test(backend.key)) problems.push(`${stack}: key ${backend.key}`);
    }
    expect(problems).toEqual([]);
  });

  it("gives every stack its own state key", () => {
    const keys = Object.values(output.stacks).map((json) => `${json.terraform.backend.s3.bucket}/${json.terraform.backend.s3.key}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("pins the provider to the environment's account and tags everything it creates", () => {
    const problems: string[] = [];
    for (const [stack, json] of Object.entries(output.stacks)) {
      const provider = json.provider.aws[0];
      const tags = provider.default_tags?.[0]?.tags ?? {};
      const env = output.config.environments[tags.Environment];
      if (!env) problems.push(`${stack}: Environment tag ${tags.Environment}`);
      else if (JSON.stringify(provider.allowed_account_ids) !== JSON.stringify([env.accountId])) problems.push(`${stack}: allowed_account_ids`);
      for (const tag of ["ManagedBy", "Environment", "CostCenter"]) if (!tags[tag]) problems.push(`${stack}: no ${tag} tag`);
      if (stack.startsWith("tenant-") && tags.TenantID !== stack.replace(/^tenant-/, "")) problems.push(`${stack}: TenantID tag ${tags.TenantID}`);
    }
    expect(problems).toEqual([]);
  });

  it("makes each tenant stack depend on the platform stack of its environment and region", () => {
    const problems: string[] = [];
    for (const tenant of output.config.tenants) {
      const deps = output.manifest.stacks[`tenant-${tenant.id}`].dependencies;
      const expected = [`platform-${tenant.environment}-${tenant.region}`];
      if (JSON.stringify(deps) !== JSON.stringify(expected)) problems.push(`tenant-${tenant.id}: ${deps}`);
    }
    expect(problems).toEqual([]);
  });

  it("never reads another stack's state", () => {
    expect(resourcesOfType(output, "data.terraform_remote_state").map((r) => r.address)).toEqual([]);
  });

  it("references only resources of the same stack (stacks share values through SSM, never references)", () => {
    const dangling: string[] = [];
    let checked = 0;
    for (const [stack, text] of Object.entries(output.texts)) {
      const json = output.stacks[stack];
      const exists = (kind: "resource" | "data", type: string, name: string) => Boolean(json[kind]?.[type]?.[name]);
      for (const [, expression] of text.matchAll(/(?<!\$)\$\{((?:[^{}]|\{[^{}]*\})*)\}/g)) {
        for (const [ref, data, type, name] of expression.matchAll(/\b(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) {
          checked++;
          if (!exists(data ? "data" : "resource", type, name)) dangling.push(`${stack}: ${ref}`);
        }
      }
    }
    expect([...new Set(dangling)]).toEqual([]);
    expect(checked).toBeGreaterThan(500); // the scan did find the references it checks
  });

  // KMS refuses a key policy whose principal does not exist (PutKeyPolicy/CreateKey:
  // MalformedPolicyDocumentException, "invalid principals"; KMS developer guide, "Key policies",
  // Principal element), and IAM, S3 and SNS resource policies do the same: a literal role ARN in a
  // policy must name a role some stack of the fleet creates. The egress proxy's role was renamed
  // to `-refresher-role` while every tenant key still named `-egress-proxy-task` (found in #32's
  // names-through-one-module pass): each tenant's first apply would have failed.
  it("names as a principal only IAM roles that some stack creates", () => {
    const created = new Set(resourcesOfType(output, "aws_iam_role").map((r) => String(r.config.name)));
    const unknown: string[] = [];
    let checked = 0;
    for (const [stack, text] of Object.entries(output.texts)) {
      for (const [arn, name] of text.matchAll(/arn:aws:iam::\d{12}:role\/([A-Za-z0-9_+=,.@-]+)(?![A-Za-z0-9_+=,.@$*{-])/g)) {
        checked++;
        if (!created.has(name)) unknown.push(`${stack}: ${arn}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });

  it("writes IAM policy variables escaped for Terraform ($${aws:...})", () => {
    const unescaped = Object.entries(output.texts).filter(([, text]) => /(^|[^$])\$\{aws:/.test(text)).map(([stack]) => stack);
    expect(unescaped).toEqual([]);
  });

  it("leaves no unresolved cdktf token in any file", () => {
    const unresolved = Object.entries(output.texts).filter(([, text]) => /\$\{TfToken\[|\$\{Token\[|TOKEN\[/.test(text)).map(([stack]) => stack);
    expect(unresolved).toEqual([]);
  });

  // A property of the code, not of a fleet: check:fleet synthesizes once and skips it.
  itOnFixtures("synthesizes byte-identical output twice in a row", () => {
    expect(synthesize().texts).toEqual(output.texts);
  });
});

describe("stateful resources", () => {
  const STATEFUL = new Set(["aws_s3_bucket", "aws_kms_key", "aws_db_instance"]);

  it("are protected from destroy", () => {
    const unguarded = resources
      .filter((r) => STATEFUL.has(r.type) && r.config.lifecycle?.prevent_destroy !== true)
      .map((r) => r.address);
    expect(unguarded).toEqual([]);
  });

  it("include a database with deletion protection", () => {
    const unprotected = resourcesOfType(output, "aws_db_instance").filter((r) => r.config.deletion_protection !== true);
    expect(unprotected.map((r) => r.address)).toEqual([]);
  });
});

describe("encryption at rest", () => {
  it("rotates every KMS key", () => {
    expect(resourcesOfType(output, "aws_kms_key").filter((r) => r.config.enable_key_rotation !== true).map((r) => r.address)).toEqual([]);
  });

  it("encrypts every log group, topic and repository with a customer-managed key", () => {
    const unencrypted = [
      ...resourcesOfType(output, "aws_cloudwatch_log_group").filter((r) => !r.config.kms_key_id),
      ...resourcesOfType(output, "aws_sns_topic").filter((r) => !r.config.kms_master_key_id),
      ...resourcesOfType(output, "aws_ecr_repository").filter((r) => r.config.encryption_configuration?.[0]?.encryption_type !== "KMS"),
    ];
    expect(unencrypted.map((r) => r.address)).toEqual([]);
  });

  it("encrypts the database, its backups' key, and keeps its master password out of state", () => {
    const problems = resourcesOfType(output, "aws_db_instance")
      .filter((r) => r.config.storage_encrypted !== true || !r.config.kms_key_id || r.config.manage_master_user_password !== true || "password" in r.config)
      .map((r) => r.address);
    expect(problems).toEqual([]);
  });

  it("encrypts every tenant bucket with the tenant's own KMS key", () => {
    const problems: string[] = [];
    for (const stack of tenantStacks) {
      const json = output.stacks[stack];
      const sse = Object.values<any>(json.resource.aws_s3_bucket_server_side_encryption_configuration ?? {});
      const keys = Object.keys(json.resource.aws_kms_key ?? {});
      for (const config of sse) {
        const rule = config.rule[0].apply_server_side_encryption_by_default;
        if (rule.sse_algorithm !== "aws:kms" || !keys.some((k) => rule.kms_master_key_id === `\${aws_kms_key.${k}.arn}`)) {
          problems.push(`${stack}: bucket not encrypted with this stack's key`);
        }
      }
      if (sse.length !== Object.keys(json.resource.aws_s3_bucket ?? {}).length) problems.push(`${stack}: a bucket without encryption configuration`);
    }
    expect(problems).toEqual([]);
  });
});

describe("network exposure", () => {
  const OPEN = ["0.0.0.0/0", "::/0"];

  it("admits no ingress from the internet anywhere", () => {
    const open = [
      ...resourcesOfType(output, "aws_vpc_security_group_ingress_rule").filter((r) => OPEN.includes(r.config.cidr_ipv4) || OPEN.includes(r.config.cidr_ipv6)),
      ...resourcesOfType(output, "aws_security_group_rule").filter((r) => r.config.type === "ingress"),
      ...resourcesOfType(output, "aws_security_group").filter((r) => (r.config.ingress ?? []).length > 0),
    ];
    expect(open.map((r) => r.address)).toEqual([]);
  });

  it("gives no public IP to anything: subnets, database, tasks", () => {
    const problems = [
      ...resourcesOfType(output, "aws_subnet").filter((r) => r.config.map_public_ip_on_launch !== false),
      ...resourcesOfType(output, "aws_db_instance").filter((r) => r.config.publicly_accessible !== false),
      ...resourcesOfType(output, "aws_ecs_service").filter((r) => r.config.network_configuration?.assign_public_ip !== false),
    ];
    expect(problems.map((r) => r.address)).toEqual([]);
  });

  it("leaves the default security group of every VPC without rules", () => {
    const problems = resourcesOfType(output, "aws_default_security_group").filter((r) => r.config.ingress || r.config.egress);
    expect(problems.map((r) => r.address)).toEqual([]);
    expect(resourcesOfType(output, "aws_default_security_group")).toHaveLength(resourcesOfType(output, "aws_vpc").length);
  });

  it("records flow logs for every VPC", () => {
    expect(resourcesOfType(output, "aws_flow_log")).toHaveLength(resourcesOfType(output, "aws_vpc").length);
  });
});

describe("first deploy ordering", () => {
  // Separate security-group rule resources are created after their group, in parallel with
  // anything that references only the group's id (test/provider-rules.test.ts has the same rule
  // for the function itself).
  const SECURITY_GROUP_RULES = new Set(["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]);

  it("runs the DB provisioner's first migration only after private egress, every VPC endpoint and every security-group rule exist", () => {
    const problems = resourcesOfType(output, "aws_lambda_invocation")
      .filter((r) => r.stack.startsWith("platform-"))
      .filter((r) => {
        const deps: string[] = r.config.depends_on ?? [];
        const inStack = (type: string) => resources.filter((e) => e.stack === r.stack && e.type === type);
        const rules = resources.filter((e) => e.stack === r.stack && SECURITY_GROUP_RULES.has(e.type)).map((e) => `${e.type}.${e.address.split(".").pop()}`);
        return (
          !deps.some((d) => d.startsWith("aws_route.")) ||
          deps.filter((d) => d.startsWith("aws_vpc_endpoint.")).length !== inStack("aws_vpc_endpoint").length ||
          rules.length < 4 ||
          rules.some((rule) => !deps.includes(rule))
        );
      })
      .map((r) => r.address);
    expect(problems).toEqual([]);
  });
});

/**
 * Every container of every task definition, the sidecars included (#29: the tracing collector
 * runs beside each agent when its environment traces): a second container must not be where the
 * hardening stops. The provider compares container definitions only after sorting them by name
 * and treating an absent `essential` as true (internal/service/ecs/container_definitions.go,
 * containerDefinitions.reduce), so each property is checked on each container, wherever it sits.
 */
describe("task definitions, every container", () => {
  const containers = resourcesOfType(output, "aws_ecs_task_definition").flatMap((r) =>
    (JSON.parse(r.config.container_definitions) as Array<Record<string, any>>).map((c) => ({ address: `${r.address} ${c.name}`, stack: r.stack, task: r, container: c })),
  );
  const tenantContainers = nonEmpty(containers.filter((c) => c.stack.startsWith("tenant-")), "containers in tenant stacks");

  it("run as a non-root user, with a read-only root filesystem, unprivileged and with every capability dropped", () => {
    const weak = nonEmpty(containers, "containers").filter(
      ({ container }) =>
        !container.user ||
        /^(0|root)(:|$)/.test(container.user) ||
        container.readonlyRootFilesystem !== true ||
        container.privileged === true ||
        JSON.stringify(container.linuxParameters?.capabilities?.drop) !== '["ALL"]',
    );
    expect(weak.map((c) => c.address)).toEqual([]);
  });

  it("publish no port in tenant stacks (containers of one task share localhost under awsvpc; nothing listens for the VPC)", () => {
    const published = tenantContainers.filter(({ container }) => (container.portMappings ?? []).length > 0);
    expect(published.map((c) => c.address)).toEqual([]);
  });

  it("mount only volumes their own task declares, never one another container of the task also writes", () => {
    const problems: string[] = [];
    for (const { address, task, container } of containers) {
      const declared = new Set((task.config.volume ?? []).map((v: { name: string }) => v.name));
      for (const mount of container.mountPoints ?? []) if (!declared.has(mount.sourceVolume)) problems.push(`${address}: ${mount.sourceVolume} is not a volume of its task`);
    }
    for (const task of new Set(containers.map((c) => c.task))) {
      const mounts = containers.filter((c) => c.task === task).flatMap((c) => (c.container.mountPoints ?? []).map((m: { sourceVolume: string }) => m.sourceVolume));
      const shared = mounts.filter((v, i) => mounts.indexOf(v) !== i);
      if (shared.length > 0) problems.push(`${task.address}: ${[...new Set(shared)].join(", ")} mounted by more than one container`);
    }
    expect(problems).toEqual([]);
  });

  // awslogs names a stream <prefix>/<container>/<task id>: each container of a task writes its own.
  it("log every container to its tenant's own log group", () => {
    const problems = tenantContainers.filter(({ container }) => container.logConfiguration?.logDriver !== "awslogs" || !/^\$\{aws_cloudwatch_log_group\./.test(container.logConfiguration.options["awslogs-group"]));
    expect(problems.map((c) => c.address)).toEqual([]);
  });
});

describe("tracing (#29): a collector sidecar exactly where the environment opts in", () => {
  const envOf = (stack: string) => output.stacks[stack].provider.aws[0].default_tags[0].tags.Environment as string;
  const tracing = (stack: string) => output.config.environments[envOf(stack)].tracing;
  const taskDefinitions = nonEmpty(resourcesOfType(output, "aws_ecs_task_definition").filter((r) => r.stack.startsWith("tenant-")), "tenant task definitions");
  const containersOf = (r: { config: Record<string, any> }) => JSON.parse(r.config.container_definitions) as Array<Record<string, any>>;

  itOnFixtures("covers both cases: the fixtures trace staging and leave production off", () => {
    expect(taskDefinitions.some((r) => tracing(r.stack).enabled)).toBe(true);
    expect(taskDefinitions.some((r) => !tracing(r.stack).enabled)).toBe(true);
  });

  it("runs one non-essential collector beside the agent in every task of a tracing environment, and none elsewhere", () => {
    const problems: string[] = [];
    for (const r of taskDefinitions) {
      const names = containersOf(r).map((c) => c.name);
      const expected = tracing(r.stack).enabled ? ["agent", "tracing"] : ["agent"];
      if (JSON.stringify(names) !== JSON.stringify(expected)) problems.push(`${r.address}: containers ${names.join(", ")}`);
      const sidecar = containersOf(r).find((c) => c.name === "tracing");
      const agent = containersOf(r).find((c) => c.name === "agent");
      // A crashed collector must not stop the agent: ECS stops a task when an essential container exits.
      if (sidecar && sidecar.essential !== false) problems.push(`${r.address}: the collector is essential`);
      if (agent?.essential !== true) problems.push(`${r.address}: the agent is not essential`);
    }
    expect(problems).toEqual([]);
  });

  it("pins the collector by digest in the platform repository, and sets the tenant, agent and the environment's sampling rate in its config", () => {
    const problems: string[] = [];
    for (const r of taskDefinitions.filter((t) => tracing(t.stack).enabled)) {
      const tenant = r.stack.replace(/^tenant-/, "");
      const agent = containersOf(r).find((c) => c.name === "agent")!;
      const sidecar = containersOf(r).find((c) => c.name === "tracing")!;
      const agentRepository = String(agent.image).split("@")[0];
      if (sidecar.image !== `${agentRepository}@${tracing(r.stack).collectorImage}`) problems.push(`${r.address}: collector image ${sidecar.image}`);
      const env = Object.fromEntries((sidecar.environment ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
      const config = JSON.parse(env.AOT_CONFIG_CONTENT ?? "{}");
      const agentName = Object.fromEntries(agent.environment.map((e: { name: string; value: string }) => [e.name, e.value])).AGENT;
      // On the resource and on every span, overwriting whatever the agent sent.
      for (const [level, list] of [["resource", config.processors?.resource?.attributes], ["span", config.processors?.attributes?.actions]]) {
        const attributes = Object.fromEntries((list ?? []).filter((a: any) => a.action === "upsert").map((a: any) => [a.key, a.value]));
        if (attributes["tenant.id"] !== tenant || attributes["openclaw.agent"] !== agentName) problems.push(`${r.address}: ${level} attributes ${JSON.stringify(attributes)}`);
      }
      const order = config.service?.pipelines?.traces?.processors ?? [];
      if (!order.includes("resource") || !order.includes("attributes")) problems.push(`${r.address}: pipeline ${order.join(", ")}`);
      if (config.processors?.probabilistic_sampler?.sampling_percentage !== tracing(r.stack).samplingRate * 100) problems.push(`${r.address}: sampling ${JSON.stringify(config.processors?.probabilistic_sampler)}`);
      // Listening on loopback only: the agent reaches it over the task's shared localhost.
      const endpoints = Object.values<any>(config.receivers?.otlp?.protocols ?? {}).map((p) => p.endpoint);
      if (endpoints.length === 0 || endpoints.some((e) => !/^127\.0\.0\.1:\d+$/.test(e))) problems.push(`${r.address}: receivers on ${endpoints.join(", ")}`);
    }
    expect(problems).toEqual([]);
  });

  it("grants a task role X-Ray only in a tracing environment, and then only xray:PutTraceSegments", () => {
    const problems: string[] = [];
    const policies = nonEmpty(resourcesOfType(output, "aws_iam_role_policy").filter((r) => r.stack.startsWith("tenant-") && r.config.name === "task"), "task role policies");
    for (const r of policies) {
      const xray = parsePolicy(r.config.policy).Statement.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("xray:")));
      const expected = tracing(r.stack).enabled ? [{ Sid: "WriteTraces", Effect: "Allow", Action: "xray:PutTraceSegments", Resource: "*" }] : [];
      if (JSON.stringify(xray) !== JSON.stringify(expected)) problems.push(`${r.address}: ${JSON.stringify(xray)}`);
    }
    expect(problems).toEqual([]);
  });

  it("lets the tenant boundary allow xray:PutTraceSegments only in a tracing environment, and no other X-Ray action anywhere", () => {
    const problems: string[] = [];
    const boundaries = nonEmpty(resourcesOfType(output, "aws_iam_policy").filter((r) => r.address.includes("tenant-boundary")), "tenant permissions boundaries");
    for (const r of boundaries) {
      const actions = parsePolicy(r.config.policy).Statement.flatMap((s) => asArray<string>(s.Action)).filter((a) => a.startsWith("xray:"));
      const expected = tracing(r.stack).enabled ? ["xray:PutTraceSegments"] : [];
      if (JSON.stringify(actions) !== JSON.stringify(expected)) problems.push(`${r.address}: ${actions.join(", ")}`);
    }
    expect(problems).toEqual([]);
  });

  it("gives a tracing environment's VPCs an X-Ray interface endpoint limited to the account's own principals, and no other VPC one", () => {
    const problems: string[] = [];
    for (const stack of stackNames.filter((s) => s.startsWith("platform-"))) {
      const region = output.stacks[stack].provider.aws[0].region;
      const xray = resourcesOfType(output, "aws_vpc_endpoint").filter((r) => r.stack === stack && r.config.service_name === `com.amazonaws.${region}.xray`);
      if (xray.length !== (tracing(stack).enabled ? 1 : 0)) problems.push(`${stack}: ${xray.length} X-Ray endpoints`);
      // The tenant groups' only AWS-API egress is HTTPS to the endpoints' group: X-Ray must sit in it.
      const groups = new Set(resourcesOfType(output, "aws_vpc_endpoint").filter((r) => r.stack === stack && r.config.vpc_endpoint_type === "Interface").map((r) => JSON.stringify(r.config.security_group_ids)));
      if (groups.size !== 1) problems.push(`${stack}: interface endpoints in ${groups.size} security group sets`);
      for (const e of xray) {
        const account = output.config.environments[envOf(stack)].accountId;
        const statements = parsePolicy(e.config.policy ?? '{"Statement":[]}').Statement;
        if (!statements.every((s) => s.Condition?.StringEquals?.["aws:PrincipalAccount"] === account) || statements.length === 0) problems.push(`${e.address}: endpoint policy ${e.config.policy}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
