/**
 * What the AWS provider calls for each resource and data source type the stacks synthesize:
 * the single source of the pipeline roles' action lists. The deploy role gets every column, the
 * plan role only `read` (Terraform's refresh). IAM action names, not API names: several APIs
 * share one action (S3's DeleteBucketLifecycle is `s3:PutLifecycleConfiguration`; Budgets'
 * CreateBudget is `budgets:ModifyBudget`), see the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 *
 * `source` is the resource's file in hashicorp/terraform-provider-aws (provider 6.25, the one
 * @cdktf/provider-aws 21.22.1 wraps). `checked: true` marks the entries whose API calls were
 * read from that file for this table; the others follow the provider's documented CRUD and the
 * reference above. test/bootstrap/resource-actions.test.ts fails when a synthesized stack uses a
 * type without an entry, and when the deploy or plan role does not allow an action listed here
 * on the stack's own resources.
 *
 * Actions that name another service (iam:PassRole, kms:CreateGrant on a resource's key, the
 * secret RDS creates for the master password) are listed with the resource that needs them:
 * the policy grants them on the narrower ARNs of bootstrap/policies.ts.
 */

export interface ResourceActions {
  /** Path in hashicorp/terraform-provider-aws. */
  readonly source: string;
  /** The API calls were read from `source` when this entry was written. */
  readonly checked?: true;
  readonly create: readonly string[];
  /** Refresh: what `terraform plan` calls, so the plan role's whole allow list. */
  readonly read: readonly string[];
  readonly update: readonly string[];
  readonly delete: readonly string[];
  /** Tagging, through the provider's default_tags on every resource that takes tags. */
  readonly tag: readonly string[];
}

const none: readonly string[] = [];
const ec2Tags = ["ec2:CreateTags", "ec2:DeleteTags"];
const rdsTags = ["rds:AddTagsToResource", "rds:RemoveTagsFromResource"];
const s3Sub = (svc: string, put: string, get: string, del = put): ResourceActions => ({
  source: `internal/service/s3/${svc}.go`,
  create: [put],
  read: [get],
  update: [put],
  delete: [del],
  tag: none,
});
const ingressOrEgress = (kind: "Ingress" | "Egress"): ResourceActions => ({
  source: `internal/service/ec2/vpc_security_group_${kind.toLowerCase()}_rule.go`,
  create: [`ec2:AuthorizeSecurityGroup${kind}`],
  read: ["ec2:DescribeSecurityGroupRules"],
  update: ["ec2:ModifySecurityGroupRules"],
  delete: [`ec2:RevokeSecurityGroup${kind}`],
  tag: ec2Tags,
});

