// Enforces SECURITY.md C32, C33 (the table "Enforcing tests" there lists this file).
/**
 * What each lifecycle status synthesizes, checked over the synthesized JSON of the whole app:
 * provisioning and suspended run no task, offboarding is the teardown form and nothing else,
 * offboarded leaves no stack and no trace.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/loader";
import { markOffboarded } from "../config/tenant-file";
import { main as tenantCli } from "../scripts/tenant";
import { offboardingArchiveBucketName } from "../modules/naming";
import { allResources, resourcesOfType, synthesize, SynthOutput } from "./support/synth";
import { writeCdktfJson } from "./support/tenant-fixtures";
import { FIXTURE_CDKTF_JSON } from "./support/fixtures";

const RECORD = "s3://example-openclaw-tfstate-production/offboarding/umbrella/2026-12-01T22-10-00Z.json";

function tenantFile(id: string, status: string, region = "us-east-1"): string {
  if (status === "offboarded") {
    return `id: ${id}\nenvironment: production\nregion: ${region}\nstatus: offboarded\noffboardedAt: 2026-12-01T22:10:00Z\noffboardingRecord: ${RECORD.replace(/umbrella/, id)}\n`;
  }
  return [
    `id: ${id}`,
    `displayName: ${id}`,
    "environment: production",
    `region: ${region}`,
    `status: ${status}`,
    "agents:",
    "  butler: { cpu: 512, memory: 1024, desiredCount: 2 }",
    "  scout: { cpu: 256, memory: 512, desiredCount: 1, spot: true }",
    "integrations: [gmail, slack]",
    "budget: { monthlyUsd: 100, alertEmails: [ops@example.com] }",
    "databaseDeletion: drop",
    "",
  ].join("\n");
}

function synthTenants(files: Record<string, string>, cdktfJson?: string): SynthOutput {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-lifecycle-"));
  for (const [id, text] of Object.entries(files)) writeFileSync(join(dir, `${id}.yaml`), text);
  return synthesize(dir, cdktfJson);
}

/** Every leaf path whose value differs between two JSON documents. */
function changedPaths(a: unknown, b: unknown, path = ""): string[] {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

const STATEFUL = new Set(["aws_s3_bucket", "aws_kms_key", "aws_db_instance"]);

describe("provisioning and suspended", () => {
  const output = synthTenants({ newco: tenantFile("newco", "provisioning"), paused: tenantFile("paused", "suspended"), live: tenantFile("live", "active") });
  const desired = (stack: string) => resourcesOfType(output, "aws_ecs_service").filter((r) => r.stack === stack).map((r) => r.config.desired_count);

  it.each(["tenant-newco", "tenant-paused"])("give every agent service of %s a desired count of 0", (stack) => {
    expect(desired(stack)).toEqual([0, 0]);
  });

  it("keep the agents of an active tenant running as its file asks", () => {
    expect(desired("tenant-live")).toEqual([2, 1]);
  });

  it("still create every resource: secrets without values, bucket, key, roles, services", () => {
    const types = (stack: string) => allResources(output).filter((r) => r.stack === stack).map((r) => r.address.replace(/^[^:]+:/, ""));
    expect(types("tenant-newco")).toEqual(types("tenant-live").map((a) => a.replace(/live/g, "newco")));
    expect(resourcesOfType(output, "aws_secretsmanager_secret_version")).toEqual([]);
  });
});

describe("offboarding", () => {
  const cdktfJson = writeCdktfJson((production) => {
    production.offboarding = { kmsDeletionWindowDays: 7, secretRecoveryWindowDays: 14, logGroup: "retain" };
  });
  const active = synthTenants({ umbrella: tenantFile("umbrella", "active"), other: tenantFile("other", "active") }, cdktfJson);
  const suspended = synthTenants({ umbrella: tenantFile("umbrella", "suspended"), other: tenantFile("other", "active") }, cdktfJson);
  const leaving = synthTenants({ umbrella: tenantFile("umbrella", "offboarding"), other: tenantFile("other", "active") }, cdktfJson);
  const inStack = (output: SynthOutput, type: string) => resourcesOfType(output, type).filter((r) => r.stack === "tenant-umbrella");

  const changes = (from: SynthOutput) =>
    Object.keys(leaving.stacks)
      .flatMap((stack) => changedPaths(from.stacks[stack], leaving.stacks[stack]).map((p) => `${stack}: ${p.replace(/_[0-9A-F]{8}\b/g, "")}`))
      .sort();

  it("runs no task, like suspended: a suspended tenant being offboarded never starts again", () => {
    expect(inStack(leaving, "aws_ecs_service").map((r) => r.config.desired_count)).toEqual([0, 0]);
    // An active service also waits for steady state (bounded); one that runs no task does not,
    // and carries the count activation would start as a tag (DesiredCountWhenActive, for cost).
    expect(changes(active).filter((c) => c.includes("aws_ecs_service"))).toEqual([
      "tenant-umbrella: resource.aws_ecs_service.agent-butler_service.desired_count",
      "tenant-umbrella: resource.aws_ecs_service.agent-butler_service.tags",
      "tenant-umbrella: resource.aws_ecs_service.agent-butler_service.timeouts",
      "tenant-umbrella: resource.aws_ecs_service.agent-butler_service.wait_for_steady_state",
      "tenant-umbrella: resource.aws_ecs_service.agent-scout_service.desired_count",
      "tenant-umbrella: resource.aws_ecs_service.agent-scout_service.tags",
      "tenant-umbrella: resource.aws_ecs_service.agent-scout_service.timeouts",
      "tenant-umbrella: resource.aws_ecs_service.agent-scout_service.wait_for_steady_state",
    ]);
  });

  it("changes only the teardown settings of that tenant's stack from suspended, nothing else in any stack", () => {
    const changed = changes(suspended);
    expect(changed.sort()).toEqual(
      [
        "tenant-umbrella: resource.aws_s3_bucket.storage_bucket.lifecycle.prevent_destroy",
        "tenant-umbrella: resource.aws_kms_key.tenant-key.lifecycle.prevent_destroy",
        "tenant-umbrella: resource.aws_kms_key.tenant-key.deletion_window_in_days",
        "tenant-umbrella: resource.aws_secretsmanager_secret.secrets_gmail.recovery_window_in_days",
        "tenant-umbrella: resource.aws_secretsmanager_secret.secrets_slack.recovery_window_in_days",
        "tenant-umbrella: resource.aws_secretsmanager_secret.egress_credential.recovery_window_in_days",
        "tenant-umbrella: resource.aws_cloudwatch_log_group.logging_log-group.skip_destroy",
        "tenant-umbrella: resource.aws_lambda_invocation.database_provisioner.input",
      ].sort(),
    );
  });

  it("lifts destroy protection on that tenant's stateful resources only", () => {
    const protectedIn = (stack: string) =>
      allResources(leaving).filter((r) => r.stack === stack && STATEFUL.has(r.type)).map((r) => r.config.lifecycle?.prevent_destroy === true);
    expect(protectedIn("tenant-umbrella")).toEqual([false, false]);
    expect(protectedIn("tenant-other")).toEqual([true, true]);
    expect(allResources(leaving).filter((r) => !r.stack.startsWith("tenant-umbrella") && STATEFUL.has(r.type) && r.config.lifecycle?.prevent_destroy !== true)).toEqual([]);
  });

  it("keeps force_destroy off, so destroy fails on a bucket the offboarding job has not emptied", () => {
    expect(inStack(leaving, "aws_s3_bucket").map((r) => r.config.force_destroy)).toEqual([false]);
  });

  it("takes the key deletion window, secret recovery window and log group choice from the environment", () => {
    expect(inStack(leaving, "aws_kms_key").map((r) => r.config.deletion_window_in_days)).toEqual([7]);
    expect(inStack(leaving, "aws_secretsmanager_secret").map((r) => r.config.recovery_window_in_days)).toEqual([14, 14, 14]); // the egress proxy credential, gmail, slack
    expect(inStack(leaving, "aws_cloudwatch_log_group").map((r) => r.config.skip_destroy)).toEqual([true]);
  });

  it("deletes the log group with the stack when the environment says delete (the default)", () => {
    const byDefault = synthTenants({ umbrella: tenantFile("umbrella", "offboarding") });
    expect(inStack(byDefault, "aws_cloudwatch_log_group").map((r) => r.config.skip_destroy)).toEqual([undefined]);
    expect(inStack(byDefault, "aws_kms_key").map((r) => r.config.deletion_window_in_days)).toEqual([30]);
  });

  it("tells the provisioner it is offboarding and sends the database export to the platform's archive", () => {
    const [invocation] = inStack(leaving, "aws_lambda_invocation");
    expect(JSON.parse(invocation.config.input)).toMatchObject({
      tenantId: "umbrella",
      deletionMode: "drop",
      offboarding: true,
      exportBucket: offboardingArchiveBucketName("production", "us-east-1", "111111111111"),
    });
    const [live] = inStack(active, "aws_lambda_invocation");
    expect(JSON.parse(live.config.input)).not.toHaveProperty("offboarding");
  });

  it("has an archive in the platform stack that the provisioner may write exports to", () => {
    const archive = offboardingArchiveBucketName("production", "us-east-1", "111111111111");
    const [bucket] = resourcesOfType(leaving, "aws_s3_bucket").filter((r) => r.config.bucket === archive);
    expect(bucket.stack).toBe("platform-production-us-east-1");
    const policies = resourcesOfType(leaving, "aws_iam_role_policy").filter((r) => r.stack === bucket.stack && r.config.name === "db-provisioner");
    expect(JSON.parse(policies[0].config.policy).Statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ Sid: "WriteExportsToOffboardingArchive", Action: "s3:PutObject" })]),
    );
  });
});

