/**
 * The egress proxy's squid configuration, generated from the tenants' allowlists and credential
 * hashes. The proxy container regenerates it whenever a tenant's published allowlist or
 * credential changes (egress/refresher.ts) and tells squid to reconfigure.
 *
 * What the configuration enforces, in order (the first matching `http_access` line wins):
 * 1. only with a valid tenant credential (`Proxy-Authorization: Basic`, user = tenant id), else 407;
 * 2. only CONNECT (a TLS tunnel), only to port 443: no plain HTTP, nothing the proxy could cache;
 * 3. never to a raw IP address (the agent names a host, the proxy resolves it, so an agent cannot
 *    pick the address behind an allowed name);
 * 4. never to a private, loopback, link-local or metadata address, whatever name resolved to it
 *    (an allowed name pointed at the VPC must not reach the database or the endpoints);
 * 5. only to a domain on THAT tenant's list: another tenant's credential opens only that tenant's list;
 * 6. everything else refused (403).
 * Every request, refused or not, is logged as one JSON line naming the tenant (EGRESS_LOG_FIELDS).
 */
import { createHash, randomBytes } from "node:crypto";
import { TENANT_ID_PATTERN } from "../config/tenant-id";
import { egressDomainProblem } from "../config/egress";

/** One tenant as the proxy knows it. */
export interface ProxyTenant {
  readonly tenantId: string;
  /** The tenant's allowlist (config/egress.ts egressAllowlist). */
  readonly domains: readonly string[];
  /** md5-crypt (`$1$`) hash of the tenant's proxy password (passwordHash()). */
  readonly passwordHash: string;
}

export interface SquidConfigOptions {
  /** TCP port squid listens on. @default 3128 */
  readonly port?: number;
  /** Address to listen on. @default all addresses */
  readonly listenAddress?: string;
  /** Path of the password file (squidPasswordFile()'s text). */
  readonly passwordFilePath: string;
  /** squid's basic_ncsa_auth helper. @default /usr/lib/squid/basic_ncsa_auth */
  readonly authHelperPath?: string;
  /** Where the access log goes; `stdio:/dev/stdout` in the container (awslogs ships it). */
  readonly accessLog: string;
  /** squid's own diagnostics. @default stdio:/dev/stderr */
  readonly cacheLog?: string;
  readonly pidFile: string;
  /** A hosts file squid consults before DNS (tests map names to their fake upstream). @default none */
  readonly hostsFile?: string;
  /** DNS servers; @default squid's (resolv.conf: in a VPC, the Route 53 Resolver) */
  readonly dnsNameservers?: readonly string[];
  /**
   * Destinations refused whatever the allowlist says. @default DENIED_DESTINATION_NETWORKS
   */
  readonly deniedNetworks?: readonly string[];
}

/**
 * Private, shared, loopback, link-local (instance/task metadata at 169.254.169.254 and
 * 169.254.170.2), multicast and reserved ranges, IPv4 and IPv6. The VPC and its endpoints live
 * in the first ones: a tenant-declared name resolving there must not become a path inside.
 */
export const DENIED_DESTINATION_NETWORKS = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
  // squid stores IPv4 as IPv4-mapped IPv6: ::ffff:0:0/96 would be every IPv4 address.
  "::1",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
] as const;

/**
 * Fields of each access log line (JSON), in order. On a refusal (status 403) `tenant` is the
 * verified tenant, since authentication comes first; on a 407 it is the name the client
 * *claimed* (or `-`), never to be trusted: metrics attribute only 403s to a tenant.
 */
export const EGRESS_LOG_FIELDS = ["time", "tenant", "client", "method", "destination", "status", "action", "bytes"] as const;

/**
 * One JSON object per line. `%#` URL-encodes a value, so nothing a client sends (a user name, a
 * host) can break out of its JSON string; `%ul` is the *authenticated* login, never a name a
 * client merely claimed.
 */
