// Enforces SECURITY.md C7 (the table "Enforcing tests" there lists this file).
/**
 * The tenant audit over the example tenants (a full app synth, like the invariant tests), and
 * over a tampered copy that proves the boundary intersection catches a policy that reaches
 * another tenant.
 */
import { auditTenant, contractDocumentFields, formatAudit, UnknownTenantError } from "../../audit/tenant-audit";
import { main, parseAuditArgs } from "../../audit/cli";
import { synthesize } from "../support/synth";

const output = synthesize();
const audit = (id: string, stacks = output.stacks) => auditTenant(id, output.config, stacks);

describe("tenant audit", () => {
  const acme = audit("acme");

  it("lists every resource of the tenant's stack", () => {
    const expected = Object.entries<Record<string, unknown>>(output.stacks["tenant-acme"].resource).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
    expect(acme.resources.map((r) => r.address).sort()).toEqual(expected.sort());
    expect(acme).toMatchObject({ stack: "tenant-acme", platformStack: "platform-production-us-east-1", accountId: "111111111111" });
  });

  it("names the tenant's own key for everything that stores data", () => {
    const stores = acme.resources.filter((r) => ["aws_s3_bucket", "aws_secretsmanager_secret", "aws_cloudwatch_log_group"].includes(r.type));
    expect(stores.length).toBeGreaterThanOrEqual(3);
    expect(stores.filter((r) => !r.encryption.includes("(key alias/openclaw/production/acme)")).map((r) => r.address)).toEqual([]);
    expect(acme.resources.find((r) => r.type === "aws_kms_key")?.encryption).toBe("is a key (rotation on)");
  });

  it("resolves every role's reach to concrete ARNs, all inside the boundary, none of another tenant", () => {
    expect(acme.roles.map((r) => r.name)).toEqual(["openclaw-acme-butler-task", "openclaw-acme-execution", "openclaw-acme-scout-task", "openclaw-acme-writer-task"]);
    const problems: string[] = [];
    for (const role of acme.roles) {
      if (!role.permissionsBoundary.endsWith(":policy/openclaw-production-us-east-1-tenant-boundary")) problems.push(`${role.name}: boundary ${role.permissionsBoundary}`);
      if (role.deniedByBoundary !== 0 || role.grants.some((g) => !g.boundary.allowed)) problems.push(`${role.name}: a grant outside the boundary`);
      if (role.grants.some((g) => g.boundary.allowed && g.boundary.condition)) problems.push(`${role.name}: a grant the audit could not settle`);
      for (const g of role.grants) {
        if (/\$\{|globex|initech/.test(g.resource)) problems.push(`${role.name}: ${g.resource}`);
      }
    }
    expect(problems).toEqual([]);
    const butler = acme.roles.find((r) => r.name === "openclaw-acme-butler-task")!;
    expect(butler.grants.map((g) => g.resource)).toContain("arn:aws:s3:::openclaw-acme-111111111111-us-east-1/*");
    expect(butler.grants.map((g) => g.resource)).toContain("arn:aws:rds-db:us-east-1:111111111111:dbuser:(resource id of openclaw-production-us-east-1-db)/tenant_acme");
  });

  it("states the boundary ceiling with the tenant's own tags filled in", () => {
    const ceiling = JSON.stringify(acme.boundaryCeiling);
    expect(ceiling).toContain("arn:aws:s3:::openclaw-acme-111111111111-us-east-1/*");
    expect(ceiling).toContain("/tenant_acme");
    expect(ceiling).not.toContain("PrincipalTag");
  });

  it("catches a role policy that reaches another tenant's bucket: the boundary cuts it off", () => {
    const tampered = structuredClone(output.stacks);
    const policies = tampered["tenant-acme"].resource.aws_iam_role_policy;
    const [name] = Object.keys(policies).filter((n) => n.includes("butler-task-policy"));
    const document = JSON.parse(policies[name].policy);
    document.Statement.push({ Sid: "Sneaky", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::openclaw-globex-111111111111-us-west-2/*" });
    policies[name].policy = JSON.stringify(document);
    const butler = audit("acme", tampered).roles.find((r) => r.name === "openclaw-acme-butler-task")!;
    expect(butler.deniedByBoundary).toBe(1);
    expect(butler.grants.find((g) => g.sids.includes("Sneaky"))?.boundary).toEqual({ allowed: false });
    expect(formatAudit(audit("acme", tampered))).toMatch(/openclaw-globex-111111111111-us-west-2\/\*  \[CUT OFF by the boundary\]/);
  });

  it("reports exposure: no ingress, no public IP, HTTPS egress, the db-clients group, a locked bucket", () => {
    const { exposure } = acme;
    expect(exposure.securityGroups.map((g) => [g.group, g.owner, g.ingress])).toEqual([
      ["sg openclaw-acme-agents", "tenant", []],
      ["sg openclaw-production-us-east-1-db-db-clients", "platform", []],
    ]);
    expect(exposure.securityGroups[1].egress).toEqual(["tcp 5432 sg openclaw-production-us-east-1-db-database (PostgreSQL to the database)"]);
    expect(exposure.publicIps).toEqual([]);
    // Agents reach the internet only through the egress proxy (SECURITY.md C37).
    expect(exposure.internetEgress).toEqual([]);
    expect(exposure.services.every((s) => !s.assignPublicIp && s.execEnabled)).toBe(true);
    expect(exposure.buckets).toHaveLength(1);
    expect(exposure.buckets[0].publicAccessBlocked).toHaveLength(4);
    expect(exposure.buckets[0].policy.join("\n")).toMatch(/Deny \* s3:\* .* if \{"Bool":\{"aws:SecureTransport":"false"\}\}/);
    expect(exposure.keyPolicies[0].statements.join("\n")).toContain("arn:aws:iam::111111111111:role/openclaw-acme-execution");
  });

  it("prints a human-readable report with every section", () => {
    const text = formatAudit(acme);
    for (const section of ["Resources (", "IAM reach", "Permissions boundary ceiling for acme", "Exposure", "Notes"]) expect(text).toContain(section);
    expect(text).toContain("public IPs: none");
  });

  it("names the tenant's dashboard with its console address, its fleet's, and the environment's audit trail", () => {
    expect(acme.visibility).toEqual({
      dashboard: { name: "openclaw-tenant-acme", consoleUrl: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/openclaw-tenant-acme" },
      fleetDashboard: { name: "openclaw-fleet-production-us-east-1", consoleUrl: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/openclaw-fleet-production-us-east-1" },
      // The platform stack that owns the environment's account-wide resources declares it (#29 item 1).
      auditTrail: { name: "openclaw-production-audit", declaredIn: "platform-production-us-east-1" },
    });
    const text = formatAudit(acme);
    expect(text).toContain("tenant dashboard: openclaw-tenant-acme  https://us-east-1.console.aws.amazon.com/");
    expect(text).toMatch(/audit trail: +openclaw-production-audit \(production\), declared in platform-production-us-east-1/);
    expect(text).toContain("npm run audit:trail -- acme");
    expect(text).toContain("Alarm routing");
  });

  it("says so when the tenant stack has no dashboard, or the trail is declared in a stack", () => {
    const stacks = structuredClone(output.stacks);
    delete stacks["tenant-acme"].resource.aws_cloudwatch_dashboard;
    stacks["platform-production-us-east-1"].resource.aws_cloudtrail = { audit: { name: "openclaw-production-audit" } };
    const tampered = audit("acme", stacks);
    expect(tampered.visibility.dashboard).toBeNull();
    expect(tampered.visibility.auditTrail).toEqual({ name: "openclaw-production-audit", declaredIn: "platform-production-us-east-1" });
    expect(formatAudit(tampered)).toContain("tenant dashboard: NONE declared");
  });

  it("fails on an unknown tenant, naming the known ones", () => {
    expect(() => audit("nope")).toThrow(UnknownTenantError);
    expect(() => audit("nope")).toThrow('unknown tenant "nope" (known: acme, globex, initech)');
  });
});

describe("audit:tenant CLI", () => {
  const run = (argv: string[]) => {
    let out = "";
    let err = "";
    const code = main(argv, (s) => (out += s), (s) => (err += s));
    return { code, out, err };
  };

  it("exits 1 with a clear message for an unknown tenant, before synthesizing", () => {
    expect(run(["nope"])).toEqual({ code: 1, out: "", err: 'audit: unknown tenant "nope" (known: acme, globex, initech)\n' });
  });

  it("prints JSON with --json", () => {
    const { code, out } = run(["initech", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ tenant: "initech", environment: "staging" });
  });

  it("rejects missing or extra arguments", () => {
    expect(() => parseAuditArgs([])).toThrow(/which tenant\?/);
    expect(() => parseAuditArgs(["a", "b"])).toThrow(/one tenant at a time/);
    expect(() => parseAuditArgs(["a", "--bogus"])).toThrow(/unknown option --bogus/);
    expect(run(["--bogus"]).code).toBe(1);
    expect(run(["--help"])).toMatchObject({ code: 0, out: expect.stringContaining("Usage: npm run audit:tenant") });
  });
});

describe("tenant audit: reads templates with the pipeline's parser (pipeline/lib/terraform-expressions.ts)", () => {
  const platform = "platform-production-us-east-1";
  const documentOf = (json: Record<string, any>) => Object.values<any>(json.resource.aws_ssm_parameter).find((p) => String(p.name).endsWith("/platform/contract"));
  // The regular-expression reading this replaced cut an entry at its first "," or "]" and took
  // every `"key" = ` anywhere in the text for a field of the document.
  const withDocument = (entries: string) => {
    const json = structuredClone(output.stacks[platform]);
    documentOf(json).value = `\${jsonencode({${entries}})}`;
    return json;
  };

  it("reads only the document's own fields: a key inside a nested object is not a field", () => {
    const fields = contractDocumentFields(withDocument('"vpcId" = aws_vpc.v.id, "extra" = {"a" = 1, "vpcId" = aws_vpc.other.id}'));
    expect([...fields]).toEqual([
      ["vpcId", "${aws_vpc.v.id}"],
      ["extra", '${{"a" = 1, "vpcId" = aws_vpc.other.id}}'],
    ]);
  });

  it("reads a call with several arguments and a list holding indexes whole", () => {
    const fields = contractDocumentFields(
      withDocument('"clusterName" = element(aws_ecs_cluster.c.name, 0), "privateSubnetIds" = [aws_subnet.a.id, aws_db_instance.d.master_user_secret[0].secret_arn], "databasePort" = "5432"'),
    );
    expect([...fields]).toEqual([
      ["clusterName", "${element(aws_ecs_cluster.c.name, 0)}"],
      ["privateSubnetIds", "${aws_subnet.a.id}, ${aws_db_instance.d.master_user_secret[0].secret_arn}"],
      ["databasePort", "5432"],
    ]);
  });

  it("reads no fields from a document outside the grammar (the stack policy refuses that stack)", () => {
    expect(contractDocumentFields(withDocument('"vpcId" = aws_vpc.v.id /* "x" = y */')).size).toBe(0);
  });

  it("checks grants against the boundary the document publishes, not a policy named in a nested object", () => {
    const tampered = structuredClone(output.stacks);
    const json = tampered[platform];
    json.resource.aws_iam_policy.wide_open = { name: "wide-open", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) };
    const document = documentOf(json);
    document.value = document.value.replace(/\}\)\}$/, ', "legacy" = {"note" = "moved", "permissionsBoundaryArn" = aws_iam_policy.wide_open.arn}})}');
    const policies = tampered["tenant-acme"].resource.aws_iam_role_policy;
    const [name] = Object.keys(policies).filter((n) => n.includes("butler-task-policy"));
    const statements = JSON.parse(policies[name].policy);
    statements.Statement.push({ Sid: "Sneaky", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::openclaw-globex-111111111111-us-west-2/*" });
    policies[name].policy = JSON.stringify(statements);
    const butler = audit("acme", tampered).roles.find((r) => r.name === "openclaw-acme-butler-task")!;
    expect(butler.grants.find((g) => g.sids.includes("Sneaky"))?.boundary).toEqual({ allowed: false });
  });

  it("resolves a reference inside an expression with nested objects, which the old pattern could not delimit", () => {
    const tampered = structuredClone(output.stacks);
    const buckets = tampered["tenant-acme"].resource.aws_s3_bucket;
    const [bucket] = Object.keys(buckets);
    const [logGroup] = Object.keys(tampered["tenant-acme"].resource.aws_cloudwatch_log_group);
    tampered["tenant-acme"].resource.aws_cloudwatch_log_group[logGroup].kms_key_id = `\${jsonencode({"a" = {"b" = aws_s3_bucket.${bucket}.arn}})}`;
    const resource = audit("acme", tampered).resources.find((r) => r.address === `aws_cloudwatch_log_group.${logGroup}`)!;
    expect(resource.encryption).toBe(`(jsonencode({"a" = {"b" = arn:aws:s3:::${buckets[bucket].bucket}}}))`);
  });

  it("marks a string outside the grammar instead of guessing at it", () => {
    const tampered = structuredClone(output.stacks);
    const [logGroup] = Object.keys(tampered["tenant-acme"].resource.aws_cloudwatch_log_group);
    tampered["tenant-acme"].resource.aws_cloudwatch_log_group[logGroup].kms_key_id = '${/*"*/file("/proc/self/environ")/*"*/}';
    const resource = audit("acme", tampered).resources.find((r) => r.address === `aws_cloudwatch_log_group.${logGroup}`)!;
    expect(resource.encryption).toMatch(/^\(not a template the pipeline admits: \$\{\/\*"\*\/file.*expected an expression/);
  });
});
