import { actionMatches, boundaryAllows, conditionSatisfied, evaluate, grantsOf, isAllowed, parseStatements, substituteVariables, wildcardMatch } from "../../audit/iam";

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

describe("policy evaluation", () => {
  const policy = parseStatements(
    JSON.stringify({
      Statement: [
        { Sid: "All", Effect: "Allow", Action: "s3:*", Resource: "*" },
        { Sid: "NoObjects", Effect: "Deny", Action: "s3:GetObject", NotResource: "arn:aws:s3:::state/*" },
        { Sid: "Bounded", Effect: "Allow", Action: "iam:CreateRole", Resource: "*", Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:b" } } },
        { Sid: "NotLike", Effect: "Deny", Action: "iam:CreateRole", Resource: "*", Condition: { StringNotLike: { "iam:PermissionsBoundary": "arn:*" } } },
        { Sid: "Tags", Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["A", "B"] }, Null: { "aws:RequestTag/A": "false" } } },
        { Sid: "NotIam", Effect: "Allow", NotAction: ["iam:*", "kms:*"], Resource: "*" },
      ],
    }),
  );
  const decide = (action: string, resource: string, context?: Record<string, string | string[]>) => evaluate(policy, { action, resource, context }).decision;

  it("lets an explicit deny win over any allow, and NotResource exempt what it names", () => {
    expect(decide("s3:GetObject", "arn:aws:s3:::data/x")).toBe("deny");
    expect(decide("s3:GetObject", "arn:aws:s3:::state/x")).toBe("allow");
  });

  it("treats a missing condition key as false for positive and true for negated operators", () => {
    expect(decide("iam:CreateRole", "arn:aws:iam::1:role/x")).toBe("deny");
    expect(decide("iam:CreateRole", "arn:aws:iam::1:role/x", { "iam:PermissionsBoundary": "arn:b" })).toBe("allow");
    expect(decide("iam:CreateRole", "arn:aws:iam::1:role/x", { "iam:PermissionsBoundary": "arn:c" })).toBe("implicit");
  });

  it("quantifies multi-valued keys and checks Null", () => {
    expect(decide("kms:CreateKey", "*", { "aws:TagKeys": ["A"], "aws:RequestTag/A": "x" })).toBe("allow");
    expect(decide("kms:CreateKey", "*", { "aws:TagKeys": ["A", "C"], "aws:RequestTag/A": "x" })).toBe("implicit");
    expect(decide("kms:CreateKey", "*", { "aws:TagKeys": ["B"] })).toBe("implicit");
  });

  it("allows through NotAction everything except what it names", () => {
    expect(decide("ec2:CreateVpc", "*")).toBe("allow");
    expect(decide("iam:PassRole", "*")).toBe("implicit");
  });
});

// The isolation tests ask "can this role do X?" and must not be reassured by a Deny that IAM would
// not apply. One evaluator answers every such question (evaluate / isAllowed): the older
// policyAllows counted a Deny whose condition key was absent from the request as applying, and
// skipped Deny statements written with NotAction, so a "cannot" check could pass where IAM allows.
describe("one evaluator for 'can this role do X?'", () => {
  const allowAll = { Effect: "Allow", Action: "bedrock:InvokeModel", Resource: "*" };
  const model = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude";

  it("does not let a Deny on a condition key the request lacks hide an allow (IAM: a positive operator on a missing key is false)", () => {
    const statements = parseStatements(
      JSON.stringify({ Statement: [allowAll, { Effect: "Deny", Action: "bedrock:InvokeModel", Resource: "*", Condition: { StringLike: { "bedrock:InferenceProfileArn": "*" } } }] }),
    );
    expect(isAllowed(statements, { action: "bedrock:InvokeModel", resource: model })).toBe(true);
    expect(isAllowed(statements, { action: "bedrock:InvokeModel", resource: model, context: { "bedrock:InferenceProfileArn": "arn:p" } })).toBe(false);
  });

  it("applies a Deny written with NotAction to every other action", () => {
    const statements = parseStatements(JSON.stringify({ Statement: [allowAll, { Effect: "Deny", NotAction: "s3:*", Resource: "*" }] }));
    expect(isAllowed(statements, { action: "bedrock:InvokeModel", resource: model })).toBe(false);
  });

  it("settles an audit condition only when the context names every key, with IAM's semantics", () => {
    const condition = { StringNotEquals: { "aws:ResourceTag/TenantID": "acme" } };
    expect(conditionSatisfied(condition, {})).toBeUndefined(); // the audit cannot tell: it reports
    expect(conditionSatisfied(condition, { "aws:ResourceTag/TenantID": "acme" })).toBe(false);
    expect(conditionSatisfied(condition, { "aws:ResourceTag/TenantID": "globex" })).toBe(true);
    expect(conditionSatisfied(condition, { "aws:ResourceTag/TenantID": undefined })).toBe(true); // known to be untagged
    expect(conditionSatisfied({ NumericLessThan: { "s3:max-keys": "10" } }, { "s3:max-keys": "5" })).toBeUndefined(); // operator not modelled
  });
});

