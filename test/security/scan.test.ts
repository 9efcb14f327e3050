// Enforces SECURITY.md C28 (the table "Enforcing tests" there lists this file).
/**
 * The security gate's own logic (scan/): what counts as a failure, what a skip must carry,
 * and the workaround for checkov's parser. checkov itself is not run here (npm test needs no
 * Python); `npm run scan` runs it.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classify, entryMatches, parseAccepted } from "../../scan/accepted";
import { checkovCompatible, parseCheckovOutput, pinnedCheckovVersion, resolveCheckovBin, stderrRunErrors } from "../../scan/checkov";
import { parseArgs } from "../../scan/cli";
import { formatSummary, summarize } from "../../scan/summary";

const REPO = join(__dirname, "..", "..");
const report = (failed: Array<[string, string]>, passed = 10, parsingErrors = 0) =>
  JSON.stringify({
    check_type: "terraform_json",
    results: {
      passed_checks: Array.from({ length: passed }, (_, i) => ({ check_id: `CKV_AWS_${i}` })),
      failed_checks: failed.map(([check_id, resource]) => ({ check_id, resource, check_name: `name of ${check_id}` })),
    },
    summary: { passed, failed: failed.length, skipped: 0, parsing_errors: parsingErrors },
  });

describe("reading checkov's output", () => {
  it("counts passed checks and lists each failed one", () => {
    const result = parseCheckovOutput("tenant-acme", report([["CKV_AWS_18", "aws_s3_bucket.b"]]), "", 1);
    expect(result.passed).toBe(10);
    expect(result.failed).toEqual([{ checkId: "CKV_AWS_18", resource: "aws_s3_bucket.b", checkName: "name of CKV_AWS_18" }]);
    expect(result.runErrors).toEqual([]);
  });

  it("fails on parsing errors even though checkov exits 0", () => {
    const summaryOnly = JSON.stringify({ passed: 0, failed: 0, skipped: 0, parsing_errors: 1, resource_count: 0 });
    const result = parseCheckovOutput("tenant-acme", summaryOnly, "[ERROR]  Failed to parse template: x.tf.json\nTraceback (most recent call last):", 0);
    expect(result.runErrors.join("\n")).toMatch(/1 parsing error/);
    expect(result.runErrors.join("\n")).toMatch(/Failed to parse template/);
  });

  it("fails when a check crashed ('Failed to run check'), whatever the exit code", () => {
    const result = parseCheckovOutput("platform", report([]), "2026 [WARNING] Failed to run check CKV_AWS_23 on x.tf.json:aws_security_group.sg", 0);
    expect(result.runErrors).toEqual(["2026 [WARNING] Failed to run check CKV_AWS_23 on x.tf.json:aws_security_group.sg"]);
  });

  it("fails when checkov evaluated nothing (a file it did not recognise)", () => {
    const empty = JSON.stringify({ passed: 0, failed: 0, skipped: 0, parsing_errors: 0, resource_count: 0 });
    expect(parseCheckovOutput("s", empty, "", 0).runErrors).toEqual([expect.stringMatching(/evaluated no check/)]);
  });

  it("fails when checkov printed no JSON or crashed", () => {
    expect(parseCheckovOutput("s", "", "", 2).runErrors).toEqual(["checkov exited with 2", expect.stringMatching(/no JSON report/)]);
  });

  it("reads checkov's list form (several frameworks) too", () => {
    const list = `[${report([["CKV_AWS_1", "a.b"]], 3)},${report([], 2)}]`;
    const result = parseCheckovOutput("s", list, "", 1);
    expect(result.passed).toBe(5);
    expect(result.failed).toHaveLength(1);
  });

  it("ignores ordinary log lines", () => {
    expect(stderrRunErrors("[WARNING] something unrelated\n")).toEqual([]);
  });
});

describe("the copy checkov reads", () => {
  it("drops only the plain values of the terraform block, which checkov 3.3.30 cannot parse", () => {
    const golden = JSON.parse(readFileSync(join(REPO, "test", "golden", "tenant-acme.cdk.tf.json"), "utf8"));
    const { json, dropped } = checkovCompatible(golden);
    expect(dropped).toEqual(["terraform.required_version"]);
    const { required_version: _removed, ...rest } = golden.terraform;
    expect(json).toEqual({ ...golden, terraform: rest });
    expect(json.resource).toBe(golden.resource); // resources are not touched at all
  });

  it("leaves a file without such values as it is", () => {
    const json = { terraform: { backend: { s3: {} } }, resource: {} };
    expect(checkovCompatible(json)).toEqual({ json, dropped: [] });
  });
});

describe("accepted findings", () => {
  const entry = { check: "CKV_AWS_18", stacks: "tenant-*", resources: ["aws_s3_bucket.storage_bucket_*"], reason: "a reason long enough to be read" };
  const finding = (checkId: string, resource: string) => ({ checkId, resource, checkName: "n" });

  it("match one check on the stacks and resources they name, nothing wider", () => {
    expect(entryMatches(entry, "tenant-acme", finding("CKV_AWS_18", "aws_s3_bucket.storage_bucket_6AF501AE"))).toBe(true);
    expect(entryMatches(entry, "platform-production-us-east-1", finding("CKV_AWS_18", "aws_s3_bucket.storage_bucket_6AF501AE"))).toBe(false);
    expect(entryMatches(entry, "tenant-acme", finding("CKV_AWS_18", "aws_s3_bucket.other"))).toBe(false);
    expect(entryMatches(entry, "tenant-acme", finding("CKV_AWS_19", "aws_s3_bucket.storage_bucket_6AF501AE"))).toBe(false);
  });

  it("leave every other finding failing, and report entries that match nothing as stale", () => {
    const stale = { ...entry, check: "CKV_AWS_144" };
    const result = classify(
      [
        { stack: "tenant-acme", finding: finding("CKV_AWS_18", "aws_s3_bucket.storage_bucket_1") },
        { stack: "tenant-acme", finding: finding("CKV_AWS_20", "aws_s3_bucket.storage_bucket_1") },
      ],
      [entry, stale],
    );
    expect(result.accepted.map((a) => a.finding.checkId)).toEqual(["CKV_AWS_18"]);
    expect(result.unaccepted.map((a) => a.finding.checkId)).toEqual(["CKV_AWS_20"]);
    expect(result.unused).toEqual([stale]);
  });

  it("fails when an entry has no reason, a multi-line reason, an unknown field or a bad check id", () => {
    const text = [
      "- { check: CKV_AWS_18, stacks: 'tenant-*', resources: ['*'] }",
      "- { check: CKV_AWS_18, stacks: 'x', resources: ['*'], reason: \"two\\nlines, long enough to pass the length\" }",
      "- { check: CKV_AWS_18, stacks: 'y', resources: ['*'], reason: 'a reason long enough to be read', expires: never }",
      "- { check: AWS_18, stacks: 'z', resources: ['*'], reason: 'a reason long enough to be read' }",
    ].join("\n");
    expect(() => parseAccepted(text, "f.yaml")).toThrow(/f\.yaml: 0\.reason[\s\S]*f\.yaml: 1\.reason: one line[\s\S]*f\.yaml: 2: Unrecognized key[\s\S]*f\.yaml: 3\.check: a checkov check id/);
  });

  it("fails when the same check is accepted twice for the same stacks", () => {
    const text = `- ${JSON.stringify(entry)}\n- ${JSON.stringify(entry)}\n`;
    expect(() => parseAccepted(text, "f.yaml")).toThrow(/CKV_AWS_18 for stacks tenant-\* is listed twice/);
  });

  // Thirteen: the offboarding archive (a second bucket class, in platform stacks) repeats the tenant
  // buckets' two accepted findings (an entry names one stack glob); ECS Exec logging DEFAULT
  // (CKV_AWS_224) and the optional provisioner reservation (CKV_AWS_115) are the other two additions.
  // Fourteen since the egress allowlist parameter (#31): domain names a plan comment must show.
  // Sixteen since the audit trail (#29): no CloudWatch Logs copy (CKV2_AWS_10) and no SNS topic per
  // delivered log file (CKV_AWS_252); its buckets joined the archive's two entries.
  it("the committed file: at most sixteen entries, each with a one-line reason and a narrow scope", () => {
    const entries = parseAccepted(readFileSync(join(REPO, "scan", "accepted-findings.yaml"), "utf8"), "scan/accepted-findings.yaml");
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThanOrEqual(16);
    const tooWide = entries.filter((e) => e.stacks === "*" || e.resources.includes("*"));
    expect(tooWide.map((e) => e.check)).toEqual([]);
  });
});

describe("the summary", () => {
  const entry = { check: "CKV_AWS_18", stacks: "tenant-*", resources: ["*bucket*"], reason: "a reason long enough to be read" };
  const result = (stack: string, failed: Array<[string, string]>, passed: number) => parseCheckovOutput(stack, report(failed, passed), "", failed.length ? 1 : 0);

  it("passes with only accepted findings and prints counts and both pass rates", () => {
    const results = [result("tenant-acme", [["CKV_AWS_18", "aws_s3_bucket.bucket"]], 9)];
    const summary = summarize("3.3.30", results, classify([{ stack: "tenant-acme", finding: results[0].failed[0] }], [entry]), [entry]);
    expect(summary).toMatchObject({ ok: true, passed: 9, failed: 0, skipped: 1, passRate: 90, applicablePassRate: 100 });
    expect(formatSummary(summary)).toMatch(/passed 9, failed 0, skipped 1 \(accepted\); pass rate 90\.0% of all results, 100\.0% of applicable results/);
    expect(formatSummary(summary)).toMatch(/scan passed\n$/);
  });

  it("fails on an unaccepted finding and names stack, resource and check", () => {
    const results = [result("tenant-acme", [["CKV_AWS_20", "aws_s3_bucket.bucket"]], 9)];
    const summary = summarize("3.3.30", results, classify([{ stack: "tenant-acme", finding: results[0].failed[0] }], []), []);
    expect(summary.ok).toBe(false);
    expect(formatSummary(summary)).toMatch(/tenant-acme: aws_s3_bucket\.bucket: CKV_AWS_20 name of CKV_AWS_20[\s\S]*scan FAILED/);
  });

  it("fails on a run error even with no finding", () => {
    const results = [parseCheckovOutput("tenant-acme", report([], 5, 1), "", 0)];
    const summary = summarize("3.3.30", results, classify([], []), []);
    expect(summary.ok).toBe(false);
    expect(formatSummary(summary)).toMatch(/tenant-acme: 1 parsing error/);
  });

  it("warns about an accepted entry that matches nothing, without failing", () => {
    const results = [result("tenant-acme", [], 5)];
    const summary = summarize("3.3.30", results, classify([], [entry]), [entry]);
    expect(summary.ok).toBe(true);
    expect(formatSummary(summary)).toMatch(/warning: accepted entries that match nothing[\s\S]*CKV_AWS_18 on tenant-\*/);
  });
});

