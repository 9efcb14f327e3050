import { ConflictError } from "../../bootstrap/plan";
import { planStateKey } from "../../bootstrap/resources/state-key";
import { KEY_ARN } from "./helpers";

const ALIAS = "alias/openclaw-production-terraform-state";

describe("planStateKey", () => {
  test("a missing key is created with rotation", () => {
    expect(planStateKey(ALIAS, undefined)).toEqual({
      exists: false,
      actions: [{ kind: "create", description: `create a symmetric KMS key with rotation, alias ${ALIAS}` }],
      notes: [],
    });
  });

  test("an enabled key with rotation needs nothing", () => {
    expect(planStateKey(ALIAS, { arn: KEY_ARN, state: "Enabled", rotationEnabled: true }).actions).toEqual([]);
  });

  test("rotation is turned on when off", () => {
    expect(planStateKey(ALIAS, { arn: KEY_ARN, state: "Enabled", rotationEnabled: false }).actions.map((a) => a.kind)).toEqual(["enableRotation"]);
  });

  test.each(["Disabled", "PendingDeletion"])("fails when the key is %s, leaving the decision to a human", (state) => {
    const plan = () => planStateKey(ALIAS, { arn: KEY_ARN, state, rotationEnabled: false });
    expect(plan).toThrow(ConflictError);
    expect(plan).toThrow(new RegExp(`is ${state}; enable it or cancel its deletion`));
  });
});
