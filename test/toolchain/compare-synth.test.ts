import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareSynthOutputs, renderReport } from "../../toolchain/compare-synth";
import { expectInOrder } from "../support/text-order";

type Stacks = Record<string, Record<string, unknown>>;

function synthDir(stacks: Stacks, assets: Record<string, Record<string, string>> = {}, libraryVersion = "0.21.0"): string {
  const dir = mkdtempSync(join(tmpdir(), "compare-synth-"));
  const manifest = { version: libraryVersion, stacks: {} as Record<string, unknown> };
  for (const [name, json] of Object.entries(stacks)) {
    mkdirSync(join(dir, "stacks", name), { recursive: true });
    writeFileSync(join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify({ "//": { metadata: { version: libraryVersion } }, ...json }));
    for (const [file, content] of Object.entries(assets[name] ?? {})) {
      mkdirSync(join(dir, "stacks", name, "assets", "code"), { recursive: true });
      writeFileSync(join(dir, "stacks", name, "assets", "code", file), content);
    }
    manifest.stacks[name] = { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json` };
  }
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

const stack = (overrides: { source?: string; version?: string; bucket?: string; extra?: boolean } = {}) => ({
  terraform: { required_providers: { aws: { source: overrides.source ?? "aws", version: overrides.version ?? "6.25.0" } } },
  resource: {
    aws_s3_bucket: {
      data: { bucket: overrides.bucket ?? "acme-data", "//": { metadata: { path: "tenant-acme/storage/bucket" } } },
      ...(overrides.extra ? { logs: { bucket: "acme-logs" } } : {}),
    },
  },
});

describe("compareSynthOutputs", () => {
  it("finds nothing when only cdktf's metadata and the library version differ", () => {
    const before = synthDir({ "tenant-acme": stack() }, {}, "0.21.0");
    const after = synthDir({ "tenant-acme": stack() }, {}, "0.24.0");
    expect(compareSynthOutputs(before, after)).toEqual([]);
  });

  it("explains a newer provider release pinned by newer bindings", () => {
    const differences = compareSynthOutputs(synthDir({ s: stack() }), synthDir({ s: stack({ version: "6.66.0" }) }));
    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatchObject({ stack: "s", path: "terraform.required_providers.aws.version", before: "6.25.0", after: "6.66.0" });
    expect(differences[0].explanation).toMatch(/provider binding version/);
  });

  it("explains the provider address written in full, but not a different provider", () => {
    const full = compareSynthOutputs(synthDir({ s: stack() }), synthDir({ s: stack({ source: "hashicorp/aws" }) }));
    expect(full[0].explanation).toMatch(/address written in full/);
    const other = compareSynthOutputs(synthDir({ s: stack() }), synthDir({ s: stack({ source: "evil/aws" }) }));
    expect(other[0].explanation).toBeUndefined();
  });

  it("leaves a changed argument, an added resource, a changed asset and a missing stack unexplained", () => {
    const before = synthDir({ a: stack(), b: stack() }, { a: { "index.js": "v1" } });
    const after = synthDir({ a: stack({ bucket: "other", extra: true }) }, { a: { "index.js": "v2" } });
    const differences = compareSynthOutputs(before, after);
    expect(differences.map((d) => `${d.stack} ${d.path}`)).toEqual([
      "a resource.aws_s3_bucket.data.bucket",
      "a resource.aws_s3_bucket.logs",
      "a assets/code/index.js",
      "(stacks) b",
      "(manifest) stacks.b",
    ]);
    expect(differences.every((d) => d.explanation === undefined)).toBe(true);
  });

  it("reports unexplained differences first, then the expected ones grouped by reason", () => {
    const report = renderReport(
      compareSynthOutputs(synthDir({ s: stack() }), synthDir({ s: stack({ version: "6.66.0", bucket: "x" }) })),
      "title",
    );
    expect(report).toContain("2 difference(s): 1 explained, 1 unexplained.");
    // Mutation tried: renaming the "Unexplained" heading; the old indexOf comparison passed (-1).
    expectInOrder(report, ["### Unexplained", "### Expected: provider binding version"]);
    expect(report).toContain('- `s` `resource.aws_s3_bucket.data.bucket`: "acme-data" → "x"');
  });
});
