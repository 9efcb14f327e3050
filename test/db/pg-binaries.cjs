// Where the embedded server's binaries run from (test/db/embedded-server.mjs), as plain
// functions jest can load too (the launcher is an ES module, jest's runtime is CommonJS), so the
// 0700-clone regression is tested whatever uid runs the tests, not only as root.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

/**
 * Whether `user` ({ uid, gid }) may search every directory from the filesystem root down to
 * `file`'s directory, by the mode bits (root may always). A clone under a 0700 directory owned by
 * root fails this for the "postgres" user the server runs as when the tests run as root.
 */
function traversableBy(file, user) {
  if (user.uid === 0) return true;
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    const st = fs.statSync(dir);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

/**
 * The native/ directory to run: `native` itself when `canRun(initdb)` says its initdb runs, else
 * a copy in a fresh 0755 directory of the system temp dir (symlinks copied as links), which the
 * caller deletes (`copies`). Undefined when even the copy cannot run.
 */
function runnableNativeDir(native, canRun, copies, tmp = os.tmpdir()) {
  if (canRun(path.join(native, "bin", "initdb"))) return native;
  const copy = fs.mkdtempSync(path.join(tmp, "openclaw-pg-bin-"));
  copies.push(copy);
  fs.chmodSync(copy, 0o755);
  fs.cpSync(native, path.join(copy, "native"), { recursive: true, verbatimSymlinks: true });
  const copied = path.join(copy, "native");
  return canRun(path.join(copied, "bin", "initdb")) ? copied : undefined;
}

module.exports = { traversableBy, runnableNativeDir };
