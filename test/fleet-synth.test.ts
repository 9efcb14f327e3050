/**
 * The fleet synth (worker processes, each synthesizing its share in batches, one merged
 * manifest.json) must write exactly what one `app.synth()` writes: same files, same bytes.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/loader";
import { synthesizeApp } from "../stacks/build-app";
import { defaultWorkers, progressLines, splitShares, synthesizeFleet } from "../synth/fleet-synth";
import { REPO_ROOT, treeOf } from "./support/synth";
import { writeTenants } from "./support/tenant-fixtures";
import { FIXTURE_CDKTF_JSON } from "./support/fixtures";

const placements = [
  { environment: "production", region: "us-east-1" },
  { environment: "production", region: "us-west-2" },
  { environment: "staging", region: "us-east-1" },
];
const tenantsDir = writeTenants(
  Array.from({ length: 14 }, (_, i) => ({ id: `fleet-${String(i).padStart(2, "0")}`, ...placements[i % 3], status: i % 5 === 4 ? ("suspended" as const) : ("active" as const) })),
);
const config = loadConfig({ cdktfJsonPath: FIXTURE_CDKTF_JSON, tenantsDir, displayRoot: REPO_ROOT });
const temp = () => mkdtempSync(join(tmpdir(), "openclaw-fleet-"));
const reference = temp();
synthesizeApp(config, reference);
const expected = treeOf(reference);

describe("fleet synth", () => {
  it("writes byte-identical output to one app.synth(), in this process, batch by batch", async () => {
    const out = temp();
    await synthesizeFleet(config, out, { workers: 1, batchSize: 4 });
    expect(Object.keys(expected)).toContain("manifest.json");
    expect(treeOf(out)).toEqual(expected);
  });

  it("writes byte-identical output to one app.synth() from two worker processes, reporting each batch of both (#27)", async () => {
    const out = temp();
    const progress: Array<[number, number]> = [];
    await synthesizeFleet(config, out, { workers: 2, batchSize: 3, progress: (done, total) => progress.push([done, total]) });
    expect(treeOf(out)).toEqual(expected);
    const total = readdirSync(join(out, "stacks")).length;
    // 17 stacks in two shares of 9 and 8, batches of 3: 3 + 3 batches, counted up to the total.
    expect(progress).toHaveLength(6);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
  }, 60_000);

  it("prints a progress line at each tenth of a fleet of 100 stacks or more, none for a small one", () => {
    const lines: string[] = [];
    const report = progressLines((line) => lines.push(line));
    for (let done = 50; done <= 1000; done += 50) report(done, 1000);
    expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `synth: ${((i + 1) * 100).toLocaleString("en-US")}/1,000 stacks (${(i + 1) * 10}%)`));
    const small: string[] = [];
    const quiet = progressLines((line) => small.push(line));
    for (let done = 1; done <= 99; done++) quiet(done, 99);
    expect(small).toEqual([]);
  });

  it("synthesizes only the stacks asked for, with a manifest of just those", async () => {
    const out = temp();
    const manifest = await synthesizeFleet(config, out, { workers: 1, only: new Set(["platform-staging-us-east-1", "tenant-fleet-05"]) });
    expect(Object.keys(manifest.stacks).sort()).toEqual(["platform-staging-us-east-1", "tenant-fleet-05"]);
    expect(readdirSync(join(out, "stacks")).sort()).toEqual(["platform-staging-us-east-1", "tenant-fleet-05"]);
    expect(readFileSync(join(out, "stacks", "tenant-fleet-05", "cdk.tf.json"), "utf8")).toBe(Buffer.from(expected["stacks/tenant-fleet-05/cdk.tf.json"], "base64").toString());
  });

  it("splits stacks round-robin, so platform stacks spread over the workers", () => {
    expect(splitShares(["p1", "p2", "t1", "t2", "t3"], 2)).toEqual([["p1", "t1", "t3"], ["p2", "t2"]]);
    expect(splitShares(["p1"], 4)).toEqual([["p1"]]);
  });

  it("uses one process for a small fleet, up to one worker per CPU for a large one, or OPENCLAW_SYNTH_WORKERS", () => {
    expect(defaultWorkers(6, {})).toBe(1);
    expect(defaultWorkers(1003, {})).toBeGreaterThanOrEqual(1);
    expect(defaultWorkers(1003, {})).toBeLessThanOrEqual(require("node:os").availableParallelism());
    expect(defaultWorkers(6, { OPENCLAW_SYNTH_WORKERS: "3" })).toBe(3);
  });
});
