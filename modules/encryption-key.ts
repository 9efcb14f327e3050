import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { PolicyStatement, renderPolicy } from "./iam-policy-document";
import { requireInteger } from "./prop-checks";

export interface EncryptionKeyProps {
  /** Account that owns the key; its root principal administers it through IAM. */
  readonly accountId: string;
  /** Region of the key, for service principals such as CloudWatch Logs. */
  readonly region: string;
  /** Alias, e.g. `alias/openclaw/production/acme`. */
  readonly alias: string;
  readonly description: string;
  /**
   * Lets CloudWatch Logs in this region encrypt log groups whose name matches this pattern, or
   * any of these patterns (e.g. `/openclaw/production/acme*`). @default logs may not use the key
   */
  readonly logGroupNamePattern?: string | readonly string[];
  /** Further statements (e.g. a tenant's roles). Keep them scoped; the key policy is the last line. */
  readonly additionalStatements?: PolicyStatement[];
  /** Days AWS waits before deleting a scheduled key (ScheduleKeyDeletion accepts 7-30). @default 30 */
  readonly deletionWindowDays?: number;
  /**
   * `prevent_destroy` on the key. Only a tenant in `offboarding` turns it off: its destroy then
   * schedules the key for deletion after `deletionWindowDays`. @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * A customer-managed KMS key with yearly rotation and a key policy that names who may use it.
 * Destroy is prevented: losing a key loses every object, secret and log encrypted with it.
 */
export class EncryptionKey extends Construct {
  public readonly keyArn: string;
  public readonly keyId: string;
  public readonly aliasName: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    requireInteger(`EncryptionKey ${props.alias}`, "deletionWindowDays", deletionWindowDays, 7, 30);
    if (!props.alias.startsWith("alias/") || props.alias.startsWith("alias/aws/")) {
      throw new Error(`EncryptionKey: alias must start with "alias/" and not "alias/aws/", got ${props.alias}`);
    }

    const statements: PolicyStatement[] = [
      {
        // Without this the key becomes unmanageable; IAM policies then decide who else may use it.
        Sid: "AccountAdministration",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    const logGroupArns = [props.logGroupNamePattern ?? []].flat().map((p) => `arn:aws:logs:${props.region}:${props.accountId}:log-group:${p}`);
    if (logGroupArns.length > 0) {
      statements.push({
        Sid: "CloudWatchLogsForOwnLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${props.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": logGroupArns.length === 1 ? logGroupArns[0] : logGroupArns,
          },
        },
      });
    }
    statements.push(...(props.additionalStatements ?? []));

    const key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: deletionWindowDays,
      policy: renderPolicy(statements),
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    const alias = new KmsAlias(this, "alias", { name: props.alias, targetKeyId: key.keyId });

    this.keyArn = key.arn;
    this.keyId = key.keyId;
    this.aliasName = alias.name;
  }

  /** Encrypting and decrypting data with this key only, for roles that read and write what it protects. */
  public useStatements(): PolicyStatement[] {
    return [
      { Sid: "UseOwnKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: this.keyArn },
    ];
  }

  /** Decrypting only (reading secrets encrypted with this key). */
  public decryptStatements(): PolicyStatement[] {
    return [{ Sid: "DecryptWithOwnKey", Effect: "Allow", Action: "kms:Decrypt", Resource: this.keyArn }];
  }
}

/** A key-policy statement letting the given roles use a key for data (never administer it). */
export function keyUsersStatement(roleArns: string[]): PolicyStatement {
  return {
    Sid: "TenantRolesUseKey",
    Effect: "Allow",
    Principal: { AWS: roleArns },
    Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
    Resource: "*",
  };
}
