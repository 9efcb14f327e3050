import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { EGRESS_REFUSED_METRIC, refusedSpikeAlarm } from "./egress-proxy";
import { PolicyStatement } from "./iam-policy-document";
import { requireInteger } from "./prop-checks";

/** Version of the allowlist document the proxy's refresher reads. */
export const EGRESS_ALLOWLIST_SCHEMA_VERSION = 1;

/** The document a tenant publishes and egress/refresher.ts reads. */
export interface EgressAllowlistDocument {
  readonly schemaVersion: number;
  readonly tenant: string;
  /** Name of the tenant's credential secret, which the refresher fills. */
  readonly credentialSecret: string;
  readonly domains: readonly string[];
}

export interface TenantEgressProps {
  readonly tenantId: string;
  /** The tenant's allowlist (config/egress.ts egressAllowlist), already validated and sorted. */
  readonly domains: readonly string[];
  /** Where the allowlist is published (tenantEgressParameterName()). */
  readonly parameterName: string;
  /** The credential secret's name (tenantEgressSecretName()). */
  readonly secretName: string;
  /** The tenant's key. */
  readonly kmsKeyArn: string;
  /** @default 30 */
  readonly recoveryWindowDays?: number;
  /** Name of the tenant's refused-connections alarm. */
  readonly alarmName: string;
  readonly alarmTopicArn: string;
  /** Refusals of this tenant in five minutes that raise its alarm. @default 20 */
  readonly refusedAlarmThreshold?: number;
}

/**
 * A tenant's side of the egress proxy (modules/egress-proxy.ts): the allowlist it publishes, the
 * secret that holds its proxy credential, and an alarm on its refused connections.
 *
 * The secret is created without a value, like the integration secrets: the proxy's refresher
 * generates the password and writes `{"password", "proxyUrl"}` into it, so the credential never
 * enters Terraform state, plans or logs. Agents get `proxyUrl` (credentials included) as
 * HTTPS_PROXY through ECS secrets (proxyEnvironmentSecrets).
 */
export class TenantEgress extends Construct {
  public readonly secretArn: string;
  public readonly parameterName: string;

  constructor(scope: Construct, id: string, props: TenantEgressProps) {
    super(scope, id);
    const threshold = props.refusedAlarmThreshold ?? 20;
    requireInteger(`TenantEgress ${props.tenantId}`, "refusedAlarmThreshold", threshold, 1);
    const recoveryWindowDays = props.recoveryWindowDays ?? 30;
    requireInteger(`TenantEgress ${props.tenantId}`, "recoveryWindowDays", recoveryWindowDays, 7, 30);

    const secret = new SecretsmanagerSecret(this, "credential", {
      name: props.secretName,
      description: `Egress proxy credential of tenant ${props.tenantId}; value written by the proxy's refresher, never by Terraform`,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: recoveryWindowDays,
    });
    const document: EgressAllowlistDocument = {
      schemaVersion: EGRESS_ALLOWLIST_SCHEMA_VERSION,
      tenant: props.tenantId,
      credentialSecret: props.secretName,
      domains: props.domains,
    };
    const parameter = new SsmParameter(this, "allowlist", {
      name: props.parameterName,
      description: `Egress allowlist of tenant ${props.tenantId} (JSON, read by the platform's egress proxy)`,
      type: "String",
      tier: "Standard",
      // Plain JSON text, not jsonencode(): the plan comment shows the domains as written.
      value: JSON.stringify(document),
    });
    refusedSpikeAlarm(this, {
      alarmName: props.alarmName,
      description: `Tenant ${props.tenantId}: more than ${threshold} egress connections refused in 5 minutes (an agent reaching for undeclared destinations: prompt injection, or a missing egressDomains entry)`,
      metricName: EGRESS_REFUSED_METRIC,
      dimensions: { TenantId: props.tenantId },
      threshold,
      alarmTopicArn: props.alarmTopicArn,
    });
    this.secretArn = secret.arn;
    this.parameterName = parameter.name;
  }

  /** The execution role reads the credential to inject it. */
  public readStatements(): PolicyStatement[] {
    return [{ Sid: "ReadEgressCredential", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [this.secretArn] }];
  }

  /**
   * ECS secrets for every agent container: HTTPS_PROXY and HTTP_PROXY are the `proxyUrl` key of
   * the credential secret (ECS's `<arn>:<json-key>::` form).
   */
  public proxyEnvironmentSecrets(): Record<string, string> {
    const proxyUrl = `${this.secretArn}:proxyUrl::`;
    return { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl };
  }
}

/**
 * Addresses agents reach without the proxy: AWS APIs through the VPC endpoints (private DNS
 * gives `*.amazonaws.com` endpoint addresses), task metadata, the database. Everything else goes
 * to the proxy, and the security group leaves no other way out.
 */
export function noProxyList(databaseAddress: string): string {
  return [".amazonaws.com", "169.254.170.2", "169.254.169.254", "localhost", "127.0.0.1", databaseAddress].join(",");
}

/**
 * The tenant key's grant to the platform's egress proxy: encrypt and decrypt through Secrets
 * Manager, for the tenant's egress credential secret alone (the refresher writes it), never the
 * integration secrets, the bucket or the logs.
 */
export function egressProxyKeyStatement(proxyTaskRoleArn: string, secretArnPattern: string, region: string): PolicyStatement {
  return {
    Sid: "EgressProxyWritesCredential",
    Effect: "Allow",
    Principal: { AWS: proxyTaskRoleArn },
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: "*",
    Condition: {
      StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` },
      StringLike: { "kms:EncryptionContext:SecretARN": secretArnPattern },
    },
  };
}
