/**
 * Semantic comparison of two synth outputs (`cdktf.out` directories): same stacks, same
 * resources, same arguments. cdktf's `//` metadata (its version, construct paths) is ignored,
 * as Terraform ignores it. Every difference is listed with its JSON path and, where a rule
 * explains it, why it is expected; anything unexplained fails the check.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface SynthDifference {
  /** Stack name, or "(manifest)" / "(stacks)" for output-wide differences. */
  readonly stack: string;
  /** JSON path inside cdk.tf.json, or the asset file path. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  /** Why the difference is expected; undefined when no rule explains it. */
  readonly explanation?: string;
}

/** A rule that explains one kind of expected difference between the two toolchains. */
export interface DifferenceRule {
  readonly explanation: string;
  matches(difference: Omit<SynthDifference, "explanation">): boolean;
}

const PROVIDER_VERSION = /^terraform\.required_providers\.[a-z0-9_-]+\.version$/;
const PROVIDER_SOURCE = /^terraform\.required_providers\.([a-z0-9_-]+)\.source$/;

/** The differences a move from cdktf 0.21 + @cdktf/provider-aws to CDK Terrain is expected to show. */
export const CDKTN_RULES: readonly DifferenceRule[] = [
  {
    explanation:
      "provider binding version: the newer prebuilt bindings pin a newer provider release; the arguments the stacks set are unchanged",
    matches: (d) => PROVIDER_VERSION.test(d.path) && typeof d.before === "string" && typeof d.after === "string",
  },
  {
    explanation:
      'provider address written in full: "aws" and "hashicorp/aws" both mean registry.terraform.io/hashicorp/aws to Terraform (OpenTofu reads "hashicorp/aws" as registry.opentofu.org/hashicorp/aws)',
    matches: (d) => {
      const m = PROVIDER_SOURCE.exec(d.path);
      if (!m || typeof d.before !== "string" || typeof d.after !== "string") return false;
      const full = (s: string) => (s.includes("/") ? s : `hashicorp/${s}`);
      return full(d.before) === full(d.after);
    },
  },
];

/** JSON with cdktf's "//" metadata removed at every level. */
export function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      if (key === "//") continue;
      out[key] = withoutMetadata((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** Leaf-level differences between two JSON values, with dotted paths (array items as [i]). */
export function jsonDifferences(before: unknown, after: unknown, path = ""): { path: string; before: unknown; after: unknown }[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (bothArrays || (isPlainObject(before) && isPlainObject(after))) {
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => jsonDifferences(a[key], b[key], bothArrays ? `${path}[${key}]` : path ? `${path}.${key}` : key));
  }
  return [{ path, before, after }];
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

function assetDigests(stackDir: string): Record<string, string> {
  const assets = join(stackDir, "assets");
  const digests: Record<string, string> = {};
  for (const file of listFiles(assets)) {
    digests[relative(assets, file)] = createHash("sha256").update(readFileSync(file)).digest("hex");
  }
  return digests;
}

function stackNames(outdir: string): string[] {
  const dir = join(outdir, "stacks");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Every difference between two synth outputs, each explained by `rules` where one applies. */
export function compareSynthOutputs(beforeDir: string, afterDir: string, rules: readonly DifferenceRule[] = CDKTN_RULES): SynthDifference[] {
  const explain = (d: Omit<SynthDifference, "explanation">): SynthDifference => ({
    ...d,
    explanation: rules.find((rule) => rule.matches(d))?.explanation,
  });
  const before = stackNames(beforeDir);
  const after = stackNames(afterDir);
  const differences: SynthDifference[] = [];
  for (const stack of [...new Set([...before, ...after])].sort()) {
    if (!before.includes(stack) || !after.includes(stack)) {
      differences.push(explain({ stack: "(stacks)", path: stack, before: before.includes(stack), after: after.includes(stack) }));
      continue;
    }
    const read = (dir: string) => withoutMetadata(JSON.parse(readFileSync(join(dir, "stacks", stack, "cdk.tf.json"), "utf8")));
    for (const d of jsonDifferences(read(beforeDir), read(afterDir))) differences.push(explain({ stack, ...d }));
    for (const d of jsonDifferences(assetDigests(join(beforeDir, "stacks", stack)), assetDigests(join(afterDir, "stacks", stack)))) {
      differences.push(explain({ stack, path: `assets/${d.path}`, before: d.before, after: d.after }));
    }
  }
  // manifest.json: the stack list and their files; its top-level "version" is the library's own
  const manifest = (dir: string) => {
    const parsed = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    delete parsed.version;
    return withoutMetadata(parsed);
  };
  for (const d of jsonDifferences(manifest(beforeDir), manifest(afterDir))) differences.push(explain({ stack: "(manifest)", ...d }));
  return differences;
}

/** A Markdown report: one line per difference, explained ones grouped by reason. */
export function renderReport(differences: readonly SynthDifference[], title: string): string {
  const lines = [`## ${title}`, ""];
  const unexplained = differences.filter((d) => !d.explanation);
  const explained = differences.filter((d) => d.explanation);
  lines.push(`${differences.length} difference(s): ${explained.length} explained, ${unexplained.length} unexplained.`, "");
  const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v).slice(0, 160));
  if (unexplained.length > 0) {
    lines.push("### Unexplained (fail the check)", "");
    for (const d of unexplained) lines.push(`- \`${d.stack}\` \`${d.path}\`: ${show(d.before)} → ${show(d.after)}`);
    lines.push("");
  }
  const byReason = new Map<string, SynthDifference[]>();
  for (const d of explained) byReason.set(d.explanation!, [...(byReason.get(d.explanation!) ?? []), d]);
  for (const [reason, items] of byReason) {
    lines.push(`### Expected: ${reason}`, "");
    for (const d of items) lines.push(`- \`${d.stack}\` \`${d.path}\`: ${show(d.before)} → ${show(d.after)}`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
