/**
 * Fails any test that reads the repository's live `tenants/` or `cdktf.json`.
 *
 * Those files are the adopter's fleet: a team that forks the repository replaces the example
 * tenants, accounts and regions, and adds tenants with every onboarding pull request. A test that
 * read them would turn those pull requests red (issue #27). Tests read test/fixtures/ instead
 * (test/support/fixtures.ts); the fleet itself is checked by `npm run check:fleet`.
 *
 * Installed for every test file by test/support/setup-jest.ts. Only reads through `fs` in the
 * jest worker are seen; a child process gets OPENCLAW_CDKTF_JSON and OPENCLAW_TENANTS_DIR pointing
 * at the fixtures, and the fork check (`npm run check:fork`) runs the whole suite on a repository
 * whose live files are someone else's.
 */
import { relative, resolve, sep } from "node:path";
import { LIVE_CDKTF_JSON, LIVE_TENANTS_DIR } from "./fixtures";

/** Generated from the schema in code, not fleet data: a fork keeps it as it is. */
const GENERATED = new Set([resolve(LIVE_TENANTS_DIR, "tenant.schema.json")]);

/** The live path `target` names, or undefined when it names something else. */
export function livePath(target: unknown): string | undefined {
  if (typeof target !== "string" && !(target instanceof URL)) return undefined;
  const path = resolve(target instanceof URL ? target.pathname : target);
  if (path === LIVE_CDKTF_JSON) return path;
  if (GENERATED.has(path)) return undefined;
  if (path === LIVE_TENANTS_DIR || path.startsWith(LIVE_TENANTS_DIR + sep)) return path;
  return undefined;
}

export class LiveConfigReadError extends Error {
  /** Shown by code that reports only an error's code, such as the loader's "cannot read tenants directory (...)". */
  readonly code = "ELIVEFLEET";
}

function refusal(path: string): LiveConfigReadError {
  return new LiveConfigReadError(
    `a test read ${relative(process.cwd(), path) || path}, the repository's live fleet; tests read the fixtures ` +
      "(test/support/fixtures.ts: FIXTURE_TENANTS_DIR, FIXTURE_CDKTF_JSON), and `npm run check:fleet` checks the live files",
  );
}

const ORIGINALS = Symbol.for("openclaw.liveConfigGuard.originals");

/** [owner, function name] pairs whose first argument is the path read. */
function guardedFunctions(fs: typeof import("node:fs")): Array<[Record<string | symbol, any>, string]> {
  const sync = ["readFileSync", "readdirSync", "openSync", "opendirSync", "cpSync", "copyFileSync", "createReadStream"];
  const callback = ["readFile", "readdir", "open", "opendir", "cp", "copyFile"];
  const promises = ["readFile", "readdir", "open", "opendir", "cp", "copyFile"];
  const owner = fs as unknown as Record<string | symbol, any>;
  return [
    ...[...sync, ...callback].map((name): [Record<string | symbol, any>, string] => [owner, name]),
    ...promises.map((name): [Record<string | symbol, any>, string] => [fs.promises as unknown as Record<string | symbol, any>, name]),
  ];
}

/**
 * Wraps the fs functions that read a path. Jest runs many test files in one worker process and
 * loads this module afresh for each, so every install wraps the original functions again (kept
 * on the module object) and errors are of the current file's LiveConfigReadError.
 */
export function installLiveConfigGuard(): void {
  // The module object itself: `import * as fs` would give a copy made by the ES-module interop,
  // and patching a copy guards nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs: typeof import("node:fs") = require("node:fs");
  for (const [owner, name] of guardedFunctions(fs)) {
    const originals: Record<string, (...args: unknown[]) => unknown> = (owner[ORIGINALS] ??= {});
    const original = (originals[name] ??= owner[name]);
    const isPromiseApi = owner === (fs.promises as unknown);
    owner[name] = function guarded(this: unknown, ...args: unknown[]) {
      const path = livePath(args[0]);
      if (path) {
        if (isPromiseApi) return Promise.reject(refusal(path));
        throw refusal(path);
      }
      return original.apply(this, args);
    };
  }
}
