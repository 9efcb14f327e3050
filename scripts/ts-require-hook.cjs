/**
 * A require hook for this project's TypeScript on plain node, for the synth app and its workers
 * (cdktf.json `app`, synth/fleet-synth.ts). Each .ts file is transpiled once with esbuild into
 * node_modules/.cache/openclaw-ts/<sha256 of source and options>.js and loaded from there after
 * that: no tsx and no esbuild service process beside every synth process (tsx keeps one alive,
 * about 90 MB each), and no source maps (cdktf captures stack traces, which source maps make slow).
 * Type checking is `npm run typecheck`'s job, as with tsx.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "openclaw-ts");
const OPTIONS = { loader: "ts", format: "cjs", target: `node${process.versions.node.split(".")[0]}`, sourcemap: false };
const KEY = JSON.stringify({ OPTIONS, esbuild: require("esbuild/package.json").version });

let stopScheduled = false;

function compile(source, filename) {
  const hash = crypto.createHash("sha256").update(KEY).update("\0").update(filename).update("\0").update(source).digest("hex");
  const cached = path.join(CACHE, `${hash}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // first run with this source: transpile and keep the result
  }
  const esbuild = require("esbuild");
  const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
  // esbuild's sync API keeps a service process (about 90 MB) for the life of the process: stop it
  // once the current chain of requires is done (misses in one chain share one service).
  if (!stopScheduled) {
    stopScheduled = true;
    setImmediate(() => {
      stopScheduled = false;
      void esbuild.stop();
    }).unref();
  }
  fs.mkdirSync(CACHE, { recursive: true });
  const temporary = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, code);
  fs.renameSync(temporary, cached); // atomic: concurrent workers never read half a file
  return code;
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
};
