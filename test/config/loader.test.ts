import * as fs from "node:fs";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, loadEnvironments } from "../../config/loader";
import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR, minimalTenantYaml } from "../support/fixtures";

const VALID_TENANT = minimalTenantYaml();

const CDKTF_JSON = FIXTURE_CDKTF_JSON;

function tenantsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-tenants-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Loads, expecting failure; returns the problem lines with the temp dir replaced by `tenants/`. */
function problems(files: Record<string, string>, cdktfJsonPath = CDKTF_JSON): string[] {
  const dir = tenantsDir(files);
  try {
    loadConfig({ cdktfJsonPath, tenantsDir: dir, displayRoot: join(dir, "..") });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.replace(/openclaw-tenants-\w+\//g, "tenants/"));
  }
  throw new Error("expected a ConfigError");
}

function withField(yaml: string): string {
  return `${VALID_TENANT}${yaml}\n`;
}

function replacing(field: string, value: string): string {
  return VALID_TENANT.replace(new RegExp(`^${field}: .*$`, "m"), `${field}: ${value}`);
}

describe("loadConfig", () => {
  it("loads a valid tenant with defaults applied", () => {
    const config = loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: tenantsDir({ "acme.yaml": VALID_TENANT }) });
    expect(config.tenants).toHaveLength(1);
    expect(config.tenants[0].agents.butler).toEqual({ cpu: 512, memory: 1024, desiredCount: 1, spot: false, singleton: false, dbConnections: 5 });
    expect(config.tenants[0].integrations).toEqual([]);
    expect(config.tenants[0].logRetentionDays).toBe(90);
  });

  it("returns tenants sorted by id whatever the directory order", () => {
    const config = loadConfig({
      cdktfJsonPath: CDKTF_JSON,
      tenantsDir: tenantsDir({ "zeta.yaml": VALID_TENANT.replace("id: acme", "id: zeta"), "acme.yaml": VALID_TENANT }),
    });
    expect(config.tenants.map((t) => t.id)).toEqual(["acme", "zeta"]);
  });

  it("ignores files that are not tenant files, such as the JSON schema", () => {
    const config = loadConfig({
      cdktfJsonPath: CDKTF_JSON,
      tenantsDir: tenantsDir({ "acme.yaml": VALID_TENANT, "tenant.schema.json": "{}", "README.md": "# tenants" }),
    });
    expect(config.tenants).toHaveLength(1);
  });

  it("loads the repository's example tenants", () => {
    const config = loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: FIXTURE_TENANTS_DIR });
    expect(config.tenants.map((t) => t.id)).toEqual(["acme", "globex", "initech"]);
  });
});

