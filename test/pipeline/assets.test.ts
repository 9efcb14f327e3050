/**
 * Asset handling against real cdktf output: cdktf zips archive assets with file mtimes,
 * so affected must compare zip contents, not bytes.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, AssetType, TerraformAsset, TerraformOutput, TerraformStack } from "cdktf";
import { computeAffected } from "../../pipeline/affected";
import { readSynth } from "../../pipeline/lib/synth";

const tmp = () => mkdtempSync(join(tmpdir(), "assets-"));

/** Synthesizes a platform stack with a Lambda-style archive asset of `code`, files dated `mtime`. */
function synthWithAsset(code: string, mtime: Date, stablePath = false): string {
  const src = tmp();
  mkdirSync(join(src, "fn"));
  writeFileSync(join(src, "fn", "index.js"), code);
  utimesSync(join(src, "fn", "index.js"), mtime, mtime);
  const outdir = tmp();
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "platform-production-us-east-1");
  const asset = new TerraformAsset(stack, "provisioner", { path: join(src, "fn"), type: AssetType.ARCHIVE });
  // stablePath: a config that does not embed the asset hash (what the byte check is for)
  new TerraformOutput(stack, "code", { value: stablePath ? "assets/provisioner/archive.zip" : asset.path });
  app.synth();
  return outdir;
}

test("the same code zipped at another time is not a change", () => {
  const a = synthWithAsset("exports.handler = 1;", new Date("2024-01-01T00:00:00Z"));
  const b = synthWithAsset("exports.handler = 1;", new Date("2025-06-01T12:00:00Z"));
  const zip = (dir: string) => {
    const assetDir = join(dir, "stacks/platform-production-us-east-1/assets/provisioner");
    return readFileSync(join(assetDir, readdirSync(assetDir)[0], "archive.zip"));
  };
  expect(zip(a).equals(zip(b))).toBe(false); // the bytes differ: only the mtimes changed
  expect(computeAffected(readSynth(a), readSynth(b)).changed).toEqual([]);
});

test("changed code is a change, even when cdk.tf.json does not embed the asset hash", () => {
  const a = synthWithAsset("exports.handler = 1;", new Date("2024-01-01T00:00:00Z"), true);
  const b = synthWithAsset("exports.handler = 2;", new Date("2024-01-01T00:00:00Z"), true);
  expect(computeAffected(readSynth(a), readSynth(b)).changed).toEqual(["platform-production-us-east-1"]);
});
