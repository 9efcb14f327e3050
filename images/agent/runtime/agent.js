#!/usr/bin/node
"use strict";
/**
 * The reference OpenClaw agent runtime: the smallest program that honours the platform's image
 * contract (../CONTRACT.md). It validates what the task definition gives it, logs JSON lines to
 * stdout, proves it is alive through a heartbeat file the health check reads, listens on no
 * port, and exits cleanly on SIGTERM. A real agent replaces the loop with its work.
 */
const { writeFileSync, unlinkSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

/** Variables every task definition sets (CONTRACT.md, "Environment"). */
const REQUIRED = ["TENANT_ID", "AGENT", "AWS_REGION", "TENANT_BUCKET", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_POOL_SIZE"];
/** EX_CONFIG (sysexits.h): the task is misconfigured; restarting it will not help. */
const EXIT_CONFIG = 78;
const HEARTBEAT_SECONDS = 10;
const heartbeatFile = join(tmpdir(), "openclaw-agent-heartbeat");

function log(level, msg, fields = {}) {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, msg, tenant: process.env.TENANT_ID, agent: process.env.AGENT, ...fields }) + "\n");
}

function configProblems(env) {
  const problems = REQUIRED.filter((name) => !env[name]).map((name) => `${name} is not set`);
  for (const name of ["DB_PORT", "DB_POOL_SIZE"]) {
    if (env[name] && !/^[1-9]\d*$/.test(env[name])) problems.push(`${name} must be a positive integer (got ${JSON.stringify(env[name])})`);
  }
  for (const [name, value] of Object.entries(env)) {
    // The tenant's own application inference profiles: invoking anything else is denied by IAM.
    if (name.startsWith("BEDROCK_PROFILE_") && !/^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile\/[a-z0-9]+$/.test(value)) {
      problems.push(`${name} must be an application inference profile ARN`);
    }
  }
  return problems;
}

function main() {
  const problems = configProblems(process.env);
  if (problems.length > 0) {
    for (const problem of problems) log("error", "configuration", { problem });
    process.exitCode = EXIT_CONFIG;
    return;
  }
  const beat = () => writeFileSync(heartbeatFile, new Date().toISOString());
  beat();
  const timer = setInterval(beat, HEARTBEAT_SECONDS * 1000);
  log("info", "started", {
    // Names only: secret values never reach a log line.
    integrations: Object.keys(process.env).filter((n) => n.endsWith("_CREDENTIALS")).sort(),
    inferenceProfiles: Object.keys(process.env).filter((n) => n.startsWith("BEDROCK_PROFILE_")).sort(),
    database: `${process.env.DB_USER}@${process.env.DB_HOST}:${process.env.DB_PORT}/${process.env.DB_NAME}`,
  });
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping", { signal });
    clearInterval(timer);
    try {
      unlinkSync(heartbeatFile);
    } catch {
      // already gone: nothing to report unhealthy
    }
    log("info", "stopped");
    process.exitCode = 0;
  };
  // ECS sends SIGTERM, then SIGKILL after stopTimeout; the init process (initProcessEnabled)
  // forwards it to this process.
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (require.main === module) main();
module.exports = { REQUIRED, configProblems, heartbeatFile, HEARTBEAT_SECONDS };
