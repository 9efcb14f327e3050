import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { BedrockInferenceProfile } from "@cdktf/provider-aws/lib/bedrock-inference-profile";
import type { ResolvedModel } from "../config/bedrock-models";
import type { PolicyStatement } from "./iam-policy-document";
import { BEDROCK_INVOKE_ACTIONS, INFERENCE_PROFILE_ARN_KEY, TENANT_RESOURCE_TAG } from "./tenant-permissions-boundary";

/** CreateInferenceProfile's inferenceProfileName: 1-64 characters, `([0-9a-zA-Z][ _-]?)+`. */
const PROFILE_NAME = /^([0-9a-zA-Z][ _-]?)+$/;
/**
 * CreateInferenceProfile's description: 1-200 characters, `([0-9a-zA-Z:.][ _-]?)+` over the whole
 * value (botocore bedrock InferenceProfileDescription); the provider checks only the length.
 */
const PROFILE_DESCRIPTION = /^([0-9a-zA-Z:.][ _-]?)+$/;

/**
 * Bedrock runtime metrics (https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html):
 * per `ModelId`, which for a call through an application inference profile is the profile's id
 * (the last part of its ARN, the provider's `id`: bedrock/inference_profile.go flattens
 * GetInferenceProfile's InferenceProfileId into it). To be confirmed on a real account.
 */
export const BEDROCK_METRICS = {
  namespace: "AWS/Bedrock",
  dimension: "ModelId",
  invocations: "Invocations",
  inputTokens: "InputTokenCount",
  outputTokens: "OutputTokenCount",
} as const;

export interface TenantInferenceProfilesProps {
  readonly tenantId: string;
  /** The tenant's models, resolved for its region and routing by config/bedrock-models.ts. */
  readonly models: readonly ResolvedModel[];
  /**
   * Profile name for a model's short name and a revision (from naming.ts). The revision is a hash
   * of what forces the profile's replacement, so a replacement gets a new name and can be created
   * before the old profile is deleted.
   */
  readonly profileName: (modelShortName: string, revision: string) => string;
}

/**
 * One application inference profile per model the tenant may use, copied from the system-defined
 * cross-region profile (or the foundation model) its region and routing call for, and tagged with
 * the tenant: Bedrock bills invocations to the profile, so model spend shows up under the
 * tenant's TenantID cost-allocation tag and budget, which direct foundation-model calls never do.
 */
export class TenantInferenceProfiles extends Construct {
  /** Model id → application inference profile ARN. */
  public readonly profileArns: Record<string, string> = {};
  /** Model short name → profile id, the `ModelId` its Bedrock metrics carry (BEDROCK_METRICS). */
  public readonly profileIds: Record<string, string> = {};

  constructor(scope: Construct, id: string, private readonly props: TenantInferenceProfilesProps) {
    super(scope, id);
    for (const model of props.models) {
      const description = `OpenClaw tenant ${props.tenantId} model ${model.modelId} via ${model.via}`;
      const modelSource = [{ copyFrom: model.copyFrom }];
      // model_source and description force replacement (bedrock/inference_profile.go
      // RequiresReplace) and the name is unique: the revision gives the replacement a new name.
      const revision = createHash("sha256")
        .update(JSON.stringify([[{ copy_from: model.copyFrom }], description]))
        .digest("hex")
        .slice(0, 8);
      const name = props.profileName(model.shortName, revision);
      if (name.length > 64 || !PROFILE_NAME.test(name)) {
        throw new Error(`TenantInferenceProfiles ${props.tenantId}: profile name "${name}" must be 1-64 letters, digits and single hyphens`);
      }
      if (description.length > 200 || !PROFILE_DESCRIPTION.test(description)) {
        throw new Error(`TenantInferenceProfiles ${props.tenantId}: description "${description}" must be 1-200 characters of ([0-9a-zA-Z:.][ _-]?)+`);
      }
      const profile = new BedrockInferenceProfile(this, model.shortName, {
        name,
        description,
        modelSource,
        tags: { [TENANT_RESOURCE_TAG]: props.tenantId },
        // The new profile, the task definitions naming it and the rolling deployment (services
        // wait for steady state) all complete before the old profile is deleted: no gap.
        lifecycle: { createBeforeDestroy: true },
      });
      this.profileArns[model.modelId] = profile.arn;
      this.profileIds[model.shortName] = profile.id;
    }
  }

  /** `BEDROCK_PROFILE_<SHORT_NAME>` → profile ARN, for the agents' environment. */
  public environmentVariables(): Record<string, string> {
    return Object.fromEntries(
      this.props.models.map((m) => [`BEDROCK_PROFILE_${m.shortName.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`, this.profileArns[m.modelId]]),
    );
  }

  /**
   * Invoking the tenant's own profiles, and the foundation models behind each one only through
   * that profile (every region it routes to). A system-defined profile the tenant's profile copies
   * is authorized too, because Bedrock checks it on the way; calling it directly still fails, since
   * the foundation-model grant requires the tenant's own profile in `bedrock:InferenceProfileArn`.
   */
  public invokeStatements(): PolicyStatement[] {
    const { models } = this.props;
    if (models.length === 0) return [];
    const systemProfiles = models.flatMap((m) => (m.systemProfileArn ? [m.systemProfileArn] : []));
    return [
      { Sid: "InvokeOwnInferenceProfiles", Effect: "Allow", Action: BEDROCK_INVOKE_ACTIONS, Resource: models.map((m) => this.profileArns[m.modelId]) },
      ...(systemProfiles.length > 0
        ? [{ Sid: "RouteThroughSystemProfiles", Effect: "Allow" as const, Action: BEDROCK_INVOKE_ACTIONS, Resource: systemProfiles }]
        : []),
      ...models.map(
        (m, i): PolicyStatement => ({
          Sid: `ModelOnlyThroughOwnProfile${i}`,
          Effect: "Allow",
          Action: BEDROCK_INVOKE_ACTIONS,
          Resource: m.destinationRegions.map((r) => `arn:aws:bedrock:${r}::foundation-model/${m.modelId}`),
          Condition: { ArnEquals: { [INFERENCE_PROFILE_ARN_KEY]: this.profileArns[m.modelId] } },
        }),
      ),
    ];
  }
}
