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
import { join } from "node:path";
import { costAllocationTagNotices } from "../cost/allocation-tag-notice";
import { synthesize, REPO_ROOT, resourcesOfType, SynthOutput } from "./support/synth";
import { botocoreAvailable, inputConstraints } from "./support/botocore";

const output: SynthOutput = synthesize();
const ofType = (type: string) => resourcesOfType(output, type);
const environmentOf = (stack: string) => output.stacks[stack].provider.aws[0].default_tags[0].tags.Environment as string;

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
  const raw = JSON.parse(readFileSync(join(REPO_ROOT, "cdktf.json"), "utf8")).context.environments as Record<string, Record<string, unknown>>;

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
