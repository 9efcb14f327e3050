// Enforces SECURITY.md C37 (the table "Enforcing tests" there lists this file).
/**
 * The egress proxy's configuration run by the real squid (Debian's package, the one the proxy
 * image installs), inside a network namespace this test creates: the fake "internet" upstream
 * listens on 198.51.100.10:443 (TEST-NET-2, a public-looking address, so the private-range rule
 * is not what admits or refuses it), and squid resolves names through a hosts file that maps
 * every test name to it. A tenant's agent is a client in the same namespace.
 *
 * Skips, saying why, only where squid or network namespaces are missing; `.ci/run` installs
 * squid and sets EGRESS_PROXY_TEST_REQUIRED=1, which turns the skip into a failure.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { egressAllowlist } from "../../config/egress";
import { ResourceNotFoundException } from "@aws-sdk/client-secrets-manager";
import { collectTenants, renderProxyFiles } from "../../egress/refresher";
import { EGRESS_LOG_FIELDS, md5Crypt, newProxyPassword, passwordHash, ProxyTenant, squidConfig, SquidConfigOptions, squidPasswordFile } from "../../egress/squid-config";

const SQUID = "/usr/sbin/squid";
const UPSTREAM = "198.51.100.10";
const PROXY_PORT = 3128;

function unavailable(): string | undefined {
  if (!existsSync(SQUID)) return `squid is not installed at ${SQUID} (apt-get install squid; .ci/run installs it)`;
  if (process.getuid?.() !== 0) return "creating network namespaces needs root";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
  } catch {
    return "`ip netns` is not available (iproute2 missing or no CAP_SYS_ADMIN)";
  }
  return undefined;
}

const skipReason = unavailable();
if (skipReason && process.env.EGRESS_PROXY_TEST_REQUIRED === "1") {
  throw new Error(`EGRESS_PROXY_TEST_REQUIRED=1 but the squid test cannot run: ${skipReason}`);
}
const describeWithSquid = skipReason ? describe.skip : describe;
if (skipReason) {
  describe(`the egress proxy under real squid (skipped: ${skipReason})`, () => {
    it.skip(skipReason, () => undefined);
  });
}

const ACME_PASSWORD = newProxyPassword();
const GLOBEX_PASSWORD = newProxyPassword();
const INITECH_PASSWORD = newProxyPassword();
const TENANTS: ProxyTenant[] = [
  {
    tenantId: "acme",
    // slack's table entry brings *.slack.com; internal.acme.example resolves into the VPC's range.
    domains: egressAllowlist({ integrations: ["slack"], egressDomains: ["internal.acme.example"] }),
    passwordHash: passwordHash(ACME_PASSWORD),
  },
  { tenantId: "globex", domains: egressAllowlist({ integrations: [], egressDomains: ["crm.globex.example"] }), passwordHash: passwordHash(GLOBEX_PASSWORD) },
  { tenantId: "initech", domains: [], passwordHash: passwordHash(INITECH_PASSWORD) },
];

/** A CONNECT (or GET) through the proxy from inside the namespace: the status line and, once tunnelled, what the upstream sent. */
const CLIENT = `
const net = require("node:net");
const [host, port, method, user, password] = process.argv.slice(1);
const socket = net.connect(${PROXY_PORT}, "127.0.0.1");
const auth = user ? "Proxy-Authorization: Basic " + Buffer.from(user + ":" + password).toString("base64") + "\\r\\n" : "";
const target = method === "CONNECT" ? host + ":" + port : "http://" + host + ":" + port + "/";
socket.write(method + " " + target + " HTTP/1.1\\r\\nHost: " + host + ":" + port + "\\r\\n" + auth + "\\r\\n");
let data = "";
socket.on("data", (chunk) => { data += chunk; if (/^HTTP\\/1\\.1 200/.test(data) && data.includes("upstream:ok")) socket.end(); else if (/\\r\\n\\r\\n/.test(data) && !/^HTTP\\/1\\.1 200/.test(data)) socket.end(); });
socket.on("error", () => undefined); // a refused connection closes with no data: status 0
socket.on("close", () => { process.stdout.write(JSON.stringify({ status: Number(data.split(" ")[1]) || 0, tunnelled: data.includes("upstream:ok") })); });
socket.setTimeout(8000, () => { process.stdout.write(JSON.stringify({ status: 0, tunnelled: false, timeout: true })); process.exit(0); });
`;
const UPSTREAM_SERVER = `
require("node:net").createServer((s) => { s.end("upstream:ok\\n"); }).listen(443, "${UPSTREAM}", () => process.stdout.write("listening\\n"));
`;

