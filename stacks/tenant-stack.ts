import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../config/environment-schema";
import type { TenantConfig } from "../config/tenant-schema";
import { EncryptionKey } from "../modules/encryption-key";
import { tenantBucketName, tenantKeyAlias, tenantLogGroupName, tenantStateKey } from "../modules/naming";
import { PlatformContractReader } from "../modules/platform-contract";
import { StackSettings } from "../modules/stack-settings";
import { TENANT_RESOURCE_TAG } from "../modules/tenant-permissions-boundary";
import { TenantStorage } from "../modules/tenant-storage";

export interface TenantStackProps {
  readonly tenant: TenantConfig;
  readonly environment: EnvironmentConfig;
  /** The platform stack of the tenant's environment and region; deployed first. */
  readonly platform: TerraformStack;
}

/** Everything one customer owns, in its own state; platform values come from the SSM contract. */
export class TenantStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id);
    const { tenant, environment } = props;
    const env = tenant.environment;
    const region = tenant.region;
    const accountId = environment.accountId;
    this.addDependency(props.platform);

    new StackSettings(this, "settings", {
      accountId,
      region,
      stateBucket: environment.stateBucket,
      stateRegion: environment.stateRegion,
      stateKey: tenantStateKey(tenant.id),
      lockTable: environment.lockTable,
      defaultTags: {
        ManagedBy: "openclaw-infra",
        Environment: env,
        [TENANT_RESOURCE_TAG]: tenant.id,
        CostCenter: tenant.costCenter ?? environment.costCenter,
        Stack: id,
      },
    });

    new PlatformContractReader(this, "platform", { environment: env, region });

    const key = new EncryptionKey(this, "tenant-key", {
      accountId,
      region,
      alias: tenantKeyAlias(env, tenant.id),
      description: `OpenClaw tenant ${tenant.id} (${env}): bucket, secrets, logs`,
      logGroupNamePattern: tenantLogGroupName(env, tenant.id),
    });
    new TenantStorage(this, "storage", {
      tenantId: tenant.id,
      bucketName: tenantBucketName(tenant.id, accountId, region),
      accountId,
      kmsKeyArn: key.keyArn,
    });
  }
}
