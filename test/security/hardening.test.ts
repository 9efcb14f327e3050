/**
 * Module hardening that the security scan asked for, pinned by focused unit tests so the fix
 * does not depend on checkov being installed (npm test runs without Python).
 */
import { Database } from "../../modules/database";
import { Network } from "../../modules/network";
import { TenantStorage } from "../../modules/tenant-storage";
import { only, synthModule } from "../support/module-synth";

describe("TenantStorage hardening", () => {
  const json = synthModule(
    (scope) =>
      new TenantStorage(scope, "storage", {
        tenantId: "acme",
        bucketName: "openclaw-acme-111111111111-us-east-1",
        accountId: "111111111111",
        kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/acme",
      }),
  ).json;

  it("sends every object event of the tenant bucket to EventBridge (checkov CKV2_AWS_62)", () => {
    const notification = only(json, "aws_s3_bucket_notification");
    expect(notification.eventbridge).toBe(true);
    expect(notification.bucket).toMatch(/^\$\{aws_s3_bucket\.[^.]+\.id\}$/);
  });
});

describe("confused-deputy guards on platform service roles", () => {
  const trustOf = (json: Record<string, any>, nameFragment: string) => {
    const [role] = Object.entries<Record<string, any>>(json.resource.aws_iam_role).filter(([n]) => n.includes(nameFragment));
    return JSON.parse(role[1].assume_role_policy).Statement[0];
  };
  const network = (accountId: string) =>
    synthModule(
      (scope) =>
        new Network(scope, "network", {
          namePrefix: "openclaw-test-us-east-1",
          vpcCidr: "10.10.0.0/16",
          availabilityZoneCount: 2,
          natGateways: "single",
          kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/test",
          flowLogGroupName: "/openclaw/test/us-east-1/platform/vpc-flow-logs",
          accountId,
        }),
    ).json;
  const database = (accountId: string) =>
    synthModule(
      (scope) =>
        new Database(scope, "database", {
          identifier: "openclaw-test-us-east-1-db",
          vpcId: "vpc-1",
          subnetIds: ["subnet-a", "subnet-b"],
          kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/platform",
          instanceClass: "db.t4g.medium",
          engineVersion: "16.4",
          allocatedStorageGiB: 50,
          multiAz: true,
          backupRetentionDays: 14,
          accountId,
        }),
    ).json;

  it("lets the flow-logs service assume the flow-log role only for the VPC's own account", () => {
    const statement = trustOf(network("111111111111"), "flow-log-role");
    expect(statement.Principal).toEqual({ Service: "vpc-flow-logs.amazonaws.com" });
    expect(statement.Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
  });

  it("lets RDS assume the enhanced-monitoring role only for the database's own account", () => {
    const statement = trustOf(database("111111111111"), "monitoring-role");
    expect(statement.Principal).toEqual({ Service: "monitoring.rds.amazonaws.com" });
    expect(statement.Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
  });
});
