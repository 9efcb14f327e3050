// Enforces SECURITY.md C45 (the table "Enforcing tests" there lists this file).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { loadConfig } from "../../config/loader";
import { TENANT_ID_PATTERN } from "../../config/tenant-id";
import { runMain } from "../../pipeline/lib/cli";
import { HELP, main } from "../../audit/trail-cli";
import {
  CloudTrailRecord,
  matchesFilter,
  parseResultPages,
  renderFilter,
  ResultPage,
  tenantEventFilter,
  tenantTrailSql,
  tenantTrailTarget,
  timeWindow,
  TrailQueryInputError,
} from "../../audit/trail-query";
import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR, REPO_ROOT } from "../support/fixtures";

const config = loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: FIXTURE_TENANTS_DIR, displayRoot: REPO_ROOT });
const FIXTURES = join(__dirname, "fixtures");
/** A log file as CloudTrail delivers it (the record format of https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html). */
const LOG_FILE: { Records: CloudTrailRecord[] } = JSON.parse(readFileSync(join(FIXTURES, "111111111111_CloudTrail_us-west-2_20261201T1310Z_Ex4mpleLogFile0.json"), "utf8"));
/** Two GetQueryResults pages as Athena returns them: the first row of the first page repeats the column names. */
const RESULT_PAGES: ResultPage[] = JSON.parse(readFileSync(join(FIXTURES, "athena-get-query-results.json"), "utf8"));
const NOW = new Date("2026-12-07T10:00:00Z");
const globex = tenantTrailTarget(config, "globex");

describe("tenant id and dates before SQL (injection first)", () => {
  it.each(["globex' OR '1'='1", "globex'--", "globex; DROP TABLE x", "GLOBEX", "globex/../acme", "", "a".repeat(40)])("refuses tenant id %p before anything is built", (id) => {
    expect(() => tenantTrailTarget(config, id)).toThrow(new TrailQueryInputError(`tenant: not a tenant id (${TENANT_ID_PATTERN.source}), got ${JSON.stringify(id)}`));
  });

  it("refuses a well-formed id that is not a tenant of the configuration", () => {
    expect(() => tenantTrailTarget(config, "nobody")).toThrow(/no tenant nobody/);
  });

  it.each(["2026-12-01' OR 1=1 --", "2026-13-01", "2026-02-30", "yesterday", "2026-12-01T13:00:00+02:00"])("refuses --since %p", (since) => {
    expect(() => timeWindow(since, undefined, NOW)).toThrow(/--since: a UTC date/);
  });

  it("refuses any SQL value outside names, ARNs and dates, whatever reaches the renderer", () => {
    const forged = { ...globex, tenantBucket: "x' OR '1'='1" };
    expect(() => tenantTrailSql(forged, timeWindow("2026-12-01", "2026-12-02", NOW))).toThrow(/refusing to put/);
    expect(() => tenantTrailSql({ ...globex, database: 'db"; --' }, timeWindow("2026-12-01", "2026-12-02", NOW))).toThrow(/refusing identifier/);
  });

  it("exits 1 without calling Athena for a bad tenant, and names the problem", async () => {
    const athena = mockClient(AthenaClient);
    const code = await runMain("audit:trail", HELP, (argv) => main(argv, { config, athena: () => new AthenaClient({ region: "us-east-1" }), now: NOW, out: () => undefined }), ["globex' OR '1'='1"]);
    expect(code).toBe(1);
    expect(athena.calls()).toHaveLength(0);
    athena.restore();
  });
});

describe("where a tenant's events are", () => {
  it("reads the tenant's region partition from the trail of its environment, in the trail's home region", () => {
    expect(globex).toMatchObject({
      environment: "production",
      region: "us-west-2",
      trailRegion: "us-east-1",
      trailName: "openclaw-production-audit",
      trailBucket: "openclaw-111111111111-production-us-east-1-audit",
      database: "openclaw_production_audit",
      workGroup: "openclaw-production-audit",
      tenantBucket: "openclaw-globex-111111111111-us-west-2",
      secretNamePrefix: "/openclaw/production/globex/",
      secretArnPrefix: "arn:aws:secretsmanager:us-west-2:111111111111:secret:/openclaw/production/globex/",
    });
    expect(tenantTrailTarget(config, "initech")).toMatchObject({ environment: "staging", trailRegion: "us-east-1", database: "openclaw_staging_audit" });
  });
});

