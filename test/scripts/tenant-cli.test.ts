/**
 * `npm run tenant`: each command on a copy of the example tenants, through main() as the
 * script runs it. Refusals exit 1 with one line and leave every file as it was.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../config/loader";
import { markOffboarded } from "../../config/tenant-file";
import { main } from "../../scripts/tenant";
import { runTypeScript } from "../support/run-typescript";
import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR } from "../support/fixtures";

const CDKTF_JSON = FIXTURE_CDKTF_JSON;
const RECORD = "s3://example-openclaw-tfstate-production/offboarding/acme/2026-12-01T22-10-00Z.json";

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), "openclaw-tenant-cli-")), "tenants");
  cpSync(FIXTURE_TENANTS_DIR, dir, { recursive: true });
});

function run(...argv: string[]): { code: number; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = main([...argv, "--tenants", dir, "--cdktf-json", CDKTF_JSON], { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) });
  return { code, stdout, stderr };
}

const read = (id: string) => readFileSync(join(dir, `${id}.yaml`), "utf8");
const snapshot = () => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
const load = () => loadConfig({ cdktfJsonPath: CDKTF_JSON, tenantsDir: dir });

/** Expects a refusal: exit 1, exactly one line on stderr, nothing written. */
function expectRefusal(argv: string[], line: string | RegExp): void {
  const before = snapshot();
  const result = run(...argv);
  expect(result.code).toBe(1);
  expect(result.stderr).toHaveLength(1);
  expect(result.stderr[0].split("\n")).toHaveLength(1);
  expect(result.stderr[0]).toMatch(line);
  expect(snapshot()).toEqual(before);
}

describe("new", () => {
  it("writes a tenant in provisioning with the schema comment line, valid for the synth", () => {
    const result = run("new", "newco", "--env", "production", "--region", "us-east-1", "--agents", "butler,scout", "--alert-email", "ops@newco.example");
    expect(result.code).toBe(0);
    expect(read("newco").split("\n")[0]).toBe("# yaml-language-server: $schema=./tenant.schema.json");
    const tenant = load().tenants.find((t) => t.id === "newco")!;
    expect(tenant).toMatchObject({ status: "provisioning", environment: "production", region: "us-east-1", budget: { monthlyUsd: 100, alertEmails: ["ops@newco.example"] } });
    expect(Object.keys(tenant.agents)).toEqual(["butler", "scout"]);
  });

  it("starts with butler, scout and writer when no agents are named", () => {
    run("new", "newco", "--env", "staging", "--region", "us-east-1");
    expect(Object.keys(load().tenants.find((t) => t.id === "newco")!.agents)).toEqual(["butler", "scout", "writer"]);
  });

  it("refuses an id that exists", () => {
    expectRefusal(["new", "acme", "--env", "production", "--region", "us-east-1"], /^tenant acme already exists .*status active\); use status to change it$/);
  });

  it("refuses the id of an offboarded tenant: it can never be reused", () => {
    writeFileSync(join(dir, "gone.yaml"), `id: gone\nenvironment: production\nregion: us-east-1\nstatus: offboarded\noffboardedAt: 2026-12-01T22:10:00Z\noffboardingRecord: ${RECORD.replace("acme", "gone")}\n`);
    expectRefusal(["new", "gone", "--env", "production", "--region", "us-east-1"], /^tenant gone was offboarded: its id can never be reused/);
  });

  it("refuses a region the environment does not declare, in the loader's words", () => {
    expectRefusal(
      ["new", "newco", "--env", "production", "--region", "eu-west-1"],
      'tenants/newco.yaml: region: one of the regions environment production declares (us-east-1, us-west-2) (got "eu-west-1")',
    );
  });

  it("sets the Bedrock models and routing the tenant may use (#27)", () => {
    const models = "anthropic.claude-sonnet-4-5-20250929-v1:0,anthropic.claude-haiku-4-5-20251001-v1:0";
    const result = run("new", "newco", "--env", "production", "--region", "us-east-1", "--bedrock-models", models, "--bedrock-routing", "global");
    expect(result).toMatchObject({ code: 0, stderr: [] });
    const tenant = load().tenants.find((t) => t.id === "newco")!;
    expect({ models: tenant.bedrockModels, routing: tenant.bedrockRouting }).toEqual({ models: models.split(","), routing: "global" });
    expect(read("newco")).toContain("bedrockRouting: global # geographic | global | in-region");
  });

  it("leaves Bedrock out when not asked: no models, the default routing", () => {
    run("new", "newco", "--env", "production", "--region", "us-east-1");
    const tenant = load().tenants.find((t) => t.id === "newco")!;
    expect({ models: tenant.bedrockModels, routing: tenant.bedrockRouting }).toEqual({ models: [], routing: "geographic" });
    expect(read("newco")).not.toContain("bedrock");
  });

  it("refuses a malformed model id or an unknown routing, in the loader's words", () => {
    expectRefusal(["new", "newco", "--env", "production", "--region", "us-east-1", "--bedrock-models", "claude"], /^tenants\/newco\.yaml: bedrockModels\.0: a Bedrock model id like /);
    expectRefusal(["new", "newco", "--env", "production", "--region", "us-east-1", "--bedrock-routing", "anywhere"], /^tenants\/newco\.yaml: bedrockRouting: .*geographic.*global.*in-region.*anywhere/);
  });

  it("refuses an invalid id and a missing --env", () => {
    expectRefusal(["new", "New_Co", "--env", "production", "--region", "us-east-1"], /^New_Co: not a valid tenant id/);
    expectRefusal(["new", "newco", "--region", "us-east-1"], "--env is required; run with --help for usage");
  });
});

