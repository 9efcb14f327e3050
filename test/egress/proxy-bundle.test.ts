/**
 * The proxy image's entrypoint bundles into one file that runs on plain Node (the image has no
 * node_modules), as `npm run build:egress-proxy` builds it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { REPO_ROOT } from "../support/synth";

describe("the egress proxy entrypoint bundle", () => {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-egress-bundle-"));
  const bundle = join(dir, "egress-proxy.js");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("bundles and runs: usage without a command, unhealthy without squid", () => {
    buildSync({ entryPoints: [join(REPO_ROOT, "egress", "proxy-main.ts")], bundle: true, platform: "node", target: "node18", outfile: bundle, logLevel: "silent" });
    const usage = spawnSync(process.execPath, [bundle], { encoding: "utf8" });
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain("usage: egress-proxy run | health");
    // No squid pid file here: the ECS health check must report unhealthy, not crash.
    expect(spawnSync(process.execPath, [bundle, "health"], { encoding: "utf8" }).status).toBe(1);
  });
});
