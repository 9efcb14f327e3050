import { AgentIam, AgentIamProps, databaseConnectStatements } from "../../modules/agent-iam";
import { all, synthModule } from "../support/module-synth";

const props: AgentIamProps = {
  tenantId: "acme",
  accountId: "111111111111",
  region: "us-east-1",
  executionRoleName: "openclaw-acme-execution",
  taskRoleNames: { butler: "openclaw-acme-butler-task", scout: "openclaw-acme-scout-task" },
  permissionsBoundaryArn: "arn:aws:iam::111111111111:policy/boundary",
  databaseUser: "tenant_acme",
};

describe("AgentIam", () => {
  it("creates one execution role and one task role per agent, all bounded and tagged", () => {
    const { json } = synthModule((scope) => new AgentIam(scope, "iam", props));
    const roles = all(json, "aws_iam_role");
    expect(roles.map((r) => r.name).sort()).toEqual(["openclaw-acme-butler-task", "openclaw-acme-execution", "openclaw-acme-scout-task"]);
    expect(roles.every((r) => r.permissions_boundary === props.permissionsBoundaryArn && r.tags.tenant_id === "acme")).toBe(true);
    expect(roles.filter((r) => r.tags.db_user === "tenant_acme")).toHaveLength(2);
  });

  it("trusts only ECS tasks acting for this account and region", () => {
    const { json } = synthModule((scope) => new AgentIam(scope, "iam", props));
    const trust = JSON.parse(all(json, "aws_iam_role")[0].assume_role_policy).Statement[0];
    expect(trust.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "111111111111" },
      ArnLike: { "aws:SourceArn": "arn:aws:ecs:us-east-1:111111111111:*" },
    });
  });

  it("attaches granted statements as inline policies", () => {
    const { json } = synthModule((scope) => {
      const iam = new AgentIam(scope, "iam", props);
      iam.grantExecution([{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "arn:aws:logs:us-east-1:111111111111:log-group:/x:*" }]);
      iam.grantTask("scout", [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }]);
    });
    expect(all(json, "aws_iam_role_policy").map((p) => p.name).sort()).toEqual(["execution", "task"]);
  });

  it("fails when granting to an agent it has no role for", () => {
    expect(() => synthModule((scope) => new AgentIam(scope, "iam", props).grantTask("writer", []))).toThrow("AgentIam acme: no task role for agent writer");
  });

  it("lets the task roles connect as the tenant's own database user only", () => {
    expect(databaseConnectStatements("us-east-1", "111111111111", "db-ABC", "tenant_acme")[0].Resource).toBe(
      "arn:aws:rds-db:us-east-1:111111111111:dbuser:db-ABC/tenant_acme",
    );
  });
});
