/**
 * Import shim for the CDK Terrain check (`npm run check:cdktn`): loaded with `--require`, it
 * resolves `cdktf`, `@cdktf/provider-aws` and `constructs` (and their subpaths) to the CDK
 * Terrain packages installed in a scratch directory, so the repository's own imports stay as
 * they are. Everything else resolves from the repository as usual.
 *
 * OPENCLAW_CDKTN_ROOT: the scratch directory whose node_modules holds cdktn,
 * @cdktn/provider-aws and constructs.
 */
"use strict";
const Module = require("module");

const root = process.env.OPENCLAW_CDKTN_ROOT;
if (!root) throw new Error("cdktn-shim: OPENCLAW_CDKTN_ROOT is not set");

const REDIRECTS = [
  [/^cdktf(\/.*)?$/, "cdktn"],
  [/^@cdktf\/provider-aws(\/.*)?$/, "@cdktn/provider-aws"],
  [/^constructs(\/.*)?$/, "constructs"],
];

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  for (const [pattern, target] of REDIRECTS) {
    const match = pattern.exec(request);
    if (match) return resolveFilename.call(this, target + (match[1] || ""), parent, isMain, { paths: [root] });
  }
  return resolveFilename.call(this, request, parent, isMain, options);
};