describe("the tenant filter on a recorded CloudTrail log file", () => {
  const matched = LOG_FILE.Records.filter((r) => matchesFilter(tenantEventFilter(globex), r)).map((r) => `${r.eventName} ${r.eventID}`);

  it("selects the tenant's object reads and writes, secret reads by name and by ARN, copies out of its bucket and its bucket's management events", () => {
    expect(matched).toEqual([
      "GetObject 0b1e5d1c-0001-4a51-9f61-000000000001",
      "PutObject 0b1e5d1c-0002-4a51-9f61-000000000002",
      "GetSecretValue 0b1e5d1c-0005-4a51-9f61-000000000005",
      "GetSecretValue 0b1e5d1c-0006-4a51-9f61-000000000006",
      "CopyObject 0b1e5d1c-0009-4a51-9f61-000000000009",
      "PutBucketPolicy 0b1e5d1c-0010-4a51-9f61-000000000010",
    ]);
  });

  it("leaves out tenants whose id extends or contains this one (globex-2, x-openclaw-globex), other environments and unrelated events", () => {
    const left = LOG_FILE.Records.filter((r) => !matchesFilter(tenantEventFilter(globex), r)).map((r) => `${r.eventName} ${String(r.eventID).slice(-4)}`);
    expect(left).toEqual(["GetObject 0003", "GetObject 0004", "GetSecretValue 0007", "GetSecretValue 0008", "Decrypt 0011"]);
  });

  it("renders every condition of the filter, and nothing else, into the WHERE clause", () => {
    const where = renderFilter(tenantEventFilter(globex));
    expect(where).toBe(
      [
        `(eventsource = 's3.amazonaws.com' AND (json_extract_scalar(requestparameters, '$["bucketName"]') = 'openclaw-globex-111111111111-us-west-2' OR starts_with(json_extract_scalar(requestparameters, '$["x-amz-copy-source"]'), 'openclaw-globex-111111111111-us-west-2/')))`,
        `(eventsource = 'secretsmanager.amazonaws.com' AND (starts_with(json_extract_scalar(requestparameters, '$["secretId"]'), '/openclaw/production/globex/') OR starts_with(json_extract_scalar(requestparameters, '$["secretId"]'), 'arn:aws:secretsmanager:us-west-2:111111111111:secret:/openclaw/production/globex/')))`,
      ].join("\n    OR "),
    );
  });
});

describe("the SQL", () => {
  const sql = tenantTrailSql(globex, timeWindow("2026-12-01", "2026-12-03", NOW));

  it("reads only the tenant's region and the window's day partitions (plus the day after, for late deliveries)", () => {
    expect(sql).toContain(`FROM "openclaw_production_audit"."cloudtrail"`);
    expect(sql).toContain("WHERE region = 'us-west-2'");
    expect(sql).toContain("AND day BETWEEN '2026/12/01' AND '2026/12/04'");
    expect(sql).toContain("AND eventtime >= '2026-12-01T00:00:00Z' AND eventtime < '2026-12-04T00:00:00Z'");
  });

  it("returns who (principal, IP, user agent) did what (event, resource) when", () => {
    expect(sql).toMatch(/^SELECT eventtime, eventsource, eventname, useridentity\.arn AS principal_arn, useridentity\.type AS principal_type,\n  sourceipaddress, useragent, errorcode, awsregion, eventid,/);
    expect(sql).toMatch(/AS resource\n/);
    expect(sql.endsWith("ORDER BY eventtime, eventid")).toBe(true);
  });

  it("defaults to the last 7 days, and refuses an empty or too long window", () => {
    expect(timeWindow(undefined, undefined, NOW)).toEqual({ since: new Date("2026-11-30T10:00:00Z"), until: NOW });
    expect(timeWindow("2026-12-01T13:00Z", "2026-12-01T14:00Z", NOW)).toEqual({ since: new Date("2026-12-01T13:00:00Z"), until: new Date("2026-12-01T14:00:00Z") });
    expect(() => timeWindow("2026-12-02", "2026-12-01", NOW)).toThrow(/must be before/);
    expect(() => timeWindow("2024-01-01", "2026-12-01", NOW)).toThrow(/366 days/);
  });
});

describe("Athena's result pages", () => {
  it("parses every page by column name and drops only the header row of the first page", () => {
    const events = parseResultPages(RESULT_PAGES);
    expect(events.map((e) => [e.eventName, e.principalArn, e.sourceIp, e.errorCode, e.resource])).toEqual([
      ["GetObject", "arn:aws:sts::111111111111:assumed-role/openclaw-globex-butler-task/task-1", "10.20.1.15", "", "s3://openclaw-globex-111111111111-us-west-2/agents/butler/notes.md"],
      ["GetSecretValue", "arn:aws:sts::111111111111:assumed-role/OperatorAccess/alice", "203.0.113.7", "", "arn:aws:secretsmanager:us-west-2:111111111111:secret:/openclaw/production/globex/gmail-AbCdEf"],
      ["PutBucketPolicy", "arn:aws:sts::111111111111:assumed-role/OperatorAccess/alice", "203.0.113.7", "AccessDenied", "s3://openclaw-globex-111111111111-us-west-2/"],
    ]);
  });

  it("fails on results without the expected columns (a changed query or table)", () => {
    expect(() => parseResultPages([{ ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [{ Name: "eventtime" }] } } }])).toThrow(/lack columns/);
  });
});

