/**
 * The egress proxy container's entrypoint (images/egress-proxy/Dockerfile bundles it as
 * /usr/local/bin/egress-proxy):
 *
 *   egress-proxy run      refresh, start squid in the foreground, refresh every 30 s
 *   egress-proxy health   exit 0 while squid runs and the last refresh is recent (ECS health check)
 *
 * Environment: AWS_REGION, EGRESS_TENANTS_PARAMETER_PATH, EGRESS_PROXY_ENDPOINT (set by
 * modules/egress-proxy.ts). squid's access log goes to stdout (JSON lines, the metric filters'
 * input); this process logs to stderr.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { collectTenants, renderProxyFiles } from "./refresher";

const CONFIG_DIR = "/etc/squid/generated";
const RUN_DIR = "/run/squid";
const SQUID = "/usr/sbin/squid";
const REFRESH_SECONDS = 30;
const paths = {
  config: join(CONFIG_DIR, "squid.conf"),
  passwords: join(CONFIG_DIR, "passwd"),
  pid: join(RUN_DIR, "squid.pid"),
  heartbeat: join(RUN_DIR, "refreshed"),
};

function log(fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ component: "egress-refresher", time: new Date().toISOString(), ...fields })}\n`);
}

/** Writes a file only when its content changed, atomically (squid never reads half a file). */
function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, "utf8") === content) return false;
  writeFileSync(`${path}.new`, content, { mode: 0o640 });
  renameSync(`${path}.new`, path);
  return true;
}

async function refresh(clients: { ssm: SSMClient; secrets: SecretsManagerClient }): Promise<boolean> {
  const collected = await collectTenants(clients, {
    parameterPath: required("EGRESS_TENANTS_PARAMETER_PATH"),
    proxyEndpoint: required("EGRESS_PROXY_ENDPOINT"),
  });
  for (const problem of collected.problems) log({ level: "error", problem });
  for (const tenant of collected.issued) log({ level: "info", tenant, event: "credential issued" });
  const files = renderProxyFiles(collected.tenants, {
    passwordFilePath: paths.passwords,
    accessLog: "stdio:/dev/stdout",
    pidFile: paths.pid,
  });
  // Passwords first: a new tenant in the config must find its line.
  const passwordsChanged = writeIfChanged(paths.passwords, files.passwords);
  const configChanged = writeIfChanged(paths.config, files.config);
  const changed = passwordsChanged || configChanged;
  writeFileSync(paths.heartbeat, String(Date.now()));
  if (changed) log({ level: "info", event: "configuration changed", tenants: collected.tenants.length });
  return changed;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function run(): Promise<void> {
  const clients = { ssm: new SSMClient({}), secrets: new SecretsManagerClient({}) };
  await refresh(clients);
  const squid = spawn(SQUID, ["-N", "-f", paths.config], { stdio: ["ignore", "inherit", "inherit"] });
  squid.on("exit", (code, signal) => {
    log({ level: "error", event: "squid exited", code, signal });
    process.exit(1);
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => squid.kill(signal));
  setInterval(() => {
    refresh(clients)
      .then((changed) => {
        if (changed) spawnSync(SQUID, ["-k", "reconfigure", "-f", paths.config], { stdio: "inherit" });
      })
      // A failed cycle keeps the last good configuration; health turns red after three.
      .catch((err: Error) => log({ level: "error", event: "refresh failed", error: `${err.name}: ${err.message}` }));
  }, REFRESH_SECONDS * 1000);
}

function health(): number {
  try {
    const pid = Number(readFileSync(paths.pid, "utf8").trim());
    process.kill(pid, 0);
    return Date.now() - statSync(paths.heartbeat).mtimeMs < 3 * REFRESH_SECONDS * 1000 ? 0 : 1;
  } catch {
    return 1;
  }
}

if (require.main === module) {
  const command = process.argv[2];
  if (command === "health") process.exit(health());
  else if (command === "run") run().catch((err: Error) => {
    log({ level: "error", event: "start failed", error: `${err.name}: ${err.message}` });
    process.exit(1);
  });
  else {
    process.stderr.write("usage: egress-proxy run | health\n");
    process.exit(1);
  }
}
