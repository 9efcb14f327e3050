/**
 * The egress proxy's refresher against a local AWS emulator (moto): tenants' allowlists as the
 * tenant stacks publish them (SSM), credential secrets created without a value as the tenant
 * stacks create them (Secrets Manager). The refresher issues each credential once, reuses it
 * after, and leaves out (fail closed) a tenant whose parameter points at anything but its own
 * secret.
 */
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { egressAllowlist } from "../../config/egress";
import { collectTenants, proxyUrl, stableHash } from "../../egress/refresher";
import { md5Crypt } from "../../egress/squid-config";
import { egressTenantsParameterPath, tenantEgressParameterName, tenantEgressSecretName } from "../../modules/naming";
import { EGRESS_ALLOWLIST_SCHEMA_VERSION } from "../../modules/tenant-egress";
import { MotoServer, startMoto, useMotoEnvironment } from "./moto";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const ENV = "production";
const PATH = egressTenantsParameterPath(ENV, REGION);
const ENDPOINT = "proxy.egress.us-east-1.production.openclaw.internal:3128";

let moto: MotoServer;
let ssm: SSMClient;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  moto = await startMoto(ACCOUNT);
  useMotoEnvironment(moto, ACCOUNT);
  ssm = new SSMClient({ region: REGION });
  secrets = new SecretsManagerClient({ region: REGION });
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
});

/** What TenantStack creates for a tenant: the secret without a value and the allowlist parameter. */
async function publishTenant(tenantId: string, domains: string[], overrides: Record<string, unknown> = {}): Promise<void> {
  await secrets.send(new CreateSecretCommand({ Name: tenantEgressSecretName(ENV, tenantId) }));
  const document = { schemaVersion: EGRESS_ALLOWLIST_SCHEMA_VERSION, tenant: tenantId, credentialSecret: tenantEgressSecretName(ENV, tenantId), domains, ...overrides };
  await ssm.send(new PutParameterCommand({ Name: tenantEgressParameterName(ENV, REGION, tenantId), Type: "String", Value: JSON.stringify(document) }));
}

const settings = { parameterPath: PATH, proxyEndpoint: ENDPOINT };

describe("the egress refresher", () => {
  it("issues a credential into each tenant's own secret once, and reads it back after", async () => {
    await publishTenant("acme", egressAllowlist({ integrations: ["slack"], egressDomains: [] }));
    await publishTenant("globex", ["crm.globex.example"]);

    const first = await collectTenants({ ssm, secrets }, settings);
    expect(first.problems).toEqual([]);
    expect(first.issued.sort()).toEqual(["acme", "globex"]);
    expect(first.tenants.map((t) => t.tenantId).sort()).toEqual(["acme", "globex"]);

    const stored = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: tenantEgressSecretName(ENV, "acme") }))).SecretString!);
    expect(stored.password.length).toBeGreaterThanOrEqual(43);
    expect(stored.proxyUrl).toBe(proxyUrl("acme", stored.password, ENDPOINT));
    // The hash in squid's password file verifies the stored password, as basic_ncsa_auth will.
    const acme = first.tenants.find((t) => t.tenantId === "acme")!;
    expect(md5Crypt(stored.password, acme.passwordHash.split("$")[2])).toBe(acme.passwordHash);
    expect(acme.domains).toContain("api.slack.com");

    const second = await collectTenants({ ssm, secrets }, settings);
    expect(second.issued).toEqual([]);
    expect(second.tenants).toEqual(first.tenants); // same password, same stable hash: squid is not reconfigured
    expect(stableHash(stored.password)).toBe(acme.passwordHash);
  });

  it("converges on the first credential when two proxy tasks issue at once", async () => {
    await publishTenant("acme", ["api.example.com"]);
    let n = 0;
    const [a, b] = await Promise.all([
      collectTenants({ ssm, secrets }, { ...settings, newPassword: () => `task-a-password-${"a".repeat(40)}-${n++}` }),
      collectTenants({ ssm, secrets }, { ...settings, newPassword: () => `task-b-password-${"b".repeat(40)}-${n++}` }),
    ]);
    const stored = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: tenantEgressSecretName(ENV, "acme") }))).SecretString!);
    expect(a.tenants[0].passwordHash).toBe(stableHash(stored.password));
    expect(b.tenants[0].passwordHash).toBe(stableHash(stored.password));
  });

  it("leaves out a tenant whose parameter names another tenant's secret, or another tenant", async () => {
    await publishTenant("acme", ["api.example.com"]);
    await publishTenant("mallory", ["api.example.com"], { credentialSecret: tenantEgressSecretName(ENV, "acme") });
    await publishTenant("eve", ["api.example.com"], { tenant: "acme" });
    const collected = await collectTenants({ ssm, secrets }, settings);
    expect(collected.tenants.map((t) => t.tenantId)).toEqual(["acme"]);
    expect([...collected.problems].sort()).toEqual([
      expect.stringMatching(/tenants\/eve: names tenant "acme"; tenant eve left out/),
      expect.stringMatching(/tenants\/mallory: credentialSecret "\/openclaw\/production\/acme\/platform\/egress-proxy" is not \/openclaw\/production\/mallory\/platform\/egress-proxy; tenant mallory left out/),
    ]);
  });

  it("leaves out a tenant whose secret holds something that is not a proxy credential", async () => {
    await publishTenant("acme", ["api.example.com"]);
    await secrets.send(new PutSecretValueCommand({ SecretId: tenantEgressSecretName(ENV, "acme"), SecretString: "hunter2" }));
    const collected = await collectTenants({ ssm, secrets }, settings);
    expect(collected.tenants).toEqual([]);
    expect(collected.problems).toEqual([expect.stringMatching(/tenants\/acme: credential secret .*left out/)]);
  });
});
