// Enforces SECURITY.md C43 (the table "Enforcing tests" there lists this file).
/**
 * Provider and API rules, round 3 (issue #26): what breaks the first apply on a new account, what
 * breaks a later apply or replaces something stateful, and what applies cleanly but does the wrong
 * thing. Same contract as test/provider-rules.test.ts: every rule runs over every synthesized
 * stack (every lifecycle status of the example tenants), names the provider source
 * (hashicorp/terraform-provider-aws 6.x, internal/service/<svc>/<file>.go) or AWS page it comes
 * from, and lists every offending address.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { databaseChangeNotes } from "../capacity/database-changes";
import { checkCapacity } from "../capacity/gate";
import { costAllocationTagNotices } from "../cost/allocation-tag-notice";
import { alarmRoutingNotices } from "../config/alarm-routing";
import { alarmRoutingOf } from "../audit/alarm-routing";
import { evaluate } from "../audit/iam";
import { roleStatements, settingsForEnvironment } from "./bootstrap/pipeline-roles-support";
import { goMarshalledExpression } from "../modules/cost-anomaly-expression";
import { readSynthesizedStacks } from "../synth/synth-output";
import { writeCdktfJson } from "./support/tenant-fixtures";
import { FIXTURE_CDKTF_JSON } from "./support/fixtures";
import { synthesize, allResources, resourcesOfType, SynthesizedResource, SynthOutput } from "./support/synth";
import { botocoreAvailable, inputConstraints } from "./support/botocore";

const output: SynthOutput = synthesize();
const resources = allResources(output);
const ofType = (type: string) => resourcesOfType(output, type);
const ref = (r: SynthesizedResource) => r.address.slice(r.address.indexOf(":") + 1);
const dependsOn = (r: SynthesizedResource): string[] => r.config.depends_on ?? [];
const environmentOf = (stack: string, o: SynthOutput = output) => o.stacks[stack].provider.aws[0].default_tags[0].tags.Environment as string;

describe("aws_bedrock_inference_profile", () => {
  const profiles = ofType("aws_bedrock_inference_profile");
  /**
   * CreateInferenceProfile's `description` (botocore data bedrock/2023-04-20/service-2.json,
   * InferenceProfileDescription): 1-200 characters of `([0-9a-zA-Z:.][ _-]?)+`, which AWS matches
   * against the whole value. bedrock/inference_profile.go checks only the length
   * (stringvalidator.LengthBetween(1, 200)), so plan passes and apply fails.
   */
  const DESCRIPTION_PATTERN = "([0-9a-zA-Z:.][ _-]?)+";

  it("exists in the example stacks (the rules below check something)", () => {
    expect(profiles.length).toBeGreaterThan(1);
  });

  (botocoreAvailable() ? it : it.skip)("pins the description pattern botocore's model has", () => {
    expect(inputConstraints("bedrock", "CreateInferenceProfile", "description")).toMatchObject({ min: 1, max: 200, pattern: DESCRIPTION_PATTERN });
  });

  it("writes every description in the characters CreateInferenceProfile accepts", () => {
    const whole = new RegExp(`^${DESCRIPTION_PATTERN}$`);
    const problems = profiles
      .filter((p) => !whole.test(p.config.description) || p.config.description.length > 200)
      .map((p) => `${p.address}: ${p.config.description}`);
    expect(problems).toEqual([]);
  });

  // bedrock/inference_profile.go: model_source and description RequiresReplace(); the name is
  // unique in the account and region. With a fixed name Terraform must delete the old profile
  // before it can create the new one, while running tasks still invoke the old ARN. A name that
  // changes with what forces the replacement, and create_before_destroy, let the new profile,
  // the task definitions that name it and the rolling deployment (wait_for_steady_state) finish
  // before the old profile is deleted.
  it("replaces a profile without a gap: create_before_destroy and a name derived from what forces replacement", () => {
    const problems: string[] = [];
    for (const p of profiles) {
      const revision = createHash("sha256").update(JSON.stringify([p.config.model_source, p.config.description])).digest("hex").slice(0, 8);
      if (p.config.lifecycle?.create_before_destroy !== true) problems.push(`${p.address}: no create_before_destroy`);
      if (!String(p.config.name).endsWith(`-${revision}`)) problems.push(`${p.address}: name ${p.config.name} does not end in -${revision}`);
    }
    expect(problems).toEqual([]);
  });
});

