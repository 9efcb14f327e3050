import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/** One failed check on one resource, as checkov reports it. */
export interface CheckovFinding {
  readonly checkId: string;
  readonly checkName: string;
  /** `aws_s3_bucket.storage_bucket_6AF501AE` or `data.network_zones_2241F3F0` (checkov's own spelling). */
  readonly resource: string;
}

/** What one checkov run over one cdk.tf.json found, and whether the run itself can be trusted. */
export interface CheckovFileResult {
  readonly stack: string;
  readonly passed: number;
  readonly failed: CheckovFinding[];
  /** Checks checkov itself skipped (none are configured; any here came from elsewhere). */
  readonly skipped: number;
  readonly passedCheckIds: string[];
  readonly parsingErrors: number;
  readonly exitCode: number | null;
  /** Reasons this run's result cannot be trusted (parsing errors, checks that crashed, no output). */
  readonly runErrors: string[];
}

/** Where the checkov CLI is: `$CHECKOV_BIN`, else the repository's `.venv-scan` or `.venv`. */
export function resolveCheckovBin(repoRoot: string, env: NodeJS.ProcessEnv = process.env): { bin?: string; tried: string[] } {
  if (env.CHECKOV_BIN) {
    const bin = isAbsolute(env.CHECKOV_BIN) || !env.CHECKOV_BIN.includes("/") ? env.CHECKOV_BIN : join(repoRoot, env.CHECKOV_BIN);
    return { bin, tried: [`CHECKOV_BIN=${env.CHECKOV_BIN}`] };
  }
  const candidates = [join(repoRoot, ".venv-scan", "bin", "checkov"), join(repoRoot, ".venv", "bin", "checkov")];
  return { bin: candidates.find((c) => existsSync(c)), tried: candidates };
}

/** The version requirements-dev.txt pins (`checkov==X.Y.Z`), so a scan with another version is refused. */
export function pinnedCheckovVersion(requirementsText: string): string | undefined {
  return /^checkov==([0-9][^\s#]*)/m.exec(requirementsText)?.[1];
}

/**
 * Makes the copy of a cdk.tf.json that checkov reads. checkov 3.3.30's terraform_json parser
 * raises "this method receives only dicts" on any plain value in the top-level `terraform`
 * block (`required_version`), then reports the whole file as one parsing error and checks
 * nothing. The `terraform` block holds no resource, so dropping its plain values changes no
 * check; everything else is copied byte for byte in meaning. Returns the keys dropped.
 */
export function checkovCompatible(json: Record<string, any>): { json: Record<string, any>; dropped: string[] } {
  const terraform = json.terraform;
  if (!terraform || typeof terraform !== "object" || Array.isArray(terraform)) return { json, dropped: [] };
  const dropped = Object.keys(terraform).filter((k) => terraform[k] === null || typeof terraform[k] !== "object");
  if (dropped.length === 0) return { json, dropped };
  const kept = Object.fromEntries(Object.entries(terraform).filter(([k]) => !dropped.includes(k)));
  return { json: { ...json, terraform: kept }, dropped: dropped.map((k) => `terraform.${k}`) };
}

/** Writes the checkov copy as `<dir>/<stack>.cdk.tf.json` (checkov only reads files ending in .tf.json). */
export function writeCheckovCopy(dir: string, stack: string, json: Record<string, any>): { path: string; dropped: string[] } {
  mkdirSync(dir, { recursive: true });
  const { json: compatible, dropped } = checkovCompatible(json);
  const path = join(dir, `${stack}.cdk.tf.json`);
  writeFileSync(path, JSON.stringify(compatible, null, 2));
  return { path, dropped };
}

/** Lines of checkov's stderr that mean a check or a file was not really evaluated. */
export function stderrRunErrors(stderr: string): string[] {
  const errors: string[] = [];
  for (const line of stderr.split("\n")) {
    if (/Failed to run check/i.test(line)) errors.push(line.trim());
    else if (/Failed to parse|Traceback \(most recent call last\)/.test(line)) errors.push(line.trim());
  }
  return [...new Set(errors)];
}

/**
 * Reads checkov's `-o json` output for one file. With one framework it prints one report object;
 * a file with no resources prints only a summary. Anything else is a run error, never a pass.
 */
export function parseCheckovOutput(stack: string, stdout: string, stderr: string, exitCode: number | null): CheckovFileResult {
  const runErrors = stderrRunErrors(stderr);
  if (exitCode !== 0 && exitCode !== 1) runErrors.push(`checkov exited with ${exitCode}`);
  let parsed: any;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    runErrors.push(`checkov printed no JSON report (${stdout.trim().slice(0, 200) || "empty output"})`);
    return { stack, passed: 0, failed: [], skipped: 0, passedCheckIds: [], parsingErrors: 0, exitCode, runErrors };
  }
  const reports: any[] = Array.isArray(parsed) ? parsed : [parsed];
  let passed = 0;
  let skipped = 0;
  let parsingErrors = 0;
  const failed: CheckovFinding[] = [];
  const passedCheckIds: string[] = [];
  for (const report of reports) {
    const summary = report.summary ?? report; // a report with no results is only its summary
    passed += summary.passed ?? 0;
    skipped += summary.skipped ?? 0;
    parsingErrors += summary.parsing_errors ?? 0;
    for (const check of report.results?.failed_checks ?? []) {
      failed.push({ checkId: check.check_id, checkName: check.check_name, resource: check.resource });
    }
    for (const check of report.results?.passed_checks ?? []) passedCheckIds.push(check.check_id);
  }
  if (parsingErrors > 0) runErrors.push(`${parsingErrors} parsing error(s): checkov could not read the file, so nothing in it was checked`);
  if (passed + failed.length + skipped === 0 && runErrors.length === 0) runErrors.push("checkov evaluated no check at all (file not recognised as Terraform JSON?)");
  return { stack, passed, failed, skipped, passedCheckIds, parsingErrors, exitCode, runErrors };
}

/** Runs checkov on one file, with no skip list of its own: accepted findings are applied afterwards. */
export function runCheckov(bin: string, stack: string, file: string, cwd: string): Promise<CheckovFileResult> {
  return new Promise((resolve) => {
    const child = spawn(bin, ["--framework", "terraform_json", "-f", file, "-o", "json", "--compact", "--skip-download"], {
      cwd, // a directory of our own, so no stray .checkov.yaml changes what runs
      // BC_SKIP_MAPPING: without it checkov tries to download guidelines and prints a traceback.
      env: { ...process.env, BC_SKIP_MAPPING: "TRUE" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (err) => resolve(parseCheckovOutput(stack, "", `Failed to parse: cannot start ${bin}: ${err.message}`, null)));
    child.on("close", (code) => resolve(parseCheckovOutput(stack, stdout, stderr, code)));
  });
}

/** The installed checkov's version, or undefined when the binary does not run. */
export function checkovVersion(bin: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(bin, ["--version"], { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, BC_SKIP_MAPPING: "TRUE" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 ? out.trim().split(/\s+/).pop() : undefined));
  });
}
