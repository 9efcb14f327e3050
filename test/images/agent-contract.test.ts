/**
 * The agent image contract (images/agent/CONTRACT.md) against both sides: every task definition a
 * full synth produces, and the reference image (its config, and its runtime run as a process).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AGENT_CONTAINER_USER,
  AGENT_HEALTH_CHECK,
  AGENT_STOP_TIMEOUT_SECONDS,
  CONTRACT_ENVIRONMENT,
  CONTRACT_SECRETS,
  STOP_SIGNAL,
  WRITABLE_PATHS,
} from "../../images/agent/contract";
import { agentRuntimeConfig } from "../../images/build/agent-image";
import { REPO_ROOT, resourcesOfType, synthesize } from "../support/synth";

const RUNTIME = join(REPO_ROOT, "images", "agent", "runtime");
const CONTRACT_MD = readFileSync(join(REPO_ROOT, "images", "agent", "CONTRACT.md"), "utf8");

const taskDefinitions = resourcesOfType(synthesize(), "aws_ecs_task_definition");
// The contract is the agents' (tenant stacks). Platform stacks run the egress proxy (#31), the
// platform's own image with its own contract (images/egress-proxy/); nothing else may hide there.
const platformTaskDefinitions = taskDefinitions.filter((r) => !r.address.startsWith("tenant-"));
const containers: Array<Record<string, any> & { address: string }> = taskDefinitions
  .filter((r) => r.address.startsWith("tenant-"))
  .map((r) => ({
    ...(JSON.parse(r.config.container_definitions)[0] as Record<string, any>),
    address: r.address,
  }));

describe("every synthesized task definition gives what the contract says", () => {
  test("there are task definitions to check, with secrets and Bedrock profiles among them", () => {
    expect(containers.length).toBeGreaterThan(3);
    expect(platformTaskDefinitions.map((r) => r.config.family).filter((family) => !/-egress-proxy$/.test(family))).toEqual([]);
    expect(containers.some((c) => c.secrets.length > 0)).toBe(true);
    expect(containers.some((c) => c.environment.some((e: { name: string }) => e.name.startsWith("BEDROCK_PROFILE_")))).toBe(true);
  });

  test("each environment variable is one the contract documents, and every required one is set", () => {
    const problems: string[] = [];
    for (const c of containers) {
      const names: string[] = c.environment.map((e: { name: string }) => e.name);
      for (const n of names) if (!CONTRACT_ENVIRONMENT.some((v) => v.pattern.test(n))) problems.push(`${c.address}: ${n} is not in the contract`);
      for (const v of CONTRACT_ENVIRONMENT.filter((v) => v.required)) if (!names.some((n) => v.pattern.test(n))) problems.push(`${c.address}: ${v.display} missing`);
    }
    expect(problems).toEqual([]);
  });

  test("each secret is an <INTEGRATION>_CREDENTIALS variable from Secrets Manager, never also a plain variable", () => {
    const problems: string[] = [];
    for (const c of containers) {
      for (const s of c.secrets as { name: string; valueFrom: string }[]) {
        if (!CONTRACT_SECRETS.some((v) => v.pattern.test(s.name))) problems.push(`${c.address}: secret ${s.name} is not in the contract`);
        if (!/secretsmanager/.test(s.valueFrom)) problems.push(`${c.address}: ${s.name} does not come from Secrets Manager`);
        if (CONTRACT_ENVIRONMENT.some((v) => v.pattern.test(s.name))) problems.push(`${c.address}: ${s.name} is both`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("user, read-only root, writable paths, no ports, health check and stop timeout are the contract's", () => {
    const mounts = Object.entries(WRITABLE_PATHS).map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false }));
    for (const c of containers) {
      expect({ address: c.address, user: c.user, readonly: c.readonlyRootFilesystem, mounts: c.mountPoints, ports: c.portMappings ?? [] }).toEqual({
        address: c.address,
        user: AGENT_CONTAINER_USER,
        readonly: true,
        mounts,
        ports: [],
      });
      expect(c.healthCheck).toEqual({
        command: AGENT_HEALTH_CHECK.command,
        interval: AGENT_HEALTH_CHECK.intervalSeconds,
        timeout: AGENT_HEALTH_CHECK.timeoutSeconds,
        retries: AGENT_HEALTH_CHECK.retries,
        startPeriod: AGENT_HEALTH_CHECK.startPeriodSeconds,
      });
      expect(c.stopTimeout).toBe(AGENT_STOP_TIMEOUT_SECONDS);
      expect(c.logConfiguration.logDriver).toBe("awslogs");
    }
  });

  test("references the image by digest", () => {
    expect(containers.filter((c) => !/@sha256:[a-f0-9]{64}$/.test(c.image)).map((c) => `${c.address}: ${c.image}`)).toEqual([]);
  });
});

describe("CONTRACT.md documents the contract's values", () => {
  test.each([...CONTRACT_ENVIRONMENT, ...CONTRACT_SECRETS].map((v) => v.display))("lists `%s` in a table", (display) => {
    expect(CONTRACT_MD).toContain(`| \`${display}\` |`);
  });

  test("names the user, the writable paths, the health check and the stop timeout", () => {
    expect(CONTRACT_MD).toContain(`\`${AGENT_CONTAINER_USER}\``);
    for (const path of Object.values(WRITABLE_PATHS)) expect(CONTRACT_MD).toContain(`\`${path}\``);
    expect(CONTRACT_MD).toContain(`command ${JSON.stringify(AGENT_HEALTH_CHECK.command).replace(/,/g, ", ")}`);
    expect(CONTRACT_MD).toContain(`interval ${AGENT_HEALTH_CHECK.intervalSeconds} s, timeout ${AGENT_HEALTH_CHECK.timeoutSeconds} s, ${AGENT_HEALTH_CHECK.retries} retries, start period ${AGENT_HEALTH_CHECK.startPeriodSeconds} s`);
    expect(CONTRACT_MD).toContain(`\`stopTimeout\` (${AGENT_STOP_TIMEOUT_SECONDS} s)`);
  });
});

describe("the reference image's config agrees with the task definitions", () => {
  const config = agentRuntimeConfig();
  test("runs as the task definition's user, exposes no port, stops with SIGTERM", () => {
    expect(config.User).toBe(AGENT_CONTAINER_USER);
    expect(config.ExposedPorts).toBeUndefined();
    expect(config.StopSignal).toBe(STOP_SIGNAL);
  });

  test("declares the same health check as every task definition (Docker's nanoseconds)", () => {
    expect(config.Healthcheck).toEqual({
      Test: containers[0].healthCheck.command,
      Interval: containers[0].healthCheck.interval * 1e9,
      Timeout: containers[0].healthCheck.timeout * 1e9,
      Retries: containers[0].healthCheck.retries,
      StartPeriod: containers[0].healthCheck.startPeriod * 1e9,
    });
  });
});

/** Inodes of the TCP/UDP sockets in LISTEN state (or bound UDP) in this network namespace. */
function listeningInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const [file, listenState] of [["tcp", "0A"], ["tcp6", "0A"], ["udp", "07"], ["udp6", "07"]]) {
    let text = "";
    try {
      text = readFileSync(`/proc/net/${file}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === listenState) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** Sockets the process holds that listen (or are bound for UDP): must be none. */
function listeningSocketsOf(pid: number): string[] {
  const listening = listeningInodes();
  const held: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && listening.has(m[1])) held.push(`fd ${fd}: socket ${m[1]}`);
    } catch {
      // fd closed while reading
    }
  }
  return held;
}

const contractEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  TMPDIR: mkdtempSync(join(tmpdir(), "openclaw-agent-")),
  TENANT_ID: "acme",
  AGENT: "butler",
  AWS_REGION: "us-east-1",
  TENANT_BUCKET: "openclaw-acme-111111111111-us-east-1",
  DB_HOST: "db.example.internal",
  DB_PORT: "5432",
  DB_NAME: "openclaw",
  DB_USER: "tenant_acme",
  DB_POOL_SIZE: "5",
  BEDROCK_PROFILE_CLAUDE_SONNET_4_5: "arn:aws:bedrock:us-east-1:111111111111:application-inference-profile/abc123def456",
  SLACK_CREDENTIALS: '{"token":"xoxb-secret-value"}',
});

interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(script: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [script], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const healthcheck = (env: NodeJS.ProcessEnv) => spawnSync(join(RUNTIME, "healthcheck.js"), [], { env, encoding: "utf8" });
const logLines = (text: string) => text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("the reference runtime", () => {
  test("starts, is healthy, listens on nothing, logs JSON to stdout, and exits 0 on SIGTERM", async () => {
    const env = contractEnv();
    const agent = start(join(RUNTIME, "agent.js"), env);
    await until(() => agent.stdout().includes('"started"'), "the started line");
    expect(healthcheck(env).status).toBe(0);
    expect(listeningSocketsOf(agent.child.pid!)).toEqual([]);
    agent.child.kill("SIGTERM");
    expect(await agent.exit).toEqual({ code: 0, signal: null });
    const lines = logLines(agent.stdout());
    expect(lines.map((l) => l.msg)).toEqual(["started", "stopping", "stopped"]);
    expect(lines[0]).toMatchObject({ integrations: ["SLACK_CREDENTIALS"], inferenceProfiles: ["BEDROCK_PROFILE_CLAUDE_SONNET_4_5"] });
    expect(agent.stdout()).not.toContain("xoxb-secret-value");
    expect(agent.stderr()).toBe("");
    // Stopped: the heartbeat is gone, so the health check reports it.
    const after = healthcheck(env);
    expect(after.status).toBe(1);
    expect(after.stderr).toMatch(/no heartbeat/);
  });

  test("the socket check finds a listening process (it can fail)", async () => {
    const server = spawn(process.execPath, ["-e", "require('net').createServer().listen(0, '127.0.0.1', () => console.log('up'))"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    server.stdout!.on("data", (d) => (out += d));
    await until(() => out.includes("up"), "the listener");
    try {
      expect(listeningSocketsOf(server.pid!).length).toBe(1);
    } finally {
      server.kill();
    }
  });

  test.each(CONTRACT_ENVIRONMENT.filter((v) => v.required).map((v) => v.display))("fails with exit 78 naming %s when it is missing", async (name) => {
    const env = contractEnv();
    delete env[name];
    const agent = start(join(RUNTIME, "agent.js"), env);
    expect(await agent.exit).toEqual({ code: 78, signal: null });
    expect(logLines(agent.stdout())).toEqual([expect.objectContaining({ level: "error", problem: `${name} is not set` })]);
  });

  test("refuses a Bedrock variable that is not an application inference profile", async () => {
    const env = { ...contractEnv(), BEDROCK_PROFILE_X: "anthropic.claude-sonnet-4-5-20250929-v1:0" };
    const agent = start(join(RUNTIME, "agent.js"), env);
    expect(await agent.exit).toEqual({ code: 78, signal: null });
    expect(agent.stdout()).toContain("BEDROCK_PROFILE_X must be an application inference profile ARN");
  });
});
