#!/usr/bin/node
"use strict";
/**
 * The container health check (CONTRACT.md, "Health check"): healthy while the runtime has
 * written its heartbeat within the last three intervals. Exit 0 healthy, 1 unhealthy; ECS runs
 * it with no shell, as the container user.
 */
const { statSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const HEARTBEAT_SECONDS = 10;
const file = join(tmpdir(), "openclaw-agent-heartbeat");
try {
  const ageSeconds = (Date.now() - statSync(file).mtimeMs) / 1000;
  if (ageSeconds > 3 * HEARTBEAT_SECONDS) {
    process.stderr.write(`unhealthy: last heartbeat ${Math.round(ageSeconds)} s ago\n`);
    process.exitCode = 1;
  }
} catch {
  process.stderr.write(`unhealthy: no heartbeat at ${file}\n`);
  process.exitCode = 1;
}
