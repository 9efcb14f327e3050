import { resolveModel, ResolvedModel } from "../../config/bedrock-models";
import { TenantInferenceProfiles } from "../../modules/tenant-inference-profiles";
import { all, synthModule } from "../support/module-synth";

const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
const resolve = (model: string, region = "us-east-1", routing: "geographic" | "global" | "in-region" = "geographic") =>
  resolveModel(model, region, "111111111111", routing) as ResolvedModel;

function build(models: ResolvedModel[]) {
  let profiles!: TenantInferenceProfiles;
  const { json } = synthModule((scope) => {
    profiles = new TenantInferenceProfiles(scope, "bedrock", { tenantId: "acme", models, profileName: (m, revision) => `openclaw-acme-${m}-${revision}` });
  });
  return { json, profiles };
}

describe("model resolution (config/bedrock-models.ts)", () => {
  it("copies the geographic profile of the tenant's region by default: us. in the US, eu. in the EU", () => {
    expect(resolve(SONNET).copyFrom).toBe(`arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.${SONNET}`);
    expect(resolve(SONNET).destinationRegions).toEqual(["us-east-1", "us-east-2", "us-west-1", "us-west-2"]);
    expect(resolve(SONNET, "eu-west-1").copyFrom).toBe(`arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu.${SONNET}`);
    expect(resolve(SONNET, "eu-west-1").destinationRegions.every((r) => r.startsWith("eu-"))).toBe(true);
  });

  it("uses a global. profile only when the tenant opts in with bedrockRouting: global", () => {
    expect(resolve(SONNET, "us-east-1", "global")).toMatchObject({ via: "global", destinationRegions: ["*"] });
    expect(resolve(SONNET, "us-east-1", "geographic").via).toBe("geographic");
  });

  it("copies the foundation model itself under in-region routing where it is served on demand", () => {
    expect(resolve(NOVA, "us-east-1", "in-region")).toMatchObject({
      copyFrom: `arn:aws:bedrock:us-east-1::foundation-model/${NOVA}`,
      destinationRegions: ["us-east-1"],
    });
    expect(resolve(NOVA, "us-east-1", "in-region").systemProfileArn).toBeUndefined();
  });
});

describe("TenantInferenceProfiles", () => {
  it("creates one application inference profile per model, copied from its source and tagged with the tenant", () => {
    const { json } = build([resolve(SONNET), resolve(NOVA, "us-east-1", "in-region")]);
    expect(all(json, "aws_bedrock_inference_profile").map((p) => [p.name.replace(/-[0-9a-f]{8}$/, ""), p.model_source, p.tags])).toEqual([
      ["openclaw-acme-claude-sonnet-4-5", [{ copy_from: `arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.${SONNET}` }], { TenantID: "acme" }],
      ["openclaw-acme-nova-pro", [{ copy_from: `arn:aws:bedrock:us-east-1::foundation-model/${NOVA}` }], { TenantID: "acme" }],
    ]);
  });

  it("gives a profile a new name exactly when what forces its replacement changes, and creates it before the old one is destroyed", () => {
    const [geographic] = all(build([resolve(SONNET)]).json, "aws_bedrock_inference_profile");
    const [again] = all(build([resolve(SONNET)]).json, "aws_bedrock_inference_profile");
    const [global] = all(build([resolve(SONNET, "us-east-1", "global")]).json, "aws_bedrock_inference_profile");
    expect(geographic.name).toBe(again.name);
    expect(global.name).not.toBe(geographic.name);
    expect(global.name).toMatch(/^openclaw-acme-claude-sonnet-4-5-[0-9a-f]{8}$/);
    expect(geographic.lifecycle).toEqual({ create_before_destroy: true });
  });

  it("describes a profile in the characters CreateInferenceProfile accepts (no parentheses)", () => {
    const [profile] = all(build([resolve(SONNET)]).json, "aws_bedrock_inference_profile");
    expect(profile.description).toBe(`OpenClaw tenant acme model ${SONNET} via geographic`);
  });

  it("hands agents each profile ARN as BEDROCK_PROFILE_<MODEL>", () => {
    const { profiles } = build([resolve(SONNET)]);
    expect(Object.keys(profiles.environmentVariables())).toEqual(["BEDROCK_PROFILE_CLAUDE_SONNET_4_5"]);
  });

  it("grants the foundation model in every region the profile routes to, only through the tenant's own profile", () => {
    const { profiles } = build([resolve(SONNET)]);
    const [own, system, model] = profiles.invokeStatements();
    expect(own.Resource).toEqual([profiles.profileArns[SONNET]]);
    expect(system.Resource).toEqual([`arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.${SONNET}`]);
    expect(model.Resource).toEqual(["us-east-1", "us-east-2", "us-west-1", "us-west-2"].map((r) => `arn:aws:bedrock:${r}::foundation-model/${SONNET}`));
    expect(model.Condition).toEqual({ ArnEquals: { "bedrock:InferenceProfileArn": profiles.profileArns[SONNET] } });
  });

  it("grants nothing for a tenant without models", () => {
    expect(build([]).profiles.invokeStatements()).toEqual([]);
  });

  it("fails on a profile name Bedrock would reject", () => {
    expect(() =>
      synthModule((scope) => new TenantInferenceProfiles(scope, "b", { tenantId: "a--b", models: [resolve(SONNET)], profileName: (m) => `openclaw-a--b-${m}` })),
    ).toThrow('TenantInferenceProfiles a--b: profile name "openclaw-a--b-claude-sonnet-4-5" must be 1-64 letters, digits and single hyphens');
  });
});
