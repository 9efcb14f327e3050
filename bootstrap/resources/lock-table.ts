import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { isNotFound } from "../aws-errors";
import { Action, ConflictError, ResourcePlan, Step, resourcePlan } from "../plan";
import { BootstrapSettings, tagList } from "../settings";

/**
 * The DynamoDB lock table. Terraform's S3 backend needs exactly a string hash key named
 * `LockID` and no other key; it stores lock items and state digests there. The same table
 * serves `use_lockfile` setups, where Terraform takes the S3 lock file *and* this lock.
 * On-demand billing because locks are rare and bursty; point-in-time recovery and deletion
 * protection because losing digests makes Terraform distrust every state.
 */

export interface LockTableObserved {
  readonly status: string;
  /** `name:type:keyType` per key attribute, e.g. `LockID:S:HASH`. */
  readonly keys: readonly string[];
  readonly billingMode: string;
  /** True when encrypted with a KMS key (AWS managed or customer managed), not only the AWS owned default. */
  readonly kmsEncrypted: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
}

export type LockTableAction = Action<"create" | "billingMode" | "encryption" | "deletionProtection" | "pointInTimeRecovery">;

export const LOCK_KEY = "LockID:S:HASH";

export function planLockTable(name: string, observed: LockTableObserved | undefined): ResourcePlan<LockTableAction> {
  if (!observed) {
    return resourcePlan(false, [
      { kind: "create", description: "create (LockID string key, on-demand, KMS encryption, deletion protection)" },
      { kind: "pointInTimeRecovery", description: "point-in-time recovery: off → on" },
    ]);
  }
  if (observed.keys.length !== 1 || observed.keys[0] !== LOCK_KEY) {
    throw new ConflictError(
      "LockTableIncompatible",
      `table ${name} has key ${observed.keys.join(", ") || "(none)"}, Terraform needs only ${LOCK_KEY}: choose another lockTable in cdktf.json`,
    );
  }
  const actions: LockTableAction[] = [];
  if (observed.billingMode !== "PAY_PER_REQUEST") actions.push({ kind: "billingMode", description: `billing: ${observed.billingMode} → PAY_PER_REQUEST` });
  if (!observed.kmsEncrypted) actions.push({ kind: "encryption", description: "encryption: AWS owned key → KMS (aws/dynamodb)" });
  if (!observed.deletionProtection) actions.push({ kind: "deletionProtection", description: "deletion protection: off → on" });
  if (!observed.pointInTimeRecovery) actions.push({ kind: "pointInTimeRecovery", description: "point-in-time recovery: off → on" });
  return resourcePlan(true, actions);
}

export async function observeLockTable(dynamodb: DynamoDBClient, name: string): Promise<LockTableObserved | undefined> {
  let table;
  try {
    table = (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (!table) return undefined;
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  return {
    status: table.TableStatus ?? "UNKNOWN",
    keys: (table.KeySchema ?? []).map((k) => `${k.AttributeName}:${types.get(k.AttributeName) ?? "?"}:${k.KeyType}`),
    // Tables created before on-demand existed may omit the summary: they are provisioned.
    billingMode: table.BillingModeSummary?.BillingMode ?? "PROVISIONED",
    kmsEncrypted: table.SSEDescription?.SSEType === "KMS" && table.SSEDescription.Status !== "DISABLED" && table.SSEDescription.Status !== "DISABLING",
    pointInTimeRecovery: backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === "ENABLED",
    deletionProtection: table.DeletionProtectionEnabled === true,
  };
}

export async function applyLockTableAction(dynamodb: DynamoDBClient, name: string, settings: Pick<BootstrapSettings, "tags">, action: LockTableAction): Promise<void> {
  const TableName = name;
  // A table accepts one update at a time and PITR only when ACTIVE: wait between changes.
  const untilActive = () => waitUntilTableExists({ client: dynamodb, maxWaitTime: 300, minDelay: 1, maxDelay: 10 }, { TableName });
  switch (action.kind) {
    case "create":
      await dynamodb.send(
        new CreateTableCommand({
          TableName,
          AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
          SSESpecification: { Enabled: true, SSEType: "KMS" },
          DeletionProtectionEnabled: true,
          Tags: tagList(settings.tags),
        }),
      );
      break;
    case "billingMode":
      await dynamodb.send(new UpdateTableCommand({ TableName, BillingMode: "PAY_PER_REQUEST" }));
      break;
    case "encryption":
      await dynamodb.send(new UpdateTableCommand({ TableName, SSESpecification: { Enabled: true, SSEType: "KMS" } }));
      break;
    case "deletionProtection":
      await dynamodb.send(new UpdateTableCommand({ TableName, DeletionProtectionEnabled: true }));
      break;
    case "pointInTimeRecovery":
      await untilActive();
      await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
      break;
  }
  await untilActive();
}

export function lockTableStep(dynamodb: DynamoDBClient, settings: BootstrapSettings): Step {
  const name = settings.lockTable;
  return {
    title: `lock table ${name}`,
    async plan() {
      return { plan: planLockTable(name, await observeLockTable(dynamodb, name)), outputs: {} };
    },
    async applyAction(action) {
      await applyLockTableAction(dynamodb, name, settings, action as LockTableAction);
    },
  };
}