describe("tenant file rules", () => {
  it("fails when cpu is not a Fargate size, naming the allowed sizes", () => {
    expect(problems({ "acme.yaml": VALID_TENANT.replace("cpu: 512, memory: 1024", "cpu: 300, memory: 1024") })).toEqual([
      "tenants/acme.yaml: agents.butler.cpu: 300 is not a valid Fargate CPU (256, 512, 1024, 2048, 4096, 8192, 16384)",
    ]);
  });

  it("fails when memory does not fit the cpu size", () => {
    expect(problems({ "acme.yaml": VALID_TENANT.replace("cpu: 512, memory: 1024", "cpu: 512, memory: 512") })).toEqual([
      "tenants/acme.yaml: agents.butler.memory: 512 MiB is not a valid Fargate memory size for cpu 512 (1024-4096 in steps of 1024)",
    ]);
  });

  it("accepts every documented cpu/memory pair at its edges", () => {
    const pairs = [[256, 512], [256, 2048], [1024, 8192], [4096, 30720], [8192, 61440], [16384, 122880]];
    for (const [cpu, memory] of pairs) {
      const yaml = VALID_TENANT.replace("cpu: 512, memory: 1024", `cpu: ${cpu}, memory: ${memory}`);
      expect(() => loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: tenantsDir({ "acme.yaml": yaml }) })).not.toThrow();
    }
  });

  it("fails on unknown fields and lists the allowed ones", () => {
    expect(problems({ "acme.yaml": withField("agnets: {}") })).toEqual([
      "tenants/acme.yaml: agnets: unknown field (allowed: id, displayName, environment, region, status, costCenter, agents, integrations, egressDomains, bedrockModels, bedrockRouting, budget, databaseDeletion, alarmEmails, databaseStorageAlarmGiB, logRetentionDays, deployHold, deployRing)",
    ]);
  });

  describe("Bedrock models (config/bedrock-models.ts)", () => {
    const withModels = (models: string, extra = "", region = "us-east-1") =>
      withField(`bedrockModels: [${models}]\n${extra}`).replace("region: us-east-1", `region: ${region}`);

    it("fails on a model the mapping table does not know, naming the known ones", () => {
      expect(problems({ "acme.yaml": withModels("anthropic.claude-9-v1:0") })[0]).toMatch(
        /^tenants\/acme\.yaml: bedrockModels\.0: one of the models in config\/bedrock-models\.ts \(.*anthropic\.claude-sonnet-4-5-20250929-v1:0.*\) \(got "anthropic\.claude-9-v1:0"\)$/,
      );
    });

    it("fails on a model with no profile in the tenant's region, listing where it is available", () => {
      // Claude 3.5 Haiku has a us. profile and on-demand in us-west-2, nothing in the EU.
      const cdktfJson = FIXTURE_CDKTF_JSON;
      const json = JSON.parse(readFileSync(cdktfJson, "utf8"));
      json.context.environments.production.regions["eu-west-1"] = { ...json.context.environments.production.regions["us-west-2"], vpcCidr: "10.30.0.0/16" };
      const path = join(mkdtempSync(join(tmpdir(), "openclaw-cdktf-")), "cdktf.json");
      writeFileSync(path, JSON.stringify(json));
      expect(problems({ "acme.yaml": withModels("anthropic.claude-3-5-haiku-20241022-v1:0", "", "eu-west-1") }, path)).toEqual([
        "tenants/acme.yaml: bedrockModels.0: anthropic.claude-3-5-haiku-20241022-v1:0 has no usable profile in eu-west-1 with bedrockRouting geographic (available: us. profile from us-east-1, us-east-2, us-west-2; on demand in us-west-2)",
      ]);
    });

    it("fails under in-region routing on a model served only through cross-region profiles", () => {
      expect(problems({ "acme.yaml": withModels("anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrockRouting: in-region") })).toEqual([
        "tenants/acme.yaml: bedrockModels.0: anthropic.claude-sonnet-4-5-20250929-v1:0 has no on-demand foundation model in us-east-1 with bedrockRouting in-region (available: nowhere)",
      ]);
    });

    it("fails on a tenant id with a double hyphen when it uses Bedrock (profile names forbid it)", () => {
      const yaml = withModels("anthropic.claude-sonnet-4-5-20250929-v1:0").replace("id: acme", "id: ac--me");
      expect(problems({ "ac--me.yaml": yaml })).toEqual([
        'tenants/ac--me.yaml: bedrockModels: a tenant id without "--" (Bedrock inference profile names allow no double hyphen) (got "ac--me")',
      ]);
    });

    it("accepts a budget stop threshold or off, and rejects one below 100%", () => {
      expect(() => loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: tenantsDir({ "acme.yaml": VALID_TENANT.replace("alertEmails: [ops@acme.example]", "alertEmails: [ops@acme.example], stopAtPercent: off") }) })).not.toThrow();
      expect(problems({ "acme.yaml": VALID_TENANT.replace("alertEmails: [ops@acme.example]", "alertEmails: [ops@acme.example], stopAtPercent: 50") })[0]).toMatch(
        /^tenants\/acme\.yaml: budget\.stopAtPercent: /,
      );
    });
  });

  it("fails on unknown fields inside nested objects", () => {
    expect(problems({ "acme.yaml": VALID_TENANT.replace("cpu: 512, memory: 1024", "cpu: 512, memory: 1024, replicas: 2") })).toEqual([
      "tenants/acme.yaml: agents.butler.replicas: unknown field (allowed: cpu, memory, desiredCount, scaling, singleton, spot, image, dbConnections)",
    ]);
  });

  it("fails without agents", () => {
    expect(problems({ "acme.yaml": VALID_TENANT.replace(/agents:\n  butler: .*\n/, "agents: {}\n") })).toEqual(["tenants/acme.yaml: agents: between 1 and 10 agents"]);
  });

  it("fails when the id does not equal the file name", () => {
    expect(problems({ "acme.yaml": replacing("id", "acme-corp") })).toEqual([
      'tenants/acme.yaml: id: must equal the file name "acme" (got "acme-corp")',
    ]);
  });

  it.each([
    ["uppercase letters", "Acme"],
    ["a leading digit", "1acme"],
    ["a trailing hyphen", "acme-"],
    ["underscores", "ac_me"],
    ["27 characters", "a".repeat(27)],
  ])("fails on an id with %s", (_, id) => {
    const lines = problems({ [`${id}.yaml`]: replacing("id", id) });
    expect(lines).toContain(
      `tenants/${id}.yaml: id: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, 2-26 characters (got "${id}")`,
    );
  });

  it("accepts an id of exactly 26 characters", () => {
    const id = `a${"b".repeat(25)}`;
    expect(() => loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: tenantsDir({ [`${id}.yaml`]: replacing("id", id) }) })).not.toThrow();
  });

  it("fails when the environment is not declared in cdktf.json", () => {
    expect(problems({ "acme.yaml": replacing("environment", "qa") })).toEqual([
      'tenants/acme.yaml: environment: one of the environments in cdktf.json (production, staging) (got "qa")',
    ]);
  });

  it("fails when the region is not declared by the tenant's environment", () => {
    expect(problems({ "acme.yaml": replacing("region", "us-west-2").replace("environment: production", "environment: staging") })).toEqual([
      'tenants/acme.yaml: region: one of the regions environment staging declares (us-east-1) (got "us-west-2")',
    ]);
  });

  it("fails on a duplicate id across files", () => {
    const lines = problems({ "acme.yaml": VALID_TENANT, "beta.yaml": VALID_TENANT });
    expect(lines).toEqual([
      'tenants/beta.yaml: id: must equal the file name "beta" (got "acme")',
      'tenants/beta.yaml: id: "acme" is already used by tenants/acme.yaml',
    ]);
  });

  it("fails on .yml files instead of silently skipping them", () => {
    expect(problems({ "acme.yml": VALID_TENANT })).toEqual(["tenants/acme.yml: tenant files must end in .yaml (rename to acme.yaml)"]);
  });

  it("fails on invalid YAML with the line number", () => {
    const lines = problems({ "acme.yaml": "id: acme\nagents: [unclosed\n" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tenants\/acme\.yaml:\d+: invalid YAML: /);
  });

  it("fails on duplicate keys in YAML", () => {
    expect(problems({ "acme.yaml": `${VALID_TENANT}status: suspended\n` })[0]).toMatch(/invalid YAML: Map keys must be unique/);
  });

  it("fails on missing required fields", () => {
    expect(problems({ "acme.yaml": VALID_TENANT.replace(/^budget: .*$/m, "") })).toEqual([
      "tenants/acme.yaml: budget: required field is missing (expected object)",
    ]);
  });

  it("fails on numbers out of range", () => {
    const lines = problems({
      "acme.yaml": VALID_TENANT.replace("monthlyUsd: 300", "monthlyUsd: -5").replace("cpu: 512, memory: 1024", "cpu: 512, memory: 1024, desiredCount: 11"),
    });
    expect(lines).toEqual([
      "tenants/acme.yaml: agents.butler.desiredCount: at most 10 (got 11)",
      "tenants/acme.yaml: budget.monthlyUsd: greater than 0 (got -5)",
    ]);
  });

  it("fails on a log retention CloudWatch does not offer", () => {
    expect(problems({ "acme.yaml": withField("logRetentionDays: 45") })[0]).toMatch(
      /^tenants\/acme\.yaml: logRetentionDays: one of 1, 3, 5, 7, 14, 30, 60, 90, .* \(got 45\)$/,
    );
  });

  it("fails on duplicate integrations and bad e-mail addresses", () => {
    const lines = problems({
      "acme.yaml": withField("integrations: [slack, slack]").replace("ops@acme.example", "not-an-email"),
    });
    expect(lines).toEqual([
      "tenants/acme.yaml: integrations: each integration at most once",
      'tenants/acme.yaml: budget.alertEmails.0: an e-mail address (got "not-an-email")',
    ]);
  });

  it("reports every problem of every file at once", () => {
    const lines = problems({
      "acme.yaml": replacing("status", "running").replace("cpu: 512", "cpu: 300"),
      "beta.yaml": replacing("id", "beta").replace("region: us-east-1", "region: eu-west-1"),
    });
    expect(lines).toEqual([
      'tenants/acme.yaml: status: one of provisioning, active, suspended, offboarding, offboarded (got "running")',
      "tenants/acme.yaml: agents.butler.cpu: 300 is not a valid Fargate CPU (256, 512, 1024, 2048, 4096, 8192, 16384)",
      'tenants/beta.yaml: region: one of the regions environment production declares (us-east-1, us-west-2) (got "eu-west-1")',
    ]);
  });
});

