import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { PolicyStatement } from "./iam-policy-document";
import { requireInteger } from "./prop-checks";

export interface TenantSecretsProps {
  readonly tenantId: string;
  /** Integration name → secret name (`/openclaw/<env>/<tenant>/<integration>`). */
  readonly secretNames: Record<string, string>;
  /** The tenant's key; Secrets Manager encrypts every version with it. */
  readonly kmsKeyArn: string;
  /** Days a deleted secret can still be restored. @default 30 */
  readonly recoveryWindowDays?: number;
}

/**
 * One Secrets Manager secret per integration. Terraform creates the secret and never a version:
 * operators put the value with `aws secretsmanager put-secret-value`, so no credential ever
 * enters Terraform state, plans or logs.
 */
export class TenantSecrets extends Construct {
  /** Integration name → secret ARN. */
  public readonly secretArns: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: TenantSecretsProps) {
    super(scope, id);
    const recoveryWindowDays = props.recoveryWindowDays ?? 30;
    requireInteger(`TenantSecrets ${props.tenantId}`, "recoveryWindowDays", recoveryWindowDays, 7, 30);
    for (const [integration, name] of Object.entries(props.secretNames)) {
      const secret = new SecretsmanagerSecret(this, integration, {
        name,
        description: `${integration} credentials of tenant ${props.tenantId}; value set outside Terraform`,
        kmsKeyId: props.kmsKeyArn,
        recoveryWindowInDays: recoveryWindowDays,
      });
      this.secretArns[integration] = secret.arn;
    }
  }

  /** Read access to exactly these secrets, for the tenant's execution role. */
  public readStatements(): PolicyStatement[] {
    const arns = Object.values(this.secretArns);
    if (arns.length === 0) return [];
    return [{ Sid: "ReadOwnSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: arns }];
  }
}
