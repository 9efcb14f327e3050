/**
 * Minimal IAM policy document model. Policies are rendered as plain JSON strings (not
 * `Fn.jsonencode`) so checkov can read them and the invariant tests can parse them.
 */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]> | "*";
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: PolicyStatement[];
}

/**
 * Renders a policy document. Values may contain cdktf tokens (ARNs of resources in the
 * same stack); `JSON.stringify` keeps them as token strings that cdktf resolves.
 */
export function renderPolicy(statements: PolicyStatement[]): string {
  const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  return JSON.stringify(document);
}

/**
 * An IAM policy variable, escaped for Terraform JSON: Terraform reads `$${` as a literal
 * `${`, which IAM then evaluates. cdktf does not add this escape itself.
 */
export function iamPolicyVariable(name: string): string {
  return `$\${${name}}`;
}

/** The principal tag every tenant role carries; ABAC policies compare against it. */
export const TENANT_PRINCIPAL_TAG = "tenant_id";

/**
 * Trust policy letting one AWS service assume a role, only while it acts for the given account
 * (the confused-deputy guard AWS recommends for service roles).
 */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return renderPolicy([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);
}
