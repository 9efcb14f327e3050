/**
 * Re-adding an integration within the secret's recovery window (#26 finding 7), against moto's
 * Secrets Manager: CreateSecret of a name scheduled for deletion fails, and check-secrets refuses
 * the stack before any apply, naming the date and the restore-and-import alternative; so does the
 * deploy's pre-flight (deploy-stacks, step scheduled-secrets), without an operator running anything.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand, DeleteSecretCommand, RestoreSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { main as checkSecrets } from "../../pipeline/check-secrets";
import { deploy } from "../../pipeline/deploy-stacks";
import { readSynth } from "../../pipeline/lib/synth";
import { FAKE_TERRAFORM, FakeFleetTerraform } from "../support/fake-terraform-fleet";
import { writeSynth } from "../pipeline/synth-helper";
import { declaredSecrets, scheduledDeletions } from "../../pipeline/lib/scheduled-secrets";
import { synthesize } from "../support/synth";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";

const ACCOUNT = "111111111111";
const REGION = "us-east-1";
let moto: MotoServer;
let sm: SecretsManagerClient;
const savedEnv = { ...process.env };
// The example stacks: acme declares gmail and slack secrets.
const output = synthesize();
const acme = output.stacks["tenant-acme"];
const [gmail] = declaredSecrets(acme).filter((s) => s.name.endsWith("/gmail"));

beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
  sm = new SecretsManagerClient({ region: REGION });
});
afterAll(async () => {
  await moto.stop();
  process.env = savedEnv;
});
beforeEach(() => moto.reset());

async function removeIntegration(name: string): Promise<void> {
  await sm.send(new CreateSecretCommand({ Name: name }));
  await sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 30 }));
}

test("reproduces the failure: CreateSecret of a name scheduled for deletion fails", async () => {
  expect(gmail.name).toBe("/openclaw/production/acme/gmail");
  await removeIntegration(gmail.name);
  // AWS answers InvalidRequestException "... already scheduled for deletion"; moto 5.x answers
  // ResourceExistsException. Either way the apply that re-creates it fails.
  await expect(sm.send(new CreateSecretCommand({ Name: gmail.name }))).rejects.toMatchObject({ name: expect.stringMatching(/^(InvalidRequestException|ResourceExistsException)$/) });
});

test("refuses the stack that would re-create it, naming the date and the restore-and-import alternative", async () => {
  await removeIntegration(gmail.name);
  const deletions = await scheduledDeletions(sm, acme);
  expect(deletions.map((d) => d.name)).toEqual([gmail.name]);

  const synthDir = mkdtempSync(join(tmpdir(), "check-secrets-"));
  mkdirSync(join(synthDir, "stacks", "tenant-acme"), { recursive: true });
  writeFileSync(join(synthDir, "stacks", "tenant-acme", "cdk.tf.json"), JSON.stringify(acme));
  const lines: string[] = [];
  const write = jest.spyOn(process.stderr, "write").mockImplementation((chunk: any) => (lines.push(String(chunk)), true));
  try {
    expect(await checkSecrets(["--synth", synthDir, "--stacks", "tenant-acme", "--region", REGION], sm)).toBe(2);
  } finally {
    write.mockRestore();
  }
  const text = lines.join("");
  expect(text).toContain(`secret ${gmail.name} was deleted on`);
  expect(text).toContain(`aws secretsmanager restore-secret --secret-id ${gmail.name}`);
  expect(text).toContain(`terraform import ${gmail.address}`);
});

test("the deploy's pre-flight fails the stack before any apply, with the same message; restored, it deploys", async () => {
  await removeIntegration(gmail.name);
  const synth = readSynth(
    writeSynth(mkdtempSync(join(tmpdir(), "deploy-readd-")), [
      { name: "platform-production-us-east-1", environment: "production" },
      { name: "tenant-acme", environment: "production", dependencies: ["platform-production-us-east-1"], resources: { aws_secretsmanager_secret: acme.resource.aws_secretsmanager_secret } },
    ]),
  );
  const run = async () => {
    const fake = new FakeFleetTerraform();
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const report = await deploy({
        affected: { changed: ["platform-production-us-east-1", "tenant-acme"], added: [], removed: [], order: [["platform-production-us-east-1"], ["tenant-acme"]] },
        head: synth,
        environment: "production",
        parallelism: 1,
        dryRun: false,
        terraform: FAKE_TERRAFORM,
        env: { PATH: process.env.PATH ?? "", ...fake.env },
        print: () => undefined,
        secretsManager: () => sm,
      });
      return { report, applied: fake.calls().filter((c) => c.args[0] === "apply").map((c) => c.stack) };
    } finally {
      write.mockRestore();
    }
  };
  const refused = await run();
  expect(refused.applied).toEqual(["platform-production-us-east-1"]);
  expect(refused.report.exitCode).toBe(2);
  const acmeResult = refused.report.results.find((r) => r.stack === "tenant-acme");
  expect(acmeResult).toMatchObject({ status: "failed", step: "preflight", attempts: 0 });
  expect(acmeResult?.error).toContain(`tenant acme (tenant-acme): ${gmail.address}: secret ${gmail.name} was deleted on`);
  expect(acmeResult?.error).toContain(`aws secretsmanager restore-secret --secret-id ${gmail.name}`);
  expect(refused.report.markdown).toContain("| `tenant-acme` | failed | preflight | 0 |");

  await sm.send(new RestoreSecretCommand({ SecretId: gmail.name }));
  const restored = await run();
  expect(restored.applied).toEqual(["platform-production-us-east-1", "tenant-acme"]);
  expect(restored.report.exitCode).toBe(0);
});

test("lets the stack through once the secret is restored (then imported), or when the address is already in state", async () => {
  await removeIntegration(gmail.name);
  expect(await scheduledDeletions(sm, acme, new Set([gmail.address]))).toEqual([]);
  await sm.send(new RestoreSecretCommand({ SecretId: gmail.name }));
  expect(await scheduledDeletions(sm, acme)).toEqual([]);
});
