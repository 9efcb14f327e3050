/**
 * Where a tenant's agents may send data: the egress allowlist (SECURITY.md G1).
 *
 * Agents reach the internet only through the platform's egress proxy (modules/egress-proxy.ts),
 * which admits, per tenant, exactly the domains computed here: the domains of the tenant's
 * declared integrations (INTEGRATION_DOMAINS, the one table of them) plus the `egressDomains`
 * its file adds. AWS services are not on any list: agents reach them through VPC endpoints.
 *
 * A domain is a DNS name of at least two labels, lowercase, no trailing dot, no port, scheme or
 * path. A wildcard is only a whole first label (`*.slack.com`) and stands for exactly ONE label:
 * `*.slack.com` admits `acme.slack.com`, not `slack.com` nor `a.b.slack.com`, so a declaration
 * can never cover more than one level of names under a domain its author named. The base of a
 * wildcard needs two labels (`*.com` would admit every .com site). IP literals are refused:
 * the proxy refuses raw addresses outright, so one on a list would only mislead a reviewer.
 */

/**
 * Integration → the domains its API and sign-in live on. Every integration a tenant file may
 * declare is here; adding one is a change to this table, reviewed like code. Keep each list to
 * what the integration's client calls (API, OAuth token endpoint, upload host), not the vendor's
 * whole web estate.
 */
export const INTEGRATION_DOMAINS: Readonly<Record<string, readonly string[]>> = {
  // https://developers.google.com/gmail/api/reference/rest, OAuth 2.0 token endpoint
  gmail: ["gmail.googleapis.com", "oauth2.googleapis.com", "www.googleapis.com"],
  "google-calendar": ["www.googleapis.com", "oauth2.googleapis.com"],
  "google-drive": ["www.googleapis.com", "oauth2.googleapis.com"],
  // https://api.slack.com/web: Web API, files and Socket Mode (wss-primary.slack.com, wss-backup...)
  slack: ["slack.com", "api.slack.com", "files.slack.com", "*.slack.com"],
  // https://developers.hubspot.com/docs/api/overview
  hubspot: ["api.hubapi.com", "api.hubspot.com"],
  // https://learn.microsoft.com/graph/: Graph and the Entra ID token endpoint
  microsoft365: ["graph.microsoft.com", "login.microsoftonline.com"],
  // https://docs.github.com/rest
  github: ["api.github.com", "uploads.github.com"],
  // Jira / Confluence Cloud: the tenant's site is <site>.atlassian.net, OAuth via api.atlassian.com
  atlassian: ["*.atlassian.net", "api.atlassian.com", "auth.atlassian.com"],
  // https://developers.notion.com/reference
  notion: ["api.notion.com"],
  // https://developer.salesforce.com: My Domain hosts and the login endpoint
  salesforce: ["*.my.salesforce.com", "login.salesforce.com"],
  // https://developer.zendesk.com/api-reference: <subdomain>.zendesk.com
  zendesk: ["*.zendesk.com"],
  // https://docs.stripe.com/api
  stripe: ["api.stripe.com", "files.stripe.com"],
  // https://linear.app/developers
  linear: ["api.linear.app"],
  // https://core.telegram.org/bots/api
  telegram: ["api.telegram.org"],
  // https://discord.com/developers/docs/reference
  discord: ["discord.com", "gateway.discord.gg"],
};

/** Integrations with an entry in INTEGRATION_DOMAINS, sorted. */
export const KNOWN_INTEGRATIONS = Object.keys(INTEGRATION_DOMAINS).sort();

/** At most this many `egressDomains` per tenant (the allowlist must fit one standard SSM parameter). */
export const MAX_EGRESS_DOMAINS = 50;
/**
 * The allowlist is published as one standard-tier SSM parameter (4 KB). With the longest set
 * of integrations the table allows plus this many characters of `egressDomains`, it fits
 * (test/config/egress.test.ts encodes that worst case).
 */
