import { ConflictError } from "../../bootstrap/plan";
import { LockTableObserved, planLockTable } from "../../bootstrap/resources/lock-table";

const compliant: LockTableObserved = {
  status: "ACTIVE",
  keys: ["LockID:S:HASH"],
  billingMode: "PAY_PER_REQUEST",
  kmsEncrypted: true,
  pointInTimeRecovery: true,
  deletionProtection: true,
};

describe("planLockTable", () => {
  test("a missing table is created, then point-in-time recovery is turned on (it needs an ACTIVE table)", () => {
    const plan = planLockTable("locks", undefined);
    expect(plan.exists).toBe(false);
    expect(plan.actions.map((a) => a.kind)).toEqual(["create", "pointInTimeRecovery"]);
  });

  test("a compliant table needs nothing", () => {
    expect(planLockTable("locks", compliant)).toEqual({ exists: true, actions: [], notes: [] });
  });

  test("each missing protection is added, one action each", () => {
    const bare: LockTableObserved = { ...compliant, billingMode: "PROVISIONED", kmsEncrypted: false, pointInTimeRecovery: false, deletionProtection: false };
    expect(planLockTable("locks", bare).actions.map((a) => a.description)).toEqual([
      "billing: PROVISIONED → PAY_PER_REQUEST",
      "encryption: AWS owned key → KMS (aws/dynamodb)",
      "deletion protection: off → on",
      "point-in-time recovery: off → on",
    ]);
  });

  test.each([
    [["LockID:N:HASH"], "a numeric LockID"],
    [["Id:S:HASH"], "another key name"],
    [["LockID:S:HASH", "Sort:S:RANGE"], "a sort key"],
  ])("fails when the table has %j (%s): Terraform could not use it", (keys) => {
    expect(() => planLockTable("locks", { ...compliant, keys })).toThrow(ConflictError);
    expect(() => planLockTable("locks", { ...compliant, keys })).toThrow(/table locks has key .*, Terraform needs only LockID:S:HASH: choose another lockTable/);
  });
});
