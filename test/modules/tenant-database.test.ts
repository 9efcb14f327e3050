import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { ProvisionerInputSchema } from "../../db/contract";
import { TenantDatabase, TenantDatabaseProps } from "../../modules/tenant-database";
import { only, synthModule } from "../support/module-synth";

const props: TenantDatabaseProps = {
  tenantId: "acme",
  environment: "production",
  provisionerFunctionName: "openclaw-production-us-east-1-db-provisioner",
  exportBucketName: "openclaw-acme-111111111111-us-east-1",
  exportKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
};
const build = (overrides: Partial<TenantDatabaseProps> = {}) =>
  synthModule((scope) => new TenantDatabase(scope, "database", { ...props, ...overrides })).json;
const invocation = (overrides: Partial<TenantDatabaseProps> = {}) => only(build(overrides), "aws_lambda_invocation");

describe("TenantDatabase", () => {
  it("invokes the provisioner on create, update and delete, under the tf key the handler reads", () => {
    expect(invocation()).toMatchObject({ function_name: props.provisionerFunctionName, lifecycle_scope: "CRUD", terraform_key: "tf" });
  });

  it("sends names and options only, in the shape the handler accepts", () => {
    const input = JSON.parse(invocation().input);
    expect(input).toEqual({
      tenantId: "acme",
      environment: "production",
      exportBucket: props.exportBucketName,
      exportKmsKeyArn: props.exportKmsKeyArn,
      deletionMode: "retain",
      connectionLimit: 20,
    });
    expect(ProvisionerInputSchema.safeParse(input).success).toBe(true);
  });

  it("contains no secret or credential in the input", () => {
    expect(invocation().input).not.toMatch(/password|secret|token|credential/i);
  });

  it("passes the chosen deletion mode and connection limit", () => {
    const input = JSON.parse(invocation({ deletionMode: "drop", connectionLimit: 12 }).input);
    expect(input).toMatchObject({ deletionMode: "drop", connectionLimit: 12 });
  });

  it("says offboarding in the input only while offboarding, so a delete acts only then", () => {
    expect(JSON.parse(invocation().input)).not.toHaveProperty("offboarding");
    const input = JSON.parse(invocation({ offboarding: true }).input);
    expect(input.offboarding).toBe(true);
    expect(ProvisionerInputSchema.safeParse(input).success).toBe(true);
  });

  it("accepts a bucket name known only at apply time", () => {
    const text = synthModule((scope) => {
      const bucket = new S3Bucket(scope, "bucket", { bucket: props.exportBucketName });
      new TenantDatabase(scope, "database", { ...props, exportBucketName: bucket.bucket });
    }).text;
    expect(JSON.parse(only(JSON.parse(text), "aws_lambda_invocation").input).exportBucket).toBe("${aws_s3_bucket.bucket.bucket}");
  });

  it("exposes the database user and schema names", () => {
    let database: TenantDatabase | undefined;
    synthModule((scope) => {
      database = new TenantDatabase(scope, "database", { ...props, tenantId: "acme-corp" });
    });
    expect(database!.roleName).toBe("tenant_acme_corp");
    expect(database!.schemaName).toBe("tenant_acme_corp");
  });

  it.each([
    [{ tenantId: "Acme" }, /TenantDatabase Acme: tenantId: a tenant id .* \(got "Acme"\)/],
    [{ connectionLimit: 0 }, /connectionLimit: .* \(got 0\)/],
    [{ deletionMode: "purge" }, /deletionMode: .* \(got "purge"\)/],
    [{ exportBucketName: "Not_A_Bucket" }, /exportBucket: an S3 bucket name \(got "Not_A_Bucket"\)/],
  ])("fails when %j", (overrides, message) => {
    expect(() => build(overrides as Partial<TenantDatabaseProps>)).toThrow(message);
  });
});
