/**
 * The design target "a pull request that changes one tenant plans exactly one stack",
 * checked on the real app: synth the example tenants, then the same with one tenant file
 * changed, and compare with `affected`.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeAffected } from "../../pipeline/affected";
import { readSynth } from "../../pipeline/lib/synth";

const ROOT = join(__dirname, "..", "..");

/** Runs main.ts the way the synth benchmark does: tenants dir and output dir from the environment. */
function synth(tenantsDir: string): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "real-synth-"));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve("tsx/cli"), join(ROOT, "main.ts")], {
      cwd: ROOT,
      env: { ...process.env, OPENCLAW_TENANTS_DIR: tenantsDir, CDKTF_OUTDIR: outdir },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("close", (code) => (code === 0 ? resolve(outdir) : reject(new Error(`synth failed (${code}): ${stderr}`))));
  });
}

test("changing one tenant file affects exactly that tenant's stack", async () => {
  const base = mkdtempSync(join(tmpdir(), "tenants-"));
  const head = mkdtempSync(join(tmpdir(), "tenants-"));
  cpSync(join(ROOT, "tenants"), base, { recursive: true });
  cpSync(join(ROOT, "tenants"), head, { recursive: true });
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
