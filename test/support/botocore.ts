import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./synth";

/**
 * botocore ships every AWS API's service model (installed with moto into the project's Python
 * environment, `.venv`). The provider often validates only a field's length; the model also has
 * the API's `pattern`, which AWS enforces at apply time.
 */
const PYTHON = [process.env.BOTOCORE_PYTHON, join(REPO_ROOT, ".venv", "bin", "python")].find((p): p is string => Boolean(p && existsSync(p)));

/**
 * True when a Python with botocore is at hand (tests comparing pinned constraints to the model
 * need it). `.ci/run` sets BOTOCORE_REQUIRED=1 after installing it: there the tests run, and fail
 * when botocore is missing, instead of skipping.
 */
export function botocoreAvailable(): boolean {
  if (process.env.BOTOCORE_REQUIRED === "1") return true;
  if (!PYTHON) return false;
  return spawnSync(PYTHON, ["-c", "import botocore"], { encoding: "utf8" }).status === 0;
}

/** The metadata (`pattern`, `min`, `max`, ...) of one input member of one operation. */
export function inputConstraints(service: string, operation: string, member: string): Record<string, unknown> {
  if (!PYTHON) throw new Error("no Python with botocore: python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt, or set BOTOCORE_PYTHON");
  const script = [
    "import json, sys, botocore.session",
    "m = botocore.session.get_session().get_service_model(sys.argv[1]).operation_model(sys.argv[2]).input_shape.members[sys.argv[3]]",
    "print(json.dumps(m.metadata))",
  ].join("\n");
  const run = spawnSync(PYTHON, ["-c", script, service, operation, member], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`botocore lookup of ${service} ${operation}.${member} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}
