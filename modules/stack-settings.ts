import { Construct } from "constructs";
import { S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TERRAFORM_REQUIRED_VERSION } from "../config/toolchain-versions";

export interface StackSettingsProps {
  /** Account the stack deploys into; the provider refuses credentials for any other. */
  readonly accountId: string;
  readonly region: string;
  /** State bucket created by `npm run bootstrap`. */
  readonly stateBucket: string;
  /** Region of the state bucket and lock table. */
  readonly stateRegion: string;
  /** Object key of this stack's state; unique per stack so no two stacks share a state. */
  readonly stateKey: string;
  /**
   * KMS key that encrypts the state objects: a key ARN, key id or `alias/<name>` in the state
   * region (Terraform's S3 backend refuses alias ARNs).
   * @default S3 managed keys (SSE-S3)
   */
  readonly stateKmsKeyArn?: string;
  /** DynamoDB table for state locks, created by `npm run bootstrap`. */
  readonly lockTable: string;
  /** Tags on every taggable resource of the stack (provider `default_tags`). */
  readonly defaultTags: Record<string, string>;
}

/**
 * The provider and remote state every stack needs: encrypted S3 state with a key per
 * stack, locked both by DynamoDB (older Terraform) and S3 lock files (Terraform >= 1.10),
 * and an AWS provider pinned to one account and region with default tags.
 */
export class StackSettings extends Construct {
  constructor(scope: Construct, id: string, props: StackSettingsProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    if (!/^\d{12}$/.test(props.accountId)) {
      throw new Error(`StackSettings ${stack.node.id}: accountId must be 12 digits, got ${props.accountId}`);
    }
    if (!props.stateKey.endsWith(".tfstate")) {
      throw new Error(`StackSettings ${stack.node.id}: stateKey must end in .tfstate, got ${props.stateKey}`);
    }

    new AwsProvider(stack, "aws", {
      region: props.region,
      allowedAccountIds: [props.accountId],
      defaultTags: [{ tags: props.defaultTags }],
    });

    new S3Backend(stack, {
      bucket: props.stateBucket,
      key: props.stateKey,
      region: props.stateRegion,
      encrypt: true,
      kmsKeyId: props.stateKmsKeyArn,
      dynamodbTable: props.lockTable,
    });
    // S3Backend has no typed prop for S3-native locking, nor the stack for required_version;
    // use_lockfile needs Terraform 1.10 or later (config/toolchain-versions.ts).
    stack.addOverride("terraform.backend.s3.use_lockfile", true);
    stack.addOverride("terraform.required_version", TERRAFORM_REQUIRED_VERSION);
  }
}