describe("offboarded", () => {
  // us-west-2 hosts only the tombstone.
  const output = synthTenants({ umbrella: tenantFile("umbrella", "offboarded", "us-west-2"), other: tenantFile("other", "active") });

  function filesUnder(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
  }

  it("synthesizes no stack for the tenant", () => {
    expect(Object.keys(output.stacks).filter((s) => s.includes("umbrella"))).toEqual([]);
    expect(Object.keys(output.manifest.stacks).filter((s) => s.includes("umbrella"))).toEqual([]);
  });

  it("leaves no reference to the tenant in any synthesized file (stacks, manifest, anything the capacity check reads)", () => {
    const mentions = filesUnder(output.outdir).filter((f) => /\.(json|tf)$/.test(f) && readFileSync(f, "utf8").includes("umbrella"));
    expect(mentions).toEqual([]);
    expect(output.config.tenants.map((t) => t.id)).toEqual(["other"]);
  });

  it("keeps its region's platform stack, whose archive holds the tenant's export", () => {
    expect(Object.keys(output.stacks)).toContain("platform-production-us-west-2");
  });

  it("loads as a tombstone so the id stays taken", () => {
    const dir = mkdtempSync(join(tmpdir(), "openclaw-lifecycle-"));
    writeFileSync(join(dir, "umbrella.yaml"), tenantFile("umbrella", "offboarded"));
    const config = loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: dir });
    expect(config.tombstones.map((t) => t.id)).toEqual(["umbrella"]);
  });
});