describe("finding checkov", () => {
  it("uses CHECKOV_BIN when set", () => {
    expect(resolveCheckovBin("/repo", { CHECKOV_BIN: "/opt/checkov/bin/checkov" }).bin).toBe("/opt/checkov/bin/checkov");
    expect(resolveCheckovBin("/repo", { CHECKOV_BIN: ".venv-scan/bin/checkov" }).bin).toBe("/repo/.venv-scan/bin/checkov");
  });

  it("otherwise looks in .venv-scan, then .venv, and says where it looked", () => {
    const root = mkdtempSync(join(tmpdir(), "scan-bin-"));
    expect(resolveCheckovBin(root, {})).toEqual({ bin: undefined, tried: [join(root, ".venv-scan/bin/checkov"), join(root, ".venv/bin/checkov")] });
  });

  it("reads the pinned version from requirements-dev.txt", () => {
    expect(pinnedCheckovVersion(readFileSync(join(REPO, "requirements-dev.txt"), "utf8"))).toMatch(/^3\.3\.\d+$/);
    expect(pinnedCheckovVersion("moto==5.2.5\n")).toBeUndefined();
  });

  it("the scan exits 2 with install instructions when checkov is missing", async () => {
    const { main } = await import("../../scan/cli");
    const previous = process.env.CHECKOV_BIN;
    const root = mkdtempSync(join(tmpdir(), "scan-missing-"));
    const fake = join(root, "no-such-checkov");
    process.env.CHECKOV_BIN = fake;
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main([])).toBe(2);
      expect(write.mock.calls.map((c) => String(c[0])).join("")).toMatch(/checkov not found \(tried CHECKOV_BIN=.*no-such-checkov\)[\s\S]*pip install -r requirements-dev\.txt/);
    } finally {
      write.mockRestore();
      if (previous === undefined) delete process.env.CHECKOV_BIN;
      else process.env.CHECKOV_BIN = previous;
    }
  });
});

describe("arguments", () => {
  it("accept the documented options", () => {
    expect(parseArgs(["--synth-dir", "cdktf.out", "--jobs", "2"])).toMatchObject({ synthDir: expect.stringMatching(/cdktf\.out$/), jobs: 2 });
  });

  it("fail on unknown flags, missing values and bad job counts", () => {
    expect(() => parseArgs(["--bogus"])).toThrow(/unknown argument --bogus/);
    expect(() => parseArgs(["--report"])).toThrow(/--report needs a value/);
    expect(() => parseArgs(["--jobs", "0"])).toThrow(/--jobs must be a positive integer, got 0/);
  });
});