describe("aws_ce_cost_allocation_tag (first apply on a new account)", () => {
  // ce/cost_allocation_tag.go: Create is UpdateCostAllocationTagsStatus followed by a Read through
  // ListCostAllocationTags(TagKeys), and a new resource whose key is not listed is an error
  // (`!d.IsNewResource() && NotFound` removes it from state only on later reads). AWS lists a key
  // only after it appeared on a resource in billing data, up to 24 hours later
  // (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html); TenantID
  // first appears on tenant resources, which deploy after the platform. So the activation may be
  // in no stack of an environment that has not said the keys are listed.
  const raw = JSON.parse(readFileSync(FIXTURE_CDKTF_JSON, "utf8")).context.environments as Record<string, Record<string, unknown>>;

  it("activates tags only in environments that opted in explicitly, never by default", () => {
    const problems = ofType("aws_ce_cost_allocation_tag")
      .filter((t) => raw[environmentOf(t.stack)]?.activateCostAllocationTags !== true)
      .map((t) => `${t.address}: ${environmentOf(t.stack)} did not set activateCostAllocationTags: true`);
    expect(Object.keys(raw).length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it("tells the operator when to turn the activation on, for each environment that has it off", () => {
    const notices = costAllocationTagNotices(output.config.environments);
    expect(notices.map((n) => n.split(":")[0]).sort()).toEqual(Object.keys(output.config.environments).filter((e) => !output.config.environments[e].activateCostAllocationTags).sort());
    expect(notices[0]).toContain("aws ce list-cost-allocation-tags --tag-keys TenantID");
  });
});

describe("aws_ce_anomaly_monitor at fleet size and in member accounts", () => {
  // The example environments use the default (`account`); a variant turns production to
  // `per-tenant` so the rules below also see tag monitors.
  const perTenant = synthesize(undefined, writeCdktfJson((production) => (production.costAnomalies = { monitors: "per-tenant" })));
  const monitors = [...ofType("aws_ce_anomaly_monitor"), ...allResources(perTenant).filter((r) => r.type === "aws_ce_anomaly_monitor")];
  const modeOf = (o: SynthOutput, stack: string) => o.config.environments[environmentOf(stack, o)].costAnomalies.monitors;

  it("exists in the synthesized stacks of both modes", () => {
    expect(monitors.some((m) => m.config.monitor_type === "CUSTOM")).toBe(true);
    expect(monitors.some((m) => m.config.monitor_type === "DIMENSIONAL")).toBe(true);
  });

  // Monitors on cost-allocation tags can only be created in the management account
  // (https://docs.aws.amazon.com/cost-management/latest/userguide/getting-started-ad.html, Note),
  // and an account has one AWS services monitor and at most 500 custom monitors
  // (https://aws.amazon.com/aws-cost-management/aws-cost-anomaly-detection/faqs/). The default
  // works in a member account at any fleet size: one services monitor per account, no tag monitor.
  it("creates tag monitors only where the environment chose per-tenant, and one services monitor per account otherwise", () => {
    const problems: string[] = [];
    for (const [output_, label] of [[output, "example"], [perTenant, "per-tenant variant"]] as const) {
      const found = allResources(output_).filter((r) => r.type === "aws_ce_anomaly_monitor");
      for (const m of found) {
        const mode = modeOf(output_, m.stack);
        if (m.config.monitor_type === "CUSTOM" && mode !== "per-tenant") problems.push(`${label} ${m.address}: tag monitor in a ${mode} environment`);
        if (m.config.monitor_type === "DIMENSIONAL" && (mode !== "account" || m.config.monitor_dimension !== "SERVICE")) problems.push(`${label} ${m.address}: services monitor in a ${mode} environment`);
      }
      for (const env of Object.keys(output_.config.environments)) {
        const services = found.filter((m) => m.config.monitor_type === "DIMENSIONAL" && environmentOf(m.stack, output_) === env).length;
        const expected = output_.config.environments[env].costAnomalies.monitors === "account" ? 1 : 0;
        if (services !== expected) problems.push(`${label} ${env}: ${services} services monitors, expected ${expected}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("counts monitors in the capacity model, so tenant 501 of a per-tenant account stops the synth", () => {
    const limited = synthesize(undefined, writeCdktfJson((production) => {
      production.costAnomalies = { monitors: "per-tenant" };
      production.quotas = { costAnomalyCustomMonitors: 1 };
    }));
    const verdict = checkCapacity(readSynthesizedStacks(limited.outdir), limited.config.environments);
    expect(verdict.breaches).toEqual([expect.stringMatching(/Cost Anomaly Detection custom monitors/)]);
    const services = checkCapacity(readSynthesizedStacks(output.outdir), output.config.environments).rows.filter((r) => r.title === "Cost Anomaly Detection AWS services monitors");
    expect(services.map((r) => [r.environment, r.used, r.limit])).toEqual([["production", 1, 1], ["staging", 1, 1]]);
  });

  // ce/anomaly_monitor.go resourceAnomalyMonitorRead stores json.Marshal(monitor.MonitorSpecification)
  // (aws-sdk-go-v2 costexplorer/types.Expression: no omitempty, so `"And":null,...`);
  // monitor_specification is ForceNew and verify.SuppressEquivalentJSONDiffs -> JSONStringsEqual
  // compares decoded values with reflect.DeepEqual. Anything but that exact form is replaced on
  // every plan, including the daily drift run, which resets the monitor's history.
  it("writes every monitor_specification in the form the provider stores (Go's null keys), so no plan replaces it", () => {
    const withSpecification = monitors.filter((m) => m.config.monitor_specification !== undefined);
    expect(withSpecification.length).toBeGreaterThan(0);
    const problems = withSpecification
      .filter((m) => JSON.stringify(JSON.parse(m.config.monitor_specification)) !== goMarshalledExpression(m.config.monitor_specification))
      .map((m) => `${m.address}: ${m.config.monitor_specification}`);
    expect(problems).toEqual([]);
  });
});

describe("aws_subnet zones", () => {
  const subnets = ofType("aws_subnet");

  it("exists in the example stacks (the rules below check something)", () => {
    expect(subnets.length).toBeGreaterThanOrEqual(6);
  });

  // ec2/vpc_subnet.go: availability_zone and availability_zone_id are both ForceNew. A zone taken
  // by index from data.aws_availability_zones (which lists only zones in state `available`)
  // moves when any zone before it is briefly not available, and the plan replaces every subnet
  // after it, with the database subnet group, NAT gateways, endpoints and the provisioner. A
  // literal zone id names the same physical zone in every account and moves only when cdktf.json does.
  it("pins every subnet to a literal zone id of its region, and reads no zone list at plan time", () => {
    const problems: string[] = [];
    for (const subnet of subnets) {
      const id = subnet.config.availability_zone_id;
      if (subnet.config.availability_zone !== undefined) problems.push(`${subnet.address}: availability_zone ${subnet.config.availability_zone}`);
      if (typeof id !== "string" || !/^[a-z]{2,6}\d-az\d{1,2}$/.test(id)) problems.push(`${subnet.address}: availability_zone_id ${id}`);
    }
    for (const zones of ofType("data.aws_availability_zones")) problems.push(`${zones.address}: zone list read at plan time`);
    expect(problems).toEqual([]);
  });

  it("spreads each tier over availabilityZoneCount distinct zones", () => {
    const problems: string[] = [];
    for (const stack of Object.keys(output.stacks).filter((s) => s.startsWith("platform-"))) {
      const [, env, ...regionParts] = stack.split("-");
      const region = regionParts.join("-");
      const count = output.config.environments[env].regions[region].availabilityZoneCount;
      for (const tier of ["public", "private", "isolated"]) {
        const ids = subnets.filter((s) => s.stack === stack && s.address.includes(`network_${tier}-`)).map((s) => s.config.availability_zone_id);
        if (ids.length !== count || new Set(ids).size !== count) problems.push(`${stack} ${tier}: ${ids.join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("the platform database", () => {
  const instances = ofType("aws_db_instance");

  it("exists in every platform stack (the rules below check something)", () => {
    expect(instances.length).toBe(Object.keys(output.stacks).filter((s) => s.startsWith("platform-")).length);
  });

  // rds/parameter_group.go: name, name_prefix, family and description are ForceNew and the name
  // is unique per account and region. With create_before_destroy and a fixed name, Terraform
  // creates the replacement under the same name first: CreateDBParameterGroup fails with
  // DBParameterGroupAlreadyExists. The instance's parameter_group_name switches at once
  // (ModifyDBInstance DBParameterGroupName: "the parameter group name itself is changed
  // immediately"), so the old group is free to delete afterwards.
  it("gives every parameter group replaced before destroy a name its replacement cannot collide with", () => {
    const problems = ofType("aws_db_parameter_group")
      .filter((g) => g.config.lifecycle?.create_before_destroy === true)
      .filter((g) => g.config.name !== undefined || typeof g.config.name_prefix !== "string")
      .map((g) => `${g.address}: name ${g.config.name}, name_prefix ${g.config.name_prefix}`);
    expect(ofType("aws_db_parameter_group").length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  // enabled_cloudwatch_logs_exports makes RDS write to /aws/rds/instance/<id>/<log> and create the
  // group itself when it does not exist: no KMS key, never-expiring retention
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html).
  // log_min_duration_statement puts slow statements with their literals there. Each export's group
  // is declared with the platform key and a retention, and the instance waits for it; the key's
  // policy lets CloudWatch Logs use it for those groups.
  it("declares each exported log group with a KMS key and a retention, before the instance, under a key that admits it", () => {
    const problems: string[] = [];
    for (const db of instances) {
      for (const log of db.config.enabled_cloudwatch_logs_exports ?? []) {
        const name = `/aws/rds/instance/${db.config.identifier}/${log}`;
        const group = resources.find((r) => r.stack === db.stack && r.type === "aws_cloudwatch_log_group" && r.config.name === name);
        if (!group) {
          problems.push(`${db.address}: no log group ${name}`);
          continue;
        }
        if (!group.config.kms_key_id || !group.config.retention_in_days) problems.push(`${group.address}: key ${group.config.kms_key_id}, retention ${group.config.retention_in_days}`);
        if (!dependsOn(db).includes(ref(group))) problems.push(`${db.address} does not wait for ${ref(group)}`);
        const key = resources.find((r) => r.stack === db.stack && r.type === "aws_kms_key" && group.config.kms_key_id === `\${${ref(r)}.arn}`);
        const region = output.stacks[db.stack].provider.aws[0].region;
        const arn = `arn:aws:logs:${region}:${output.config.environments[environmentOf(db.stack)].accountId}:log-group:${name}`;
        const admitted = key && JSON.parse(key.config.policy).Statement.some((st: any) =>
          [st.Principal?.Service].flat().includes(`logs.${region}.amazonaws.com`) &&
          [st.Condition?.ArnLike?.["kms:EncryptionContext:aws:logs:arn"]].flat().some((p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(arn)),
        );
        if (!admitted) problems.push(`${group.address}: its key does not let CloudWatch Logs encrypt ${arn}`);
      }
    }
    expect(problems).toEqual([]);
  });

  // rds/instance.go: apply_immediately defaults to false, and ModifyDBInstance then defers a new
  // class, Multi-AZ or storage to the maintenance window, while the capacity gate and the
  // connections alarm use the class in the stack at once. The choice is written explicitly from
  // cdktf.json, and `npm run capacity` says which applies.
  it("writes apply_immediately from cdktf.json on every instance, and the capacity output states its consequence", () => {
    const problems = instances
      .filter((db) => {
        const [, env, ...region] = db.stack.split("-");
        return db.config.apply_immediately !== output.config.environments[env].regions[region.join("-")].database.applyImmediately;
      })
      .map((db) => `${db.address}: apply_immediately ${db.config.apply_immediately}`);
    expect(problems).toEqual([]);
    const notes = databaseChangeNotes(output.stacks);
    expect(notes).toHaveLength(instances.length);
    expect(notes.every((n) => /applyImmediately (true|false): /.test(n))).toBe(true);
  });
});

describe("Lambda functions invoked asynchronously", () => {
  // EventBridge invokes its Lambda targets asynchronously; Lambda retries a failed asynchronous
  // invocation twice and then discards the event unless the function has an on-failure
  // destination or a dead-letter queue or topic
  // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). Each
  // such function records failures somewhere an alarm to the alarm topic watches.
  it("gives every function an EventBridge rule targets a failure destination with an alarm on it", () => {
    const targets = ofType("aws_cloudwatch_event_target");
    expect(targets.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const fn of ofType("aws_lambda_function").filter((f) => targets.some((t) => t.stack === f.stack && t.config.arn === `\${${ref(f)}.arn}`))) {
      const config = ofType("aws_lambda_function_event_invoke_config").find((c) => c.stack === fn.stack && c.config.function_name === `\${${ref(fn)}.function_name}`);
      const destination: string | undefined = config?.config.destination_config?.on_failure?.destination ?? fn.config.dead_letter_config?.target_arn;
      const target = destination && [...ofType("aws_sqs_queue"), ...ofType("aws_sns_topic")].find((t) => t.stack === fn.stack && destination === `\${${ref(t)}.arn}`);
      if (!target) {
        problems.push(`${fn.address}: no failure destination (got ${destination})`);
        continue;
      }
      const [namespace, dimension] = target.type === "aws_sqs_queue" ? ["AWS/SQS", "QueueName"] : ["AWS/SNS", "TopicName"];
      const alarmed = ofType("aws_cloudwatch_metric_alarm").some(
        (a) => a.stack === fn.stack && a.config.namespace === namespace && a.config.dimensions?.[dimension] === `\${${ref(target)}.name}` && (a.config.alarm_actions ?? []).length > 0,
      );
      if (!alarmed) problems.push(`${target.address}: no alarm on failed invocations`);
      // The function's role publishes the record; its permissions boundary must allow that too.
      if (target.type === "aws_sns_topic") {
        const region = output.stacks[fn.stack].provider.aws[0].region;
        const arn = `arn:aws:sns:${region}:${output.config.environments[environmentOf(fn.stack)].accountId}:${target.config.name}`;
        const roleName = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(fn.config.role)?.[1];
        const role = ofType("aws_iam_role").find((r) => r.stack === fn.stack && ref(r) === `aws_iam_role.${roleName}`);
        const boundary = ofType("aws_iam_policy").find((p) => p.stack === fn.stack && role?.config.permissions_boundary === `\${${ref(p)}.arn}`);
        const allowed = boundary && JSON.parse(boundary.config.policy).Statement.some((st: any) => st.Effect === "Allow" && [st.Action].flat().includes("sns:Publish") && [st.Resource].flat().includes(arn));
        if (!allowed) problems.push(`${fn.address}: its role's boundary does not allow sns:Publish on ${arn}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("alarm routing (aws_sns_topic_subscription)", () => {
  const subscriptions = ofType("aws_sns_topic_subscription");

  it("exists in the example stacks (the rules below check something)", () => {
    expect(subscriptions.some((s) => s.stack.startsWith("platform-"))).toBe(true);
    expect(subscriptions.some((s) => s.stack.startsWith("tenant-"))).toBe(true);
  });

  // Every CloudWatch alarm and anomaly subscription of the stacks publishes to the platform's
  // alarm topic; SNS delivers only to subscriptions, and none existed. Each platform stack
  // subscribes exactly the environment's alarmSubscriptions to its alarm topic.
  it("subscribes every platform alarm topic to exactly the environment's configured endpoints", () => {
    const problems: string[] = [];
    for (const stack of Object.keys(output.stacks).filter((s) => s.startsWith("platform-"))) {
      const topic = ofType("aws_sns_topic").find((t) => t.stack === stack && t.address.includes("alarms_topic"))!;
      const got = subscriptions.filter((s) => s.stack === stack && s.config.topic_arn === `\${${ref(topic)}.arn}`).map((s) => `${s.config.protocol} ${s.config.endpoint}`).sort();
      const want = output.config.environments[environmentOf(stack)].alarmSubscriptions.map((s) => `${s.protocol} ${s.endpoint}`).sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${stack}: ${got.join(", ")} instead of ${want.join(", ")}`);
    }
    expect(problems).toEqual([]);
  });

  // SNS payload-based filtering (https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html,
  // filter_policy_scope MessageBody) on the CloudWatch notification's AlarmName: a tenant's
  // subscriber receives its own alarms and nothing of any other tenant (exact names; a prefix
  // would let `acme` hear `acme-corp`).
  it("delivers to a tenant's own subscribers exactly the tenant's alarms", () => {
    const problems: string[] = [];
    for (const sub of subscriptions.filter((s) => s.stack.startsWith("tenant-"))) {
      const own = ofType("aws_cloudwatch_metric_alarm").filter((a) => a.stack === sub.stack).map((a) => a.config.alarm_name).sort();
      const policy = sub.config.filter_policy ? JSON.parse(sub.config.filter_policy) : undefined;
      if (sub.config.filter_policy_scope !== "MessageBody" || JSON.stringify(policy) !== JSON.stringify({ AlarmName: own })) problems.push(`${sub.address}: ${sub.config.filter_policy_scope} ${sub.config.filter_policy}`);
      const tenant = output.config.tenants.find((t) => `tenant-${t.id}` === sub.stack)!;
      if (sub.config.protocol !== "email" || !tenant.alarmEmails.includes(sub.config.endpoint)) problems.push(`${sub.address}: ${sub.config.endpoint} is not in the tenant file`);
    }
    expect(problems).toEqual([]);
  });

  it("shows in the tenant audit who receives each tenant's alarms, and says so when nobody does", () => {
    for (const tenant of output.config.tenants) {
      const stack = `tenant-${tenant.id}`;
      const routing = alarmRoutingOf(output.stacks[stack], output.stacks[`platform-${tenant.environment}-${tenant.region}`]);
      expect(routing.alarms.length).toBeGreaterThan(0);
      expect(routing.environmentSubscribers).toEqual(output.config.environments[tenant.environment].alarmSubscriptions.map((s) => `${s.protocol} ${s.endpoint}`));
      expect(routing.unrouted).toEqual([]);
    }
    const nobody = alarmRoutingOf(output.stacks["tenant-initech"], undefined);
    expect(nobody.unrouted).toEqual(nobody.alarms);
    expect(alarmRoutingNotices({ ...output.config.environments, lonely: { ...output.config.environments.staging, alarmSubscriptions: [] } })).toEqual([
      expect.stringMatching(/^lonely: alarms reach nobody: add environments\.lonely\.alarmSubscriptions/),
    ]);
  });
});

describe("spend stop and destroy (offboarding, stopAtPercent off)", () => {
  const actions = ofType("aws_budgets_budget_action");

  it("exists in the example stacks (the rules below check something)", () => {
    expect(actions.length).toBeGreaterThan(0);
  });

  // AWS Budgets attaches the spend-stop policy to the task roles outside Terraform. On destroy,
  // iam/role.go detaches managed policies only with force_detach_policies, and iam/policy.go
  // (resourcePolicyDelete) deletes non-default versions and calls DeletePolicy without
  // detaching: either fails with DeleteConflict while the stop is attached. So every role the
  // action names is force-detached and destroyed before the policy (depends_on), and the deploy
  // role may detach exactly that policy from exactly those roles.
  it("force-detaches every role a spend stop can attach to, and destroys it before the policy", () => {
    const problems: string[] = [];
    for (const action of actions) {
      const definition = action.config.definition.iam_action_definition;
      const policy = ofType("aws_iam_policy").find((p) => p.stack === action.stack && definition.policy_arn === `\${${ref(p)}.arn}`)!;
      for (const roleRef of definition.roles as string[]) {
        const role = ofType("aws_iam_role").find((r) => r.stack === action.stack && roleRef === `\${${ref(r)}.name}`);
        if (!role) problems.push(`${action.address}: role ${roleRef} is not a role of the stack`);
        else if (role.config.force_detach_policies !== true || !dependsOn(role).includes(ref(policy))) problems.push(`${role.address}: force_detach ${role.config.force_detach_policies}, depends_on ${dependsOn(role).join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("lets the deploy role detach a tenant's spend stop from its task roles, and no other policy", () => {
    const problems: string[] = [];
    for (const action of actions) {
      const env = environmentOf(action.stack);
      const account = output.config.environments[env].accountId;
      const deploy = roleStatements(settingsForEnvironment(output, env)).deploy;
      const tenant = output.stacks[action.stack].provider.aws[0].default_tags[0].tags.TenantID;
      const ask = (policyArn: string, role: string) =>
        evaluate(deploy, { action: "iam:DetachRolePolicy", resource: `arn:aws:iam::${account}:role/${role}`, context: { "iam:PolicyARN": policyArn } }).decision;
      const stop = `arn:aws:iam::${account}:policy/openclaw-${tenant}-spend-stop`;
      for (const roleRef of action.config.definition.iam_action_definition.roles as string[]) {
        const name = ofType("aws_iam_role").find((r) => r.stack === action.stack && roleRef === `\${${ref(r)}.name}`)!.config.name;
        if (ask(stop, name) !== "allow") problems.push(`${action.address}: may not detach ${stop} from ${name}`);
        if (ask(`arn:aws:iam::${account}:policy/openclaw-${tenant}-other`, name) === "allow") problems.push(`${action.address}: may detach any policy from ${name}`);
      }
      if (ask(stop, `openclaw-${tenant}-execution`) === "allow") problems.push(`${action.address}: may detach the stop from the execution role`);
    }
    expect(problems).toEqual([]);
  });
});
