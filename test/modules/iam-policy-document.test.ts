import { iamPolicyVariable, renderPolicy, serviceTrustPolicy } from "../../modules/iam-policy-document";

describe("iam-policy-document", () => {
  it("renders a policy as a plain JSON string checkov and the tests can read", () => {
    expect(JSON.parse(renderPolicy([{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }]))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
    });
  });

  it("escapes IAM policy variables for Terraform JSON", () => {
    expect(iamPolicyVariable("aws:PrincipalTag/tenant_id")).toBe("$${aws:PrincipalTag/tenant_id}");
  });

  it("trusts a service only while it acts for the given account", () => {
    expect(JSON.parse(serviceTrustPolicy("monitoring.rds.amazonaws.com", "111111111111")).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "monitoring.rds.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
      },
    ]);
  });
});
