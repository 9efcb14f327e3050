import { actionMatches, boundaryAllows, grantsOf, parseStatements, substituteVariables, wildcardMatch } from "../../audit/iam";

describe("IAM matching", () => {
  it("matches actions case-insensitively with wildcards", () => {
    expect(actionMatches("s3:Get*", "s3:getobject")).toBe(true);
    expect(actionMatches("s3:Get*", "s3:PutObject")).toBe(false);
    expect(actionMatches("*", "iam:CreateRole")).toBe(true);
  });

  it("matches resources case-sensitively, * across slashes and ? as one character", () => {
    expect(wildcardMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y")).toBe(true);
    expect(wildcardMatch("arn:aws:s3:::b", "arn:aws:s3:::B")).toBe(false);
    expect(wildcardMatch("secret:x-??????", "secret:x-abcdef")).toBe(true);
  });

  it("substitutes policy variables, escaped or not", () => {
    expect(substituteVariables("a/$${aws:PrincipalTag/tenant_id}/${aws:PrincipalTag/tenant_id}", { "aws:PrincipalTag/tenant_id": "acme" })).toBe("a/acme/acme");
    expect(substituteVariables("${aws:username}", {})).toBe("${aws:username}");
  });
});

describe("boundary intersection", () => {
  const boundary = parseStatements(
    JSON.stringify({
      Statement: [
        { Sid: "OwnBucket", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::openclaw-acme-*/*"] },
        { Sid: "OwnKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:*:*:key/*", Condition: { StringEquals: { "aws:ResourceTag/TenantID": "acme" } } },
        { Sid: "ExecKey", Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:r:1:key/exec" },
      ],
    }),
  );

  it("allows a grant some boundary statement covers, naming that statement", () => {
    expect(boundaryAllows(boundary, { action: "s3:GetObject", resource: "arn:aws:s3:::openclaw-acme-1-r/*" })).toEqual({ allowed: true, by: "OwnBucket" });
  });

  it("cuts off a grant on another tenant's bucket or an action the boundary lacks", () => {
    expect(boundaryAllows(boundary, { action: "s3:GetObject", resource: "arn:aws:s3:::openclaw-globex-1-r/*" })).toEqual({ allowed: false });
    expect(boundaryAllows(boundary, { action: "s3:DeleteBucket", resource: "arn:aws:s3:::openclaw-acme-1-r" })).toEqual({ allowed: false });
    expect(boundaryAllows(boundary, { action: "NOT s3:GetObject", resource: "*" })).toEqual({ allowed: false });
  });

  it("prefers an unconditional statement, and reports a condition it cannot settle", () => {
    expect(boundaryAllows(boundary, { action: "kms:Decrypt", resource: "arn:aws:kms:r:1:key/exec" })).toEqual({ allowed: true, by: "ExecKey" });
    expect(boundaryAllows(boundary, { action: "kms:Decrypt", resource: "arn:aws:kms:r:1:key/other" })).toEqual({
      allowed: true,
      by: "OwnKeys",
      condition: '{"StringEquals":{"aws:ResourceTag/TenantID":"acme"}}',
    });
    expect(boundaryAllows(boundary, { action: "kms:Decrypt", resource: "arn:aws:kms:r:1:key/other" }, () => false)).toEqual({ allowed: false });
  });

  it("expands statements into (action, resource) grants, Allow only", () => {
    const grants = grantsOf([
      { Effect: "Allow", Action: ["a:X", "a:Y"], Resource: ["r1", "r2"] },
      { Effect: "Deny", Action: "*", Resource: "*" },
    ]);
    expect(grants).toHaveLength(4);
  });
});
