// Enforces SECURITY.md C43 (the table "Enforcing tests" there lists this file).
/**
 * The platform's service roles (DB provisioner, VPC flow logs, RDS enhanced monitoring) carry
 * the service-role boundary, so the deploy role creates no unbounded role (issue 14 attack 4).
 * The boundary must not cut off anything those roles are granted: every grant of their own
 * policies, as synthesized, is evaluated against the boundary with audit/iam.ts.
 */
import { asList, evaluate, Statement } from "../../audit/iam";
import { allResources, synthesize } from "../support/synth";

const output = synthesize();
const platformStacks = Object.keys(output.stacks).filter((s) => s.startsWith("platform-"));

/**
 * AmazonRDSEnhancedMonitoringRole as AWS publishes it (AWS Managed Policy reference,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonRDSEnhancedMonitoringRole.html, v1).
 */
const RDS_ENHANCED_MONITORING: Statement[] = [
  { Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:PutRetentionPolicy"], Resource: "arn:aws:logs:*:*:log-group:RDS*" },
  { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"], Resource: "arn:aws:logs:*:*:log-group:RDS*:log-stream:*" },
];

/** Replaces references with the ARNs they resolve to. */
function resolve(stack: string, text: string): string {
  const json = output.stacks[stack];
  const provider = json.provider.aws[0];
  const [region, account] = [provider.region, provider.allowed_account_ids[0]];
  return text
    .replace(/\$\{aws_cloudwatch_log_group\.([^.]+)\.arn\}/g, (_m, id) => `arn:aws:logs:${region}:${account}:log-group:${json.resource.aws_cloudwatch_log_group[id].name}`)
    .replace(/\$\{aws_s3_bucket\.([^.]+)\.arn\}/g, (_m, id) => `arn:aws:s3:::${json.resource.aws_s3_bucket[id].bucket}`)
    .replace(/\$\{aws_sns_topic\.([^.]+)\.arn\}/g, (_m, id) => `arn:aws:sns:${region}:${account}:${json.resource.aws_sns_topic[id].name}`)
    .replace(/\$\{aws_db_instance\.[^}]+\.master_user_secret\[0\]\.secret_arn\}/g, `arn:aws:secretsmanager:${region}:${account}:secret:rds!db-0a1b2c3d-AbCdEf`)
    .replace(/arn:aws:logs:\*:\*:/g, `arn:aws:logs:${region}:${account}:`);
}

/** A resolved ARN a grant covers: wildcards stand for sample characters. */
const concrete = (stack: string, text: string) => resolve(stack, text).replace(/\*/g, "x");

describe("the service-role boundary", () => {
  test("every platform role carries its stack's service-role boundary", () => {
    const roles = allResources(output).filter((r) => r.stack.startsWith("platform-") && r.type === "aws_iam_role");
    // Flow logs, enhanced monitoring, the DB provisioner, the egress proxy (execution and task).
    expect(roles.length).toBe(5 * platformStacks.length);
    expect(roles.filter((r) => !/^\$\{aws_iam_policy\.service-boundary_policy_[0-9A-F]+\.arn\}$/.test(r.config.permissions_boundary ?? "")).map((r) => r.address)).toEqual([]);
  });

  test("allows every grant of the platform roles' own policies", () => {
    const cut: string[] = [];
    for (const stack of platformStacks) {
      const json = output.stacks[stack];
      const boundaryPolicy = Object.values<any>(json.resource.aws_iam_policy).find((p) => String(p.name).endsWith("-service-boundary"));
      const boundary: Statement[] = asList(JSON.parse(resolve(stack, boundaryPolicy.policy)).Statement);
      const own: { role: string; statements: Statement[] }[] = [
        ...Object.values<any>(json.resource.aws_iam_role_policy).map((p) => ({ role: p.role, statements: asList(JSON.parse(p.policy).Statement) as Statement[] })),
        ...Object.values<any>(json.resource.aws_iam_role_policy_attachment ?? {}).map((a) => ({ role: a.role, statements: RDS_ENHANCED_MONITORING })),
      ];
      for (const { role, statements } of own) {
        for (const s of statements.filter((x) => x.Effect === "Allow")) {
          const context: Record<string, string> = {};
          for (const keys of Object.values(s.Condition ?? {})) for (const [key, value] of Object.entries(keys)) context[key] = concrete(stack, String(asList(value as string | string[])[0]));
          for (const action of asList(s.Action)) {
            for (const resource of asList(s.Resource)) {
              const request = { action, resource: concrete(stack, resource), context };
              if (evaluate(boundary, request).decision !== "allow") cut.push(`${stack} ${role}: ${action} on ${request.resource}`);
            }
          }
        }
      }
    }
    expect(cut).toEqual([]);
  });

  test("gives no IAM, STS, Lambda or ECS action and nothing on tenant secrets", () => {
    const json = output.stacks[platformStacks[0]];
    const boundary: Statement[] = JSON.parse(Object.values<any>(json.resource.aws_iam_policy).find((p) => String(p.name).endsWith("-service-boundary")).policy).Statement;
    for (const action of ["iam:PassRole", "iam:CreateRole", "sts:AssumeRole", "lambda:InvokeFunction", "ecs:RunTask", "s3:GetObject"]) {
      expect(evaluate(boundary, { action, resource: "arn:aws:iam::111111111111:role/openclaw-x" }).decision).not.toBe("allow");
    }
    expect(evaluate(boundary, { action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:us-east-1:111111111111:secret:/openclaw/production/acme/gmail-AbCdEf" }).decision).not.toBe("allow");
  });
});
