import { ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * A throwaway moto server (AWS emulator) on a free 127.0.0.1 port. Uses the project's
 * virtualenv python (.venv/bin/python), or MOTO_PYTHON when set.
 */
export interface MotoServer {
  /** e.g. http://127.0.0.1:41234, for AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  /** Forgets every resource in every account and region. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const REPO_ROOT = join(__dirname, "..", "..");
const STARTUP_TIMEOUT_MS = 30_000;

export async function startMoto(accountId: string): Promise<MotoServer> {
  const python = process.env.MOTO_PYTHON ?? join(REPO_ROOT, ".venv", "bin", "python");
  if (!existsSync(python)) {
    throw new Error(`no python at ${python}: run \`python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt\`, or set MOTO_PYTHON`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    env: {
      ...process.env,
      MOTO_ACCOUNT_ID: accountId,
      // Earlier bootstraps attached AWS managed ReadOnlyAccess to the plan role; a test attaches it to check it goes.
      MOTO_IAM_LOAD_MANAGED_POLICIES: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));

  try {
    await waitUntilUp(endpoint, child, () => output);
  } catch (err) {
    await stop(child);
    throw err;
  }
  return {
    endpoint,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    stop: () => stop(child),
  };
}

/** Points the AWS SDK of this process at the emulator (endpoint, dummy credentials, no profile). */
export function useMotoEnvironment(moto: MotoServer, accountId: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SESSION_TOKEN: "",
    MOTO_ACCOUNT_ID: accountId,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  delete process.env.AWS_PROFILE;
}

/** Asks the OS for a free port. Another process could take it before moto binds: unlikely, and startup then fails loudly. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto server did not answer at ${endpoint} within ${STARTUP_TIMEOUT_MS / 1000}s:\n${output()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