const LOG_FORMAT =
  'logformat egress {"time":"%{%Y-%m-%dT%H:%M:%S}tg.%03tuZ","tenant":"%#ul","client":"%>a","method":"%#rm","destination":"%#ru","status":%>Hs,"action":"%Ss","bytes":%<st}';

/** squid's name for a tenant's ACLs; tenant ids are `[a-z0-9-]`, which squid ACL names accept. */
const aclName = (kind: string, tenantId: string) => `${kind}_${tenantId.replace(/-/g, "_")}`;

/**
 * A `dstdom_regex` for `*.<base>`: exactly one DNS label before the base, anchored, so
 * `*.slack.com` admits `acme.slack.com` but neither `slack.com` nor `a.b.slack.com`
 * (squid's own `.slack.com` form would admit any depth).
 */
export function wildcardRegex(pattern: string): string {
  const base = pattern.slice(2).replace(/\./g, "\\.");
  return `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.${base}$`;
}

function checkTenant(tenant: ProxyTenant): void {
  if (!TENANT_ID_PATTERN.test(tenant.tenantId)) throw new Error(`egress proxy: tenant id ${JSON.stringify(tenant.tenantId)} does not match ${TENANT_ID_PATTERN}`);
  if (!/^\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/.test(tenant.passwordHash)) throw new Error(`egress proxy: tenant ${tenant.tenantId}: passwordHash is not an md5-crypt hash`);
  for (const domain of tenant.domains) {
    // The list arrives from an SSM parameter at run time: the loader's rules are checked again,
    // so a hand-edited parameter cannot widen the configuration (a regex, a space, an IP).
    const problem = egressDomainProblem(domain);
    if (problem) throw new Error(`egress proxy: tenant ${tenant.tenantId}: domain ${JSON.stringify(domain)}: ${problem}`);
  }
}

/** squid.conf for these tenants. Tenants are sorted by id, so equal inputs give equal text. */
export function squidConfig(tenants: readonly ProxyTenant[], options: SquidConfigOptions): string {
  const sorted = [...tenants].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  const ids = new Set<string>();
  for (const tenant of sorted) {
    checkTenant(tenant);
    if (ids.has(tenant.tenantId)) throw new Error(`egress proxy: tenant ${tenant.tenantId} listed twice`);
    ids.add(tenant.tenantId);
  }
  const lines = [
    "# Generated by egress/squid-config.ts; do not edit.",
    `http_port ${options.listenAddress ? `${options.listenAddress}:` : ""}${options.port ?? 3128}`,
    "visible_hostname openclaw-egress",
    // A tunnel-only proxy: nothing cached, nothing written to disk.
    "cache deny all",
    "cache_mem 0 MB",
    `pid_filename ${options.pidFile}`,
    `cache_log ${options.cacheLog ?? "stdio:/dev/stderr"}`,
    LOG_FORMAT,
    `access_log ${options.accessLog} egress`,
    "logfile_rotate 0",
    "shutdown_lifetime 5 seconds",
    // No client address in headers (a CONNECT tunnel carries none, but be explicit).
    "forwarded_for delete",
    ...(options.hostsFile ? [`hosts_file ${options.hostsFile}`] : ["hosts_file none"]),
    ...(options.dnsNameservers?.length ? [`dns_nameservers ${options.dnsNameservers.join(" ")}`] : []),
    `auth_param basic program ${options.authHelperPath ?? "/usr/lib/squid/basic_ncsa_auth"} ${options.passwordFilePath}`,
    "auth_param basic children 5 startup=1 idle=1",
    "auth_param basic realm openclaw-egress",
    // A changed credential takes effect within a minute.
    "auth_param basic credentialsttl 1 minute",
    "acl CONNECT method CONNECT",
    "acl https_port port 443",
    // The destination as the client wrote it, when it is an address (IPv4, or IPv6 in brackets).
    "acl raw_ip dstdom_regex -n ^[0-9.]+$ ^\\[?[0-9a-fA-F:.]+\\]?$",
    `acl denied_networks dst ${(options.deniedNetworks ?? DENIED_DESTINATION_NETWORKS).join(" ")}`,
    "acl authenticated proxy_auth REQUIRED",
    // Authentication first: every later refusal (403) is then attributed to a verified tenant.
    "http_access deny !authenticated",
    "http_access deny !CONNECT",
    "http_access deny !https_port",
    "http_access deny raw_ip",
    "http_access deny denied_networks",
  ];
  for (const tenant of sorted) {
    const exact = tenant.domains.filter((d) => !d.startsWith("*."));
    const wildcards = tenant.domains.filter((d) => d.startsWith("*."));
    if (exact.length === 0 && wildcards.length === 0) {
      lines.push(`# tenant ${tenant.tenantId}: no domains declared, every destination refused`);
      continue;
    }
    const tenantAcl = aclName("tenant", tenant.tenantId);
    lines.push(`# tenant ${tenant.tenantId}`, `acl ${tenantAcl} proxy_auth ${tenant.tenantId}`);
    // An ACL name has one type: exact names and one-label wildcards are two ACLs, two allow lines.
    if (exact.length > 0) {
      lines.push(`acl ${aclName("domains", tenant.tenantId)} dstdomain -n ${exact.join(" ")}`, `http_access allow ${tenantAcl} ${aclName("domains", tenant.tenantId)}`);
    }
    if (wildcards.length > 0) {
      lines.push(
        `acl ${aclName("wildcards", tenant.tenantId)} dstdom_regex -n -i ${wildcards.map(wildcardRegex).join(" ")}`,
        `http_access allow ${tenantAcl} ${aclName("wildcards", tenant.tenantId)}`,
      );
    }
  }
  lines.push("http_access deny all", "");
  return lines.join("\n");
}

