/**
 * #26 finding 7 wired into the pipeline: the plan comment notes, and the deploy pre-flight fails
 * before any apply, a stack that would create a secret whose name is scheduled for deletion
 * (CreateSecret refuses it until the recovery window ends). Secrets Manager is mocked here; the
 * real calls run against moto in test/integration/integration-readd.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeSecretCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { loadEnvironments } from "../../config/loader";
import { deploy } from "../../pipeline/deploy-stacks";
import type { Exec } from "../../pipeline/lib/exec";
import { readPlans } from "../../pipeline/lib/plan";
import { runPreflight, scheduledSecretsStep } from "../../pipeline/lib/preflight";
import { plannedSecretCreates, type SecretRef } from "../../pipeline/lib/scheduled-secrets";
import { readSynth } from "../../pipeline/lib/synth";
import { renderComment } from "../../pipeline/plan-comment";
import { planStacks } from "../../pipeline/plan-stacks";
import { planReadPolicy } from "../../bootstrap/policies";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";
import { FAKE_TERRAFORM, FakeFleetTerraform } from "../support/fake-terraform-fleet";
import { writeSynth } from "./synth-helper";

const GMAIL = "/openclaw/production/acme/gmail";
const SLACK = "/openclaw/production/acme/slack";
const GMAIL_ARN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:/openclaw/production/acme/gmail-AbCdEf";
const DELETED = new Date("2026-11-20T10:00:00Z");
const tmp = () => mkdtempSync(join(tmpdir(), "scheduled-secrets-"));
const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
const accessDenied = () => Object.assign(new Error("User: arn:aws:sts::111111111111:assumed-role/plan is not authorized to perform: secretsmanager:DescribeSecret"), { name: "AccessDeniedException" });

const sm = new SecretsManagerClient({ region: "us-east-1" });
const mock = mockClient(sm);
beforeEach(() => mock.reset());
const described = () => mock.commandCalls(DescribeSecretCommand).map((c) => c.args[0].input.SecretId);
/** gmail is scheduled for deletion, every other name does not exist. */
function gmailScheduled(): void {
  mock.on(DescribeSecretCommand).rejects(notFound());
  mock.on(DescribeSecretCommand, { SecretId: GMAIL }).resolves({ Name: GMAIL, ARN: GMAIL_ARN, DeletedDate: DELETED });
}

const secretChange = (id: string, name: string, actions: string[]) => ({
  address: `aws_secretsmanager_secret.${id}`,
  mode: "managed",
  type: "aws_secretsmanager_secret",
  name: id,
  change: { actions, before: actions.includes("no-op") ? { name } : null, after: { name, recovery_window_in_days: 30 }, after_unknown: { arn: true } },
});

describe("plannedSecretCreates: what the apply would create, from the plan's resource_changes", () => {
  test("creates and replacements count; a secret the state holds and the plan keeps or updates does not", () => {
    const plan = {
      resource_changes: [
        secretChange("gmail", GMAIL, ["create"]),
        secretChange("slack", SLACK, ["no-op"]),
        secretChange("kept", "/openclaw/production/acme/kept", ["update"]),
        secretChange("renamed", "/openclaw/production/acme/renamed", ["delete", "create"]),
        { ...secretChange("v", GMAIL, ["create"]), type: "aws_secretsmanager_secret_version", address: "aws_secretsmanager_secret_version.v" },
      ],
    };
    expect(plannedSecretCreates(plan).map((s) => s.address)).toEqual(["aws_secretsmanager_secret.gmail", "aws_secretsmanager_secret.renamed"]);
    expect(plannedSecretCreates({})).toEqual([]);
  });
});

