/**
 * Rules the AWS provider (hashicorp/terraform-provider-aws 6.25, what @cdktf/provider-aws 21.22
 * wraps) or the AWS APIs enforce at plan or apply time, checked on every synthesized stack.
 * None of these machines can run `terraform plan`, so each rule names the provider source
 * (internal/service/<svc>/<file>.go, function) or AWS page it comes from. A failure lists
 * every offending address.
 */
import { synthesize, allResources, resourcesOfType, SynthesizedResource, SynthOutput } from "./support/synth";

const output: SynthOutput = synthesize();
const resources = allResources(output);
const ofType = (type: string) => resourcesOfType(output, type);
const ref = (r: SynthesizedResource) => r.address.slice(r.address.indexOf(":") + 1);
const dependsOn = (r: SynthesizedResource): string[] => r.config.depends_on ?? [];

describe("aws_ecs_service", () => {
  const services = ofType("aws_ecs_service");

  it("exists in the example stacks (the rules below check something)", () => {
    expect(services.length).toBeGreaterThan(3);
  });

  // internal/service/ecs/service.go, capacityProviderStrategyCustomizeDiff: on an existing
  // service, any change to capacity_provider_strategy fails the plan with "force_new_deployment
  // should be true when capacity_provider_strategy is being updated". Flipping `spot` in a
  // tenant file is such a change.
  it("sets force_new_deployment wherever a capacity provider strategy is set, so changing spot plans", () => {
    const problems = services.filter((s) => (s.config.capacity_provider_strategy ?? []).length > 0 && s.config.force_new_deployment !== true);
    expect(problems.map((s) => s.address)).toEqual([]);
  });

  // internal/service/ecs/service.go: wait_for_steady_state defaults to false, and create/update
  // then return as soon as the API accepts the call. With it, statusServiceWaitForStable /
  // findDeploymentStatus turn a circuit-breaker rollback (ROLLBACK_SUCCESSFUL) or STOPPED
  // deployment into an error, so a failing service fails `terraform apply`. The wait is bounded
  // by the resource's create/update timeouts.
  it("waits for steady state, within explicit create and update timeouts, on every service that runs tasks", () => {
    const problems = services
      .filter((s) => s.config.desired_count > 0)
      .filter((s) => s.config.wait_for_steady_state !== true || !/^\d+m$/.test(s.config.timeouts?.create ?? "") || !/^\d+m$/.test(s.config.timeouts?.update ?? ""));
    expect(problems.map((s) => s.address)).toEqual([]);
  });

  // A service with desired_count 0 (suspended, or a new tenant whose secrets hold no value yet)
  // never reaches a deployment that could succeed or fail on its own tasks; waiting would only
  // make the apply depend on secret values nobody has written.
  it("does not wait on services that run no tasks", () => {
    const problems = services.filter((s) => s.config.desired_count === 0 && s.config.wait_for_steady_state === true);
    expect(problems.map((s) => s.address)).toEqual([]);
    expect(services.some((s) => s.config.desired_count === 0)).toBe(true); // the suspended example tenant
  });
});

