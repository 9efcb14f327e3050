import { Action, ConflictError, Outputs, ResourcePlan, Step, StepFactory } from "../../bootstrap/plan";
import { runSteps } from "../../bootstrap/runner";

/** A step whose plan is fixed; records what was applied, can fail at plan or apply time. */
function fakeStep(title: string, plan: ResourcePlan, options: { planError?: unknown; applyError?: unknown; outputs?: Outputs } = {}) {
  const applied: string[] = [];
  const factory: StepFactory = (): Step => ({
    title,
    async plan() {
      if (options.planError) throw options.planError;
      return { plan, outputs: options.outputs ?? {} };
    },
    async applyAction(action: Action) {
      if (options.applyError && applied.length === 1) throw options.applyError;
      applied.push(action.description);
    },
  });
  return { factory, applied };
}

const change = (description: string): Action => ({ kind: "x", description });
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });

async function run(factories: StepFactory[], dryRun = false) {
  const lines: string[] = [];
  const result = await runSteps(factories, { dryRun, log: (l) => lines.push(l) });
  return { result, lines };
}

describe("runSteps", () => {
  test("prints one status line per step, then its changes and notes", async () => {
    const created = fakeStep("lock table locks", { exists: false, actions: [change("create"), change("point-in-time recovery: off → on")], notes: [] });
    const updated = fakeStep("state bucket b", { exists: true, actions: [change("versioning: Suspended → Enabled")], notes: ["kept stronger"] });
    const same = fakeStep("OIDC provider", { exists: true, actions: [], notes: [] });
    const { result, lines } = await run([created.factory, updated.factory, same.factory]);
    expect(result.ok).toBe(true);
    expect(lines).toEqual([
      "[1/3] lock table locks: created",
      "      - create",
      "      - point-in-time recovery: off → on",
      "[2/3] state bucket b: updated",
      "      - versioning: Suspended → Enabled",
      "      note: kept stronger",
      "[3/3] OIDC provider: already in place",
    ]);
    expect(created.applied).toEqual(["create", "point-in-time recovery: off → on"]);
  });

  test("a dry run prints what would change and applies nothing", async () => {
    const step = fakeStep("state bucket b", { exists: true, actions: [change("versioning: Suspended → Enabled")], notes: [] });
    const missing = fakeStep("lock table locks", { exists: false, actions: [change("create")], notes: [] });
    const { result, lines } = await run([step.factory, missing.factory], true);
    expect(lines).toEqual(["[1/2] state bucket b: would update (1 change)", "      - versioning: Suspended → Enabled", "[2/2] lock table locks: would create", "      - create"]);
    expect(step.applied).toEqual([]);
    expect(missing.applied).toEqual([]);
    expect(result.changes).toEqual([]);
  });

  test("a conflict found while checking stops the run before anything changes", async () => {
    const first = fakeStep("state key k", { exists: false, actions: [change("create")], notes: [] });
    const second = fakeStep("state bucket b", { exists: true, actions: [], notes: [] }, { planError: new ConflictError("BucketRegionMismatch", "bucket b is in eu-west-1") });
    const { result } = await run([first.factory, second.factory]);
    expect(first.applied).toEqual([]);
    expect(result).toMatchObject({ ok: false, changes: [], failure: { step: 2, title: "state bucket b", code: "BucketRegionMismatch", message: "bucket b is in eu-west-1" } });
  });

  test("an AWS failure while applying reports the failing step, its code and every change made before it", async () => {
    const first = fakeStep("state key k", { exists: false, actions: [change("create")], notes: [] });
    const second = fakeStep("lock table t", { exists: false, actions: [change("create"), change("point-in-time recovery: off → on")], notes: [] }, { applyError: awsError("AccessDeniedException", "not authorized\nmore detail") });
    const { result } = await run([first.factory, second.factory]);
    expect(result.ok).toBe(false);
    expect(result.changes).toEqual(["state key k: create", "lock table t: create"]);
    expect(result.failure).toEqual({
      step: 2,
      title: "lock table t",
      code: "AccessDeniedException",
      message: "AccessDeniedException: not authorized",
      hint: "the credentials may not do this: bootstrap needs an administrator of the target account",
    });
  });

  test("later steps are built from earlier steps' outputs: predicted while checking, real while applying", async () => {
    const seen: (string | undefined)[] = [];
    const key: StepFactory = () => ({
      title: "key",
      plan: async () => ({ plan: { exists: false, actions: [change("create")], notes: [] }, outputs: { dedicatedKeyArn: "predicted" } }),
      applyAction: async () => ({ dedicatedKeyArn: "real" }),
    });
    const bucket: StepFactory = (outputs) => {
      seen.push(outputs.dedicatedKeyArn);
      return { title: "bucket", plan: async () => ({ plan: { exists: true, actions: [], notes: [] }, outputs: {} }), applyAction: async () => undefined };
    };
    const { result } = await run([key, bucket]);
    expect(seen).toEqual(["predicted", "real"]);
    expect(result.outputs.dedicatedKeyArn).toBe("real");
  });
});
