/**
 * Which Bedrock resource a tenant's application inference profile copies, per model and region.
 *
 * Recent models (Claude Sonnet 4.5, Haiku 4.5, ...) cannot be invoked on demand by their
 * foundation-model id: only through a system-defined inference profile (`us.`, `eu.`, `apac.`,
 * `global.` + model id). A per-tenant *application* inference profile copies one of those (or, for
 * a model that is served on demand in the region, the foundation model itself), carries the
 * tenant's tags, so Bedrock spend lands on the tenant's TenantID cost-allocation tag, and is the
 * only thing the tenant's task roles may invoke.
 *
 * Data residency. A tenant names one region; a geographic profile keeps requests inside that
 * region's geography (`us.` routes among US regions only, `eu.` among EU regions only), which is
 * what the default `bedrockRouting: geographic` picks. `global.` profiles route to any commercial
 * region and are used only when the tenant file says `bedrockRouting: global`. `in-region` uses
 * only foundation models served on demand in the tenant's own region and rejects the rest.
 *
 * Source: https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
 * (source and destination regions per profile) and
 * https://docs.aws.amazon.com/bedrock/latest/userguide/models-regions.html (on-demand regions),
 * as of 2026-11-15. A model or region missing here is rejected by the loader; add it here,
 * with the regions from those pages, to allow it.
 */

export const BEDROCK_ROUTINGS = ["geographic", "global", "in-region"] as const;
export type BedrockRouting = (typeof BEDROCK_ROUTINGS)[number];

/** A system-defined cross-region profile: who may call it and where it sends requests. */
export interface CrossRegionProfile {
  /** Regions a caller may invoke the profile from. */
  readonly sourceRegions: readonly string[];
  /** Regions the profile routes requests to ("*": every commercial region). */
  readonly destinationRegions: readonly string[] | "*";
}

export interface BedrockModel {
  /** Short name for environment variables and profile names: BEDROCK_PROFILE_<NAME>. */
  readonly shortName: string;
  /** Geographic profiles by prefix (`us`, `eu`, `apac`). */
  readonly geographic: Readonly<Record<string, CrossRegionProfile>>;
  /** The `global.` profile, where the model has one. */
  readonly global?: CrossRegionProfile;
  /** Regions serving the foundation model on demand without a profile. */
  readonly onDemandRegions: readonly string[];
}

const US_4 = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"];
const EU_6 = ["eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"];
const APAC_CLAUDE_45 = ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-4"];
const geo = (regions: readonly string[]): CrossRegionProfile => ({ sourceRegions: regions, destinationRegions: regions });
const GLOBAL: CrossRegionProfile = { sourceRegions: [...US_4, ...EU_6, ...APAC_CLAUDE_45], destinationRegions: "*" };

export const BEDROCK_MODELS: Readonly<Record<string, BedrockModel>> = {
  "anthropic.claude-sonnet-4-5-20250929-v1:0": {
    shortName: "claude-sonnet-4-5",
    geographic: { us: geo(US_4), eu: geo(EU_6), apac: geo(APAC_CLAUDE_45) },
    global: GLOBAL,
    onDemandRegions: [],
  },
  "anthropic.claude-haiku-4-5-20251001-v1:0": {
    shortName: "claude-haiku-4-5",
    geographic: { us: geo(US_4), eu: geo(EU_6), apac: geo(APAC_CLAUDE_45) },
    global: GLOBAL,
    onDemandRegions: [],
  },
  "anthropic.claude-3-5-haiku-20241022-v1:0": {
    shortName: "claude-3-5-haiku",
    geographic: { us: geo(["us-east-1", "us-east-2", "us-west-2"]) },
    onDemandRegions: ["us-west-2"],
  },
  "amazon.nova-pro-v1:0": {
    shortName: "nova-pro",
    geographic: {
      us: geo(["us-east-1", "us-east-2", "us-west-2"]),
      eu: geo(["eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"]),
    },
    onDemandRegions: ["us-east-1"],
  },
  "amazon.nova-lite-v1:0": {
    shortName: "nova-lite",
    geographic: {
      us: geo(["us-east-1", "us-east-2", "us-west-2"]),
      eu: geo(["eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"]),
    },
    onDemandRegions: ["us-east-1"],
  },
};

/** What a tenant's application inference profile for one model copies and reaches. */
export interface ResolvedModel {
  readonly modelId: string;
  readonly shortName: string;
  /** `inference-profile/us.<model>` or `foundation-model/<model>` ARN the profile copies. */
  readonly copyFrom: string;
  /** The system-defined profile ARN when `copyFrom` is one (invoked under the hood). */
  readonly systemProfileArn?: string;
  /** Regions the profile may send requests to; `*` for a global profile. */
  readonly destinationRegions: readonly string[];
  readonly via: "geographic" | "global" | "foundation-model";
}

/** The geography prefix of a region: us-east-1 → us, eu-west-1 → eu, ap-south-1 → apac. */
export function geographyOf(region: string): string | undefined {
  if (region.startsWith("us-")) return "us";
  if (region.startsWith("eu-")) return "eu";
  if (region.startsWith("ap-")) return "apac";
  return undefined;
}

/**
 * Resolves one model for a tenant's region and routing, or returns why it cannot be used there
 * (the loader prints that after `bedrockModels[i]:`).
 */
export function resolveModel(modelId: string, region: string, accountId: string, routing: BedrockRouting): ResolvedModel | string {
  const model = BEDROCK_MODELS[modelId];
  if (!model) return `one of the models in config/bedrock-models.ts (${Object.keys(BEDROCK_MODELS).join(", ")}) (got "${modelId}")`;
  const foundation = (): ResolvedModel => ({
    modelId,
    shortName: model.shortName,
    copyFrom: `arn:aws:bedrock:${region}::foundation-model/${modelId}`,
    destinationRegions: [region],
    via: "foundation-model",
  });
  const profile = (prefix: string, p: CrossRegionProfile, via: "geographic" | "global"): ResolvedModel => {
    const systemProfileArn = `arn:aws:bedrock:${region}:${accountId}:inference-profile/${prefix}.${modelId}`;
    return { modelId, shortName: model.shortName, copyFrom: systemProfileArn, systemProfileArn, destinationRegions: p.destinationRegions === "*" ? ["*"] : p.destinationRegions, via };
  };
  if (routing === "global" && model.global?.sourceRegions.includes(region)) return profile("global", model.global, "global");
  if (routing !== "in-region") {
    const geography = geographyOf(region);
    const geographic = geography ? model.geographic[geography] : undefined;
    if (geographic?.sourceRegions.includes(region)) return profile(geography!, geographic, "geographic");
  }
  if (model.onDemandRegions.includes(region)) return foundation();
  const options = [
    ...(routing !== "in-region" ? Object.entries(model.geographic).map(([g, p]) => `${g}. profile from ${p.sourceRegions.join(", ")}`) : []),
    ...(model.onDemandRegions.length > 0 ? [`on demand in ${model.onDemandRegions.join(", ")}`] : []),
    ...(routing === "global" && model.global ? [`global. profile from ${model.global.sourceRegions.join(", ")}`] : []),
  ];
  return `${modelId} has no ${routing === "in-region" ? "on-demand foundation model" : "usable profile"} in ${region} with bedrockRouting ${routing} (available: ${options.join("; ") || "nowhere"})`;
}