describe("status", () => {
  it("changes only the status line: comments, spacing and flow style stay byte for byte", () => {
    const before = read("globex");
    expect(run("status", "globex", "suspended").code).toBe(0);
    expect(read("globex")).toBe(before.replace("status: active\n", "status: suspended\n"));
    expect(read("globex")).toContain("# On offboarding, export the database rows to the tenant bucket, then drop them.");
  });

  it("walks provisioning -> active -> suspended -> offboarding", () => {
    run("new", "newco", "--env", "production", "--region", "us-east-1", "--alert-email", "ops@newco.example");
    for (const state of ["active", "suspended", "offboarding"]) expect(run("status", "newco", state)).toMatchObject({ code: 0, stderr: [] });
    expect(load().tenants.find((t) => t.id === "newco")!.status).toBe("offboarding");
  });

  it("says so and changes nothing when the tenant is already in that status", () => {
    const before = snapshot();
    expect(run("status", "acme", "active")).toMatchObject({ code: 0, stdout: ["tenant acme is already active; nothing changed"] });
    expect(snapshot()).toEqual(before);
  });

  it("refuses an illegal transition, naming the legal ones", () => {
    expectRefusal(["status", "acme", "provisioning"], "tenant acme: active -> provisioning is not a legal transition (from active: suspended, offboarding)");
  });

  it("refuses to set offboarded: only the offboarding job does", () => {
    run("status", "acme", "offboarding");
    expectRefusal(["status", "acme", "offboarded"], /^tenant acme: only the deploy pipeline's offboarding job sets offboarded/);
  });

  it("refuses any change of an offboarded tenant", () => {
    run("status", "acme", "offboarding");
    markOffboarded({ tenantsDir: dir, cdktfJsonPath: CDKTF_JSON }, "acme", { offboardedAt: "2026-12-01T22:10:00Z", offboardingRecord: RECORD });
    expectRefusal(["status", "acme", "active"], /^tenant acme is offboarded: a tombstone never changes status/);
  });

  it("refuses an unknown status, listing the statuses", () => {
    expectRefusal(["status", "acme", "paused"], "paused: not a tenant status (one of provisioning, active, suspended, offboarding, offboarded)");
  });

  it("refuses an unknown tenant", () => {
    expectRefusal(["status", "nobody", "active"], /^tenant nobody does not exist/);
  });

  it("refuses to activate a tenant whose budget alerts still go to the scaffold's placeholder", () => {
    run("new", "newco", "--env", "production", "--region", "us-east-1");
    expectRefusal(["status", "newco", "active"], /^tenant newco: budget.alertEmails still holds the scaffold's placeholder/);
  });

  it("writes nothing when the result would not load (another file is broken)", () => {
    writeFileSync(join(dir, "broken.yaml"), "id: broken\n");
    const before = snapshot();
    const result = run("status", "acme", "suspended");
    expect(result.code).toBe(1);
    expect(result.stderr[0]).toMatch(/^tenants\/broken\.yaml: /);
    expect(snapshot()).toEqual(before);
  });

  it("leaves no temporary file behind", () => {
    run("status", "acme", "suspended");
    expect(readdirSync(dir).filter((f) => !f.endsWith(".yaml") && !f.endsWith(".json"))).toEqual([]);
  });
});

describe("--dry-run", () => {
  it("validates and prints the file it would write, writing nothing", () => {
    const before = snapshot();
    const result = run("status", "acme", "suspended", "--dry-run");
    expect(result.code).toBe(0);
    expect(result.stdout).toEqual([`dry run: would write ${join(dir, "acme.yaml")}:\n${before["acme.yaml"].replace("status: active", "status: suspended")}`]);
    expect(snapshot()).toEqual(before);
  });

  it("still refuses what it would refuse for real", () => {
    expectRefusal(["status", "acme", "provisioning", "--dry-run"], /is not a legal transition/);
  });
});

describe("the offboarding job's tombstone edit", () => {
  it("turns an offboarding file into a tombstone the loader accepts, keeping the header comments", () => {
    run("status", "globex", "offboarding");
    markOffboarded({ tenantsDir: dir, cdktfJsonPath: CDKTF_JSON }, "globex", {
      offboardedAt: "2026-12-01T22:10:00Z",
      offboardingRecord: RECORD.replace("acme", "globex"),
    });
    expect(read("globex")).toMatch(/^# yaml-language-server: \$schema=\.\/tenant\.schema\.json\n# Data residency/);
    expect(load().tombstones.map((t) => [t.id, t.status])).toEqual([["globex", "offboarded"]]);
  });

  // The fields are dropped from the document's own map (config/tenant-file.ts): a comment on a
  // kept field stays, the ones on dropped fields go with them, and the kept fields keep their order.
  it("keeps exactly the tombstone's fields, in the file's order, with the comments of those it keeps", () => {
    writeFileSync(join(dir, "globex.yaml"), read("globex").replace("region: us-west-2\n", "# Chosen by the customer's counsel.\nregion: us-west-2\n"));
    run("status", "globex", "offboarding");
    markOffboarded({ tenantsDir: dir, cdktfJsonPath: CDKTF_JSON }, "globex", { offboardedAt: "2026-12-01T22:10:00Z", offboardingRecord: RECORD.replace("acme", "globex") });
    expect(read("globex")).toBe(
      [
        "# yaml-language-server: $schema=./tenant.schema.json",
        "# Data residency on the west coast: its platform stack exists only because this tenant does.",
        "id: globex",
        "displayName: Globex Corporation",
        "environment: production",
        "# Chosen by the customer's counsel.",
        "region: us-west-2",
        "status: offboarded",
        "offboardedAt: 2026-12-01T22:10:00Z",
        `offboardingRecord: ${RECORD.replace("acme", "globex")}`,
        "",
      ].join("\n"),
    );
  });
});

describe("new: an id in git history", () => {
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  };

  it("refuses an id whose tenant file was deleted by hand, naming the commit (#27 item 5)", () => {
    const repo = join(dir, ".."); // tenants/ inside a repository, as in a clone
    git(repo, "init", "-q");
    writeFileSync(join(dir, "hooli.yaml"), "id: hooli\nstatus: offboarded\n");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "tombstone for hooli");
    git(repo, "rm", "-q", "tenants/hooli.yaml");
    git(repo, "commit", "-q", "-m", "tidy tombstones");
    expectRefusal(
      ["new", "hooli", "--env", "production", "--region", "us-east-1"],
      /^tenant id hooli was used before \(git history: [0-9a-f]{7,} "tidy tombstones"\): an id is never reused .*; choose another id$/,
    );
    expect(run("new", "hooli2", "--env", "production", "--region", "us-east-1").code).toBe(0);
  });
});

describe("list", () => {
  it("prints a table of every tenant", () => {
    const result = run("list");
    expect(result.stdout[0].split("\n")).toEqual([
      "ID       ENVIRONMENT  REGION     STATUS     AGENTS               BUDGET/MONTH",
      "acme     production   us-east-1  active     butler,scout,writer  $300",
      "globex   production   us-west-2  active     butler,strategist    $1,200",
      "initech  staging      us-east-1  suspended  butler               $50",
    ]);
  });

  it("prints JSON with --json, tombstones included", () => {
    run("status", "acme", "offboarding");
    markOffboarded({ tenantsDir: dir, cdktfJsonPath: CDKTF_JSON }, "acme", { offboardedAt: "2026-12-01T22:10:00Z", offboardingRecord: RECORD });
    expect(JSON.parse(run("list", "--json").stdout[0])).toEqual([
      { id: "acme", environment: "production", region: "us-east-1", status: "offboarded", agents: [], monthlyBudgetUsd: null },
      { id: "globex", environment: "production", region: "us-west-2", status: "active", agents: ["butler", "strategist"], monthlyBudgetUsd: 1200 },
      { id: "initech", environment: "staging", region: "us-east-1", status: "suspended", agents: ["butler"], monthlyBudgetUsd: 50 },
    ]);
  });
});

describe("npm run tenant", () => {
  it("exits 1 with one line on stderr for a refusal, as a process", () => {
    const result = runTypeScript("scripts/tenant.ts", ["status", "acme", "offboarded", "--tenants", dir]);
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual(["tenant acme: active -> offboarded is not a legal transition (from active: suspended, offboarding)"]);
    expect(result.stdout).toBe("");
  });
});
