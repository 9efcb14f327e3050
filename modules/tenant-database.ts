import { Construct } from "constructs";
import { ITerraformDependable, Token } from "cdktf";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { formatIssues } from "../config/format-issues";
import { DeletionMode, ProvisionerInput, ProvisionerInputSchema, TERRAFORM_KEY } from "../db/contract";
import { databaseRoleName } from "../db/names";

export interface TenantDatabaseProps {
  /** Tenant id, already validated by the config loader. */
  readonly tenantId: string;
  /** Environment of the tenant; the provisioner refuses invocations for another one. */
  readonly environment: string;
  /** Name of the platform's provisioner function, read from the platform contract in SSM. */
  readonly provisionerFunctionName: string;
  /**
   * Bucket that receives the export taken before a `drop` (a name or a token): the tenant's own
   * bucket, or while offboarding the platform's offboarding archive (the tenant bucket is destroyed too).
   */
  readonly exportBucketName: string;
  /**
   * The tenant's KMS key (ARN or token) for an export to the tenant bucket. Leave it out for an
   * export to the offboarding archive, which encrypts with its own default key (its policy
   * refuses any other). @default the export bucket's default encryption
   */
  readonly exportKmsKeyArn?: string;
  /**
   * True only while the tenant is in `offboarding`. The provisioner acts on a delete only when
   * the last applied input says so; any other delete (a replacement because the function was
   * renamed, `-replace`, a destroy by hand) leaves the database untouched. @default false
   */
  readonly offboarding?: boolean;
  /**
   * What destroying this resource (removing the tenant) does to its data.
   * `retain`: the role can no longer log in, schema and rows stay.
   * `drop`: a plain-SQL export goes to the tenant bucket, then role, schema and rows are removed.
   * Switching the mode is an update the provisioner applies before any later destroy.
   * @default "retain"
   */
  readonly deletionMode?: DeletionMode;
  /**
   * CONNECTION LIMIT of the tenant's login role: the sum of its agents' pool sizes,
   * times two so a rolling deployment's old and new tasks both connect. @default 20
   */
  readonly connectionLimit?: number;
}

/**
 * The tenant's database side: its login role (IAM authentication), private schema and
 * registry row, created, updated and removed by the platform's provisioner Lambda
 * through `aws_lambda_invocation` with `lifecycle_scope = "CRUD"`. The input holds names
 * and options only, never a secret: it is stored in state and shown in plans.
 */
export class TenantDatabase extends Construct {
  /** Database user the agents log in as (and put in their IAM auth token). */
  public readonly roleName: string;
  /** The tenant's private schema (first on the role's search_path). */
  public readonly schemaName: string;
  /** The provisioner's JSON answer (status, names), as Terraform stores it. */
  public readonly provisionerResult: string;
  /** Depend on this to start only after the role and schema exist (agent services do). */
  public readonly provisioned: ITerraformDependable;

  constructor(scope: Construct, id: string, props: TenantDatabaseProps) {
    super(scope, id);
    const input: ProvisionerInput = {
      tenantId: props.tenantId,
      environment: props.environment,
      exportBucket: props.exportBucketName,
      ...(props.exportKmsKeyArn !== undefined ? { exportKmsKeyArn: props.exportKmsKeyArn } : {}),
      deletionMode: props.deletionMode ?? "retain",
      connectionLimit: props.connectionLimit ?? 20,
      // Absent unless offboarding, so every other tenant's input (and plan) stays as it was.
      ...(props.offboarding ? { offboarding: true as const } : {}),
    };
    // The handler's own schema, so synth fails on exactly what the Lambda would refuse.
    // A bucket name or key ARN known only at apply time is checked by the handler.
    const checked = ProvisionerInputSchema.safeParse(
      {
        ...input,
        ...(Token.isUnresolved(input.exportBucket) && { exportBucket: "resolved-at-apply" }),
        ...(input.exportKmsKeyArn !== undefined && Token.isUnresolved(input.exportKmsKeyArn) && { exportKmsKeyArn: "arn:aws:kms:us-east-1:000000000000:key/resolved-at-apply" }),
      },
      { reportInput: true },
    );
    if (!checked.success) {
      throw new Error(`TenantDatabase ${props.tenantId}: ${formatIssues(ProvisionerInputSchema, checked.error.issues).join("; ")}`);
    }

    const invocation = new LambdaInvocation(this, "provisioner", {
      functionName: props.provisionerFunctionName,
      input: JSON.stringify(input),
      // create on create, update when the input changes, delete on destroy; each call
      // gets {"tf": {"action": ..., "prev_input": ...}} added by the provider. A delete carries
      // the last applied input, so only an applied `offboarding` input makes it act.
      lifecycleScope: "CRUD",
      terraformKey: TERRAFORM_KEY,
    });

    this.roleName = databaseRoleName(props.tenantId);
    this.schemaName = this.roleName;
    this.provisionerResult = invocation.result;
    this.provisioned = invocation;
  }
}