describe("plan: plan-stacks records, plan-comment notes", () => {
  /** An exec whose `show -json` prints `plan` (a fake terraform for one planned stack). */
  const planExec = (plan: unknown): Exec => async (_cmd, argv) => {
    if (argv[0] === "plan") writeFileSync(argv.find((a) => a.startsWith("-out="))!.slice(5), "binary plan");
    if (argv[0] === "show") return { code: 0, stdout: argv.includes("-json") ? JSON.stringify(plan) : "  + resource \"aws_secretsmanager_secret\"\n", stderr: "" };
    return { code: 0, stdout: "", stderr: "" };
  };
  const planned = async (plan: unknown) => {
    const outDir = tmp();
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await planStacks({
        synthDir: writeSynth(tmp(), [{ name: "tenant-acme", environment: "production" }]),
        environments: loadEnvironments(FIXTURE_CDKTF_JSON),
        stacks: ["tenant-acme"],
        outDir,
        parallelism: 1,
        detailedExitcode: false,
        lock: false,
        terraform: "terraform",
        exec: planExec(plan),
        env: {},
        secretsManager: () => sm,
      });
    } finally {
      spy.mockRestore();
    }
    return { outDir, comment: renderComment(readPlans(outDir)) };
  };
  const readdPlan = { resource_changes: [secretChange("gmail", GMAIL, ["create"]), secretChange("slack", SLACK, ["no-op"])] };

  test("a created secret scheduled for deletion: the comment names the tenant, the secret, its dates and the fix", async () => {
    gmailScheduled();
    const { outDir, comment } = await planned(readdPlan);
    // slack is in state (no-op): never looked up
    expect(described()).toEqual([GMAIL]);
    expect(JSON.parse(readFileSync(join(outDir, "tenant-acme", "secrets.json"), "utf8"))).toMatchObject({ checked: 1, scheduled: [{ name: GMAIL, arn: GMAIL_ARN, deletedDate: DELETED.toISOString() }] });
    expect(comment).toContain("**Secrets scheduled for deletion.**");
    expect(comment).toContain(`tenant \`acme\` (\`tenant-acme\`): \`aws_secretsmanager_secret.gmail\`: secret \`${GMAIL}\` was deleted on 2026-11-20`);
    expect(comment).toContain("creating it fails until about 2026-12-20");
    expect(comment).toContain(`\`aws secretsmanager restore-secret --secret-id ${GMAIL}\``);
    expect(comment).toContain(`\`terraform import aws_secretsmanager_secret.gmail ${GMAIL_ARN}\``);
    expect(comment).toContain("or wait until 2026-12-20 and re-run");
  });

  test("a created secret not scheduled for deletion: no note", async () => {
    mock.on(DescribeSecretCommand).rejects(notFound());
    const { comment } = await planned(readdPlan);
    expect(described()).toEqual([GMAIL]);
    expect(comment).not.toContain("scheduled for deletion");
    expect(comment).not.toContain("could not be checked");
  });

  test("a secret already in state (no create in the plan): nothing is looked up, no secrets.json", async () => {
    gmailScheduled();
    const { outDir, comment } = await planned({ resource_changes: [secretChange("gmail", GMAIL, ["no-op"])] });
    expect(described()).toEqual([]);
    expect(() => readFileSync(join(outDir, "tenant-acme", "secrets.json"))).toThrow();
    expect(comment).not.toContain("scheduled for deletion");
  });

  test("AccessDenied: one line saying the secrets could not be checked; the plan and the comment still happen", async () => {
    mock.on(DescribeSecretCommand).rejects(accessDenied());
    const { outDir, comment } = await planned(readdPlan);
    expect(JSON.parse(readFileSync(join(outDir, "tenant-acme", "result.json"), "utf8"))).toMatchObject({ status: "planned" });
    const lines = comment.split("\n").filter((l) => l.includes("could not be checked"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("`tenant-acme`");
    expect(lines[0]).toContain("AccessDeniedException");
    expect(comment).toContain("1 stack(s) planned");
  });

  test("throttling that outlasts the SDK's retries: the same one line", async () => {
    mock.on(DescribeSecretCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const { comment } = await planned(readdPlan);
    expect(comment.split("\n").filter((l) => l.includes("could not be checked") && l.includes("ThrottlingException"))).toHaveLength(1);
  });

  test("the plan role may call secretsmanager:DescribeSecret on tenant secrets", () => {
    const policy = planReadPolicy({ partition: "aws", accountId: "111111111111" });
    const grants = policy.Statement.filter((s) => s.Effect === "Allow" && ([] as string[]).concat(s.Action as string | string[]).includes("secretsmanager:DescribeSecret"));
    expect(grants.map((s) => s.Resource)).toContainEqual("*");
  });
});

describe("deploy: the scheduled-secrets pre-flight step", () => {
  const declared: Record<string, SecretRef[]> = {
    "tenant-acme": [{ address: "aws_secretsmanager_secret.gmail", name: GMAIL }],
    "tenant-globex": [{ address: "aws_secretsmanager_secret.slack", name: "/openclaw/production/globex/slack" }],
    "platform-production-us-east-1": [],
  };
  const step = (warnings: string[] = []) => scheduledSecretsStep((s) => declared[s] ?? [], () => sm, () => 30, (l) => warnings.push(l));
  const ctx = { environment: "production", stacks: Object.keys(declared) };

  test("a declared secret scheduled for deletion fails its stack with the message; the others go on", async () => {
    gmailScheduled();
    const r = await runPreflight([step()], ctx);
    expect([...r.failed.keys()]).toEqual(["tenant-acme"]);
    expect(r.failed.get("tenant-acme")?.reason).toContain(`tenant acme (tenant-acme): aws_secretsmanager_secret.gmail: secret ${GMAIL} was deleted on 2026-11-20`);
    expect(r.failed.get("tenant-acme")?.reason).toContain(`aws secretsmanager restore-secret --secret-id ${GMAIL}`);
    expect(r.stacks).toEqual(["tenant-globex", "platform-production-us-east-1"]);
    expect(r.refused).toEqual([]);
  });

  test("the date the name frees up follows the environment's recovery window, asked only when a secret is scheduled", async () => {
    let asked = 0;
    const seven = scheduledSecretsStep((s) => declared[s] ?? [], () => sm, () => (asked++, 7), () => undefined);
    mock.on(DescribeSecretCommand).rejects(notFound());
    await runPreflight([seven], ctx);
    expect(asked).toBe(0);
    gmailScheduled();
    const r = await runPreflight([seven], ctx);
    expect(r.failed.get("tenant-acme")?.reason).toContain("(recovery window 7 days): creating it fails until about 2026-11-27");
    expect(asked).toBe(1);
  });

  test("nothing scheduled: nothing failed; stacks without secrets are not looked up", async () => {
    mock.on(DescribeSecretCommand).rejects(notFound());
    const r = await runPreflight([step()], ctx);
    expect(r.failed.size).toBe(0);
    expect(described().sort()).toEqual([GMAIL, "/openclaw/production/globex/slack"]);
  });

  test("AccessDenied: a warning per stack, and the applies go ahead as before the check", async () => {
    mock.on(DescribeSecretCommand).rejects(accessDenied());
    const warnings: string[] = [];
    const r = await runPreflight([step(warnings)], ctx);
    expect(r.failed.size).toBe(0);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^tenant-acme: secrets could not be checked for a pending deletion \(AccessDeniedException/);
  });

  test("deploy(): the stack fails before any apply (step preflight in the summary, exit 2); the rest is applied", async () => {
    gmailScheduled();
    const synth = readSynth(
      writeSynth(tmp(), [
        { name: "platform-production-us-east-1", environment: "production" },
        { name: "tenant-acme", environment: "production", dependencies: ["platform-production-us-east-1"], resources: { aws_secretsmanager_secret: { gmail: { name: GMAIL } } } },
        { name: "tenant-globex", environment: "production", dependencies: ["platform-production-us-east-1"], resources: { aws_secretsmanager_secret: { slack: { name: "/openclaw/production/globex/slack" } } } },
      ]),
    );
    const fake = new FakeFleetTerraform();
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    let report;
    try {
      report = await deploy({
        affected: { changed: [], added: ["platform-production-us-east-1", "tenant-acme", "tenant-globex"], removed: [], order: [["platform-production-us-east-1"], ["tenant-acme", "tenant-globex"]] },
        head: synth,
        environment: "production",
        parallelism: 2,
        dryRun: false,
        terraform: FAKE_TERRAFORM,
        env: { PATH: process.env.PATH ?? "", ...fake.env },
        print: () => undefined,
        secretsManager: () => sm,
        secretRecoveryWindowDays: () => 30,
      });
    } finally {
      spy.mockRestore();
    }
    const applied = fake.calls().map((c) => c.stack);
    expect(applied).not.toContain("tenant-acme");
    expect(applied).toContain("tenant-globex");
    expect(report.results.find((r) => r.stack === "tenant-acme")).toMatchObject({ status: "failed", step: "preflight", attempts: 0 });
    expect(report.exitCode).toBe(2);
    // counted in its ring like a failed apply (the matrix gate counts it from the results file too)
    expect(report.phases.find((p) => p.stacks.includes("tenant-acme"))?.failed).toEqual(["tenant-acme"]);
    expect(report.markdown).toMatch(/\| `tenant-acme` \| failed \| preflight \| 0 \| - \| tenant acme \(tenant-acme\): aws_secretsmanager_secret\.gmail: secret \/openclaw\/production\/acme\/gmail was deleted on 2026-11-20 .*restore-secret/);
  });
});
