/**
 * Re-adding an integration within the secret's recovery window (#26 finding 7), against moto's
 * Secrets Manager: CreateSecret of a name scheduled for deletion fails, and check-secrets refuses
 * the stack before any apply, naming the date and the restore-and-import alternative.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand, DeleteSecretCommand, RestoreSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { main as checkSecrets } from "../../pipeline/check-secrets";
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

test("lets the stack through once the secret is restored (then imported), or when the address is already in state", async () => {
  await removeIntegration(gmail.name);
  expect(await scheduledDeletions(sm, acme, new Set([gmail.address]))).toEqual([]);
  await sm.send(new RestoreSecretCommand({ SecretId: gmail.name }));
  expect(await scheduledDeletions(sm, acme)).toEqual([]);
});