describeWithSquid("the egress proxy under real squid", () => {
  const namespace = `oc-egress-${process.pid}`;
  let dir: string;
  let squid: ChildProcess | undefined;
  let upstream: ChildProcess | undefined;
  const inNamespace = (command: string, args: string[]) => execFileSync("ip", ["netns", "exec", namespace, command, ...args], { encoding: "utf8", timeout: 15_000 });

  function request(host: string, port = 443, credential?: [string, string], method = "CONNECT"): { status: number; tunnelled: boolean } {
    return JSON.parse(inNamespace(process.execPath, ["-e", CLIENT, host, String(port), method, credential?.[0] ?? "", credential?.[1] ?? ""]));
  }
  /** Where squid listens, reads and writes in this test (both the first config and the refresher's re-render). */
  const proxySettings = (): SquidConfigOptions => ({
    listenAddress: "127.0.0.1",
    port: PROXY_PORT,
    passwordFilePath: join(dir, "passwd"),
    accessLog: join(dir, "access.log"),
    cacheLog: join(dir, "cache.log"),
    pidFile: join(dir, "squid.pid"),
    hostsFile: join(dir, "hosts"),
    // Nothing answers here: a name outside the hosts file fails to resolve instead of leaving the test machine.
    dnsNameservers: ["127.0.0.53"],
  });
  const acme: [string, string] = ["acme", ACME_PASSWORD];
  const globex: [string, string] = ["globex", GLOBEX_PASSWORD];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "openclaw-egress-squid-"));
    // squid drops to its unprivileged user: it must read the files and write its pid and logs here.
    chmodSync(dir, 0o777);
    for (const args of [["netns", "add", namespace], ["-n", namespace, "link", "set", "lo", "up"], ["-n", namespace, "addr", "add", `${UPSTREAM}/32`, "dev", "lo"]]) {
      execFileSync("ip", args);
    }
    writeFileSync(join(dir, "hosts"), `${UPSTREAM} slack.com api.slack.com acme.slack.com a.b.slack.com evil.example crm.globex.example\n10.0.0.5 internal.acme.example\n`);
    writeFileSync(join(dir, "passwd"), squidPasswordFile(TENANTS));
    writeFileSync(
      join(dir, "squid.conf"),
      squidConfig(TENANTS, proxySettings()),
    );
    execFileSync(SQUID, ["-k", "parse", "-f", join(dir, "squid.conf")], { stdio: "pipe" });

    upstream = spawn("ip", ["netns", "exec", namespace, process.execPath, "-e", UPSTREAM_SERVER], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      upstream!.stdout!.once("data", () => resolve());
      upstream!.once("exit", (code) => reject(new Error(`upstream exited ${code}`)));
    });
    squid = spawn("ip", ["netns", "exec", namespace, SQUID, "-N", "-f", join(dir, "squid.conf")], { stdio: "ignore" });
    // Ready once it answers (407 to a request without a credential). Until squid listens the
    // client sees ECONNREFUSED (status 0): on a loaded machine the first tries always do.
    for (let i = 0; i < 100; i++) {
      if (request("api.slack.com").status === 407) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`squid did not start:\n${readFileSync(join(dir, "cache.log"), "utf8")}`);
  });

  afterAll(async () => {
    for (const child of [squid, upstream]) {
      if (!child || child.exitCode !== null) continue;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    try {
      execFileSync("ip", ["netns", "del", namespace]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tunnels a tenant to a domain on its list", () => {
    expect(request("api.slack.com", 443, acme)).toEqual({ status: 200, tunnelled: true });
  });

  it("admits exactly one label under a wildcard", () => {
    expect(request("acme.slack.com", 443, acme)).toEqual({ status: 200, tunnelled: true });
    expect(request("a.b.slack.com", 443, acme)).toEqual({ status: 403, tunnelled: false });
  });

  it("refuses a domain that is not on the tenant's list", () => {
    expect(request("evil.example", 443, acme)).toEqual({ status: 403, tunnelled: false });
  });

  it("refuses a raw IP address, even the address an allowed name resolves to", () => {
    expect(request(UPSTREAM, 443, acme)).toEqual({ status: 403, tunnelled: false });
  });

  it("refuses another tenant's credential for this tenant's domains", () => {
    expect(request("api.slack.com", 443, globex)).toEqual({ status: 403, tunnelled: false });
    expect(request("crm.globex.example", 443, globex)).toEqual({ status: 200, tunnelled: true });
    expect(request("crm.globex.example", 443, acme)).toEqual({ status: 403, tunnelled: false });
  });

  it("refuses a tenant id with another tenant's password, and no credential at all (407)", () => {
    expect(request("api.slack.com", 443, ["acme", GLOBEX_PASSWORD])).toEqual({ status: 407, tunnelled: false });
    expect(request("api.slack.com", 443)).toEqual({ status: 407, tunnelled: false });
  });

  it("refuses every destination to a tenant that declared none", () => {
    // initech's credential is valid (a 403, not a 407) but opens nothing.
    expect(request("api.slack.com", 443, ["initech", INITECH_PASSWORD])).toEqual({ status: 403, tunnelled: false });
    expect(request("crm.globex.example", 443, ["initech", INITECH_PASSWORD])).toEqual({ status: 403, tunnelled: false });
  });

  it("refuses an allowed name that resolves into a private range (the VPC, metadata)", () => {
    expect(request("internal.acme.example", 443, acme)).toEqual({ status: 403, tunnelled: false });
  });

  it("refuses other ports and plain HTTP", () => {
    expect(request("api.slack.com", 8443, acme)).toEqual({ status: 403, tunnelled: false });
    expect(request("api.slack.com", 80, acme, "GET").status).toBe(403);
  });

  it("parses the configuration as the container writes it (stdio access log, Debian's helper) without a warning", () => {
    const path = join(dir, "container.conf");
    writeFileSync(path, squidConfig(TENANTS, { passwordFilePath: "/etc/squid/generated/passwd", accessLog: "stdio:/dev/stdout", pidFile: "/run/squid/squid.pid" }));
    const parsed = spawnSync(SQUID, ["-k", "parse", "-f", path], { encoding: "utf8" });
    expect(parsed.status).toBe(0);
    expect(`${parsed.stdout}${parsed.stderr}`.split("\n").filter((l) => /WARNING|ERROR|FATAL/.test(l))).toEqual([]);
  });

  it("serves a tenant the refresher onboarded, with the credential it wrote into the tenant's secret, after a reconfigure", async () => {
    // What the tenant stack publishes, and its secret without a value; in-memory stand-ins for SSM
    // and Secrets Manager (test/integration/egress-refresher.test.ts runs the same against moto).
    const secretName = "/openclaw/production/umbrella/platform/egress-proxy";
    const stored = new Map<string, string>();
    const ssm = {
      send: async () => ({
        Parameters: [{ Name: "/openclaw/production/us-east-1/egress/tenants/umbrella", Value: JSON.stringify({ schemaVersion: 1, tenant: "umbrella", credentialSecret: secretName, domains: ["crm.globex.example"] }) }],
      }),
    };
    const secrets = {
      send: async (command: { constructor: { name: string }; input: { SecretId: string; SecretString?: string } }) => {
        if (command.constructor.name === "PutSecretValueCommand") return void stored.set(command.input.SecretId, command.input.SecretString!);
        const value = stored.get(command.input.SecretId);
        if (value === undefined) throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT", $metadata: {} });
        return { SecretString: value };
      },
    };
    const collected = await collectTenants({ ssm: ssm as never, secrets: secrets as never }, { parameterPath: "/openclaw/production/us-east-1/egress/tenants", proxyEndpoint: "127.0.0.1:3128" });
    expect(collected.issued).toEqual(["umbrella"]);
    const credential = JSON.parse(stored.get(secretName)!);
    // The agent's HTTPS_PROXY: user and password exactly as the refresher wrote them.
    const url = new URL(credential.proxyUrl);
    expect(request("crm.globex.example", 443, [url.username, decodeURIComponent(url.password)]).status).toBe(407); // not yet known to squid

    const files = renderProxyFiles([...TENANTS, ...collected.tenants], proxySettings());
    writeFileSync(join(dir, "passwd"), files.passwords);
    writeFileSync(join(dir, "squid.conf"), files.config);
    inNamespace(SQUID, ["-k", "reconfigure", "-f", join(dir, "squid.conf")]);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = request("crm.globex.example", 443, [url.username, decodeURIComponent(url.password)]).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    expect(request("api.slack.com", 443, [url.username, decodeURIComponent(url.password)]).status).toBe(403);
    expect(request("api.slack.com", 443, acme).status).toBe(200); // the others kept their egress
  });

  it("logs every refusal as one JSON line naming the tenant", () => {
    // Its own requests, so the test holds when run alone (-t).
    request("evil.example", 443, acme);
    request("evil.example", 443, globex);
    request("api.slack.com", 443, acme);
    request("api.slack.com", 443, ["acme", GLOBEX_PASSWORD]);
    const entries = readFileSync(join(dir, "access.log"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const entry of entries) expect(Object.keys(entry)).toEqual([...EGRESS_LOG_FIELDS]);
    expect(entries).toContainEqual(expect.objectContaining({ tenant: "acme", method: "CONNECT", destination: "evil.example:443", status: 403, action: "TCP_DENIED" }));
    expect(entries).toContainEqual(expect.objectContaining({ tenant: "globex", destination: "evil.example:443", status: 403, action: "TCP_DENIED" }));
    expect(entries).toContainEqual(expect.objectContaining({ tenant: "acme", destination: "api.slack.com:443", status: 200, action: "TCP_TUNNEL" }));
    // Authentication comes first, so every refusal (403) names a verified tenant; a 407 names at
    // most the tenant the client claimed.
    expect(entries.filter((e) => e.status === 403 && e.tenant === "-")).toEqual([]);
    expect(entries).toContainEqual(expect.objectContaining({ tenant: "acme", status: 407, action: "TCP_DENIED" }));
  });
});

describe("md5Crypt", () => {
  it("matches openssl passwd -1 (the scheme basic_ncsa_auth verifies)", () => {
    // openssl passwd -1 -salt saltsalt password ; openssl passwd -1 -salt ab x
    expect(md5Crypt("password", "saltsalt")).toBe("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/");
    expect(md5Crypt("x", "ab")).toBe("$1$ab$e2KlfqG5YBMTjSz7XF.Eu1");
  });
});