describe("environment rules", () => {
  function environmentProblems(environments: unknown): string[] {
    const dir = tenantsDir({});
    const path = join(dir, "cdktf.json");
    writeFileSync(path, JSON.stringify({ context: { environments } }));
    try {
      loadEnvironments(path, dir);
    } catch (err) {
      return (err as ConfigError).problems as string[];
    }
    throw new Error("expected a ConfigError");
  }
  const region = {
    vpcCidr: "10.0.0.0/16",
    database: { instanceClass: "db.t4g.medium", allocatedStorageGiB: 20, multiAz: false, backupRetentionDays: 7 },
  };
  const environment = {
    accountId: "111111111111",
    stateBucket: "state-bucket",
    stateRegion: "us-east-1",
    lockTable: "locks",
    costCenter: "cc",
    agentImage: `sha256:${"0".repeat(64)}`,
    regions: { "us-east-1": region },
  };

  it("accepts a minimal environment", () => {
    expect(() => environmentProblems({ production: environment })).toThrow("expected a ConfigError");
  });

  it("fails on a CIDR with host bits set or a prefix outside /16-/20", () => {
    expect(environmentProblems({ production: { ...environment, regions: { "us-east-1": { ...region, vpcCidr: "10.0.0.1/16" } } } })).toEqual([
      'cdktf.json: context.environments.production.regions.us-east-1.vpcCidr: a network address with no host bits set (got \"10.0.0.1/16\")',
    ]);
    expect(environmentProblems({ production: { ...environment, regions: { "us-east-1": { ...region, vpcCidr: "10.0.0.0/24" } } } })).toEqual([
      "cdktf.json: context.environments.production.regions.us-east-1.vpcCidr: a prefix length between /16 and /20 (got \"10.0.0.0/24\")",
    ]);
  });

  it("fails on zone names, too few zone ids, or a region without a default zone list, naming the field", () => {
    expect(environmentProblems({ production: { ...environment, regions: { "us-east-1": { ...region, availabilityZoneIds: ["us-east-1a", "use1-az2"] } } } })).toEqual([
      'cdktf.json: context.environments.production.regions.us-east-1.availabilityZoneIds.0: a zone id like use1-az1 (got "us-east-1a")',
    ]);
    expect(environmentProblems({ production: { ...environment, regions: { "us-east-1": { ...region, availabilityZoneCount: 3, availabilityZoneIds: ["use1-az1", "use1-az2"] } } } })).toEqual([
      "cdktf.json: context.environments.production.regions.us-east-1.availabilityZoneIds: 3 zones needed (availabilityZoneCount) but the list has 2",
    ]);
    expect(environmentProblems({ production: { ...environment, regions: { "me-central-1": region } } })).toEqual([
      "cdktf.json: context.environments.production.regions.me-central-1.availabilityZoneIds: no default zone list for me-central-1: list its zone ids (aws ec2 describe-availability-zones --region me-central-1 --query 'AvailabilityZones[].ZoneId')",
    ]);
  });

  it("fails on an alarm subscription whose endpoint does not fit its protocol, naming the field", () => {
    expect(environmentProblems({ production: { ...environment, alarmSubscriptions: [{ protocol: "email", endpoint: "not-an-address" }, { protocol: "https", endpoint: "http://x.example" }] } })).toEqual([
      'cdktf.json: context.environments.production.alarmSubscriptions.0.endpoint: an e-mail address (got "not-an-address")',
      'cdktf.json: context.environments.production.alarmSubscriptions.1.endpoint: an https:// URL (got "http://x.example")',
    ]);
  });

  it("fails on an account id that is not 12 digits", () => {
    expect(environmentProblems({ production: { ...environment, accountId: "1234" } })).toEqual([
      'cdktf.json: context.environments.production.accountId: a 12-digit AWS account id (got "1234")',
    ]);
  });

  it("fails on a provisioner concurrency reservation that is not a whole number from 1", () => {
    expect(environmentProblems({ production: { ...environment, provisionerReservedConcurrency: 0 } })[0]).toMatch(
      /^cdktf\.json: context\.environments\.production\.provisionerReservedConcurrency: .*\(got 0\)$/,
    );
  });

  it("fails when two environments share an account", () => {
    expect(environmentProblems({ production: environment, staging: environment })).toEqual([
      "cdktf.json: context.environments.staging.accountId: each environment is its own AWS account; 111111111111 is already production's",
    ]);
  });

  it("fails on a region code that is not an AWS region", () => {
    expect(environmentProblems({ production: { ...environment, regions: { "mars-1": region } } })[0]).toMatch(
      /context\.environments\.production\.regions\.mars-1: an AWS region code like us-east-1/,
    );
  });

  it("defaults the offboarding settings of an environment that declares none", () => {
    const dir = tenantsDir({});
    const path = join(dir, "cdktf.json");
    writeFileSync(path, JSON.stringify({ context: { environments: { production: environment } } }));
    expect(loadEnvironments(path, dir).production.offboarding).toEqual({
      archiveRetentionDays: 365,
      kmsDeletionWindowDays: 30,
      secretRecoveryWindowDays: 30,
      logGroup: "delete",
    });
  });

  it("fails on KMS and secret windows AWS does not accept (7 to 30 days) and an unknown log group choice", () => {
    const offboarding = { kmsDeletionWindowDays: 5, secretRecoveryWindowDays: 31, logGroup: "archive" };
    expect(environmentProblems({ production: { ...environment, offboarding } })).toEqual([
      "cdktf.json: context.environments.production.offboarding.kmsDeletionWindowDays: at least 7 (got 5)",
      "cdktf.json: context.environments.production.offboarding.secretRecoveryWindowDays: at most 30 (got 31)",
      'cdktf.json: context.environments.production.offboarding.logGroup: one of delete, retain (got "archive")',
    ]);
  });
});