export const MAX_EGRESS_DOMAINS_CHARACTERS = 2048;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why `domain` cannot be an egress domain, or undefined when it can. The message says what is
 * allowed, so a tenant file's author can fix it from the message alone.
 */
export function egressDomainProblem(domain: string): string | undefined {
  if (domain.length === 0) return "a domain name like api.example.com (got an empty string)";
  if (/^\[.*\]$/.test(domain) || domain.includes(":")) {
    return "an IP address or host:port is not allowed, only a domain name like api.example.com (the proxy refuses raw IP destinations; HTTPS port 443 is implied)";
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(domain) || /^[0-9.]+$/.test(domain)) {
    return "an IP address is not allowed, only a domain name like api.example.com (the proxy refuses raw IP destinations)";
  }
  if (/[/?#@\s]/.test(domain)) return "a bare domain name like api.example.com, without scheme, path, user or spaces";
  if (domain !== domain.toLowerCase()) return `a lowercase domain name (write ${domain.toLowerCase()})`;
  if (domain.endsWith(".")) return `a domain name without the trailing dot (write ${domain.replace(/\.+$/, "")})`;
  if (domain.length > 253) return `at most 253 characters (got ${domain.length})`;
  const labels = domain.split(".");
  const wildcard = labels[0] === "*";
  if (labels.some((label, i) => label.includes("*") && !(i === 0 && label === "*"))) {
    return "a wildcard is only a whole first label standing for one label, like *.example.com (not **, *foo or a.*.example.com)";
  }
  const base = wildcard ? labels.slice(1) : labels;
  if (base.length < 2) {
    return wildcard
      ? `a wildcard needs a base of at least two labels, like *.example.com (${domain} would admit a whole top-level domain)`
      : "a domain name of at least two labels, like api.example.com";
  }
  const bad = base.find((label) => !LABEL.test(label));
  if (bad !== undefined) return `each label 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen (label ${JSON.stringify(bad)})`;
  // No top-level domain is all digits (RFC 3696 2), so this is an address in disguise (1.2.3.4.5, 0x7f.1).
  if (/^\d+$/.test(base[base.length - 1])) return "an IP address is not allowed, only a domain name (the last label is all digits)";
  return undefined;
}

/** Why `integration` cannot be declared, or undefined when INTEGRATION_DOMAINS knows it. */
export function integrationProblem(integration: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(INTEGRATION_DOMAINS, integration)) return undefined;
  return `an integration of config/egress.ts INTEGRATION_DOMAINS (${KNOWN_INTEGRATIONS.join(", ")}); a new integration needs its domains there`;
}

/** What the allowlist is computed from: the tenant file's two fields. */
export interface EgressDeclaration {
  readonly integrations: readonly string[];
  readonly egressDomains: readonly string[];
}

/**
 * The tenant's allowlist: its integrations' domains and its own `egressDomains`, deduplicated
 * and sorted, so the same declaration always yields byte-identical JSON (no spurious plan diff).
 * Throws for an integration the table lacks: the loader reports that first, with file and field.
 */
export function egressAllowlist(declaration: EgressDeclaration): string[] {
  const domains = new Set<string>();
  for (const integration of declaration.integrations) {
    const problem = integrationProblem(integration);
    if (problem) throw new Error(`egress allowlist: integration ${JSON.stringify(integration)}: ${problem}`);
    for (const domain of INTEGRATION_DOMAINS[integration]) domains.add(domain);
  }
  for (const domain of declaration.egressDomains) {
    const problem = egressDomainProblem(domain);
    if (problem) throw new Error(`egress allowlist: ${JSON.stringify(domain)}: ${problem}`);
    domains.add(domain);
  }
  return [...domains].sort();
}

/**
 * Whether `host` is admitted by `pattern`: equal, or `*.<base>` with exactly one label before
 * `<base>`. The proxy's generated configuration implements the same rule; tests hold both to it.
 */
export function domainMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith("*.")) return host === pattern;
  const base = pattern.slice(1); // ".example.com"
  if (!host.endsWith(base)) return false;
  const label = host.slice(0, host.length - base.length);
  return LABEL.test(label);
}
