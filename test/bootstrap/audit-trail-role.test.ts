/**
 * The deploy role and the audit trail (#29, SECURITY.md G2): it creates and updates the trail, its
 * Glue table and Athena workgroup under the environment's own names only, and can neither stop nor
 * delete the trail nor delete, re-lock or overwrite a log file, whatever else it is allowed.
 */
import { evaluate } from "../../audit/iam";
import { auditBucketName, auditDatabaseName, auditTrailName, auditWorkGroupName } from "../../modules/naming";
import { synthesize } from "../support/synth";
import { roleStatements, settingsForEnvironment } from "./pipeline-roles-support";

const output = synthesize();
const deploy = roleStatements(settingsForEnvironment(output, "production")).deploy;
const plan = roleStatements(settingsForEnvironment(output, "production")).plan;
const decide = (statements: typeof deploy, action: string, resource: string) => evaluate(statements, { action, resource, context: { "aws:RequestTag/ManagedBy": "openclaw-infra", "aws:ResourceTag/ManagedBy": "openclaw-infra" } }).decision;
const trail = `arn:aws:cloudtrail:us-east-1:111111111111:trail/${auditTrailName("production")}`;

describe("the deploy role on the audit trail", () => {
  test("creates and updates the environment's trail, and no other trail", () => {
    for (const action of ["cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StartLogging", "cloudtrail:AddTags"]) {
      expect(`${action} ${decide(deploy, action, trail)}`).toBe(`${action} allow`);
      expect(`${action} ${decide(deploy, action, trail.replace(/trail\/.*/, "trail/someone-elses"))}`).not.toBe(`${action} allow`);
    }
  });

  test("can neither stop nor delete it (explicit deny)", () => {
    expect(decide(deploy, "cloudtrail:StopLogging", trail)).toBe("deny");
    expect(decide(deploy, "cloudtrail:DeleteTrail", trail)).toBe("deny");
  });

  test("cannot write, delete, re-lock or bypass the lock of a log file", () => {
    const logFile = `arn:aws:s3:::${auditBucketName("production", "us-east-1", "111111111111")}/AWSLogs/111111111111/CloudTrail/us-east-1/2026/12/01/f.json.gz`;
    for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention", "s3:GetObject"]) {
      expect(`${action} ${decide(deploy, action, logFile)}`).toBe(`${action} deny`);
    }
  });

  test("manages only the environment's audit database, tables and workgroup", () => {
    const glue = (r: string) => `arn:aws:glue:us-east-1:111111111111:${r}`;
    const db = auditDatabaseName("production");
    expect(decide(deploy, "glue:CreateTable", glue(`table/${db}/cloudtrail`))).toBe("allow");
    expect(decide(deploy, "glue:CreateTable", glue("table/someone_else/t"))).not.toBe("allow");
    expect(decide(deploy, "athena:UpdateWorkGroup", `arn:aws:athena:us-east-1:111111111111:workgroup/${auditWorkGroupName("production")}`)).toBe("allow");
    expect(decide(deploy, "athena:UpdateWorkGroup", "arn:aws:athena:us-east-1:111111111111:workgroup/primary")).not.toBe("allow");
  });

  test("the plan role reads the trail and never changes it", () => {
    expect(decide(plan, "cloudtrail:GetEventSelectors", trail)).toBe("allow");
    expect(decide(plan, "cloudtrail:PutEventSelectors", trail)).not.toBe("allow");
  });
});