/**
 * Inputs the loader must report as problems rather than crash on or silently mis-order. Each
 * test names the mutant of config/loader.ts it was written against (`npm run test:mutation`).
 */
describe("unreadable and oddly shaped inputs", () => {
  const RECORD = "s3://example-openclaw-tfstate-production/offboarding/acme/2026-12-01T22-10-00Z.json";
  const TOMBSTONE = [
    "id: acme",
    "displayName: ACME Corp",
    "environment: production",
    "region: us-east-1",
    "status: offboarded",
    "offboardedAt: 2026-12-01T22:10:00Z",
    `offboardingRecord: ${RECORD}`,
    "",
  ].join("\n");

  it("counts the problems in the error's message, singular for one", () => {
    // mutation testing: `problems.length === 1` → true/false/`!==` and the "s" literals survived.
    expect(new ConfigError(["a: b"]).message).toBe("1 configuration problem:\na: b");
    expect(new ConfigError(["a: b", "c: d"]).message).toBe("2 configuration problems:\na: b\nc: d");
    // mutation testing (second run): `this.name = "ConfigError"` → "" survived; the CLIs print it.
    expect(new ConfigError([]).name).toBe("ConfigError");
  });

  it("reports a tenants directory it cannot read, naming it and the error code", () => {
    // mutation testing: the directory message (no coverage before).
    const missing = join(tenantsDir({}), "no-such-dir");
    expect(() => loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: missing, displayRoot: join(missing, "..") })).toThrow(
      new ConfigError(["no-such-dir: cannot read tenants directory (ENOENT)"]),
    );
  });

  it("reports a cdktf.json it cannot read or parse, and one that is JSON null", () => {
    // mutation testing: the read-failure message (no coverage before) and `raw?.context` → `raw.context` (a crash on null).
    const dir = tenantsDir({ "acme.yaml": VALID_TENANT });
    const read = (cdktf: string) => {
      try {
        loadConfig({ cdktfJsonPath: cdktf, tenantsDir: dir, displayRoot: join(cdktf, "..") });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
      throw new Error("expected a ConfigError");
    };
    expect(read(join(dir, "missing.json"))[0]).toMatch(/^missing\.json: cannot read as JSON \(ENOENT: no such file or directory/);
    const nullJson = join(tenantsDir({}), "cdktf.json");
    writeFileSync(nullJson, "null");
    expect(read(nullJson)).toEqual(["cdktf.json: context.environments: required field is missing (expected record)"]);
  });

  it("reports a tenant file it cannot read (a directory named like one)", () => {
    // mutation testing: the read-failure message of a tenant file (no coverage before).
    const dir = tenantsDir({});
    mkdirSync(join(dir, "acme.yaml"));
    expect(() => loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: dir, displayRoot: dir })).toThrow(new ConfigError(["acme.yaml: cannot read (EISDIR)"]));
  });

  it.each([
    ["an alias with no anchor", "id: acme\nowner: *nobody\n", "Unresolved alias"],
    ["more alias expansions than yaml allows (a billion-laughs file)", `id: acme\n${aliasBomb()}`, "Excessive alias count"],
  ])("reports %s as a YAML problem, not a crash", (_, text, message) => {
    // Found by mutation testing the line-less message branch: yaml reports these only from toJS, which threw a ReferenceError through the loader.
    const lines = problems({ "acme.yaml": text });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^tenants/acme\\.yaml: invalid YAML: ${message}`));
  });

  it.each([
    ["a scalar", "just some text\n", 'tenants/acme.yaml: (file): expected object (got "just some text")'],
    ["a list", "- id: acme\n", "tenants/acme.yaml: (file): expected object (got a list of 1)"],
    ["empty", "", "tenants/acme.yaml: (file): expected object (got null)"],
  ])("reports a file whose document is %s as one problem", (_, text, line) => {
    // mutation testing: withoutTombstoneFields' guards → false: `in` on a string or null threw a TypeError, and a copied list became an object.
    expect(problems({ "acme.yaml": text })).toEqual([line]);
  });

  it("reports no file-name mismatch for a file without an id (the schema already says it is missing)", () => {
    // mutation testing: `id !== undefined && …` → `true && …` reported `(got "undefined")`.
    expect(problems({ "acme.yaml": VALID_TENANT.replace(/^id: .*\n/m, "") })).toEqual(["tenants/acme.yaml: id: required field is missing (expected string)"]);
  });

  it("reads files in name order whatever order the directory lists them in", () => {
    // mutation testing: `readdirSync(dir).sort()` → `readdirSync(dir)`: which file "already used" an id depends on it.
    const dir = tenantsDir({ "acme.yaml": VALID_TENANT, "beta.yaml": VALID_TENANT });
    // The module object itself: `import * as fs` gives this file a copy, which the loader never calls
    // (the second mutation run showed the `.sort()` mutant surviving a spy on the copy).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const listing = jest.spyOn(require("node:fs") as typeof fs, "readdirSync").mockReturnValueOnce(["beta.yaml", "acme.yaml"] as unknown as ReturnType<typeof fs.readdirSync>);
    try {
      loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: dir, displayRoot: dir });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect((err as ConfigError).problems).toContain('beta.yaml: id: "acme" is already used by acme.yaml');
    } finally {
      listing.mockRestore();
    }
  });

  it("sorts tenants and tombstones by id, which is not the order of their file names", () => {
    // mutation testing: both `.sort(byId)` → no sort. "acme-eu.yaml" sorts before "acme.yaml" ('-' < '.'), the id "acme" before "acme-eu".
    const config = loadConfig({
      cdktfJsonPath: CDKTF_JSON,
      tenantsDir: tenantsDir({
        "acme.yaml": VALID_TENANT,
        "acme-eu.yaml": VALID_TENANT.replace("id: acme", "id: acme-eu"),
        "old.yaml": TOMBSTONE.replace("id: acme", "id: old").replace("/acme/", "/old/"),
        "old-eu.yaml": TOMBSTONE.replace("id: acme", "id: old-eu").replace("/acme/", "/old-eu/"),
      }),
    });
    expect(config.tenants.map((t) => t.id)).toEqual(["acme", "acme-eu"]);
    expect(config.tombstones.map((t) => t.id)).toEqual(["old", "old-eu"]);
  });

  it("names the status a revived file claims, or 'another status' when it has none", () => {
    // mutation testing: the status fallback literal (no coverage) and `typeof status === "string"` → true.
    const revived = `${VALID_TENANT.replace(/^status: .*\n/m, "")}offboardedAt: 2026-12-01T22:10:00Z\n`;
    expect(problems({ "acme.yaml": revived })).toContain(
      "tenants/acme.yaml: offboardedAt: only an offboarded tenant has one; an offboarded tenant never returns to another status (its id, bucket name and key alias can never be reused): keep status: offboarded, or add a tenant with a new id",
    );
  });

  it("checks a tombstone's record against its id only when it has one", () => {
    // mutation testing: `typeof fields.id === "string" && …` → `true && …` reported "must be under offboarding/undefined/".
    expect(problems({ "acme.yaml": TOMBSTONE.replace("id: acme\n", "") })).toEqual(["tenants/acme.yaml: id: required field is missing (expected string)"]);
  });

  it("allows a double hyphen in the id of a tenant without Bedrock models, and names the model index otherwise", () => {
    // mutation testing: `bedrockModels.length > 0` → true / `>= 0`, and the `bedrockModels.${i}` field literal.
    const id = "acme--eu";
    expect(() => loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: tenantsDir({ [`${id}.yaml`]: replacing("id", id) }) })).not.toThrow();
    expect(problems({ "acme.yaml": withField("bedrockModels: [no-such-model]") })).toEqual([expect.stringMatching(/^tenants\/acme\.yaml: bedrockModels\.0: /)]);
  });
});

function aliasBomb(): string {
  const level = (name: string, of: string) => `${name}: &${name} [${Array(10).fill(of).join(", ")}]`;
  return [level("a", "x"), level("b", "*a"), level("c", "*b"), `d: [${Array(10).fill("*c").join(", ")}]`, ""].join("\n");
}