// Issue 24, item 6: three places the evaluator's semantics were not IAM's.
describe("IAM semantics the evaluator must not get wrong", () => {
  it("a boundary resource with ? covers one character, never a grant's * (which stands for any run)", () => {
    const boundary = [{ Sid: "One", Effect: "Allow" as const, Action: "s3:GetObject", Resource: "arn:aws:s3:::openclaw-?" }];
    expect(boundaryAllows(boundary, { action: "s3:GetObject", resource: "arn:aws:s3:::openclaw-*" })).toEqual({ allowed: false });
    expect(boundaryAllows(boundary, { action: "s3:GetObject", resource: "arn:aws:s3:::openclaw-a" })).toEqual({ allowed: true, by: "One" });
    expect(boundaryAllows(boundary, { action: "s3:GetObject", resource: "arn:aws:s3:::openclaw-?" })).toEqual({ allowed: true, by: "One" });
    const star = [{ Sid: "Any", Effect: "Allow" as const, Action: "s3:GetObject", Resource: "arn:aws:s3:::openclaw-*" }];
    expect(boundaryAllows(star, { action: "s3:GetObject", resource: "arn:aws:s3:::openclaw-a*b?" })).toEqual({ allowed: true, by: "Any" });
    expect(boundaryAllows(star, { action: "s3:GetObject", resource: "arn:aws:s3:::other-*" })).toEqual({ allowed: false });
  });

  it("substitutes ${aws:...} from the request context, so a Deny written with one matches", () => {
    const policy = [
      { Sid: "All", Effect: "Allow" as const, Action: "s3:GetObject", Resource: "*" },
      { Sid: "NotOthers", Effect: "Deny" as const, Action: "s3:GetObject", NotResource: "arn:aws:s3:::openclaw-${aws:PrincipalTag/tenant_id}/*" },
    ];
    const as = (tenant: string, bucket: string) => evaluate(policy, { action: "s3:GetObject", resource: `arn:aws:s3:::openclaw-${bucket}/k`, context: { "aws:PrincipalTag/tenant_id": tenant } });
    expect(as("acme", "globex")).toEqual({ decision: "deny", by: "NotOthers" });
    expect(as("acme", "acme")).toEqual({ decision: "allow", by: "All" });
    const inCondition = [{ Sid: "Own", Effect: "Allow" as const, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/TenantID": "$${aws:PrincipalTag/tenant_id}" } } }];
    expect(evaluate(inCondition, { action: "kms:Decrypt", resource: "k", context: { "aws:PrincipalTag/tenant_id": "acme", "aws:ResourceTag/TenantID": "acme" } }).decision).toBe("allow");
    expect(evaluate(inCondition, { action: "kms:Decrypt", resource: "k", context: { "aws:PrincipalTag/tenant_id": "acme", "aws:ResourceTag/TenantID": "globex" } }).decision).toBe("implicit");
    // A variable the request lacks matches nothing (IAM), rather than the literal text.
    expect(evaluate(policy, { action: "s3:GetObject", resource: "arn:aws:s3:::openclaw-${aws:PrincipalTag/tenant_id}/k" }).decision).toBe("deny");
  });

  it("refuses policies using variable forms it does not model (${*}, defaults)", () => {
    for (const resource of ["arn:aws:s3:::b/${*}", "arn:aws:s3:::b/${aws:username, 'x'}"]) {
      expect(() => evaluate([{ Effect: "Allow", Action: "s3:GetObject", Resource: resource }], { action: "s3:GetObject", resource: "arn:aws:s3:::b/x" })).toThrow(/not modelled by audit\/iam\.ts/);
    }
  });

  it("compares ArnLike and ArnEquals segment by segment: a * never crosses a colon", () => {
    const condition = (operator: string) => [{ Sid: "S", Effect: "Allow" as const, Action: "iam:PassRole", Resource: "*", Condition: { [operator]: { "aws:SourceArn": "arn:aws:logs:us-east-1:*:log-group:x" } } }];
    const req = (arn: string) => ({ action: "iam:PassRole", resource: "r", context: { "aws:SourceArn": arn } });
    for (const op of ["ArnLike", "ArnEquals"]) {
      expect(evaluate(condition(op), req("arn:aws:logs:us-east-1:111111111111:log-group:x")).decision).toBe("allow");
      // As one string, * would match "111111111111:evil" and accept another account's segment layout.
      expect(evaluate(condition(op), req("arn:aws:logs:us-east-1:111111111111:evil:log-group:x")).decision).toBe("implicit");
    }
    expect(evaluate(condition("ArnLike"), req("not-an-arn")).decision).toBe("implicit");
  });
});
