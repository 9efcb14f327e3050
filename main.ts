import { App } from "cdktf";
import { join } from "node:path";
import { ConfigError, loadConfig } from "./config/loader";
import { buildApp } from "./stacks/build-app";
import { disableTokenStackTraces } from "./stacks/synth-tuning";

disableTokenStackTraces();

function main(): void {
  const root = __dirname;
  let config;
  try {
    config = loadConfig({
      cdktfJsonPath: join(root, "cdktf.json"),
      // The synth benchmark points this at generated tenants.
      tenantsDir: process.env.OPENCLAW_TENANTS_DIR ?? join(root, "tenants"),
      displayRoot: process.cwd(),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.problems.join("\n")}\n\n${err.problems.length} problem(s) found; nothing was synthesized.\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = new App();
  buildApp(app, config);
  app.synth();
}

main();