describe("the whole lifecycle, with commands only", () => {
  it("goes provisioning -> active -> suspended -> offboarding -> offboarded, each step synthesizing what its status says", () => {
    const dir = mkdtempSync(join(tmpdir(), "openclaw-lifecycle-"));
    const cdktfJsonPath = FIXTURE_CDKTF_JSON;
    const cli = (...argv: string[]) => tenantCli([...argv, "--tenants", dir, "--cdktf-json", cdktfJsonPath], { stdout: () => undefined, stderr: (t) => { throw new Error(t); } });
    const services = (o: SynthOutput) => resourcesOfType(o, "aws_ecs_service").filter((r) => r.stack === "tenant-umbrella").map((r) => r.config.desired_count);
    const bucketProtected = (o: SynthOutput) => resourcesOfType(o, "aws_s3_bucket").filter((r) => r.stack === "tenant-umbrella").map((r) => r.config.lifecycle.prevent_destroy);

    expect(cli("new", "umbrella", "--env", "production", "--region", "us-east-1", "--agents", "butler", "--alert-email", "ops@umbrella.example")).toBe(0);
    expect(services(synthesize(dir))).toEqual([0]);
    expect(cli("status", "umbrella", "active")).toBe(0);
    expect(services(synthesize(dir))).toEqual([1]);
    expect(cli("status", "umbrella", "suspended")).toBe(0);
    expect(services(synthesize(dir))).toEqual([0]);
    expect(cli("status", "umbrella", "offboarding")).toBe(0);
    const leaving = synthesize(dir);
    expect({ services: services(leaving), bucketProtected: bucketProtected(leaving) }).toEqual({ services: [0], bucketProtected: [false] });

    markOffboarded({ tenantsDir: dir, cdktfJsonPath }, "umbrella", { offboardedAt: "2026-12-01T22:10:00Z", offboardingRecord: RECORD });
    expect(Object.keys(synthesize(dir).stacks).filter((s) => s.startsWith("tenant-"))).toEqual([]);
  });
});