/** The basic_ncsa_auth password file: `tenant:hash` lines. */
export function squidPasswordFile(tenants: readonly ProxyTenant[]): string {
  return [...tenants]
    .sort((a, b) => a.tenantId.localeCompare(b.tenantId))
    .map((t) => {
      checkTenant(t);
      return `${t.tenantId}:${t.passwordHash}\n`;
    })
    .join("");
}

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * md5-crypt (`$1$`, the FreeBSD scheme basic_ncsa_auth verifies). Weak for human passwords; the
 * proxy's are 32 random bytes (newProxyPassword), where a hash needs no stretching at all and
 * only keeps the plain value out of the password file.
 */
export function md5Crypt(password: string, salt: string): string {
  const magic = "$1$";
  const pw = Buffer.from(password, "utf8");
  const s = Buffer.from(salt.slice(0, 8), "utf8");
  const md5 = (...parts: Buffer[]) => {
    const h = createHash("md5");
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const alternate = md5(pw, s, pw);
  const ctx = createHash("md5");
  ctx.update(pw);
  ctx.update(magic);
  ctx.update(s);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alternate.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let digest = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const parts: Buffer[] = [i & 1 ? pw : digest];
    if (i % 3) parts.push(s);
    if (i % 7) parts.push(pw);
    parts.push(i & 1 ? digest : pw);
    digest = md5(...parts);
  }
  const to64 = (value: number, count: number) => {
    let out = "";
    for (let i = 0; i < count; i++, value >>= 6) out += ITOA64[value & 0x3f];
    return out;
  };
  let encoded = "";
  for (const [a, b, c] of [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ]) {
    encoded += to64((digest[a] << 16) | (digest[b] << 8) | digest[c], 4);
  }
  encoded += to64(digest[11], 2);
  return `${magic}${s.toString("utf8")}$${encoded}`;
}

/** A hash of `password` with a fresh random salt. */
export function passwordHash(password: string): string {
  const salt = [...randomBytes(8)].map((b) => ITOA64[b & 0x3f]).join("");
  return md5Crypt(password, salt);
}

/** A new proxy password: 32 random bytes, base64url (no character needs escaping in a URL). */
export function newProxyPassword(): string {
  return randomBytes(32).toString("base64url");
}
