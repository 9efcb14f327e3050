import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { PolicyStatement } from "./iam-policy-document";

export interface TenantLoggingProps {
  readonly logGroupName: string;
  /** The tenant's key; the key policy must let CloudWatch Logs use it for this group. */
  readonly kmsKeyArn: string;
  /** Days logs are kept; one of CloudWatch's allowed values. */
  readonly retentionDays: number;
  /**
   * `skip_destroy`: a destroy removes the group from state and leaves it (and its logs, until
   * their retention expires) in place. @default false (a destroy deletes the group)
   */
  readonly retainOnDestroy?: boolean;
}

/** The tenant's log group: every agent's container output, encrypted with the tenant key. */
export class TenantLogging extends Construct {
  public readonly logGroupName: string;
  public readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: TenantLoggingProps) {
    super(scope, id);
    const group = new CloudwatchLogGroup(this, "log-group", {
      name: props.logGroupName,
      kmsKeyId: props.kmsKeyArn,
      retentionInDays: props.retentionDays,
      skipDestroy: props.retainOnDestroy || undefined,
    });
    this.logGroupName = group.name;
    this.logGroupArn = group.arn;
  }

  /** Write access to this group's streams only, for the execution role's awslogs driver. */
  public writeStatements(): PolicyStatement[] {
    return [{ Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${this.logGroupArn}:log-stream:*` }];
  }
}
