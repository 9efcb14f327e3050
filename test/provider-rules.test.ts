// Enforces SECURITY.md C25 (the table "Enforcing tests" there lists this file).
/**
 * Rules the AWS provider (hashicorp/terraform-provider-aws 6.25, what @cdktf/provider-aws 21.22
 * wraps) or the AWS APIs enforce at plan or apply time, checked on every synthesized stack.
 * None of these machines can run `terraform plan`, so each rule names the provider source
 * (internal/service/<svc>/<file>.go, function) or AWS page it comes from. A failure lists
 * every offending address.
 */
import { synthesize, allResources, resourcesOfType, SynthesizedResource, SynthOutput } from "./support/synth";
import { nonEmpty } from "./support/non-empty";

const output: SynthOutput = synthesize();
// Checks "over every resource of a type" fail when there is none of that type, and the suite
// fails on a fleet without tenants, where most of these checks would pass over nothing (#32).
nonEmpty(output.config.tenants, "tenants");
const resources = allResources(output);
const ofType = (type: string) => nonEmpty(resourcesOfType(output, type), `${type} resources`);
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

describe("aws_ecs_task_definition container_definitions", () => {
  const taskDefinitions = ofType("aws_ecs_task_definition");
  const containers = taskDefinitions.flatMap((t) => (JSON.parse(t.config.container_definitions) as Array<Record<string, any>>).map((c) => ({ task: t, container: c })));

  // internal/service/ecs/container_definitions.go, containerDefinitions.reduce: the plan compares
  // container definitions after sorting them by name and setting an absent `essential` to true,
  // as ECS does. A sidecar meant to be non-essential (the tracing collector, #29) that leaves it
  // out is essential, and its crash stops the agent's task; writing it on every container keeps
  // what the JSON says and what runs the same.
  it("writes essential on every container, and keeps at least one essential container per task (RegisterTaskDefinition refuses none)", () => {
    const problems = [
      ...containers.filter(({ container }) => typeof container.essential !== "boolean").map(({ task, container }) => `${task.address} ${container.name}: essential not written`),
      ...taskDefinitions.filter((t) => !JSON.parse(t.config.container_definitions).some((c: any) => c.essential === true)).map((t) => `${t.address}: no essential container`),
    ];
    expect(problems).toEqual([]);
  });

  // reduce sorts by name before comparing, so two containers of one name would compare equal to
  // either order; ECS itself refuses duplicate names.
  it("names every container of a task uniquely", () => {
    const problems = taskDefinitions.filter((t) => {
      const names = JSON.parse(t.config.container_definitions).map((c: any) => c.name);
      return new Set(names).size !== names.length;
    });
    expect(problems.map((t) => t.address)).toEqual([]);
  });

  // Fargate: container-level memory limits must fit the task's memory, and container CPU units
  // the task's CPU (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_memory).
  it("fits every container's cpu and memory inside its task's size", () => {
    const problems = taskDefinitions.filter((t) => {
      const list = JSON.parse(t.config.container_definitions) as Array<Record<string, any>>;
      const sum = (key: string) => list.reduce((n, c) => n + (Number(c[key]) || 0), 0);
      return sum("memory") > Number(t.config.memory) || sum("cpu") > Number(t.config.cpu);
    });
    expect(problems.map((t) => t.address)).toEqual([]);
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

/**
 * The remaining resource types, against the provider's validators (which fail `plan`) and the
 * API's own rules (which the provider passes through, failing `apply`).
 */
describe("remaining resource types", () => {
  const envOf = (r: SynthesizedResource) => output.config.environments[output.stacks[r.stack].provider.aws[0].default_tags[0].tags.Environment];
  /**
   * A policy's length once Terraform has substituted its references: each `${...}` counted as
   * 200 characters, longer than any ARN, name or id these stacks reference.
   */
  const resolvedLength = (text: string) => text.replace(/\s/g, "").replace(/\$\{[^}]*\}/g, "x".repeat(200)).length;

  // EC2 CreateSecurityGroup (GroupDescription) and the IpPermission / security group rule
  // Description accept only "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*" and 255
  // characters (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html).
  // The provider checks only the length (ec2/vpc_security_group.go), so anything else fails apply.
  it("writes security group and rule descriptions in the characters EC2 accepts", () => {
    const allowed = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
    const problems = resources
      .filter((r) => ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"].includes(r.type))
      .filter((r) => r.config.description !== undefined && !allowed.test(r.config.description))
      .map((r) => `${r.address}: ${r.config.description}`);
    expect(problems).toEqual([]);
  });

  // IAM quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
  // managed policy 6,144 characters, inline policies of one role together 10,240, role trust
  // policy 2,048 (whitespace not counted). Key policy 32 KB (KMS PutKeyPolicy), bucket policy
  // 20 KB (S3 PutBucketPolicy), SNS topic policy 30 KB.
  it("keeps every policy document within its service's size limit once references are resolved", () => {
    const problems: string[] = [];
    const check = (address: string, text: string, limit: number) => {
      if (resolvedLength(text) > limit) problems.push(`${address}: ~${resolvedLength(text)} > ${limit}`);
    };
    for (const r of ofType("aws_iam_policy")) check(r.address, r.config.policy, 6144);
    for (const r of ofType("aws_iam_role")) check(r.address, r.config.assume_role_policy, 2048);
    for (const r of ofType("aws_kms_key")) check(r.address, r.config.policy, 32768);
    for (const r of ofType("aws_s3_bucket_policy")) check(r.address, r.config.policy, 20480);
    for (const r of ofType("aws_sns_topic_policy")) check(r.address, r.config.policy, 30720);
    const inlineByRole = new Map<string, number>();
    for (const r of ofType("aws_iam_role_policy")) {
      const key = `${r.stack}:${r.config.role}`;
      inlineByRole.set(key, (inlineByRole.get(key) ?? 0) + resolvedLength(r.config.policy));
    }
    for (const [role, length] of inlineByRole) if (length > 10240) problems.push(`${role}: inline policies ~${length} > 10240`);
    expect(problems).toEqual([]);
  });

  // KMS CreateKey/PutKeyPolicy refuse a policy that would lock the caller out unless
  // bypass_policy_lockout_safety_check is set; the account root with kms:* keeps IAM in charge
  // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
  // kms/key.go: deletion_window_in_days IntBetween(7, 30); kms/alias.go: name must start with
  // "alias/" and not "alias/aws/" (validNameForResource).
  it("gives every KMS key an account-root administration statement, a valid deletion window and a valid alias", () => {
    const problems: string[] = [];
    for (const key of ofType("aws_kms_key")) {
      const statements = JSON.parse(key.config.policy).Statement as Array<Record<string, any>>;
      const root = `arn:aws:iam::${envOf(key).accountId}:root`;
      if (!statements.some((s) => s.Effect === "Allow" && s.Principal?.AWS === root && s.Action === "kms:*")) problems.push(`${key.address}: no root administration`);
      if (key.config.bypass_policy_lockout_safety_check) problems.push(`${key.address}: bypasses the lockout check`);
      const window = key.config.deletion_window_in_days;
      if (window !== undefined && !(window >= 7 && window <= 30)) problems.push(`${key.address}: deletion window ${window}`);
    }
    for (const alias of ofType("aws_kms_alias")) {
      if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias.config.name) || alias.config.name.startsWith("alias/aws/")) problems.push(`${alias.address}: ${alias.config.name}`);
    }
    expect(problems).toEqual([]);
  });

  // RDS ModifyDBParameterGroup refuses apply_method "immediate" (the provider's default,
  // rds/parameter_group.go) for a static parameter: "cannot use immediate apply method for
  // static parameter". These are static in every RDS for PostgreSQL family (ApplyType in
  // DescribeEngineDefaultParameters).
  it("applies static PostgreSQL parameters at reboot, never immediately", () => {
    const STATIC = new Set([
      "shared_preload_libraries", "max_connections", "max_locks_per_transaction", "max_prepared_transactions", "max_worker_processes",
      "max_wal_senders", "max_replication_slots", "shared_buffers", "wal_buffers", "track_activity_query_size", "autovacuum_max_workers",
      "huge_pages", "rds.logical_replication", "max_pred_locks_per_transaction", "track_commit_timestamp", "wal_level", "old_snapshot_threshold",
    ]);
    const problems = ofType("aws_db_parameter_group").flatMap((group) =>
      (group.config.parameter ?? [])
        .filter((p: any) => STATIC.has(p.name) && p.apply_method !== "pending-reboot")
        .map((p: any) => `${group.address}: ${p.name} needs apply_method pending-reboot`),
    );
    expect(problems).toEqual([]);
  });

  // rds/instance.go: identifier and final_snapshot_identifier (validIdentifier /
  // validFinalSnapshotIdentifier: a letter first, letters, digits and hyphens, no "--", no
  // trailing "-"; 63 and 255 characters), monitoring_interval one of 0, 1, 5, 10, 15, 30, 60,
  // backup_retention_period 0..35, storage_type gp3 needs at least 20 GiB; engine_version may name
  // the major version alone (compareActualEngineVersion keeps "16" against "16.4" without a diff).
  it("passes the RDS instance validators", () => {
    const identifier = (max: number) => new RegExp(`^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{0,${max - 2}}[a-zA-Z0-9]$`);
    const problems: string[] = [];
    for (const db of ofType("aws_db_instance")) {
      const c = db.config;
      if (!identifier(63).test(c.identifier)) problems.push(`${db.address}: identifier ${c.identifier}`);
      if (!identifier(255).test(c.final_snapshot_identifier)) problems.push(`${db.address}: final_snapshot_identifier ${c.final_snapshot_identifier}`);
      if (![0, 1, 5, 10, 15, 30, 60].includes(c.monitoring_interval)) problems.push(`${db.address}: monitoring_interval ${c.monitoring_interval}`);
      if (c.monitoring_interval > 0 && !c.monitoring_role_arn) problems.push(`${db.address}: enhanced monitoring without a role`);
      if (!(c.backup_retention_period >= 1 && c.backup_retention_period <= 35)) problems.push(`${db.address}: backup_retention_period ${c.backup_retention_period}`);
      if (c.storage_type === "gp3" && c.allocated_storage < 20) problems.push(`${db.address}: gp3 below 20 GiB`);
      if (c.max_allocated_storage !== undefined && c.max_allocated_storage <= c.allocated_storage) problems.push(`${db.address}: max_allocated_storage not above allocated_storage`);
      if (!/^\d+(\.\d+)?$/.test(c.engine_version)) problems.push(`${db.address}: engine_version ${c.engine_version}`);
      if (c.manage_master_user_password && "password" in c) problems.push(`${db.address}: password conflicts with manage_master_user_password`);
    }
    expect(problems).toEqual([]);
  });

  // lambda/function.go: memory_size 128..10240, timeout up to 900, environment variable names
  // [a-zA-Z]([a-zA-Z0-9_])+; Lambda refuses the runtime's reserved names and an environment over
  // 4 KB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
  it("passes the Lambda function validators and environment rules", () => {
    const RESERVED = new Set(["_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"]);
    const problems: string[] = [];
    for (const fn of ofType("aws_lambda_function")) {
      const c = fn.config;
      if (!(c.memory_size >= 128 && c.memory_size <= 10240)) problems.push(`${fn.address}: memory_size ${c.memory_size}`);
      if (!(c.timeout >= 1 && c.timeout <= 900)) problems.push(`${fn.address}: timeout ${c.timeout}`);
      const variables: Record<string, string> = c.environment?.variables ?? {};
      for (const name of Object.keys(variables)) {
        if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(name) || RESERVED.has(name)) problems.push(`${fn.address}: environment variable ${name}`);
      }
      if (resolvedLength(JSON.stringify(variables)) > 4096) problems.push(`${fn.address}: environment over 4 KB`);
    }
    expect(problems).toEqual([]);
  });

  // Fargate task definitions (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html,
  // task_definition_parameters.html): network mode awsvpc; no host path volumes; awslogs needs
  // awslogs-group, awslogs-region and, on Fargate, awslogs-stream-prefix; only SYS_PTRACE may be
  // added to capabilities.
  it("passes Fargate's task definition rules", () => {
    const problems: string[] = [];
    for (const task of ofType("aws_ecs_task_definition")) {
      const c = task.config;
      if (!(c.requires_compatibilities ?? []).includes("FARGATE")) continue;
      if (c.network_mode !== "awsvpc") problems.push(`${task.address}: network_mode ${c.network_mode}`);
      for (const volume of c.volume ?? []) if (volume.host_path) problems.push(`${task.address}: host path volume ${volume.name}`);
      for (const container of JSON.parse(c.container_definitions)) {
        const log = container.logConfiguration;
        if (log?.logDriver === "awslogs") {
          for (const option of ["awslogs-group", "awslogs-region", "awslogs-stream-prefix"]) if (!log.options?.[option]) problems.push(`${task.address} ${container.name}: no ${option}`);
        }
        for (const added of container.linuxParameters?.capabilities?.add ?? []) if (added !== "SYS_PTRACE") problems.push(`${task.address} ${container.name}: adds ${added}`);
        for (const mount of container.mountPoints ?? []) {
          if (!(c.volume ?? []).some((v: any) => v.name === mount.sourceVolume)) problems.push(`${task.address} ${container.name}: mount of undeclared volume ${mount.sourceVolume}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  // ec2/vpc_flow_log.go: max_aggregation_interval one of 60, 600; a CloudWatch Logs destination
  // is the log group's ARN without the ":*" suffix, with an IAM role that flow logs can assume.
  it("passes the VPC flow log rules", () => {
    const problems = ofType("aws_flow_log")
      .filter((f) => ![60, 600].includes(f.config.max_aggregation_interval) || f.config.log_destination_type !== "cloud-watch-logs" || !/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}$/.test(f.config.log_destination) || !f.config.iam_role_arn)
      .map((f) => f.address);
    expect(problems).toEqual([]);
  });

  // Budgets: a TagKeyValue cost filter value is "user:<tag key>$<tag value>" for a user-defined
  // cost allocation tag (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html);
  // budgets/budget.go: name may contain neither ":" nor "\", up to 100 characters.
  it("filters budgets on the TenantID cost allocation tag in the form Budgets expects", () => {
    const problems: string[] = [];
    for (const budget of ofType("aws_budgets_budget")) {
      if (!/^[^:\\]{1,100}$/.test(budget.config.name)) problems.push(`${budget.address}: name ${budget.config.name}`);
      const tenant = output.stacks[budget.stack].provider.aws[0].default_tags[0].tags.TenantID;
      const filters = budget.config.cost_filter ?? [];
      if (!filters.some((f: any) => f.name === "TagKeyValue" && JSON.stringify(f.values) === JSON.stringify([`user:TenantID$${tenant}`]))) problems.push(`${budget.address}: cost filter ${JSON.stringify(filters)}`);
    }
    expect(problems).toEqual([]);
  });

  // SSM PutParameter (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html):
  // names of letters, digits and _.-/ ; a hierarchy of at most 15 levels; not beginning with
  // "aws" or "ssm" (case-insensitive); at most 1,011 characters.
  it("names SSM parameters the way Parameter Store accepts", () => {
    const problems = ofType("aws_ssm_parameter")
      .filter((p) => {
        const name: string = p.config.name;
        return !/^\/[a-zA-Z0-9_.\-/]+$/.test(name) || name.split("/").length - 1 > 15 || /^\/?(aws|ssm)/i.test(name) || name.length > 1011;
      })
      .map((p) => `${p.address}: ${p.config.name}`);
    expect(problems).toEqual([]);
  });

  // s3/bucket_lifecycle_configuration.go: each rule has an id of at most 255 characters and
  // exactly one filter; s3/bucket_server_side_encryption_configuration.go: bucket_key_enabled
  // only means something with aws:kms; ownership BucketOwnerEnforced (no ACLs) and a public
  // access block on every bucket.
  it("configures every bucket's sub-resources the way S3 accepts them", () => {
    const problems: string[] = [];
    for (const bucket of ofType("aws_s3_bucket")) {
      const id = `\${${ref(bucket)}.id}`;
      const sub = (type: string) => ofType(type).filter((r) => r.stack === bucket.stack && r.config.bucket === id);
      for (const lifecycle of sub("aws_s3_bucket_lifecycle_configuration")) {
        for (const rule of lifecycle.config.rule) {
          if (!rule.id || rule.id.length > 255 || (rule.filter ?? []).length !== 1 || rule.prefix !== undefined) problems.push(`${lifecycle.address}: rule ${rule.id}`);
        }
      }
      for (const encryption of sub("aws_s3_bucket_server_side_encryption_configuration")) {
        for (const rule of encryption.config.rule) {
          if (rule.bucket_key_enabled && rule.apply_server_side_encryption_by_default?.sse_algorithm !== "aws:kms") problems.push(`${encryption.address}: bucket key without aws:kms`);
        }
      }
      if (sub("aws_s3_bucket_ownership_controls").length !== 1) problems.push(`${bucket.address}: ownership controls`);
      if (sub("aws_s3_bucket_public_access_block").length !== 1) problems.push(`${bucket.address}: public access block`);
      if (sub("aws_s3_bucket_server_side_encryption_configuration").length !== 1) problems.push(`${bucket.address}: encryption configuration`);
    }
    expect(problems).toEqual([]);
  });

  // EC2 CreateVpcEndpoint fails with "The VPC endpoint service ... does not support the
  // availability zone of the subnet" when a subnet's zone is not among the service's zones, and
  // zone names map to different physical zones in every account: a service offered in most zones
  // of a region (bedrock-runtime, for instance) can miss the zone an account calls "a"
  // (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html). Each
  // interface endpoint takes only the subnets in zones its service lists
  // (data.aws_vpc_endpoint_service.availability_zones); other zones reach it across zones.
  it("places each interface endpoint only in subnets of zones its service supports", () => {
    const problems: string[] = [];
    for (const endpoint of ofType("aws_vpc_endpoint").filter((e) => e.config.vpc_endpoint_type === "Interface")) {
      const lookup = ofType("data.aws_vpc_endpoint_service").find((d) => d.stack === endpoint.stack && d.config.service_name === endpoint.config.service_name);
      const subnets = String(endpoint.config.subnet_ids);
      if (!lookup || !subnets.startsWith("${matchkeys(") || !subnets.includes(`${ref(lookup)}.availability_zones`)) problems.push(`${endpoint.address}: ${subnets}`);
    }
    expect(problems).toEqual([]);
  });

  // logs/group.go: retention_in_days one of CloudWatch's values; kms_key_id must be a key ARN.
  it("gives every log group an allowed retention and a key ARN", () => {
    const ALLOWED = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
    const problems = ofType("aws_cloudwatch_log_group")
      .filter((g) => !ALLOWED.includes(g.config.retention_in_days) || !/^\$\{(aws_kms_key\.[^.]+|data\.aws_ssm_parameter\.[^.]+)\.(arn|insecure_value)\}$/.test(g.config.kms_key_id))
      .map((g) => g.address);
    expect(problems).toEqual([]);
  });
});

describe("roles handed to AWS services", () => {
  // A role's inline policies and attachments are resources of their own; whatever references
  // only the role's ARN can be created before they exist. AWS then uses the role without its
  // permissions: a flow log reports "Access error" delivering to its group, RDS rejects
  // enhanced monitoring ("IAM role ARN value is invalid or does not include the required
  // permissions for: ENHANCED_MONITORING"; rds/instance.go only retries that for the IAM
  // propagation window), and the first ECS tasks cannot pull their image or read their secrets,
  // which with wait_for_steady_state fails the apply. Each user of a role waits for its grants.
  const grantsOf = (stack: string, roleName: string) =>
    resources
      .filter((r) => r.stack === stack && (r.type === "aws_iam_role_policy" || r.type === "aws_iam_role_policy_attachment"))
      .filter((r) => new RegExp(`^\\$\\{aws_iam_role\\.${roleName}\\.(id|name)\\}$`).test(r.config.role))
      .map(ref);
  const roleIn = (value: unknown) => /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(String(value))?.[1];

  it("creates flow logs, database instances and functions only after the policies of the role they are given", () => {
    const problems: string[] = [];
    for (const [type, attribute] of [["aws_flow_log", "iam_role_arn"], ["aws_db_instance", "monitoring_role_arn"], ["aws_lambda_function", "role"]] as const) {
      for (const r of ofType(type)) {
        const role = roleIn(r.config[attribute]);
        if (!role) continue;
        const grants = grantsOf(r.stack, role);
        if (grants.length === 0) problems.push(`${r.address}: role ${role} has no grants`);
        for (const grant of grants) if (!dependsOn(r).includes(grant)) problems.push(`${r.address} does not wait for ${grant}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("starts ECS services only after the policies of their task definition's execution and task roles", () => {
    const problems: string[] = [];
    for (const service of ofType("aws_ecs_service")) {
      const task = ofType("aws_ecs_task_definition").find((t) => t.stack === service.stack && service.config.task_definition === `\${${ref(t)}.arn}`)!;
      for (const attribute of ["execution_role_arn", "task_role_arn"]) {
        const role = roleIn(task.config[attribute])!;
        for (const grant of grantsOf(service.stack, role)) if (!dependsOn(service).includes(grant)) problems.push(`${service.address} does not wait for ${grant}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
