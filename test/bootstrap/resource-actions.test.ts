// Enforces SECURITY.md C34 (the table "Enforcing tests" there lists this file).
/**
 * The resource-type table (bootstrap/resource-actions.ts) against a real synth of the example
 * tenants: every resource and data source type has an entry, and both pipeline roles allow
 * what the table lists on the stacks' own resources (ARNs, tags, boundaries as synthesized).
 */
import { evaluate } from "../../audit/iam";
import { COLUMNS, DATA_SOURCE_ACTIONS, RESOURCE_ACTIONS } from "../../bootstrap/resource-actions";
import { allResources, synthesize } from "../support/synth";
import { requestsFor, roleStatements, settingsForEnvironment, stackTarget } from "./pipeline-roles-support";

const output = synthesize();
const resources = allResources(output);
const rolesByEnv = new Map(Object.keys(output.config.environments).map((env) => [env, roleStatements(settingsForEnvironment(output, env))]));

/** Checked by test/bootstrap/deploy-role.test.ts against each role the stacks pass, with the receiving service. */
const PASS_ROLE = "iam:PassRole";

/**
 * Every (resource, action, ARN) the role refuses, for the actions `actionsOf` lists per
 * resource type; data sources are read by both roles.
 */
function refusals(role: "deploy" | "plan", actionsOf: (type: string) => readonly string[]): string[] {
  const refused: string[] = [];
  for (const r of resources) {
    const statements = rolesByEnv.get(stackTarget(output, r.stack).env)![role];
    const actions = r.type.startsWith("data.") ? DATA_SOURCE_ACTIONS[r.type.slice(5)].read : actionsOf(r.type);
    for (const action of new Set(actions)) {
      if (action === PASS_ROLE) continue;
      for (const request of requestsFor(output, r, action)) {
        const decision = evaluate(statements, request);
        if (decision.decision !== "allow") refused.push(`${r.address}: ${action} on ${request.resource} → ${decision.decision}${"by" in decision ? ` (${decision.by})` : ""}`);
      }
    }
  }
  return refused;
}

describe("the resource-type table", () => {
  test("has an entry for every resource and data source type the stacks synthesize", () => {
    const missing = new Set<string>();
    for (const r of resources) {
      const known = r.type.startsWith("data.") ? r.type.slice(5) in DATA_SOURCE_ACTIONS : r.type in RESOURCE_ACTIONS;
      if (!known) missing.add(`${r.type} (first seen at ${r.address}): add it to bootstrap/resource-actions.ts with its provider source`);
    }
    expect([...missing]).toEqual([]);
  });

  test("names a provider source file and IAM actions (service:Action) in every column", () => {
    const bad: string[] = [];
    for (const [type, entry] of Object.entries(RESOURCE_ACTIONS)) {
      if (!/^internal\/service\/[a-z0-9]+\/[a-z0-9_]+\.go$/.test(entry.source)) bad.push(`${type}: source ${entry.source}`);
      for (const c of COLUMNS) for (const a of entry[c]) if (!/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/.test(a)) bad.push(`${type}.${c}: ${a}`);
      if (entry.create.length === 0) bad.push(`${type}: no create action`);
    }
    expect(bad).toEqual([]);
  });

  test("includes the update paths the provider takes (issue 15 item 5)", () => {
    expect(RESOURCE_ACTIONS.aws_iam_role.update).toEqual(expect.arrayContaining(["iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole"]));
    expect(RESOURCE_ACTIONS.aws_iam_role.tag).toEqual(["iam:TagRole", "iam:UntagRole"]);
    expect(RESOURCE_ACTIONS.aws_ecs_service.update).toContain("ecs:UpdateService");
    expect(RESOURCE_ACTIONS.aws_lambda_function.update).toEqual(expect.arrayContaining(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"]));
    expect(RESOURCE_ACTIONS.aws_kms_key.delete).toContain("kms:ScheduleKeyDeletion");
    expect(RESOURCE_ACTIONS.aws_s3_bucket.delete).toContain("s3:DeleteObjectVersion");
    expect(RESOURCE_ACTIONS.aws_secretsmanager_secret.delete).toContain("secretsmanager:DeleteSecret");
  });
});

describe("the deploy role", () => {
  test("may take every create, read, update, delete and tag action of every synthesized resource on that resource", () => {
    expect(refusals("deploy", (type) => COLUMNS.flatMap((c) => RESOURCE_ACTIONS[type][c]))).toEqual([]);
  });
});

describe("the plan role", () => {
  test("may take every read action of every synthesized resource and data source (refresh)", () => {
    expect(refusals("plan", (type) => RESOURCE_ACTIONS[type].read)).toEqual([]);
  });

  test("gets no create, update, delete or tag action that is not also a read", () => {
    const reads = new Set(Object.values(RESOURCE_ACTIONS).flatMap((e) => e.read));
    const writes = [...new Set(Object.values(RESOURCE_ACTIONS).flatMap((e) => [...e.create, ...e.update, ...e.delete, ...e.tag]))].filter((a) => !reads.has(a));
    const plan = rolesByEnv.get("production")!.plan;
    expect(writes.filter((action) => evaluate(plan, { action, resource: "arn:aws:x:us-east-1:111111111111:thing/x" }).decision === "allow")).toEqual([]);
  });
});
