import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DRIFT_MARKER, driftReport } from "../../pipeline/drift-report";
import { readPlans } from "../../pipeline/lib/plan";
import * as tool from "../../pipeline/drift-report";
import { runCli } from "./cli-helper";

function plansDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "drift-"));
  const stack = (name: string, actions: string[], changes: boolean, error?: string) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "result.json"), JSON.stringify({ stack: name, status: error ? "failed" : "planned", changes }));
    if (error) {
      writeFileSync(join(dir, name, "error.txt"), error);
      return;
    }
    writeFileSync(
      join(dir, name, "plan.json"),
      JSON.stringify({
        format_version: "1.2",
        resource_changes: [{ address: "aws_s3_bucket.data", change: { actions, before: {}, after: {}, after_unknown: {} } }],
      }),
    );
    writeFileSync(join(dir, name, "plan.txt"), actions[0] === "no-op" ? "No changes." : "  ~ tags changed outside Terraform");
  };
  stack("tenant-a", ["update"], true);
  stack("tenant-b", ["no-op"], false);
  stack("tenant-c", ["no-op"], false, "Error: AccessDenied");
  return dir;
}

describe("drift-report", () => {
  test("lists drifted and failed stacks with the drift marker and counts the clean ones", async () => {
    const r = driftReport(readPlans(plansDir()), { runUrl: "https://example.test/run/1" });
    expect(r.drifted).toEqual(["tenant-a"]);
    expect(r.failed).toEqual(["tenant-c"]);
    expect(r.clean).toBe(1);
    expect(r.title).toBe("Drift: 1 drifted, 1 failed to plan of 3 stacks");
    expect(r.body.startsWith(DRIFT_MARKER)).toBe(true);
    expect(r.body).toContain("| `tenant-a` | 0 | 1 | 0 | 0 | changes |");
    expect(r.body).not.toContain("`tenant-b`");
  });

  test("reports no drift when every plan is clean", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-"));
    mkdirSync(join(dir, "tenant-a"));
    writeFileSync(join(dir, "tenant-a", "plan.json"), JSON.stringify({ format_version: "1.2", resource_changes: [] }));
    const r = driftReport(readPlans(dir));
    expect(r.title).toBe("No drift in 1 stacks");
    expect(r.drifted).toEqual([]);
  });

  test("CLI --json prints the report for the workflow", async () => {
    const r = await runCli("drift-report", tool, [plansDir(), "--json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ drifted: ["tenant-a"], failed: ["tenant-c"], clean: 1, total: 3 });
  });
});

test("CLI --synth counts stacks without a result as failed, so a dead shard never closes the issue", async () => {
  const dir = mkdtempSync(join(tmpdir(), "drift-"));
  const r = await runCli("drift-report", tool, [dir, "--synth", join(__dirname, "fixtures/synth/head"), "--json"]);
  expect(r.status).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.failed).toHaveLength(6);
  expect(report.title).toBe("Drift: 6 failed to plan of 6 stacks");
});