describe("npm run audit:trail against the Athena API (aws-sdk-client-mock)", () => {
  const athena = mockClient(AthenaClient);
  beforeEach(() => athena.reset());
  afterAll(() => athena.restore());

  const run = async (argv: string[]) => {
    let out = "";
    const regions: string[] = [];
    const code = await runMain(
      "audit:trail",
      HELP,
      (a) =>
        main(a, {
          config,
          now: NOW,
          out: (s) => (out += s),
          sleep: async () => undefined,
          athena: (region) => {
            regions.push(region);
            return new AthenaClient({ region });
          },
        }),
      argv,
    );
    return { code, out, regions };
  };

  it("starts the query in the workgroup and database, polls until it succeeds, follows NextToken, and prints who did what", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: "QUEUED" } } })
      .resolvesOnce({ QueryExecution: { Status: { State: "RUNNING" } } })
      .resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    athena.on(GetQueryResultsCommand, { NextToken: undefined }).resolves(RESULT_PAGES[0] as any);
    athena.on(GetQueryResultsCommand, { NextToken: "AYABeExampleNextToken0001" }).resolves(RESULT_PAGES[1] as any);

    const { code, out, regions } = await run(["globex", "--since", "2026-12-01", "--until", "2026-12-03"]);
    expect(code).toBe(0);
    expect(regions).toEqual(["us-east-1"]);
    const calls = athena.calls().map((c) => c.args[0].constructor.name);
    expect(calls).toEqual(["StartQueryExecutionCommand", "GetQueryExecutionCommand", "GetQueryExecutionCommand", "GetQueryExecutionCommand", "GetQueryResultsCommand", "GetQueryResultsCommand"]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toEqual({
      QueryString: tenantTrailSql(globex, timeWindow("2026-12-01", "2026-12-03", NOW)),
      WorkGroup: "openclaw-production-audit",
      QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: "openclaw_production_audit" },
    });
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, "AYABeExampleNextToken0001"]);
    expect(out).toContain("3 event(s)");
    expect(out).toContain("2026-12-01T13:03:00Z  GetSecretValue  arn:aws:secretsmanager:us-west-2:111111111111:secret:/openclaw/production/globex/gmail-AbCdEf  arn:aws:sts::111111111111:assumed-role/OperatorAccess/alice  203.0.113.7  ok");
    expect(out).toContain("error=AccessDenied");
  });

  it("prints one JSON document with --json", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-2" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    athena.on(GetQueryResultsCommand).resolves(RESULT_PAGES[1] as any);
    // A single page still carries the header row as its first row only on the first page: here the
    // first page is RESULT_PAGES[1], so its first data row is taken as the header.
    const { code, out } = await run(["initech", "--json", "--environment", "staging"]);
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.target.trailName).toBe("openclaw-staging-audit");
    expect(doc.sql).toContain("'openclaw-initech-222222222222-us-east-1'");
    expect(doc.events).toEqual([]);
  });

  it("exits 2 with Athena's reason when the query fails", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-3" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND: line 5:6: Table 'awsdatacatalog.openclaw_production_audit.cloudtrail' does not exist" } } });
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const { code } = await run(["globex"]);
    const logged = stderr.mock.calls.map((c) => String(c[0])).join("");
    stderr.mockRestore();
    expect(code).toBe(2);
    expect(logged).toContain("Athena query q-3 FAILED: TABLE_NOT_FOUND");
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it("exits 2 naming the workgroup, account and what to check when AWS refuses the call, without a stack trace", async () => {
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error("User is not authorized to perform: athena:StartQueryExecution"), { name: "AccessDeniedException" }));
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const { code } = await run(["globex"]);
    const logged = stderr.mock.calls.map((c) => String(c[0])).join("");
    stderr.mockRestore();
    expect(code).toBe(2);
    expect(logged).toContain("Athena in us-east-1 (workgroup openclaw-production-audit, database openclaw_production_audit): AccessDeniedException: User is not authorized");
    expect(logged).toContain("account 111111111111");
    expect(logged).not.toMatch(/\n\s+at /);
  });

  it("exits 1 when --environment names another environment than the tenant's", async () => {
    const { code } = await run(["globex", "--environment", "staging"]);
    expect(code).toBe(1);
    expect(athena.calls()).toHaveLength(0);
  });
});