describe("ECS Exec in read-only containers", () => {
  const taskDefinitions = ofType("aws_ecs_task_definition");
  const execServices = ofType("aws_ecs_service").filter((s) => s.config.enable_execute_command === true);
  // The SSM agent ECS Exec starts inside the container writes below these paths and crashes on
  // a read-only root (aws/containers-roadmap#1359, aws-containers/amazon-ecs-exec-checker#21 and
  // #71). Task volumes without a host are bind mounts on the task's Fargate ephemeral storage.
  const SSM_AGENT_PATHS = ["/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"];

  it("gives every container with a read-only root writable volumes at the SSM agent's paths, when its service allows ECS Exec", () => {
    const problems: string[] = [];
    expect(execServices.length).toBeGreaterThan(0);
    for (const service of execServices) {
      const task = taskDefinitions.find((t) => t.stack === service.stack && service.config.task_definition === `\${${ref(t)}.arn}`)!;
      const volumes = new Set((task.config.volume ?? []).filter((v: any) => !v.efs_volume_configuration && !v.docker_volume_configuration).map((v: any) => v.name));
      for (const container of JSON.parse(task.config.container_definitions)) {
        if (container.readonlyRootFilesystem !== true) continue;
        for (const path of SSM_AGENT_PATHS) {
          const mount = (container.mountPoints ?? []).find((m: any) => m.containerPath === path);
          if (!mount || mount.readOnly !== false || !volumes.has(mount.sourceVolume)) problems.push(`${task.address} ${container.name}: no writable volume at ${path}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  // One cluster has one executeCommandConfiguration, so OVERRIDE names one log group for every
  // tenant, and the SSM agent writes the transcript with the TASK's role into a stream named by
  // the session id (amazon-ssm-agent agent/session/shell/shell.go, startStreamingLogs /
  // finishLogging: StreamData(config.CloudWatchLogGroup, config.SessionId, ...)): no stream-name
  // condition can bind a tenant to its own streams there. DEFAULT sends each session to the
  // awslogs group of the task's own container
  // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ExecuteCommandConfiguration.html),
  // the tenant's log group under the tenant's key.
  it("records ECS Exec sessions in each task's own awslogs group, never in a group shared by tenants", () => {
    const problems = ofType("aws_ecs_cluster")
      .filter((c) => (c.config.configuration?.execute_command_configuration?.logging ?? "DEFAULT") !== "DEFAULT")
      .map((c) => `${c.address}: logging ${c.config.configuration.execute_command_configuration.logging}`);
    for (const task of taskDefinitions) {
      for (const container of JSON.parse(task.config.container_definitions)) {
        const group = container.logConfiguration?.logDriver === "awslogs" ? container.logConfiguration.options["awslogs-group"] : undefined;
        if (!group || !String(group).includes(`aws_cloudwatch_log_group.`)) problems.push(`${task.address} ${container.name}: awslogs group ${group} is not the tenant stack's own`);
      }
    }
    expect(problems).toEqual([]);
  });

  // The SSM agent calls DescribeLogGroups before it uploads a transcript and gives up when the
  // group is not found (amazon-ssm-agent cloudwatchlogs_service.go, StreamData ->
  // IsLogGroupPresent -> getLogGroupDetails). The call is authorized against
  // arn:aws:logs:<region>:<account>:log-group::log-stream: whatever prefix it asks for, so it
  // cannot be scoped to a tenant's groups; it is scoped to the account and region instead of "*".
  it("allows logs:DescribeLogGroups to tenant roles only within their own account and region", () => {
    const problems: string[] = [];
    for (const policy of resources.filter((r) => (r.type === "aws_iam_role_policy" && r.stack.startsWith("tenant-")) || (r.type === "aws_iam_policy" && r.address.includes("tenant-boundary")))) {
      const region = output.stacks[policy.stack].provider.aws[0].region;
      const account = output.stacks[policy.stack].provider.aws[0].allowed_account_ids[0];
      for (const st of JSON.parse(policy.config.policy).Statement) {
        if (![st.Action].flat().includes("logs:DescribeLogGroups")) continue;
        for (const resource of [st.Resource].flat()) {
          if (resource !== `arn:aws:logs:${region}:${account}:log-group:*`) problems.push(`${policy.address} ${st.Sid}: ${resource}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("aws_lambda_function", () => {
  // Lambda PutFunctionConcurrency refuses a reservation that would leave fewer than 100
  // unreserved concurrent executions in the account and region
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), and new accounts
  // can have a quota of 10: a fixed reservation fails the first apply there. Only an environment
  // that declares one (and whose quota the capacity gate checks) reserves any.
  it("reserves concurrency only where the environment declares provisionerReservedConcurrency", () => {
    const problems = ofType("aws_lambda_function").filter((fn) => {
      const env = output.config.environments[output.stacks[fn.stack].provider.aws[0].default_tags[0].tags.Environment];
      return fn.config.reserved_concurrent_executions !== env.provisionerReservedConcurrency;
    });
    expect(problems.map((fn) => fn.address)).toEqual([]);
  });
});

describe("DB provisioner exports into tenant buckets (S3 SSE-KMS)", () => {
  /** IAM StringLike: `*` any run of characters, `?` one character. */
  const globMatches = (pattern: string, value: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(value);
  const tenantStacks = Object.keys(output.stacks).filter((s) => s.startsWith("tenant-"));

  // S3 asks KMS for the data key with encryption context aws:s3:arn = the object's ARN, or the
  // BUCKET's ARN when the bucket uses an S3 Bucket Key
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html, "Changes to note
  // before enabling an S3 Bucket Key"). A kms:EncryptionContext condition written for the other
  // case never matches, GenerateDataKey is denied and no `drop` export can be written.
  it("conditions the provisioner's GenerateDataKey on the encryption context each tenant bucket actually sends", () => {
    const problems: string[] = [];
    for (const tenantStack of tenantStacks) {
      const json = output.stacks[tenantStack];
      const tags = json.provider.aws[0].default_tags[0].tags;
      const platformStack = `platform-${tags.Environment}-${json.provider.aws[0].region}`;
      const bucket = Object.values<any>(json.resource.aws_s3_bucket)[0].bucket as string;
      const encryption = Object.values<any>(json.resource.aws_s3_bucket_server_side_encryption_configuration)[0];
      const bucketKey = encryption.rule.every((r: any) => r.bucket_key_enabled === true);
      const context = bucketKey ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/database-exports/${tags.TenantID}/2026-01-02T03-04-05-678Z.sql`;
      const policies = resourcesOfType(output, "aws_iam_role_policy").filter((p) => p.stack === platformStack && p.address.includes("db-provisioner"));
      const allowed = policies
        .flatMap((p) => JSON.parse(p.config.policy).Statement as Array<Record<string, any>>)
        .filter((st) => st.Effect === "Allow" && [st.Action].flat().includes("kms:GenerateDataKey"))
        .some((st) => {
          const pattern = st.Condition?.StringLike?.["kms:EncryptionContext:aws:s3:arn"] ?? st.Condition?.ArnLike?.["kms:EncryptionContext:aws:s3:arn"];
          return pattern === undefined || globMatches(pattern, context);
        });
      if (!allowed) problems.push(`${platformStack}: provisioner may not GenerateDataKey for ${context} (bucket key ${bucketKey ? "on" : "off"})`);
    }
    expect(tenantStacks.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  // Without x-amz-server-side-encryption-aws-kms-key-id, a PutObject with "aws:kms" uses the
  // account's AWS managed aws/s3 key, not the bucket's default key, so the tenant invocation
  // must name the tenant key for the handler to pass on (db/lambda/handler.ts).
  it("gives the provisioner each tenant's own key to encrypt its export with", () => {
    const problems = tenantStacks.flatMap((stack) => {
      const invocation = resourcesOfType(output, "aws_lambda_invocation").find((r) => r.stack === stack)!;
      const key = Object.keys(output.stacks[stack].resource.aws_kms_key)[0];
      return JSON.parse(invocation.config.input).exportKmsKeyArn === `\${aws_kms_key.${key}.arn}` ? [] : [invocation.address];
    });
    expect(problems).toEqual([]);
  });
});

describe("first create ordering", () => {
  const ingressAndEgressRules = (stack: string) =>
    resources.filter((r) => r.stack === stack && (r.type === "aws_vpc_security_group_ingress_rule" || r.type === "aws_vpc_security_group_egress_rule"));

  // Separate aws_vpc_security_group_*_rule resources are created after their group, in
  // parallel with anything that references only the group's id. The provisioner Lambda and its
  // first migrate invocation reference the groups, not the rules, so without depends_on the first
  // invocation can run before 443 to the endpoints or 5432 to the database is open, and time out.
  // (The migrate invocation's half of this rule is in test/invariants.test.ts, "first deploy ordering".)
  it("creates the provisioner function only after every rule of the platform's security groups", () => {
    const problems: string[] = [];
    for (const fn of ofType("aws_lambda_function").filter((r) => r.stack.startsWith("platform-"))) {
      for (const rule of ingressAndEgressRules(fn.stack)) {
        if (!dependsOn(fn).includes(ref(rule))) problems.push(`${fn.address} does not wait for ${ref(rule)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("finds the four rules the provisioner needs in every platform stack", () => {
    for (const stack of Object.keys(output.stacks).filter((s) => s.startsWith("platform-"))) {
      const names = ingressAndEgressRules(stack).map(ref).join(" ");
      for (const rule of ["db-provisioner_https-egress", "database_postgres-from-clients", "database_clients-to-postgres", "endpoints_https-from-vpc"]) {
        expect(names).toContain(rule);
      }
    }
  });
});
