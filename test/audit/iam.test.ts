import { actionMatches, asList, boundaryAllows, conditionHolds, conditionSatisfied, evaluate, grantsOf, isAllowed, parseStatements, pinnedValue, resourceCovered, substituteVariables, wildcardMatch } from "../../audit/iam";

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

// #32: the edges the Stryker run of audit/iam.ts found unpinned. Each test names the mutants it kills.
describe("IAM evaluator: edges found by mutation testing", () => {
  it("reads a policy whose Statement is a single object, not a list", () => {
    // mutation testing: asList's `value === undefined` guard and the Array.isArray branch.
    expect(parseStatements(JSON.stringify({ Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "*" } }))).toEqual([{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }]);
    expect(asList(undefined)).toEqual([]);
    expect(asList("a")).toEqual(["a"]);
    expect(asList(["a", "b"])).toEqual(["a", "b"]);
  });

  it("keeps the compiled patterns of case-sensitive and case-insensitive matching apart", () => {
    expect(wildcardMatch("arn:aws:s3:::CaseKept", "arn:aws:s3:::casekept")).toBe(false);
    expect(actionMatches("arn:aws:s3:::CaseKept", "arn:aws:s3:::casekept")).toBe(true);
    // mutation testing: the cache key's "i" → "" made the case-insensitive `s3:Get…` share the
    // key of the case-sensitive `3:Get…` ("s" + pattern), and "s" → "" the case-sensitive
    // `iam:Pass…` share the key of the case-insensitive `am:Pass…`: the first compiled answered both.
    expect(wildcardMatch("3:GetObjectCacheKey", "3:GetObjectCacheKey")).toBe(true);
    expect(actionMatches("s3:GetObjectCacheKey", "3:GetObjectCacheKey")).toBe(false);
    expect(actionMatches("am:PassRoleCacheKey", "am:passrolecachekey")).toBe(true);
    expect(wildcardMatch("iam:PassRoleCacheKey", "am:passrolecachekey")).toBe(false);
  });

  it("reads every regular-expression character of a pattern literally, and * across new lines", () => {
    // mutation testing: each character dropped from the escaping class, the class negated, and the "s" flag dropped.
    for (const special of [".", "+", "^", "$", "{", "}", "(", ")", "|", "[", "]", "\\"]) {
      expect(wildcardMatch(`a${special}b`, `a${special}b`)).toBe(true);
    }
    expect(wildcardMatch("a.b", "axb")).toBe(false);
    expect(wildcardMatch("a+", "aa")).toBe(false);
    expect(wildcardMatch("a|b", "a")).toBe(false);
    expect(wildcardMatch("a{2}", "aa")).toBe(false);
    expect(wildcardMatch("[ab]", "a")).toBe(false);
    expect(wildcardMatch("(a)", "a")).toBe(false);
    expect(wildcardMatch("^a$", "a")).toBe(false);
    expect(wildcardMatch("a\\d", "a1")).toBe(false);
    expect(wildcardMatch("key/*", "key/a\nb")).toBe(true);
    expect(wildcardMatch("key/?", "key/\n")).toBe(true);
    expect(wildcardMatch("b", "abc")).toBe(false); // anchored at both ends
    expect(wildcardMatch("a", "ab")).toBe(false);
  });

  // The definition resourceCovered memoizes: a plain recursion over the same three rules.
  const coveredByDefinition = (pattern: string, resource: string): boolean => {
    if (pattern === "") return resource === "";
    if (pattern[0] === "*") return coveredByDefinition(pattern.slice(1), resource) || (resource !== "" && coveredByDefinition(pattern, resource.slice(1)));
    if (resource === "" || resource[0] === "*") return false;
    if (pattern[0] === "?" || (resource[0] !== "?" && pattern[0] === resource[0])) return coveredByDefinition(pattern.slice(1), resource.slice(1));
    return false;
  };
  const words = (alphabet: string[], maxLength: number): string[] => {
    const all = [""];
    for (let length = 1; length <= maxLength; length++) for (const prefix of all.filter((w) => w.length === length - 1)) for (const c of alphabet) all.push(prefix + c);
    return all;
  };

  it("answers coverage as its definition does for every pattern and resource of up to four of a, b, ? and *", () => {
    // mutation testing: the memo key (`*` → `/`, `+ 1` → `- 1`, `+ j` → `- j` collide cells), each branch condition → true/false.
    const all = words(["a", "b", "?", "*"], 4);
    let disagreements = 0;
    for (const pattern of all) for (const resource of all) if (resourceCovered(pattern, resource) !== coveredByDefinition(pattern, resource)) disagreements++;
    expect(all).toHaveLength(341);
    expect(disagreements).toBe(0);
  });

  it("never claims coverage IAM would not give: every concrete ARN the resource stands for matches the pattern", () => {
    // Soundness against IAM's own matching, over concrete texts of a and b up to five characters.
    const patterns = words(["a", "b", "?", "*"], 3);
    const concrete = words(["a", "b"], 5);
    for (const pattern of patterns) {
      for (const resource of patterns) {
        if (!resourceCovered(pattern, resource)) continue;
        for (const text of concrete) if (wildcardMatch(resource, text)) expect([pattern, resource, text, wildcardMatch(pattern, text)]).toEqual([pattern, resource, text, true]);
      }
    }
    expect(resourceCovered("a*", "ab*")).toBe(true);
    expect(resourceCovered("*b", "a*")).toBe(false);
  });

  it("fills variables only from aws: names, leaving Terraform's references and other text alone", () => {
    // mutation testing: substituteVariables's pattern (the optional `$`, the `aws:` prefix, `[^}]+`).
    expect(substituteVariables("${aws_iam_role.x.arn}/${aws:username}", { "aws:username": "u" })).toBe("${aws_iam_role.x.arn}/u");
    expect(substituteVariables("${aws:}", { "aws:": "x" })).toBe("${aws:}");
    expect(substituteVariables("$${aws:a}${aws:b}", { "aws:a": "1", "aws:b": "2" })).toBe("12");
  });

  it("resolves a variable by its name in any case, and a multi-valued or missing key to nothing", () => {
    // mutation testing: the lower-casing of both names, `typeof value === "string"` → true, the UNRESOLVED fallback.
    const grant = (resource: string) => [{ Sid: "S", Effect: "Allow" as const, Action: "s3:GetObject", Resource: resource }];
    const request = (context: Record<string, string | string[]>) => ({ action: "s3:GetObject", resource: "arn:aws:s3:::b/acme", context });
    expect(evaluate(grant("arn:aws:s3:::b/${aws:principaltag/Tenant}"), request({ "aws:PrincipalTag/tenant": "acme" })).decision).toBe("allow");
    expect(evaluate(grant("arn:aws:s3:::b/${aws:PrincipalTag/tenant}"), request({ "aws:PrincipalTag/tenant": ["acme"] })).decision).toBe("implicit");
    expect(evaluate(grant("arn:aws:s3:::b/*${aws:PrincipalTag/tenant}"), request({})).decision).toBe("implicit");
    expect(evaluate(grant("arn:aws:s3:::b/acme${aws:PrincipalTag/tenant}"), request({ "aws:PrincipalTag/tenant": "" })).decision).toBe("allow");
    // mutation testing: the name comparison → true took the context's first key.
    expect(evaluate(grant("arn:aws:s3:::b/${aws:PrincipalTag/tenant}"), request({ "aws:PrincipalTag/other": "globex", "aws:PrincipalTag/tenant": "acme" })).decision).toBe("allow");
  });

  it("tells IAM's variables from Terraform's references, and refuses each unmodelled form", () => {
    // mutation testing: `!body.includes(":")` and the special-form test `^[*?$]$` (anchors, class), the name pattern's classes.
    const resolve = (text: string) => evaluate([{ Effect: "Allow", Action: "s3:GetObject", Resource: text }], { action: "s3:GetObject", resource: "arn:aws:s3:::b/v" }).decision;
    expect(resolve("${aws_s3_bucket.x.arn}")).toBe("implicit"); // kept as text: no throw
    expect(resolve("${a*}")).toBe("implicit");
    expect(resolve("${*a}")).toBe("implicit");
    expect(resolve("${}")).toBe("implicit");
    for (const unmodelled of ["${*}", "${?}", "${$}", "${aws:a b}", "${:x}", "${aws:}", "${aws:x,'d'}", "${a$:b}", "${a b:c}"]) {
      expect(() => resolve(`arn:aws:s3:::b/${unmodelled}`)).toThrow(`policy variable ${unmodelled} is not modelled by audit/iam.ts`);
    }
    const context = { "ec2-x9:Tag_1/a.b:c-d": "v" };
    expect(evaluate([{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/${ec2-x9:Tag_1/a.b:c-d}" }], { action: "s3:GetObject", resource: "arn:aws:s3:::b/v", context }).decision).toBe("allow");
  });

  it("splits ARNs of exactly six parts, keeps colons of the resource part together, and matches a reference only by itself", () => {
    // mutation testing: `parts.length < 6` → `<= 6`, `slice(0, 5)`/`slice(5)`, the `||` of the not-an-ARN test → `&&` (a TypeError).
    const like = (pattern: string, value: string) => conditionHolds({ ArnLike: { "aws:SourceArn": pattern } }, { "aws:SourceArn": value });
    expect(like("arn:aws:s3:::b*", "arn:aws:s3:::bucket")).toBe(true);
    expect(like("arn:aws:s3:::a*", "arn:aws:s3:::bucket")).toBe(false);
    expect(like("arn:aws:logs:r:1:log-group:x:*", "arn:aws:logs:r:1:log-group:x:log-stream:y")).toBe(true);
    expect(like("arn:aws:logs:r:1:log-group:y:*", "arn:aws:logs:r:1:log-group:x:log-stream:y")).toBe(false);
    expect(like("arn:aws:*:r:1:x", "arn:aws:s3:r:1:x")).toBe(true);
    expect(like("arn:*:s3:r:1:x", "arn:aws-cn:s3:r:1:x")).toBe(true);
    expect(like("${aws_lambda_function.p.arn}", "${aws_lambda_function.p.arn}")).toBe(true);
    expect(like("${aws_lambda_function.p.arn}", "arn:aws:lambda:r:1:function:p")).toBe(false);
    expect(like("arn:aws:lambda:r:1:function:p", "${aws_lambda_function.p.arn}")).toBe(false);
    expect(like("a:b:c", "a:b:c")).toBe(true);
    // mutation testing: the resource part joined with "" instead of ":" ("x:y" read as "xy").
    expect(like("arn:aws:logs:r:1:log-group:x:y", "arn:aws:logs:r:1:log-group:xy")).toBe(false);
    expect(like("a:b:*", "a:b:c")).toBe(false);
  });

  it("expands NotAction and NotResource into marked grants, keeping the Sid and the condition only where given", () => {
    // mutation testing: the `NOT ` prefixes, the Action/Resource `!== undefined` choices, the condition spread → always/never.
    expect(
      grantsOf([
        { Sid: "A", Effect: "Allow", NotAction: ["iam:*"], NotResource: "arn:x" },
        { Effect: "Allow", Action: "s3:GetObject", Resource: "r", Condition: { Bool: { "aws:SecureTransport": "true" } } },
      ]),
    ).toStrictEqual([
      { sid: "A", action: "NOT iam:*", resource: "NOT arn:x" },
      { sid: undefined, action: "s3:GetObject", resource: "r", condition: { Bool: { "aws:SecureTransport": "true" } } },
    ]);
  });

  it("lets only Allow statements with an Action and a Resource of the boundary admit a grant", () => {
    // mutation testing: each part of the boundary's skip test → false, the `NOT ` resource guard, the "(no Sid)" name.
    const grant = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
    expect(boundaryAllows([{ Effect: "Deny", Action: "s3:*", Resource: "*" }], grant)).toEqual({ allowed: false });
    expect(boundaryAllows([{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }], grant)).toEqual({ allowed: false });
    expect(boundaryAllows([{ Effect: "Allow", Action: "s3:*", NotResource: "arn:other" }], grant)).toEqual({ allowed: false });
    expect(boundaryAllows([{ Effect: "Allow", Action: "s3:*", Resource: "*" }], grant)).toEqual({ allowed: true, by: "(no Sid)" });
    expect(boundaryAllows([{ Effect: "Allow", Action: "s3:*", Resource: "*" }], { action: "s3:GetObject", resource: "NOT arn:x" })).toEqual({ allowed: false });
    expect(boundaryAllows([{ Effect: "Allow", Action: ["iam:*", "s3:Get*"], Resource: ["arn:other", "arn:aws:s3:::b/*"] }], grant)).toEqual({ allowed: true, by: "(no Sid)" });
    // mutation testing: the action test → false, and `startsWith("NOT ")` → `endsWith` (a NotAction grant under a boundary of every action).
    expect(boundaryAllows([{ Effect: "Allow", Action: "iam:*", Resource: "*" }], grant)).toEqual({ allowed: false });
    expect(boundaryAllows([{ Effect: "Allow", Action: "*", Resource: "*" }], { action: "NOT iam:*", resource: "*" })).toEqual({ allowed: false });
  });

  it("reports the first boundary statement whose condition it cannot settle, and skips one whose condition fails", () => {
    // mutation testing: `conditional ??=` → `&&=`/`=`, `holds === undefined` → true, `holds === true` → true.
    const condition = (n: string) => ({ StringEquals: { "aws:ResourceTag/T": n } });
    const boundary = [
      { Sid: "First", Effect: "Allow" as const, Action: "s3:*", Resource: "*", Condition: condition("1") },
      { Sid: "Second", Effect: "Allow" as const, Action: "s3:*", Resource: "*", Condition: condition("2") },
    ];
    const grant = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
    expect(boundaryAllows(boundary, grant)).toEqual({ allowed: true, by: "First", condition: JSON.stringify(condition("1")) });
    const settles = (c: Record<string, Record<string, unknown>>) => (JSON.stringify(c).includes('"2"') ? true : false);
    expect(boundaryAllows(boundary, grant, settles)).toEqual({ allowed: true, by: "Second" });
    const onlySecondUnknown = (c: Record<string, Record<string, unknown>>) => (JSON.stringify(c).includes('"1"') ? false : undefined);
    expect(boundaryAllows(boundary, grant, onlySecondUnknown)).toEqual({ allowed: true, by: "Second", condition: JSON.stringify(condition("2")) });
    // mutation testing: the conditional verdict's "(no Sid)" → "".
    expect(boundaryAllows([{ Effect: "Allow", Action: "s3:*", Resource: "*", Condition: condition("1") }], grant)).toEqual({ allowed: true, by: "(no Sid)", condition: JSON.stringify(condition("1")) });
  });

  it("evaluates each modelled operator with IAM's semantics", () => {
    // mutation testing: each case of matchOne (→ empty, → true), the NEGATED table, the IfExists/ForAnyValue/ForAllValues prefixes and the Null rule.
    const holds = (operator: string, expected: unknown, value?: string | string[]) => conditionHolds({ [operator]: { "k:Key": expected } }, value === undefined ? {} : { "k:Key": value });
    expect([holds("StringEquals", "Ab", "Ab"), holds("StringEquals", "Ab", "ab")]).toEqual([true, false]);
    expect([holds("StringEqualsIgnoreCase", "Ab", "aB"), holds("StringEqualsIgnoreCase", "Ab", "b")]).toEqual([true, false]);
    expect([holds("StringNotEqualsIgnoreCase", "Ab", "aB"), holds("StringNotEqualsIgnoreCase", "Ab", "b")]).toEqual([false, true]);
    expect([holds("StringLike", "a*", "abc"), holds("StringLike", "a*", "ba"), holds("StringLike", "A*", "abc")]).toEqual([true, false, false]);
    expect([holds("StringNotLike", "a*", "abc"), holds("StringNotLike", "a*", "ba")]).toEqual([false, true]);
    expect([holds("StringNotEquals", ["a", "b"], "b"), holds("StringNotEquals", ["a", "b"], "c")]).toEqual([false, true]);
    expect([holds("ArnEquals", "arn:aws:s3:::b", "arn:aws:s3:::b"), holds("ArnNotEquals", "arn:aws:s3:::b", "arn:aws:s3:::b"), holds("ArnNotLike", "arn:aws:s3:::a*", "arn:aws:s3:::b")]).toEqual([true, false, true]);
    expect([holds("Bool", true, "true"), holds("Bool", "false", "FALSE"), holds("Bool", "true", "false")]).toEqual([true, true, false]);
    // Missing keys: positive false, negated true, IfExists true, ForAnyValue false, ForAllValues true.
    expect([holds("StringEquals", "a"), holds("StringNotEquals", "a"), holds("StringEqualsIfExists", "a"), holds("ForAnyValue:StringEquals", "a"), holds("ForAllValues:StringEquals", "a")]).toEqual([false, true, true, false, true]);
    expect([holds("ArnNotLike", "arn:*"), holds("ArnLike", "arn:*"), holds("StringNotLikeIfExists", "a")]).toEqual([true, false, true]);
    // IfExists with the key present is the operator itself.
    expect([holds("StringEqualsIfExists", "a", "a"), holds("StringEqualsIfExists", "a", "b"), holds("StringNotEqualsIfExists", "a", "a")]).toEqual([true, false, false]);
    // Multi-valued keys.
    expect([holds("ForAnyValue:StringEquals", ["a"], ["b", "a"]), holds("ForAnyValue:StringEquals", ["a"], ["b", "c"])]).toEqual([true, false]);
    expect([holds("ForAllValues:StringEquals", ["a", "b"], ["b", "a"]), holds("ForAllValues:StringEquals", ["a"], ["a", "c"])]).toEqual([true, false]);
    expect([holds("ForAnyValue:StringNotEquals", ["a"], ["a", "c"]), holds("ForAnyValue:StringNotEquals", ["a"], ["a"])]).toEqual([true, false]);
    expect([holds("ForAllValues:StringNotEquals", ["a"], ["b", "c"]), holds("ForAllValues:StringNotEquals", ["a"], ["b", "a"])]).toEqual([true, false]);
    expect([holds("ForAnyValue:StringLikeIfExists", "a*"), holds("ForAnyValue:StringLike", "a*", ["xa", "ab"])]).toEqual([true, true]);
    // Null: "true" means the key is absent, "false" that it is present.
    expect([holds("Null", "true"), holds("Null", "true", "x"), holds("Null", "false"), holds("Null", "false", "x"), holds("Null", true)]).toEqual([true, false, false, true, true]);
    // mutation testing: Null's `patterns.some` → `every` (the values of one key are ORed, Null's too).
    expect([holds("Null", ["true", "false"], "x"), holds("Null", ["true", "false"])]).toEqual([true, true]);
    // mutation testing: ForAnyValue's "false when the key is missing" → skipped, which let a negated operator hold.
    expect([holds("ForAnyValue:StringNotEquals", "a"), holds("ForAnyValue:StringNotLike", "a*")]).toEqual([false, false]);
    // Keys are matched without regard to case; operators, keys and values are ANDed.
    expect(conditionHolds({ StringEquals: { "AWS:ResourceTag/T": "a" } }, { "aws:resourcetag/T": "a" })).toBe(true);
    expect(conditionHolds({ StringEquals: { "k:A": "a", "k:B": "b" } }, { "k:A": "a", "k:B": "x" })).toBe(false);
    expect(conditionHolds({ StringEquals: { "k:A": "a" }, StringLike: { "k:B": "b*" } }, { "k:A": "a", "k:B": "x" })).toBe(false);
    expect(conditionHolds({ StringEquals: { "k:A": "a" }, StringLike: { "k:B": "b*" } }, { "k:A": "a", "k:B": "bx" })).toBe(true);
    expect(() => holds("NumericLessThan", "1", "0")).toThrow("condition operator NumericLessThan is not modelled by audit/iam.ts");
    expect(() => holds("ForAnyValue:DateEquals", "1", ["0"])).toThrow("condition operator DateEquals is not modelled by audit/iam.ts");
  });

  it("refuses a multivalued key under an operator without ForAnyValue/ForAllValues", () => {
    // "Multivalued context keys require a condition set operator" (IAM, single-valued vs.
    // multivalued context keys): without one, IAM's answer is not documented, so not guessed.
    // mutation testing: `values.some(valueMatches)` → `every` in both branches of a single-valued key (equivalent for one value).
    const holds = (operator: string, value: string[]) => conditionHolds({ [operator]: { "k:Key": "a" } }, { "k:Key": value });
    expect(() => holds("StringEquals", ["a", "b"])).toThrow("condition StringEquals on k:Key: a multivalued key without ForAnyValue/ForAllValues is not modelled by audit/iam.ts");
    expect(() => holds("StringNotEquals", [])).toThrow(/multivalued key without ForAnyValue/);
    expect([holds("StringEquals", ["a"]), holds("StringNotEquals", ["a"])]).toEqual([true, false]);
  });

  it("applies a statement only when its action, its resource and its condition all do", () => {
    // mutation testing: statementApplies's early returns → false/true, NotResource's negation, the default empty context, "(no Sid)".
    const policy = [
      { Effect: "Allow" as const, Action: "s3:GetObject", NotResource: ["arn:aws:s3:::secret/*"] },
      { Sid: "Cond", Effect: "Deny" as const, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
      { Effect: "Deny" as const, Action: "s3:DeleteObject", Resource: "arn:aws:s3:::b/*" },
    ];
    expect(evaluate(policy, { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" })).toEqual({ decision: "allow", by: "(no Sid)" });
    expect(evaluate(policy, { action: "s3:GetObject", resource: "arn:aws:s3:::secret/k" })).toEqual({ decision: "implicit" });
    expect(evaluate(policy, { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context: { "aws:SecureTransport": "false" } })).toEqual({ decision: "deny", by: "Cond" });
    expect(evaluate(policy, { action: "s3:DeleteObject", resource: "arn:aws:s3:::b/k" })).toEqual({ decision: "deny", by: "(no Sid)" });
    expect(evaluate(policy, { action: "s3:DeleteObject", resource: "arn:aws:s3:::c/k" })).toEqual({ decision: "implicit" });
    expect(evaluate(policy, { action: "s3:PutObject", resource: "arn:aws:s3:::b/k" })).toEqual({ decision: "implicit" });
    expect(isAllowed(policy, { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" })).toBe(true);
    expect(isAllowed(policy, { action: "s3:DeleteObject", resource: "arn:aws:s3:::b/k" })).toBe(false);
  });

  it("settles an audit condition from known keys only, a key known absent counting as missing", () => {
    // mutation testing: the `key in context` test → true, the filter of absent keys → keep all, the catch → rethrow.
    expect(conditionSatisfied({ StringEquals: { "k:A": "a", "k:B": "b" } }, { "k:A": "a" })).toBeUndefined();
    expect(conditionSatisfied({ StringEquals: { "k:A": "a", "k:B": "b" } }, { "k:A": "a", "k:B": "b" })).toBe(true);
    expect(conditionSatisfied({ Null: { "k:A": "true" } }, { "k:A": undefined })).toBe(true);
    expect(conditionSatisfied({ StringEquals: { "k:A": "a" } }, { "k:A": undefined })).toBe(false);
    expect(conditionSatisfied({ StringEquals: { "k:A": "${aws:x y}" } }, { "k:A": "a" })).toBeUndefined();
  });

  it("reads the one value a grant's condition pins a key to, ArnEquals before StringEquals", () => {
    // mutation testing: pinnedValue had no coverage in the mutation suite (the audit's tests are not in it).
    expect(pinnedValue({ ArnEquals: { "k:A": "arn:1" }, StringEquals: { "k:A": "s" } }, "k:A")).toBe("arn:1");
    expect(pinnedValue({ ArnEquals: { "k:A": ["arn:1", "arn:2"] }, StringEquals: { "k:A": ["s"] } }, "k:A")).toBe("s");
    expect(pinnedValue({ StringLike: { "k:A": "s" } }, "k:A")).toBeUndefined();
    expect(pinnedValue({ StringEquals: { "k:B": "s" } }, "k:A")).toBeUndefined();
    expect(pinnedValue(undefined, "k:A")).toBeUndefined();
  });
});
