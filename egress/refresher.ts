/**
 * The egress proxy's refresher: runs in the proxy container beside squid (images/egress-proxy/).
 * Every cycle it reads every tenant's published allowlist (one SSM parameter per tenant under
 * EGRESS_TENANTS_PARAMETER_PATH, written by the tenant's stack), reads the tenant's proxy
 * credential from the tenant's own secret, generates one where the secret has no value yet (so
 * the credential never passes through Terraform), renders squid's configuration and password
 * file (egress/squid-config.ts), and tells squid to reconfigure when they changed.
 *
 * A tenant whose parameter or secret is malformed is left out (fail closed: its agents get 407s)
 * and named in a log line; the other tenants keep their egress.
 */
import { createHash } from "node:crypto";
import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetSecretValueCommand, PutSecretValueCommand, ResourceExistsException, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { tenantEgressSecretName } from "../modules/naming";
import { EGRESS_ALLOWLIST_SCHEMA_VERSION } from "../modules/tenant-egress";
import { md5Crypt, newProxyPassword, ProxyTenant, squidConfig, SquidConfigOptions, squidPasswordFile } from "./squid-config";

export interface RefresherClients {
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
}

export interface RefresherSettings {
  /** `/openclaw/<env>/<region>/egress/tenants` (egressTenantsParameterPath()). */
  readonly parameterPath: string;
  /** `proxy.<namespace>:3128`: what agents put in HTTPS_PROXY. */
  readonly proxyEndpoint: string;
  /** @default newProxyPassword */
  readonly newPassword?: () => string;
}

/** The value the refresher writes into a tenant's credential secret; agents read `proxyUrl`. */
export interface ProxyCredential {
  readonly password: string;
  readonly proxyUrl: string;
}

export interface CollectedTenants {
  readonly tenants: ProxyTenant[];
  /** One line per tenant left out, and why. */
  readonly problems: string[];
  /** Tenants whose credential this cycle generated. */
  readonly issued: string[];
}

const PATH_PATTERN = /^\/openclaw\/([a-z][a-z0-9-]*)\/[a-z0-9-]+\/egress\/tenants$/;

/**
 * The md5-crypt hash squid's password file holds. The salt derives from the password, so an
 * unchanged credential hashes to the same line and an idle cycle leaves the files untouched
 * (squid is not reconfigured every cycle). Passwords are 32 random bytes: a per-password salt is
 * all a salt is for here.
 */
export function stableHash(password: string): string {
  const salt = createHash("sha256").update(password).digest("base64").replace(/[^A-Za-z0-9]/g, ".").slice(0, 8);
  return md5Crypt(password, salt);
}

export function proxyUrl(tenantId: string, password: string, endpoint: string): string {
  return `http://${tenantId}:${encodeURIComponent(password)}@${endpoint}`;
}

/** Reads every tenant's allowlist and credential, issuing credentials that do not exist yet. */
export async function collectTenants(clients: RefresherClients, settings: RefresherSettings): Promise<CollectedTenants> {
  const environment = PATH_PATTERN.exec(settings.parameterPath)?.[1];
  if (!environment) throw new Error(`egress refresher: parameter path ${settings.parameterPath} is not /openclaw/<env>/<region>/egress/tenants`);
  const tenants: ProxyTenant[] = [];
  const problems: string[] = [];
  const issued: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.ssm.send(new GetParametersByPathCommand({ Path: settings.parameterPath, Recursive: false, NextToken: nextToken, MaxResults: 10 }));
    for (const parameter of page.Parameters ?? []) {
      const name = parameter.Name ?? "";
      const tenantId = name.slice(settings.parameterPath.length + 1);
      const problem = (message: string) => problems.push(`${name}: ${message}; tenant ${tenantId} left out (its agents get 407)`);
      let document: { schemaVersion?: unknown; tenant?: unknown; credentialSecret?: unknown; domains?: unknown };
      try {
        document = JSON.parse(parameter.Value ?? "");
      } catch {
        problem("not JSON");
        continue;
      }
      if (document.schemaVersion !== EGRESS_ALLOWLIST_SCHEMA_VERSION) {
        problem(`schemaVersion ${String(document.schemaVersion)}, this proxy reads ${EGRESS_ALLOWLIST_SCHEMA_VERSION}`);
        continue;
      }
      // The parameter's own name says whose it is: a document naming another tenant, or another
      // tenant's secret, would let one parameter read or overwrite a second tenant's credential.
      if (document.tenant !== tenantId) {
        problem(`names tenant ${JSON.stringify(document.tenant)}`);
        continue;
      }
      const expectedSecret = tenantEgressSecretName(environment, tenantId);
      if (document.credentialSecret !== expectedSecret) {
        problem(`credentialSecret ${JSON.stringify(document.credentialSecret)} is not ${expectedSecret}`);
        continue;
      }
      if (!Array.isArray(document.domains) || !document.domains.every((d) => typeof d === "string")) {
        problem("domains is not a list of names");
        continue;
      }
      let password: string;
      try {
        const credential = await readCredential(clients.secrets, expectedSecret);
        if (credential) {
          password = credential.password;
        } else {
          password = await issueCredential(clients.secrets, expectedSecret, tenantId, settings);
          issued.push(tenantId);
        }
      } catch (err) {
        problem(`credential secret ${expectedSecret}: ${(err as Error).name}: ${(err as Error).message}`);
        continue;
      }
      tenants.push({ tenantId, domains: document.domains as string[], passwordHash: stableHash(password) });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return { tenants, problems, issued };
}

/**
 * Writes a first credential. Every proxy task refreshes on its own; the fixed request token makes
 * the first write win: a second task writing a different value gets ResourceExistsException and
 * takes the stored credential instead, so all tasks converge on one password.
 */
async function issueCredential(secrets: SecretsManagerClient, secretId: string, tenantId: string, settings: RefresherSettings): Promise<string> {
  const password = (settings.newPassword ?? newProxyPassword)();
  const value: ProxyCredential = { password, proxyUrl: proxyUrl(tenantId, password, settings.proxyEndpoint) };
  try {
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value), ClientRequestToken: initialRequestToken(tenantId) }));
    return password;
  } catch (err) {
    if (!(err instanceof ResourceExistsException)) throw err;
    const stored = await readCredential(secrets, secretId);
    if (!stored) throw err;
    return stored.password;
  }
}

/** 32-64 characters, the same for every task: `openclaw-egress-initial-<sha256 of the tenant id>`. */
export function initialRequestToken(tenantId: string): string {
  return `openclaw-egress-initial-${createHash("sha256").update(tenantId).digest("hex").slice(0, 32)}`;
}

/** The tenant's credential, or undefined while its secret has no value. */
async function readCredential(secrets: SecretsManagerClient, secretId: string): Promise<ProxyCredential | undefined> {
  try {
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    const parsed = JSON.parse(value.SecretString ?? "") as Partial<ProxyCredential>;
    if (typeof parsed.password !== "string" || parsed.password.length < 32) throw new Error("the value is not a proxy credential");
    return { password: parsed.password, proxyUrl: String(parsed.proxyUrl) };
  } catch (err) {
    // A secret Terraform created has no version until someone writes one.
    if (err instanceof ResourceNotFoundException && /value|AWSCURRENT|version/i.test(err.message)) return undefined;
    throw err;
  }
}

/** squid.conf and the password file for what collectTenants found. */
export function renderProxyFiles(tenants: readonly ProxyTenant[], options: SquidConfigOptions): { config: string; passwords: string } {
  return { config: squidConfig(tenants, options), passwords: squidPasswordFile(tenants) };
}
