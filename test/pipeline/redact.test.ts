// Enforces SECURITY.md C23 (the table "Enforcing tests" there lists this file).
import { applyMask, collectMasked, redactPlanJson, redactText, sensitiveValues } from "../../pipeline/lib/redact";

describe("redactText", () => {
  test.each([
    ["AWS access key ids", "key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"],
    ["secret = value pairs", 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "wJalrXUtnFEMI"],
    ["bare AWS secret keys after the word secret", "aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"],
    ["JSON password fields", '{"master_password": "p4ssw0rd-long"}', "p4ssw0rd-long"],
    ["GitHub tokens", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB", "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"],
    ["Slack tokens", "xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"],
    ["passwords in URLs", "postgres://app:s3cr3tpw@db.internal:5432/x", "s3cr3tpw"],
    ["bearer tokens", "Authorization: Bearer abcdefghijklmnop1234567890", "abcdefghijklmnop1234567890"],
    ["private keys", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA"],
    ["JWTs", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJhbGciOiJIUzI1NiJ9"],
  ])("removes %s", (_what, text, secret) => {
    expect(redactText(text)).not.toContain(secret);
  });

  test("removes values Terraform marked sensitive wherever they appear", () => {
    expect(redactText("echo: my-secret-value here", ["my-secret-value"])).toBe("echo: (redacted) here");
  });

  test("keeps Terraform's placeholders and ordinary attributes", () => {
    const text = [
      "      + password   = (sensitive value)",
      '      + secret_arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:x"',
      '      + name       = "/openclaw/production/acme/gmail"',
      "      + token_ttl  = 3600",
      "Error: validating provider credentials: retrieving caller identity",
      '      + arn        = "arn:aws:secretsmanager:us-east-1:111111111111:secret:/openclaw/production/averyverylongtenant/gmail-AbC"',
      '      + secret_id  = "/openclaw/production/averyveryverylongtenantname/integrationname"',
    ].join("\n");
    expect(redactText(text)).toBe(text);
  });
});

describe("sensitive values in a JSON plan", () => {
  const plan = {
    resource_changes: [
      {
        address: "aws_db_instance.db",
        change: {
          actions: ["update"],
          before: { password: "old-password-1", tags: ["a", "b"] },
          after: { password: "new-password-1", tags: ["a", "nested-secret-tag"] },
          before_sensitive: { password: true },
          after_sensitive: { password: true, tags: [false, true] },
        },
      },
    ],
    output_changes: {
      conn: { actions: ["create"], before: null, after: "postgres-conn-string", before_sensitive: false, after_sensitive: true },
    },
    prior_state: { values: { outputs: { old: { sensitive: true, value: "prior-secret-output" } } } },
    configuration: { root_module: { variables: { db_pw: { sensitive: true } } } },
    variables: { db_pw: { value: "variable-secret" } },
  };

  test("collects values under before_sensitive/after_sensitive masks, sensitive outputs and variables", () => {
    expect(sensitiveValues(plan).sort()).toEqual(
      ["new-password-1", "nested-secret-tag", "old-password-1", "postgres-conn-string", "prior-secret-output", "variable-secret"].sort(),
    );
  });

  test("redactPlanJson masks them and drops state, configuration and variables", () => {
    const text = JSON.stringify(redactPlanJson(plan));
    for (const s of sensitiveValues(plan)) expect(text).not.toContain(s);
    expect(text).not.toContain("prior_state");
    expect(text).not.toContain("variables");
    expect(text).toContain('"password":"(sensitive)"');
    expect(text).toContain('"tags":["a","(sensitive)"]');
  });
});

// Found by mutation testing (npm run test:mutation, #32): each test below fails on a mutant of
// pipeline/lib/redact.ts that the tests above let through; the mutant is named in the test.
describe("redaction edges (mutation testing)", () => {
  test("collects every sensitive value wherever a plan keeps it, longest first, none shorter than six characters", () => {
    const plan = {
      resource_changes: [{ change: { before: null, before_sensitive: false, after: { creds: { user: "admin-user", keys: ["key-in-a-list", 1234567] } }, after_sensitive: { creds: true } } }],
      resource_drift: [{ change: { before: { token: "drifted-token" }, before_sensitive: { token: true }, after: null, after_sensitive: false } }],
      output_changes: { short: { before: null, after: "five5", after_sensitive: true }, six: { before: null, after: "six666", after_sensitive: true } },
      planned_values: {
        outputs: { planned: { sensitive: true, value: "planned-output" }, open: { sensitive: false, value: "visible-output" } },
        root_module: {
          resources: [{ values: { pw: "root-resource-pw" }, sensitive_values: { pw: true } }],
          child_modules: [{ resources: [], child_modules: [{ resources: [{ values: { pw: "grandchild-pw" }, sensitive_values: { pw: true } }] }] }],
        },
      },
      prior_state: { values: { root_module: { resources: [{ values: { pw: "prior-resource-pw" }, sensitive_values: { pw: true } }] } } },
      configuration: { root_module: { variables: { secret_var: { sensitive: true }, plain_var: {} } } },
      variables: { secret_var: { value: "variable-value" }, plain_var: { value: "plain-variable" } },
    };
    // Mutants: dropping any source (drift, planned/prior values, child modules, leaf kinds), the
    // sensitive flags (=== true), the length filter (> instead of >=) or the longest-first sort.
    expect(sensitiveValues(plan)).toEqual([
      "prior-resource-pw",
      "root-resource-pw",
      "planned-output",
      "variable-value",
      "key-in-a-list",
      "drifted-token",
      "grandchild-pw",
      "admin-user",
      "1234567",
      "six666",
    ]);
  });

  test("reads a plan without changes, outputs, state or configuration, and masks with null in either place", () => {
    expect(sensitiveValues({})).toEqual([]);
    expect(sensitiveValues({ planned_values: { root_module: {} }, configuration: {} })).toEqual([]);
    // A null value under a mask, and a null mask over a value (mutants: the null guards).
    expect(sensitiveValues({ resource_changes: [{ change: { before: null, before_sensitive: { pw: true }, after: { pw: "kept-secret" }, after_sensitive: null } }] })).toEqual([]);
    expect(applyMask(null, { pw: true })).toBeNull();
    expect(applyMask({ pw: "x" }, null)).toEqual({ pw: "x" });
    expect(applyMask(null, true)).toBeNull();
    expect(applyMask(undefined, true)).toBeUndefined();
    expect(applyMask("value", true)).toBe("(sensitive)");
    expect(applyMask(["a", "b"], [false, true])).toEqual(["a", "(sensitive)"]);
    expect(applyMask({ a: "a", b: ["b"] }, { b: true })).toEqual({ a: "a", b: "(sensitive)" });
    // A value whose shape does not match its mask is left alone (mutants: the shape guards).
    const value = { a: "a" };
    expect(applyMask(value, false)).toBe(value);
    expect(applyMask("text", { length: true })).toBe("text");
    const out = new Set<string>();
    collectMasked("abcdefgh", { length: true }, out);
    collectMasked("abcdefgh", [true, true], out);
    expect([...out]).toEqual([]);
  });

  test("redactPlanJson keeps exactly the plan's metadata and its masked changes", () => {
    const metadata = { format_version: "1.2", terraform_version: "1.11.0", errored: false, applyable: true, complete: true, timestamp: "2026-12-07T00:00:00Z" };
    const update = (address: string, before: string) => ({ address, change: { actions: ["update"], before: { pw: before }, before_sensitive: { pw: true }, after: null, after_sensitive: false } });
    const created = (after: string) => ({ out: { actions: ["create"], before: null, after, before_sensitive: false, after_sensitive: true } });
    const plan = {
      ...metadata,
      planned_values: { root_module: {} },
      resource_changes: [update("a.b", "before-value")],
      resource_drift: [update("c.d", "drift-value")],
      output_changes: created("output-value"),
    };
    expect(redactPlanJson(plan)).toEqual({
      ...metadata,
      resource_changes: [update("a.b", "(sensitive)")],
      resource_drift: [update("c.d", "(sensitive)")],
      output_changes: created("(sensitive)"),
    });
    expect(redactPlanJson({ output_changes: [] as never })).toEqual({ resource_changes: [], resource_drift: [], output_changes: {} });
    expect(redactPlanJson({ output_changes: "none" })).toEqual({ resource_changes: [], resource_drift: [], output_changes: {} });
    expect(JSON.stringify(redactPlanJson({ resource_changes: [{ change: { after: { note: "mentions extra-secret-x" } } }] }, ["extra-secret-x"]))).toContain("mentions (redacted)");
  });

  test("scrubs the longest sensitive value first and no value shorter than six characters", () => {
    expect(redactText("x secret-long-value y", ["secret", "secret-long-value"])).toBe("x (redacted) y");
    expect(redactText("abcde abcdef", ["abcde", "abcdef"])).toBe("abcde (redacted)");
  });

  test("keeps Terraform's placeholder in quotes too, but only the value's own outer quotes are ignored", () => {
    const text = '{"password": "(sensitive value)", "token": "(known after apply)"}';
    expect(redactText(text)).toBe(text);
    // A value that becomes a placeholder only once inner quotes are dropped is redacted.
    expect(redactText(`password = "'(sensitive value)'"`)).toBe('password = "(redacted)"');
  });

  test.each([
    ["no capital letter", "abcdefghij0123456789abcdefghij0123456789"],
    ["no small letter", "ABCDEFGHIJ0123456789ABCDEFGHIJ0123456789"],
    ["no digit", "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ"],
  ])("keeps a 40-character word after 'secret' with %s: not shaped like a key", (_what, word) => {
    expect(redactText(`secret path ${word}`)).toBe(`secret path ${word}`);
  });
});
