// Enforces SECURITY.md C29, C41, C42 (the table "Enforcing tests" there lists this file).
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
  applyImmediately: false,
  alarmTopicArn: "arn:aws:sns:us-east-1:111111111111:alarms",
  alarmName: (metric) => `openclaw-test-us-east-1-db-${metric}`,
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

  describe("availability limits (issue 16)", () => {
    const parameters = (json = build()) =>
      Object.fromEntries((only(json, "aws_db_parameter_group").parameter as Array<{ name: string; value: string; apply_method?: string }>).map((p) => [p.name, p]));

    it("lowers authentication_timeout, which bounds how long an unauthenticated socket holds a slot", () => {
      expect(parameters()).toMatchObject({ authentication_timeout: { value: "10" } });
      expect(parameters(build({ authenticationTimeoutSeconds: 5 })).authentication_timeout.value).toBe("5");
    });

    it("reserves slots for the master user (the provisioner), applied at the next reboot because the parameter is static", () => {
      // AWS refuses ApplyMethod=immediate for static parameters (ModifyDBParameterGroup, InvalidParameterCombination).
      expect(parameters()["rds.rds_superuser_reserved_connections"]).toEqual({ name: "rds.rds_superuser_reserved_connections", value: "10", apply_method: "pending-reboot" });
    });

    it("sets temp_file_limit (kB), which tenants cannot raise, to 10% of the allocated storage by default", () => {
      expect(parameters().temp_file_limit.value).toBe(String(5 * 1024 * 1024));
      expect(parameters(build({ tempFileLimitMiB: 2048 })).temp_file_limit.value).toBe(String(2048 * 1024));
    });

    it("alarms on DatabaseConnections at 80% of what tenants are admitted, and on FreeStorageSpace below 10%", () => {
      const alarms = all(build(), "aws_cloudwatch_metric_alarm");
      const byMetric = Object.fromEntries(alarms.map((a) => [a.metric_name, a]));
      // db.t4g.medium: LEAST(4 GiB / 9531392, 5000) = 450, less 3 for rdsadmin and 10 for the provisioner = 437.
      expect(byMetric.DatabaseConnections).toMatchObject({ namespace: "AWS/RDS", threshold: Math.floor(437 * 0.8), comparison_operator: "GreaterThanThreshold", alarm_actions: [props.alarmTopicArn] });
      expect(byMetric.FreeStorageSpace).toMatchObject({ threshold: Math.floor(50 * 1024 ** 3 * 0.1), comparison_operator: "LessThanThreshold", alarm_actions: [props.alarmTopicArn] });
    });

    it.each([
      [{ authenticationTimeoutSeconds: 0 }, /authenticationTimeoutSeconds must be an integer from 1 to 3600 \(got 0\)/],
      [{ provisionerReservedConnections: 1 }, /provisionerReservedConnections must be an integer of at least 2/],
      [{ provisionerReservedConnections: 450, instanceClass: "db.t4g.medium" }, /leaves tenants connections on db.t4g.medium/],
      [{ tempFileLimitMiB: 0 }, /tempFileLimitMiB must be a positive integer \(got 0\)/],
    ])("fails when %j", (overrides, message) => {
      expect(() => build(overrides)).toThrow(message);
    });
  });
});

describe("Database day-two behaviour", () => {
  it("replaces its parameter group under a new name (name_prefix), created before the old one is destroyed", () => {
    const group = only(build(), "aws_db_parameter_group");
    expect(group.name).toBeUndefined();
    expect(group.name_prefix).toBe("openclaw-test-us-east-1-db-postgres16-");
    expect(group.lifecycle).toEqual({ create_before_destroy: true });
  });

  it("declares the export log groups, encrypted and with a retention, before the instance", () => {
    const json = build({ logRetentionDays: 14 });
    const groups = all(json, "aws_cloudwatch_log_group");
    expect(groups.map((g) => [g.name, g.kms_key_id, g.retention_in_days]).sort()).toEqual([
      ["/aws/rds/instance/openclaw-test-us-east-1-db/postgresql", props.kmsKeyArn, 14],
      ["/aws/rds/instance/openclaw-test-us-east-1-db/upgrade", props.kmsKeyArn, 14],
    ]);
    const instance = only(json, "aws_db_instance");
    expect(instance.depends_on.filter((d: string) => d.startsWith("aws_cloudwatch_log_group."))).toHaveLength(2);
  });

  it("writes apply_immediately explicitly, whichever way it is set", () => {
    expect(only(build(), "aws_db_instance").apply_immediately).toBe(false);
    expect(only(build({ applyImmediately: true }), "aws_db_instance").apply_immediately).toBe(true);
  });
});
