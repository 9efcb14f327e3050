/**
 * The configuration the product's own tests run on: fixture tenants and a fixture cdktf.json
 * under test/fixtures/, owned by the tests. The repository's live `tenants/` and `cdktf.json`
 * are the adopter's fleet: they change with every onboarding pull request, so no test reads them
 * (test/support/live-config-guard.ts fails a test that tries); `npm run check:fleet` checks them.
 */
import { join } from "node:path";

export const REPO_ROOT = join(__dirname, "..", "..");
export const FIXTURES_DIR = join(REPO_ROOT, "test", "fixtures");
/** The fixture tenants (their goldens are test/golden/). */
export const FIXTURE_TENANTS_DIR = join(FIXTURES_DIR, "tenants");
/** The fixture cdktf.json: environments, accounts, regions and state buckets of the fixtures. */
export const FIXTURE_CDKTF_JSON = join(FIXTURES_DIR, "cdktf.json");

/** The live configuration no product test may read (the adopter's fleet). */
export const LIVE_CDKTF_JSON = join(REPO_ROOT, "cdktf.json");
export const LIVE_TENANTS_DIR = join(REPO_ROOT, "tenants");

/**
 * The smallest valid tenant file the config tests start from (acme, production, us-east-1, one
 * agent `butler`), so a schema change that makes it invalid is fixed once. `butler` replaces the
 * agent's settings; `extra` is appended as top-level YAML.
 */
export function minimalTenantYaml(options: { readonly butler?: string; readonly extra?: string } = {}): string {
  return `
id: acme
displayName: ACME Corp
environment: production
region: us-east-1
status: active
agents:
  butler: { ${options.butler ?? "cpu: 512, memory: 1024"} }
budget: { monthlyUsd: 300, alertEmails: [ops@acme.example] }
${options.extra ?? ""}
`;
}
