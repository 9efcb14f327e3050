/**
 * The tenant lifecycle as a single file can show it: each status loads, tombstones need their
 * evidence, an offboarded tenant cannot come back, and the transition table every tool shares.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, ProjectConfig } from "../../config/loader";
import {
  awaitsOffboarding,
  hasStack,
  isLegalTransition,
  isTenantStatus,
  isOffboardingOrOffboarded,
  isTerminal,
  legalTransitions,
  operatorTransitions,
  runsTasks,
  TENANT_STATUSES,
  TenantStatus,
  transitionRefusal,
} from "../../config/tenant-lifecycle";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";

const CDKTF_JSON = FIXTURE_CDKTF_JSON;
const RECORD = "s3://example-openclaw-tfstate-production/offboarding/acme/2026-12-01T22-10-00Z.json";

const LIVE = (status: string) => `
id: acme
displayName: ACME Corp
environment: production
region: us-east-1
status: ${status}
agents:
  butler: { cpu: 512, memory: 1024 }
budget: { monthlyUsd: 300, alertEmails: [ops@acme.example] }
`;

const TOMBSTONE = `
id: acme
displayName: ACME Corp
environment: production
region: us-east-1
status: offboarded
offboardedAt: 2026-12-01T22:10:00Z
offboardingRecord: ${RECORD}
`;

function load(files: Record<string, string>): ProjectConfig {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-tenants-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: dir, displayRoot: join(dir, "..") });
}

function problems(files: Record<string, string>): string[] {
  try {
    load(files);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.replace(/openclaw-tenants-\w+\//g, "tenants/"));
  }
  throw new Error("expected a ConfigError");
}

describe("status in a tenant file", () => {
  it.each(["provisioning", "active", "suspended", "offboarding"])("loads a %s tenant as a tenant with a stack", (status) => {
    const config = load({ "acme.yaml": LIVE(status) });
    expect(config.tenants.map((t) => [t.id, t.status])).toEqual([["acme", status]]);
    expect(config.tombstones).toEqual([]);
  });

  it("loads an offboarded tenant as a tombstone, not as a tenant", () => {
    const config = load({ "acme.yaml": TOMBSTONE });
    expect(config.tenants).toEqual([]);
    expect(config.tombstones).toEqual([
      { id: "acme", displayName: "ACME Corp", environment: "production", region: "us-east-1", status: "offboarded", offboardedAt: "2026-12-01T22:10:00Z", offboardingRecord: RECORD },
    ]);
  });

  it("fails on an unknown status, listing the allowed ones", () => {
    expect(problems({ "acme.yaml": LIVE("archived") })).toEqual([
      'tenants/acme.yaml: status: one of provisioning, active, suspended, offboarding, offboarded (got "archived")',
    ]);
  });

  it("fails without a status (there is no default: every file says where its tenant is)", () => {
    expect(problems({ "acme.yaml": LIVE("active").replace("status: active\n", "") })).toEqual([
      "tenants/acme.yaml: status: one of provisioning, active, suspended, offboarding, offboarded (got nothing)",
    ]);
  });
});

describe("tombstone rules", () => {
  it("fails on an offboarded file without the date and the record pointer", () => {
    const bare = TOMBSTONE.replace(/^offboard(edAt|ingRecord):.*\n/gm, "");
    expect(problems({ "acme.yaml": bare })).toEqual([
      "tenants/acme.yaml: offboardedAt: required field is missing (expected string)",
      "tenants/acme.yaml: offboardingRecord: required field is missing (expected string)",
    ]);
  });

  it("fails on a date that is not an ISO 8601 date-time and a record that is not an S3 location", () => {
    const bad = TOMBSTONE.replace("2026-12-01T22:10:00Z", "last tuesday").replace(RECORD, "see the wiki");
    expect(problems({ "acme.yaml": bad })).toEqual([
      'tenants/acme.yaml: offboardedAt: an ISO 8601 date-time like 2026-12-01T22:10:00Z (got "last tuesday")',
      'tenants/acme.yaml: offboardingRecord: s3://<state bucket>/offboarding/<tenant-id>/<name>.json (got "see the wiki")',
    ]);
  });

  it("fails on a record of another tenant or outside the environment's state bucket", () => {
    const other = TOMBSTONE.replace(RECORD, "s3://example-openclaw-tfstate-staging/offboarding/globex/r.json");
    expect(problems({ "acme.yaml": other })).toEqual([
      'tenants/acme.yaml: offboardingRecord: must be under offboarding/acme/ (got "s3://example-openclaw-tfstate-staging/offboarding/globex/r.json")',
      "tenants/acme.yaml: offboardingRecord: must be in environment production's state bucket example-openclaw-tfstate-production (got \"s3://example-openclaw-tfstate-staging/offboarding/globex/r.json\")",
    ]);
  });

  it("fails on agents, budget or other live fields in a tombstone (it has no stack)", () => {
    const extra = `${TOMBSTONE}agents:\n  butler: { cpu: 512, memory: 1024 }\n`;
    expect(problems({ "acme.yaml": extra })).toEqual([
      "tenants/acme.yaml: agents: unknown field (allowed: id, displayName, environment, region, status, offboardedAt, offboardingRecord)",
    ]);
  });

  it.each(["provisioning", "active", "suspended", "offboarding"])("refuses an offboarded tenant turned back to %s", (status) => {
    const revived = `${LIVE(status)}offboardedAt: 2026-12-01T22:10:00Z\noffboardingRecord: ${RECORD}\n`;
    expect(problems({ "acme.yaml": revived })).toEqual([
      `tenants/acme.yaml: offboardedAt: only an offboarded tenant has one; an offboarded tenant never returns to ${status} (its id, bucket name and key alias can never be reused): keep status: offboarded, or add a tenant with a new id`,
      `tenants/acme.yaml: offboardingRecord: only an offboarded tenant has one; an offboarded tenant never returns to ${status} (its id, bucket name and key alias can never be reused): keep status: offboarded, or add a tenant with a new id`,
    ]);
  });

  it("keeps the id of a tombstone taken: a new file with the same id fails", () => {
    const config = () => load({ "acme.yaml": TOMBSTONE, "acme2.yaml": LIVE("provisioning").replace("id: acme", "id: acme") });
    expect(config).toThrow(/acme2\.yaml: id: must equal the file name "acme2"/);
  });

  it("still checks a tombstone's environment and region against cdktf.json", () => {
    expect(problems({ "acme.yaml": TOMBSTONE.replace("region: us-east-1", "region: eu-west-1") })).toEqual([
      'tenants/acme.yaml: region: one of the regions environment production declares (us-east-1, us-west-2) (got "eu-west-1")',
    ]);
  });
});

describe("lifecycle predicates", () => {
  // The whole table, status by status: flipping any one answer (the mutation tried: runsTasks
  // true for suspended, hasStack true for offboarded) fails here, not only in a synth test. It is
  // computed inside the test: computed in the describe body, Stryker saw the predicates covered
  // outside any test and ran their mutants only against the next test, where
  // `awaitsOffboarding` → `false` and `isOffboardingOrOffboarded`'s `||` → `&&` survived.
  it("answers each question for every status", () => {
    const table = TENANT_STATUSES.map((status) => ({
      status,
      runsTasks: runsTasks(status),
      hasStack: hasStack(status),
      isTerminal: isTerminal(status),
      awaitsOffboarding: awaitsOffboarding(status),
      isOffboardingOrOffboarded: isOffboardingOrOffboarded(status),
    }));
    expect(table).toEqual([
      { status: "provisioning", runsTasks: false, hasStack: true, isTerminal: false, awaitsOffboarding: false, isOffboardingOrOffboarded: false },
      { status: "active", runsTasks: true, hasStack: true, isTerminal: false, awaitsOffboarding: false, isOffboardingOrOffboarded: false },
      { status: "suspended", runsTasks: false, hasStack: true, isTerminal: false, awaitsOffboarding: false, isOffboardingOrOffboarded: false },
      { status: "offboarding", runsTasks: false, hasStack: true, isTerminal: false, awaitsOffboarding: true, isOffboardingOrOffboarded: true },
      { status: "offboarded", runsTasks: false, hasStack: false, isTerminal: true, awaitsOffboarding: false, isOffboardingOrOffboarded: true },
    ]);
  });

  it("treats a missing or unreadable status as neither terminal nor offboarding", () => {
    for (const value of [undefined, null, "", "Offboarded", 3]) {
      expect([isTerminal(value), awaitsOffboarding(value), isOffboardingOrOffboarded(value)]).toEqual([false, false, false]);
    }
  });

  it("keeps the terminal status final: nothing leaves it", () => {
    const terminal = TENANT_STATUSES.filter(isTerminal);
    expect(terminal).toEqual(["offboarded"]);
    for (const status of terminal) expect(legalTransitions(status)).toEqual([]);
  });
});

describe("transitions", () => {
  const LEGAL: [TenantStatus, TenantStatus][] = [
    ["provisioning", "active"],
    ["provisioning", "suspended"],
    ["provisioning", "offboarding"],
    ["active", "suspended"],
    ["active", "offboarding"],
    ["suspended", "active"],
    ["suspended", "offboarding"],
    // A cancelled offboarding; the deploy pipeline holds it back once the job started destroying (#27).
    ["offboarding", "suspended"],
    ["offboarding", "offboarded"],
  ];

  it("allows exactly the documented transitions", () => {
    const all = TENANT_STATUSES.flatMap((from) => TENANT_STATUSES.map((to) => [from, to] as [TenantStatus, TenantStatus]));
    expect(all.filter(([from, to]) => isLegalTransition(from, to))).toEqual(LEGAL);
  });

  it("allows nothing out of offboarded", () => {
    expect(legalTransitions("offboarded")).toEqual([]);
  });

  // So a refusal always has a legal transition to name (transitionRefusal has no "none" case;
  // the tombstone is refused before it is asked).
  it("leaves no status but the tombstone a dead end, for an operator or the pipeline", () => {
    for (const status of TENANT_STATUSES.filter((s) => !isTerminal(s))) {
      expect(operatorTransitions(status).length).toBeGreaterThan(0);
      expect(legalTransitions(status).length).toBeGreaterThan(0);
    }
  });

  it("leaves offboarding -> offboarded to the pipeline; an operator may only cancel (suspended)", () => {
    expect(operatorTransitions("offboarding")).toEqual(["suspended"]);
    expect(transitionRefusal("acme", "offboarding", "offboarded", "pipeline")).toBeUndefined();
    expect(transitionRefusal("acme", "offboarding", "offboarded")).toMatch(/only the deploy pipeline's offboarding job sets offboarded/);
  });

  it("names the legal transitions when refusing one", () => {
    expect(transitionRefusal("acme", "active", "provisioning")).toBe(
      "tenant acme: active -> provisioning is not a legal transition (from active: suspended, offboarding)",
    );
    expect(transitionRefusal("acme", "offboarding", "active")).toBe("tenant acme: offboarding -> active is not a legal transition (from offboarding: suspended)");
  });

  // Mutants that survived npm run test:mutation (reports/mutation): `from === to` check removed,
  // the pipeline's list of legal transitions replaced by the operator's, isTenantStatus uncovered.
  it("refuses nothing when the status stays the same, even for a tombstone", () => {
    for (const status of TENANT_STATUSES) expect(transitionRefusal("acme", status, status)).toBeUndefined();
  });

  it("names the pipeline's legal transitions when refusing one to the pipeline", () => {
    expect(transitionRefusal("acme", "offboarding", "active", "pipeline")).toBe(
      "tenant acme: offboarding -> active is not a legal transition (from offboarding: suspended, offboarded)",
    );
  });

  it("knows exactly the lifecycle's statuses", () => {
    expect(TENANT_STATUSES.every(isTenantStatus)).toBe(true);
    for (const value of ["Active", "deleted", "", undefined, 3, null]) expect(isTenantStatus(value)).toBe(false);
  });

  it("refuses any change of a tombstone", () => {
    expect(transitionRefusal("acme", "offboarded", "active")).toMatch(/^tenant acme is offboarded: a tombstone never changes status/);
  });
});
