/**
 * The design target "a pull request that changes one tenant plans exactly one stack",
 * checked on the real app: synth the example tenants, then the same with one tenant file
 * changed, and compare with `affected`.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeAffected } from "../../pipeline/affected";
import { readSynth } from "../../pipeline/lib/synth";
import { runTypeScriptAsync } from "../support/run-typescript";
import { FIXTURE_TENANTS_DIR } from "../support/fixtures";

/** Runs main.ts as a process: tenants dir and output dir from the environment. */
function synth(tenantsDir: string): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "real-synth-"));
  return runTypeScriptAsync("main.ts", [], { env: { OPENCLAW_TENANTS_DIR: tenantsDir, CDKTF_OUTDIR: outdir } }).then(({ status, stderr }) => {
    if (status !== 0) throw new Error(`synth failed (${status}): ${stderr}`);
    return outdir;
  });
}

test("changing one tenant file affects exactly that tenant's stack", async () => {
  const base = mkdtempSync(join(tmpdir(), "tenants-"));
  const head = mkdtempSync(join(tmpdir(), "tenants-"));
  cpSync(FIXTURE_TENANTS_DIR, base, { recursive: true });
  cpSync(FIXTURE_TENANTS_DIR, head, { recursive: true });
  const file = join(head, "acme.yaml");
  const changed = readFileSync(file, "utf8").replace(/monthlyUsd: \d+/, "monthlyUsd: 12345");
  expect(changed).toContain("monthlyUsd: 12345"); // the edit applied
  writeFileSync(file, changed);

  const [baseOut, headOut] = await Promise.all([synth(base), synth(head)]);
  expect(computeAffected(readSynth(baseOut), readSynth(headOut))).toEqual({
    changed: ["tenant-acme"],
    added: [],
    removed: [],
    order: [["tenant-acme"]],
  });
}, 60_000);
