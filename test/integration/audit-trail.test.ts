/**
 * `npm run audit:trail` against a local moto server: the real SDK calls (StartQueryExecution in
 * the environment's workgroup and audit database, GetQueryExecution, GetQueryResults) and the
 * parsing of what comes back. moto runs no SQL: the rows are queued through its
 * /moto-api/static/athena/query-results endpoint, in Athena's shape (header row first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AthenaClient, CreateWorkGroupCommand, GetQueryExecutionCommand, ListQueryExecutionsCommand } from "@aws-sdk/client-athena";
import { loadConfig } from "../../config/loader";
import { main } from "../../audit/trail-cli";
import { tenantTrailSql, tenantTrailTarget, timeWindow } from "../../audit/trail-query";
import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR, REPO_ROOT } from "../support/fixtures";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";

const ACCOUNT = "111111111111";
const config = loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: FIXTURE_TENANTS_DIR, displayRoot: REPO_ROOT });
const PAGES = JSON.parse(readFileSync(join(__dirname, "..", "audit", "fixtures", "athena-get-query-results.json"), "utf8"));
const NOW = new Date("2026-12-07T10:00:00Z");

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
});
afterAll(async () => {
  await moto?.stop();
});

it("runs the tenant's query in the environment's workgroup and prints every row moto returns", async () => {
  const target = tenantTrailTarget(config, "globex");
  const athena = new AthenaClient({ region: target.trailRegion });
  await athena.send(new CreateWorkGroupCommand({ Name: target.workGroup, Configuration: { EnforceWorkGroupConfiguration: true } }));
  const rows = [...PAGES[0].ResultSet.Rows, ...PAGES[1].ResultSet.Rows];
  const response = await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
    method: "POST",
    body: JSON.stringify({ account_id: ACCOUNT, region: target.trailRegion, results: [{ rows, column_info: PAGES[0].ResultSet.ResultSetMetadata.ColumnInfo }] }),
  });
  expect(response.status).toBe(201);

  let out = "";
  const code = await main(["globex", "--since", "2026-12-01", "--until", "2026-12-03", "--json"], { config, now: NOW, out: (s) => (out += s), sleep: async () => undefined });
  expect(code).toBe(0);
  const doc = JSON.parse(out);
  expect(doc.events.map((e: { eventName: string }) => e.eventName)).toEqual(["GetObject", "GetSecretValue", "PutBucketPolicy"]);

  const ids = (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: target.workGroup }))).QueryExecutionIds ?? [];
  expect(ids).toHaveLength(1);
  const execution = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: ids[0] }))).QueryExecution!;
  expect(execution.Query).toBe(tenantTrailSql(target, timeWindow("2026-12-01", "2026-12-03", NOW)));
  expect(execution.WorkGroup).toBe("openclaw-production-audit");
  expect(execution.QueryExecutionContext?.Database).toBe("openclaw_production_audit");
});
