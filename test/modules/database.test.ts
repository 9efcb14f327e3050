import { Database, DatabaseProps } from "../../modules/database";
import { all, only, synthModule } from "../support/module-synth";

const props: DatabaseProps = {
  identifier: "openclaw-test-us-east-1-db",
  accountId: "111111111111",
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/platform",
  instanceClass: "db.t4g.medium",
  engineVersion: "16.4",
  allocatedStorageGiB: 50,
  multiAz: true,
  backupRetentionDays: 14,
};
const build = (overrides: Partial<DatabaseProps> = {}) => synthModule((scope) => new Database(scope, "database", { ...props, ...overrides })).json;

const trustOf = (json: Record<string, any>, nameFragment: string) => {
  const [role] = Object.entries<Record<string, any>>(json.resource.aws_iam_role).filter(([n]) => n.includes(nameFragment));
  return JSON.parse(role[1].assume_role_policy).Statement[0];
};

describe("Database", () => {
  it("is private, encrypted, IAM-authenticated, protected, with an RDS-managed master password", () => {
    const instance = only(build(), "aws_db_instance");
    expect(instance).toMatchObject({
      publicly_accessible: false,
      storage_encrypted: true,
      kms_key_id: props.kmsKeyArn,
      iam_database_authentication_enabled: true,
      manage_master_user_password: true,
      master_user_secret_kms_key_id: props.kmsKeyArn,
      deletion_protection: true,
      multi_az: true,
      backup_retention_period: 14,
    });
    expect(instance.password).toBeUndefined();
    expect(instance.lifecycle.prevent_destroy).toBe(true);
  });

  it("forces TLS through its parameter group", () => {
    const group = only(build(), "aws_db_parameter_group");
    expect(group.family).toBe("postgres16");
    expect(group.parameter).toContainEqual({ name: "rds.force_ssl", value: "1" });
  });

  it("admits 5432 only from the db-clients group, which itself admits nothing", () => {
    const json = build();
    const ingress = all(json, "aws_vpc_security_group_ingress_rule");
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ from_port: 5432, to_port: 5432, ip_protocol: "tcp" });
    expect(ingress[0].referenced_security_group_id).toMatch(/clients-security-group/);
    expect(ingress[0].cidr_ipv4).toBeUndefined();
  });

  it("enables encrypted Performance Insights where the class supports it, and leaves it off on small classes", () => {
    expect(only(build(), "aws_db_instance")).toMatchObject({ performance_insights_enabled: true, performance_insights_kms_key_id: props.kmsKeyArn });
    expect(only(build({ instanceClass: "db.t4g.small" }), "aws_db_instance").performance_insights_enabled).toBeUndefined();
  });

  it("lets RDS assume the enhanced-monitoring role only for the database's own account", () => {
    const statement = trustOf(build(), "monitoring-role");
    expect(statement.Principal).toEqual({ Service: "monitoring.rds.amazonaws.com" });
    expect(statement.Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
  });

  it("fails with fewer than two subnets", () => {
    expect(() => build({ subnetIds: ["subnet-a"] })).toThrow("Database openclaw-test-us-east-1-db: subnetIds must span at least 2 availability zones, got 1");
  });
});
