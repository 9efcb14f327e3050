// Enforces SECURITY.md C23 (the table "Enforcing tests" there lists this file).
import { redactPlanJson, redactText, sensitiveValues } from "../../pipeline/lib/redact";

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
