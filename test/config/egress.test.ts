import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  domainMatches,
  egressAllowlist,
  egressDomainProblem,
  INTEGRATION_DOMAINS,
  KNOWN_INTEGRATIONS,
  MAX_EGRESS_DOMAINS,
  MAX_EGRESS_DOMAINS_CHARACTERS,
} from "../../config/egress";
import { ConfigError, loadConfig } from "../../config/loader";
import { SSM_STANDARD_VALUE_LIMIT_BYTES } from "../../modules/platform-contract";
import { FIXTURE_CDKTF_JSON, minimalTenantYaml } from "../support/fixtures";

const TENANT = (extra: string) => minimalTenantYaml({ extra });

function load(extra: string) {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-egress-tenants-"));
  writeFileSync(join(dir, "acme.yaml"), TENANT(extra));
  return loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir: dir, displayRoot: dir });
}

function problems(extra: string): string[] {
  try {
    load(extra);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("egressDomains in a tenant file", () => {
  it("loads plain and one-label wildcard domains", () => {
    const config = load("integrations: [slack]\negressDomains: [api.example.com, '*.files.example.org']");
    expect(config.tenants[0].egressDomains).toEqual(["api.example.com", "*.files.example.org"]);
  });

  it("defaults to none", () => {
    expect(load("").tenants[0].egressDomains).toEqual([]);
  });

  it("fails on every bad entry at once, naming file, field and index", () => {
    const lines = problems(
      "egressDomains: ['*.com', '**.example.com', 'a.*.example.com', 10.0.0.1, '[::1]', 'api.example.com:8443', https://x.example.com, API.Example.com, localhost, 1.2.3.4.5]",
    );
    expect(lines).toEqual([
      expect.stringMatching(/^acme\.yaml: egressDomains\.0: a wildcard needs a base of at least two labels.*\(got "\*\.com"\)$/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.1: a wildcard is only a whole first label/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.2: a wildcard is only a whole first label/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.3: an IP address is not allowed.*\(got "10\.0\.0\.1"\)$/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.4: an IP address or host:port is not allowed/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.5: an IP address or host:port is not allowed/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.6: an IP address or host:port is not allowed/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.7: a lowercase domain name \(write api\.example\.com\)/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.8: a domain name of at least two labels/),
      expect.stringMatching(/^acme\.yaml: egressDomains\.9: an IP address is not allowed/),
    ]);
  });

  it("fails on a duplicate entry and on too many entries", () => {
    expect(problems("egressDomains: [a.example.com, a.example.com]")).toEqual(["acme.yaml: egressDomains.1: each domain at most once"]);
    const many = Array.from({ length: MAX_EGRESS_DOMAINS + 1 }, (_, i) => `d${i}.example.com`).join(", ");
    expect(problems(`egressDomains: [${many}]`)).toEqual([`acme.yaml: egressDomains: at most ${MAX_EGRESS_DOMAINS} entries (got a list of ${MAX_EGRESS_DOMAINS + 1})`]);
  });

  it("fails when the entries together exceed what one SSM parameter holds", () => {
    const long = Array.from({ length: 12 }, (_, i) => `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.example${i}.com`).join(", ");
    expect(problems(`egressDomains: [${long}]`)).toEqual([expect.stringMatching(/^acme\.yaml: egressDomains: at most 2048 characters of domains in total/)]);
  });

  it("fails on an integration the domain table does not know, naming the table", () => {
    expect(problems("integrations: [slack, myerp]")).toEqual([
      expect.stringMatching(/^acme\.yaml: integrations\.1: an integration of config\/egress\.ts INTEGRATION_DOMAINS \(.*slack.*\); a new integration needs its domains there \(got "myerp"\)$/),
    ]);
  });

  it("reports a malformed integration name once, by its pattern", () => {
    expect(problems("integrations: [Slack]")).toEqual(['acme.yaml: integrations.0: lowercase letters, digits and hyphens, 2-32 characters (got "Slack")']);
  });
});

describe("the integration table", () => {
  it("holds only valid domains", () => {
    const bad = Object.entries(INTEGRATION_DOMAINS).flatMap(([integration, domains]) =>
      domains.filter((d) => egressDomainProblem(d) !== undefined).map((d) => `${integration}: ${d}: ${egressDomainProblem(d)}`),
    );
    expect(KNOWN_INTEGRATIONS.length).toBeGreaterThan(5);
    expect(bad).toEqual([]);
  });

  it("keeps the largest possible allowlist within one standard SSM parameter", () => {
    // The 20 integrations with the longest domain lists (the schema's maximum) plus the
    // maximum characters of egressDomains, as the tenant stack publishes it.
    const integrations = [...KNOWN_INTEGRATIONS].sort((a, b) => INTEGRATION_DOMAINS[b].join().length - INTEGRATION_DOMAINS[a].join().length).slice(0, 20);
    const perDomain = Math.floor(MAX_EGRESS_DOMAINS_CHARACTERS / MAX_EGRESS_DOMAINS);
    const egressDomains = Array.from({ length: MAX_EGRESS_DOMAINS }, (_, i) => `${"x".repeat(perDomain - `.e${i}.com`.length)}.e${i}.com`);
    const encoded = JSON.stringify({ schemaVersion: 1, tenant: "x".repeat(40), domains: egressAllowlist({ integrations, egressDomains }) });
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(SSM_STANDARD_VALUE_LIMIT_BYTES);
  });
});

describe("egressAllowlist", () => {
  it("is the union of the integrations' domains and the extras, sorted and deduplicated", () => {
    expect(egressAllowlist({ integrations: ["slack", "gmail"], egressDomains: ["api.slack.com", "crm.example.com"] })).toEqual([
      "*.slack.com",
      "api.slack.com",
      "crm.example.com",
      "files.slack.com",
      "gmail.googleapis.com",
      "oauth2.googleapis.com",
      "slack.com",
      "www.googleapis.com",
    ]);
  });

  it("is empty for a tenant that declares nothing", () => {
    expect(egressAllowlist({ integrations: [], egressDomains: [] })).toEqual([]);
  });

  it("fails for an integration the table lacks (callers that skip the loader)", () => {
    expect(() => egressAllowlist({ integrations: ["myerp"], egressDomains: [] })).toThrow(/integration "myerp": an integration of config\/egress.ts/);
  });
});

describe("domainMatches: a wildcard stands for exactly one label", () => {
  it.each([
    ["*.slack.com", "acme.slack.com", true],
    ["*.slack.com", "slack.com", false],
    ["*.slack.com", "a.b.slack.com", false],
    ["*.slack.com", "evilslack.com", false],
    ["*.slack.com", ".slack.com", false],
    ["api.example.com", "api.example.com", true],
    ["api.example.com", "x.api.example.com", false],
  ])("%s admits %s: %s", (pattern, host, expected) => {
    expect(domainMatches(pattern, host)).toBe(expected);
  });
});