export const RESOURCE_ACTIONS: Readonly<Record<string, ResourceActions>> = {
  // --- network (platform) ---
  aws_vpc: {
    source: "internal/service/ec2/vpc_.go",
    create: ["ec2:CreateVpc", "ec2:ModifyVpcAttribute"],
    // Read also finds the main route table, default network ACL and default security group.
    read: ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeRouteTables", "ec2:DescribeNetworkAcls", "ec2:DescribeSecurityGroups"],
    update: ["ec2:ModifyVpcAttribute"],
    delete: ["ec2:DeleteVpc"],
    tag: ec2Tags,
  },
  aws_subnet: {
    source: "internal/service/ec2/vpc_subnet.go",
    create: ["ec2:CreateSubnet", "ec2:ModifySubnetAttribute"],
    read: ["ec2:DescribeSubnets"],
    update: ["ec2:ModifySubnetAttribute"],
    // Delete retries while Lambda's and ECS's network interfaces drain.
    delete: ["ec2:DeleteSubnet", "ec2:DescribeNetworkInterfaces"],
    tag: ec2Tags,
  },
  aws_internet_gateway: {
    source: "internal/service/ec2/vpc_internet_gateway.go",
    create: ["ec2:CreateInternetGateway", "ec2:AttachInternetGateway"],
    read: ["ec2:DescribeInternetGateways"],
    update: ["ec2:AttachInternetGateway", "ec2:DetachInternetGateway"],
    delete: ["ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"],
    tag: ec2Tags,
  },
  aws_eip: {
    source: "internal/service/ec2/ec2_eip.go",
    create: ["ec2:AllocateAddress"],
    read: ["ec2:DescribeAddresses"],
    update: none,
    delete: ["ec2:DisassociateAddress", "ec2:ReleaseAddress"],
    tag: ec2Tags,
  },
  aws_nat_gateway: {
    source: "internal/service/ec2/vpc_nat_gateway.go",
    create: ["ec2:CreateNatGateway"],
    read: ["ec2:DescribeNatGateways"],
    update: none,
    delete: ["ec2:DeleteNatGateway"],
    tag: ec2Tags,
  },
  aws_route_table: {
    source: "internal/service/ec2/vpc_route_table.go",
    create: ["ec2:CreateRouteTable"],
    read: ["ec2:DescribeRouteTables"],
    update: ["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"],
    delete: ["ec2:DeleteRouteTable", "ec2:DisassociateRouteTable"],
    tag: ec2Tags,
  },
  aws_route: {
    source: "internal/service/ec2/vpc_route.go",
    create: ["ec2:CreateRoute"],
    read: ["ec2:DescribeRouteTables"],
    update: ["ec2:ReplaceRoute"],
    delete: ["ec2:DeleteRoute"],
    tag: none,
  },
  aws_route_table_association: {
    source: "internal/service/ec2/vpc_route_table_association.go",
    create: ["ec2:AssociateRouteTable"],
    read: ["ec2:DescribeRouteTables"],
    update: ["ec2:ReplaceRouteTableAssociation"],
    delete: ["ec2:DisassociateRouteTable"],
    tag: none,
  },
  aws_security_group: {
    source: "internal/service/ec2/vpc_security_group.go",
    // Create revokes the default allow-all egress rule that AWS adds.
    create: ["ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress"],
    read: ["ec2:DescribeSecurityGroups"],
    update: ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
    // Delete waits for network interfaces that still use the group.
    delete: ["ec2:DeleteSecurityGroup", "ec2:DescribeNetworkInterfaces"],
    tag: ec2Tags,
  },
  aws_default_security_group: {
    source: "internal/service/ec2/vpc_default_security_group.go",
    // Adopts the VPC's default group and revokes its rules; delete only forgets it.
    create: ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
    read: ["ec2:DescribeSecurityGroups"],
    update: ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
    delete: none,
    tag: ec2Tags,
  },
  aws_vpc_security_group_ingress_rule: ingressOrEgress("Ingress"),
  aws_vpc_security_group_egress_rule: ingressOrEgress("Egress"),
  aws_vpc_endpoint: {
    source: "internal/service/ec2/vpc_endpoint.go",
    // Private DNS on an interface endpoint associates the VPC with AWS's private hosted zone as
    // the caller (a dependent action of ec2:CreateVpcEndpoint in the Service Authorization Reference).
    create: ["ec2:CreateVpcEndpoint", "route53:AssociateVPCWithHostedZone"],
    // Gateway endpoints expose the service's prefix list.
    read: ["ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists", "ec2:DescribeVpcEndpointServices"],
    update: ["ec2:ModifyVpcEndpoint"],
    delete: ["ec2:DeleteVpcEndpoints"],
    tag: ec2Tags,
  },
  aws_flow_log: {
    source: "internal/service/ec2/vpc_flow_log.go",
    // CreateFlowLogs' dependent actions: PassRole (CloudWatch Logs destination) and log delivery.
    create: ["ec2:CreateFlowLogs", "iam:PassRole", "logs:CreateLogDelivery"],
    read: ["ec2:DescribeFlowLogs"],
    update: none,
    delete: ["ec2:DeleteFlowLogs", "logs:DeleteLogDelivery"],
    tag: ec2Tags,
  },

  // --- containers ---
  aws_ecs_cluster: {
    source: "internal/service/ecs/cluster.go",
    create: ["ecs:CreateCluster"],
    read: ["ecs:DescribeClusters"],
    update: ["ecs:UpdateCluster", "ecs:UpdateClusterSettings"],
    delete: ["ecs:DeleteCluster"],
    tag: ["ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"],
  },
  aws_ecs_cluster_capacity_providers: {
    source: "internal/service/ecs/cluster_capacity_providers.go",
    create: ["ecs:PutClusterCapacityProviders"],
    read: ["ecs:DescribeClusters"],
    update: ["ecs:PutClusterCapacityProviders"],
    delete: ["ecs:PutClusterCapacityProviders"],
    tag: none,
  },
  aws_ecs_task_definition: {
    source: "internal/service/ecs/task_definition.go",
    // Registering passes the execution and task roles to ecs-tasks.amazonaws.com.
    create: ["ecs:RegisterTaskDefinition", "iam:PassRole"],
    read: ["ecs:DescribeTaskDefinition"],
    update: none, // every change is a new revision
    delete: ["ecs:DeregisterTaskDefinition"],
    tag: ["ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"],
  },
  aws_ecs_service: {
    source: "internal/service/ecs/service.go",
    create: ["ecs:CreateService"],
    // Also the wait_for_steady_state and deployment waiters; provider 5.9x+ follows the
    // service's deployments (circuit breaker rollbacks) through the service-deployment APIs.
    read: ["ecs:DescribeServices", "ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments"],
    update: ["ecs:UpdateService"],
    // Delete scales to zero (UpdateService) unless forced, then deletes and waits for draining.
    delete: ["ecs:UpdateService", "ecs:DeleteService"],
    tag: ["ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"],
  },
  // --- Application Auto Scaling (elastic agents) ---
  aws_appautoscaling_target: {
    source: "internal/service/appautoscaling/target.go",
    checked: true,
    // Registering an ECS target creates AWSServiceRoleForApplicationAutoScaling_ECSService on
    // first use (iam:CreateServiceLinkedRole, allowed for that service in CreateServiceLinkedRoles).
    create: ["application-autoscaling:RegisterScalableTarget", "ecs:DescribeServices", "ecs:UpdateService"],
    read: ["application-autoscaling:DescribeScalableTargets"],
    update: ["application-autoscaling:RegisterScalableTarget"],
    delete: ["application-autoscaling:DeregisterScalableTarget"],
    tag: ["application-autoscaling:TagResource", "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource"],
  },
  aws_appautoscaling_scheduled_action: {
    source: "internal/service/appautoscaling/scheduled_action.go",
    checked: true,
    create: ["application-autoscaling:PutScheduledAction"],
    read: ["application-autoscaling:DescribeScheduledActions"],
    update: ["application-autoscaling:PutScheduledAction"],
    delete: ["application-autoscaling:DeleteScheduledAction"],
    tag: none,
  },
  aws_appautoscaling_policy: {
    source: "internal/service/appautoscaling/policy.go",
    // Target tracking creates and deletes its own CloudWatch alarms with the caller's rights.
    create: ["application-autoscaling:PutScalingPolicy", "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms"],
    read: ["application-autoscaling:DescribeScalingPolicies"],
    update: ["application-autoscaling:PutScalingPolicy", "cloudwatch:PutMetricAlarm"],
    delete: ["application-autoscaling:DeleteScalingPolicy", "cloudwatch:DeleteAlarms"],
    tag: none,
  },
  aws_ecr_repository: {
    source: "internal/service/ecr/repository.go",
    // A KMS-encrypted repository takes a grant on its key (ECR's KMS documentation).
    create: ["ecr:CreateRepository", "kms:CreateGrant", "kms:DescribeKey"],
    read: ["ecr:DescribeRepositories", "ecr:ListTagsForResource"],
    update: ["ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration"],
    delete: ["ecr:DeleteRepository", "kms:RetireGrant"],
    tag: ["ecr:TagResource", "ecr:UntagResource"],
  },
  aws_ecr_lifecycle_policy: {
    source: "internal/service/ecr/lifecycle_policy.go",
    create: ["ecr:PutLifecyclePolicy"],
    read: ["ecr:GetLifecyclePolicy"],
    update: ["ecr:PutLifecyclePolicy"],
    delete: ["ecr:DeleteLifecyclePolicy"],
    tag: none,
  },

  // --- database ---
  aws_db_instance: {
    source: "internal/service/rds/instance.go",
    // manage_master_user_password: RDS creates the secret as the caller, encrypted with the
    // platform key (RDS user guide, "Password management with Secrets Manager", permissions).
    create: [
      "rds:CreateDBInstance",
      "iam:PassRole",
      "kms:CreateGrant",
      "kms:DescribeKey",
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "secretsmanager:CreateSecret",
      "secretsmanager:TagResource",
    ],
    read: ["rds:DescribeDBInstances", "rds:ListTagsForResource"],
    update: ["rds:ModifyDBInstance", "rds:RebootDBInstance"],
    delete: ["rds:DeleteDBInstance"],
    tag: rdsTags,
  },
  aws_db_parameter_group: {
    source: "internal/service/rds/parameter_group.go",
    create: ["rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup"],
    read: ["rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"],
    update: ["rds:ModifyDBParameterGroup", "rds:ResetDBParameterGroup"],
    delete: ["rds:DeleteDBParameterGroup"],
    tag: rdsTags,
  },
  aws_db_subnet_group: {
    source: "internal/service/rds/subnet_group.go",
    create: ["rds:CreateDBSubnetGroup"],
    read: ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"],
    update: ["rds:ModifyDBSubnetGroup"],
    delete: ["rds:DeleteDBSubnetGroup"],
    tag: rdsTags,
  },

  // --- identity ---
  aws_iam_role: {
    source: "internal/service/iam/role.go",
    checked: true,
    create: ["iam:CreateRole"],
    read: ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
    // description → UpdateRoleDescription; max_session_duration → UpdateRole; trust → UpdateAssumeRolePolicy.
    update: ["iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary"],
    // Delete first removes the role from instance profiles.
    delete: ["iam:DeleteRole", "iam:ListInstanceProfilesForRole"],
    tag: ["iam:TagRole", "iam:UntagRole"],
  },
  aws_iam_role_policy: {
    source: "internal/service/iam/role_policy.go",
    create: ["iam:PutRolePolicy"],
    read: ["iam:GetRolePolicy"],
    update: ["iam:PutRolePolicy"],
    delete: ["iam:DeleteRolePolicy"],
    tag: none,
  },
  aws_iam_role_policy_attachment: {
    source: "internal/service/iam/role_policy_attachment.go",
    create: ["iam:AttachRolePolicy"],
    read: ["iam:ListAttachedRolePolicies"],
    update: none,
    delete: ["iam:DetachRolePolicy"],
    tag: none,
  },
  aws_iam_policy: {
    source: "internal/service/iam/policy.go",
    create: ["iam:CreatePolicy"],
    read: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyTags"],
    // A change is a new default version; the oldest goes when five exist.
    update: ["iam:CreatePolicyVersion", "iam:ListPolicyVersions", "iam:DeletePolicyVersion"],
    delete: ["iam:ListPolicyVersions", "iam:DeletePolicyVersion", "iam:DeletePolicy"],
    tag: ["iam:TagPolicy", "iam:UntagPolicy"],
  },

  // --- keys ---
  aws_kms_key: {
    source: "internal/service/kms/key.go",
    create: ["kms:CreateKey"],
    read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
    update: ["kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:EnableKey", "kms:DisableKey"],
    // An offboarded tenant's key is scheduled for deletion (30-day window, cancellable).
    delete: ["kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
    tag: ["kms:TagResource", "kms:UntagResource"],
  },
  aws_kms_alias: {
    source: "internal/service/kms/alias.go",
    create: ["kms:CreateAlias"],
    // FindAliasByName pages through ListAliases.
    read: ["kms:ListAliases"],
    update: ["kms:UpdateAlias"],
    delete: ["kms:DeleteAlias"],
    tag: none,
  },

  // --- functions ---
  aws_lambda_function: {
    source: "internal/service/lambda/function.go",
    // A VPC function: Lambda checks the caller may describe the subnets and groups it names.
    create: ["lambda:CreateFunction", "iam:PassRole", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"],
    // GetFunctionConfiguration: the SDK waiters for "function active/updated" poll it.
    read: ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:GetFunctionConcurrency", "lambda:GetRuntimeManagementConfig"],
    update: [
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency",
      "lambda:PublishVersion",
    ],
    delete: ["lambda:DeleteFunction"],
    tag: ["lambda:TagResource", "lambda:UntagResource", "lambda:ListTags"],
  },
  aws_lambda_invocation: {
    source: "internal/service/lambda/invocation.go",
    checked: true,
    // lifecycle_scope CRUD invokes on create, update and delete; read calls nothing.
    create: ["lambda:InvokeFunction"],
    read: none,
    update: ["lambda:InvokeFunction"],
    delete: ["lambda:InvokeFunction"],
    tag: none,
  },

  aws_lambda_permission: {
    source: "internal/service/lambda/permission.go",
    create: ["lambda:AddPermission"],
    read: ["lambda:GetPolicy"],
    // Every argument forces a new permission.
    update: none,
    delete: ["lambda:RemovePermission"],
    tag: none,
  },
  // The provisioner's schedules (reap, measure).
  aws_cloudwatch_event_rule: {
    source: "internal/service/events/rule.go",
    create: ["events:PutRule"],
    read: ["events:DescribeRule", "events:ListTagsForResource"],
    update: ["events:PutRule", "events:EnableRule", "events:DisableRule"],
    delete: ["events:DeleteRule"],
    tag: ["events:TagResource", "events:UntagResource"],
  },
  aws_cloudwatch_event_target: {
    source: "internal/service/events/target.go",
    create: ["events:PutTargets"],
    read: ["events:ListTargetsByRule"],
    update: ["events:PutTargets"],
    delete: ["events:RemoveTargets"],
    tag: none,
  },

  // --- alarms and parameters ---
  aws_sns_topic: {
    source: "internal/service/sns/topic.go",
    create: ["sns:CreateTopic", "sns:SetTopicAttributes"],
    read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
    update: ["sns:SetTopicAttributes"],
    delete: ["sns:DeleteTopic"],
    tag: ["sns:TagResource", "sns:UntagResource"],
  },
  aws_sns_topic_policy: {
    source: "internal/service/sns/topic_policy.go",
    create: ["sns:SetTopicAttributes"],
    read: ["sns:GetTopicAttributes"],
    update: ["sns:SetTopicAttributes"],
    delete: ["sns:SetTopicAttributes"],
    tag: none,
  },
  aws_ssm_parameter: {
    source: "internal/service/ssm/parameter.go",
    create: ["ssm:PutParameter"],
    read: ["ssm:GetParameter", "ssm:DescribeParameters", "ssm:ListTagsForResource"],
    update: ["ssm:PutParameter"],
    delete: ["ssm:DeleteParameter"],
    tag: ["ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
  },
  aws_cloudwatch_log_group: {
    source: "internal/service/logs/group.go",
    create: ["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
    read: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
    update: ["logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"],
    delete: ["logs:DeleteLogGroup"],
    tag: ["logs:TagResource", "logs:UntagResource"],
  },
  aws_sns_topic_subscription: {
    source: "internal/service/sns/topic_subscription.go",
    // Subscribe, then the attributes it waits on and sets (filter policy and its scope).
    create: ["sns:Subscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"],
    read: ["sns:GetSubscriptionAttributes"],
    update: ["sns:SetSubscriptionAttributes"],
    delete: ["sns:Unsubscribe"],
    tag: none,
  },
  aws_cloudwatch_log_metric_filter: {
    source: "internal/service/logs/metric_filter.go",
    create: ["logs:PutMetricFilter"],
    read: ["logs:DescribeMetricFilters"],
    update: ["logs:PutMetricFilter"],
    delete: ["logs:DeleteMetricFilter"],
    tag: none,
  },
  // --- egress proxy discovery (platform) ---
  aws_service_discovery_private_dns_namespace: {
    source: "internal/service/servicediscovery/private_dns_namespace.go",
    // Cloud Map creates the namespace's private hosted zone on the caller's behalf
    // (https://docs.aws.amazon.com/cloud-map/latest/dg/cloud-map-api-permissions-ref.html).
    create: [
      "servicediscovery:CreatePrivateDnsNamespace",
      "servicediscovery:GetOperation",
      "route53:CreateHostedZone",
      "route53:GetHostedZone",
      "route53:ListHostedZonesByName",
      "ec2:DescribeVpcs",
      "ec2:DescribeVpcAttribute",
    ],
    read: ["servicediscovery:GetNamespace", "servicediscovery:ListTagsForResource"],
    update: ["servicediscovery:UpdatePrivateDnsNamespace", "servicediscovery:GetOperation"],
    delete: ["servicediscovery:DeleteNamespace", "servicediscovery:GetOperation", "route53:DeleteHostedZone"],
    tag: ["servicediscovery:TagResource", "servicediscovery:UntagResource"],
  },
  aws_service_discovery_service: {
    source: "internal/service/servicediscovery/service.go",
    // No health_check_config: ECS registers the proxy's tasks (through its service-linked role).
    create: ["servicediscovery:CreateService"],
    read: ["servicediscovery:GetService", "servicediscovery:ListTagsForResource"],
    update: ["servicediscovery:UpdateService", "servicediscovery:GetOperation"],
    delete: ["servicediscovery:DeleteService"],
    tag: ["servicediscovery:TagResource", "servicediscovery:UntagResource"],
  },
  aws_cloudwatch_dashboard: {
    source: "internal/service/cloudwatch/dashboard.go",
    checked: true,
    // Put creates and updates and then reads back; the resource takes no tags.
    create: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard"],
    read: ["cloudwatch:GetDashboard"],
    update: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard"],
    delete: ["cloudwatch:DeleteDashboards"],
    tag: none,
  },
  aws_cloudwatch_metric_alarm: {
    source: "internal/service/cloudwatch/metric_alarm.go",
    create: ["cloudwatch:PutMetricAlarm"],
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    update: ["cloudwatch:PutMetricAlarm"],
    delete: ["cloudwatch:DeleteAlarms"],
    tag: ["cloudwatch:TagResource", "cloudwatch:UntagResource"],
  },

  // --- cost ---
  aws_budgets_budget: {
    source: "internal/service/budgets/budget.go",
    // CreateBudget, UpdateBudget, DeleteBudget and the notification/subscriber calls are all ModifyBudget.
    create: ["budgets:ModifyBudget"],
    read: ["budgets:ViewBudget", "budgets:ListTagsForResource"],
    update: ["budgets:ModifyBudget"],
    delete: ["budgets:ModifyBudget"],
    tag: ["budgets:TagResource", "budgets:UntagResource"],
  },
  aws_budgets_budget_action: {
    source: "internal/service/budgets/budget_action.go",
    checked: true,
    // The action runs as execution_role_arn, passed to budgets.amazonaws.com.
    create: ["budgets:CreateBudgetAction", "iam:PassRole"],
    read: ["budgets:DescribeBudgetAction", "budgets:ListTagsForResource"],
    update: ["budgets:UpdateBudgetAction", "iam:PassRole"],
    delete: ["budgets:DeleteBudgetAction"],
    tag: ["budgets:TagResource", "budgets:UntagResource"],
  },
  aws_ce_cost_allocation_tag: {
    source: "internal/service/ce/cost_allocation_tag.go",
    checked: true,
    // Create, update and delete (status Inactive) are all UpdateCostAllocationTagsStatus.
    create: ["ce:UpdateCostAllocationTagsStatus"],
    read: ["ce:ListCostAllocationTags"],
    update: ["ce:UpdateCostAllocationTagsStatus"],
    delete: ["ce:UpdateCostAllocationTagsStatus"],
    tag: none,
  },
  aws_ce_anomaly_monitor: {
    source: "internal/service/ce/anomaly_monitor.go",
    create: ["ce:CreateAnomalyMonitor"],
    read: ["ce:GetAnomalyMonitors", "ce:ListTagsForResource"],
    update: ["ce:UpdateAnomalyMonitor"],
    delete: ["ce:DeleteAnomalyMonitor"],
    tag: ["ce:TagResource", "ce:UntagResource"],
  },
  aws_ce_anomaly_subscription: {
    source: "internal/service/ce/anomaly_subscription.go",
    create: ["ce:CreateAnomalySubscription"],
    read: ["ce:GetAnomalySubscriptions", "ce:ListTagsForResource"],
    update: ["ce:UpdateAnomalySubscription"],
    delete: ["ce:DeleteAnomalySubscription"],
    tag: ["ce:TagResource", "ce:UntagResource"],
  },
  // --- audit trail (platform stack that owns the account-wide resources; #29) ---
  aws_cloudtrail: {
    source: "internal/service/cloudtrail/trail.go",
    checked: true,
    // CreateTrail carries the tags (TagsList: cloudtrail:AddTags); new trails do not log until
    // StartLogging; advanced selectors are a PutEventSelectors after the create.
    create: ["cloudtrail:CreateTrail", "cloudtrail:StartLogging", "cloudtrail:PutEventSelectors"],
    // findTrailByARN is DescribeTrails; GetEventSelectors when the trail has custom selectors.
    read: ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:ListTags"],
    // StopLogging is left out: enable_logging is pinned true (test/audit-trail.test.ts) and the
    // deploy role is denied it (DenyStoppingTheAuditTrail), like DeleteTrail.
    update: ["cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StartLogging"],
    delete: ["cloudtrail:DeleteTrail"],
    tag: ["cloudtrail:AddTags", "cloudtrail:RemoveTags"],
  },
  aws_glue_catalog_database: {
    source: "internal/service/glue/catalog_database.go",
    create: ["glue:CreateDatabase"],
    read: ["glue:GetDatabase", "glue:GetTags"],
    update: ["glue:UpdateDatabase"],
    delete: ["glue:DeleteDatabase"],
    tag: ["glue:TagResource", "glue:UntagResource"],
  },
  aws_glue_catalog_table: {
    source: "internal/service/glue/catalog_table.go",
    // Read also lists the table's partition indexes (none here).
    create: ["glue:CreateTable"],
    read: ["glue:GetTable", "glue:GetPartitionIndexes"],
    update: ["glue:UpdateTable"],
    delete: ["glue:DeleteTable"],
    tag: none,
  },
  aws_athena_workgroup: {
    source: "internal/service/athena/workgroup.go",
    create: ["athena:CreateWorkGroup"],
    read: ["athena:GetWorkGroup", "athena:ListTagsForResource"],
    update: ["athena:UpdateWorkGroup"],
    delete: ["athena:DeleteWorkGroup"],
    tag: ["athena:TagResource", "athena:UntagResource"],
  },
  aws_bedrock_inference_profile: {
    source: "internal/service/bedrock/inference_profile.go",
    // Only tags change in place; the model source is copied at create.
    create: ["bedrock:CreateInferenceProfile", "bedrock:GetFoundationModel"],
    read: ["bedrock:GetInferenceProfile", "bedrock:ListTagsForResource"],
    update: none,
    delete: ["bedrock:DeleteInferenceProfile"],
    tag: ["bedrock:TagResource", "bedrock:UntagResource"],
  },

  // --- tenant storage ---
  aws_s3_bucket: {
    source: "internal/service/s3/bucket.go",
    create: ["s3:CreateBucket"],
    // Read fetches every bucket sub-configuration the resource still exposes as attributes.
    // s3:ListBucket stays for the plan role too (issue 24, item 6 asked to drop it): refresh
    // starts with findBucket, a HeadBucket call (internal/service/s3/bucket.go), and S3
    // authorizes HeadBucket as s3:ListBucket ("To use this operation, you must have permissions
    // to perform the s3:ListBucket action", botocore s3 HeadBucket documentation). IAM cannot
    // tell it from ListObjects, so the object names stay readable to the plan role.
    read: [
      "s3:ListBucket",
      "s3:GetBucketLocation",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketWebsite",
      "s3:GetBucketVersioning",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketLogging",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketTagging",
    ],
    update: none,
    // force_destroy (offboarding, protection lifted for one tenant) deletes every object version first.
    delete: ["s3:DeleteBucket", "s3:ListBucketVersions", "s3:DeleteObjectVersion"],
    tag: ["s3:PutBucketTagging"],
  },
  aws_s3_bucket_versioning: s3Sub("bucket_versioning", "s3:PutBucketVersioning", "s3:GetBucketVersioning"),
  aws_s3_bucket_server_side_encryption_configuration: s3Sub(
    "bucket_server_side_encryption_configuration",
    "s3:PutEncryptionConfiguration",
    "s3:GetEncryptionConfiguration",
  ),
  // DeleteBucketPublicAccessBlock, DeleteBucketOwnershipControls, DeleteBucketLifecycle are authorized as the Put action.
  aws_s3_bucket_public_access_block: s3Sub("bucket_public_access_block", "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
  aws_s3_bucket_ownership_controls: s3Sub("bucket_ownership_controls", "s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"),
  aws_s3_bucket_policy: s3Sub("bucket_policy", "s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"),
  aws_s3_bucket_lifecycle_configuration: s3Sub("bucket_lifecycle_configuration", "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
  aws_s3_bucket_notification: s3Sub("bucket_notification", "s3:PutBucketNotification", "s3:GetBucketNotification"),
  // The offboarding archive (lifecycle work this session); also what CreateBucket with
  // object_lock_enabled needs. Delete leaves the bucket's lock in place (only forgets it).
  aws_s3_bucket_object_lock_configuration: {
    source: "internal/service/s3/bucket_object_lock_configuration.go",
    create: ["s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"],
    read: ["s3:GetBucketObjectLockConfiguration"],
    update: ["s3:PutBucketObjectLockConfiguration"],
    delete: none,
    tag: none,
  },
  aws_secretsmanager_secret: {
    source: "internal/service/secretsmanager/secret.go",
    // The secret is created without a value; values are written out of band.
    create: ["secretsmanager:CreateSecret"],
    read: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
    update: ["secretsmanager:UpdateSecret", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"],
    delete: ["secretsmanager:DeleteSecret"],
    tag: ["secretsmanager:TagResource", "secretsmanager:UntagResource"],
  },
};

/** Data sources are read at plan and apply: both roles need `read`. */
export const DATA_SOURCE_ACTIONS: Readonly<Record<string, Pick<ResourceActions, "source" | "read">>> = {
  aws_availability_zones: { source: "internal/service/ec2/ec2_availability_zones_data_source.go", read: ["ec2:DescribeAvailabilityZones"] },
  // Interface endpoint services available in the region (first-apply work this session).
  aws_vpc_endpoint_service: { source: "internal/service/ec2/vpc_endpoint_service_data_source.go", read: ["ec2:DescribeVpcEndpointServices"] },
  // Only String parameters under the platform prefix; the plan role cannot decrypt SecureString (no kms:Decrypt).
  aws_ssm_parameter: { source: "internal/service/ssm/parameter_data_source.go", read: ["ssm:GetParameter"] },
};

export type Column = "create" | "read" | "update" | "delete" | "tag";
export const COLUMNS: readonly Column[] = ["create", "read", "update", "delete", "tag"];

/** Every action of the given columns over every type, deduplicated and sorted. */
export function actionsOf(columns: readonly Column[], types: readonly string[] = Object.keys(RESOURCE_ACTIONS)): string[] {
  const out = new Set<string>();
  for (const type of types) {
    const entry = RESOURCE_ACTIONS[type];
    for (const column of columns) for (const action of entry[column]) out.add(action);
  }
  if (columns.includes("read")) for (const ds of Object.values(DATA_SOURCE_ACTIONS)) for (const action of ds.read) out.add(action);
  return [...out].sort();
}
