/**
 * affected: which stacks differ between two cdktf synth outputs, and in which order
 * to act on them.
 *
 *   npm run -s affected -- --base <synth-dir> --head <synth-dir> [--out <file>]
 *
 * Prints {"changed":[...],"added":[...],"removed":[...],"order":[[...],...]}.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { log, parse, run, UsageError } from "./lib/cli";
import { readSynth, type StackInfo, type Synth } from "./lib/synth";

export interface Affected {
  /** In both, with a different fingerprint (config without `//` metadata, plus assets). */
  readonly changed: string[];
  /** Only in head. */
  readonly added: string[];
  /** Only in base: need offboarding, never destroyed by the pipeline. */
  readonly removed: string[];
  /** changed + added in dependency waves: every stack comes after the stacks it depends on. */
  readonly order: string[][];
}

export const HELP = `Usage: npm run -s affected -- (--base <dir> | --empty-base) --head <dir> [--out <file>]

Compares two cdktf synth output directories (each with manifest.json and
stacks/<stack>/cdk.tf.json) and prints JSON:

  {"changed":[...],"added":[...],"removed":[...],"order":[[...],[...]]}

changed  stacks whose cdk.tf.json differs semantically (key order and cdktf "//"
         metadata ignored) or whose assets/ files differ
added    stacks only in --head
removed  stacks only in --base (to offboard; the pipeline never destroys them)
order    changed + added grouped in waves from manifest.json dependencies:
         a stack's wave comes after every wave holding a stack it depends on

Options:
  --base <dir>   synth output of the base revision (e.g. base/cdktf.out)
  --head <dir>   synth output of the head revision (e.g. cdktf.out)
  --empty-base   compare with nothing: every head stack is "added" (first deploy,
                 or redeploying everything)
  --out <file>   also write the JSON to this file
  --github-output <file>
                 also append changed=, added=, removed= (comma lists) and count=
                 (changed + added) for later steps, e.g. "$GITHUB_OUTPUT"
  --help         show this help

Exit codes: 0 ok, 1 bad input (missing dir, invalid manifest, dependency cycle),
2 unexpected failure.`;

/**
 * Groups `targets` into waves. Dependencies through stacks that are not targets still
 * count (A -> B -> C with only A and C affected puts C after A).
 */
export function dependencyWaves(targets: Iterable<string>, stacks: ReadonlyMap<string, StackInfo>): string[][] {
  const targetSet = new Set(targets);
  const level = new Map<string, number>();
  const visiting = new Set<string>();

  // Longest chain of *target* ancestors above `name`, counting `name` itself if it is a target.
  const depth = (name: string, path: string[]): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) {
      throw new UsageError(`dependency cycle between stacks: ${[...path, name].join(" -> ")}`);
    }
    visiting.add(name);
    let above = 0;
    for (const dep of stacks.get(name)?.dependencies ?? []) {
      above = Math.max(above, depth(dep, [...path, name]));
    }
    visiting.delete(name);
    const result = above + (targetSet.has(name) ? 1 : 0);
    level.set(name, result);
    return result;
  };

  const waves = new Map<number, string[]>();
  for (const name of targetSet) {
    const d = depth(name, []);
    waves.set(d, [...(waves.get(d) ?? []), name]);
  }
  return [...waves.keys()].sort((a, b) => a - b).map((k) => (waves.get(k) ?? []).sort());
}

export function computeAffected(base: Synth, head: Synth): Affected {
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [name, stack] of head.stacks) {
    const before = base.stacks.get(name);
    if (!before) added.push(name);
    else if (before.fingerprint !== stack.fingerprint) changed.push(name);
  }
  for (const name of base.stacks.keys()) {
    if (!head.stacks.has(name)) removed.push(name);
  }
  for (const name of head.stacks.keys()) {
    for (const dep of head.stacks.get(name)?.dependencies ?? []) {
      if (!head.stacks.has(dep)) {
        throw new UsageError(`${head.dir}/manifest.json: stack ${name} depends on ${dep}, which is not in the synth output`);
      }
    }
  }
  return {
    changed: changed.sort(),
    added: added.sort(),
    removed: removed.sort(),
    order: dependencyWaves([...changed, ...added], head.stacks),
  };
}

export function main(argv: string[]): number {
  const { values } = parse(argv, {
    base: { type: "string" },
    head: { type: "string" },
    out: { type: "string" },
    "github-output": { type: "string" },
    "empty-base": { type: "boolean" },
  });
  if (!values.head) throw new UsageError("--head is required");
  if (Boolean(values.base) === Boolean(values["empty-base"])) throw new UsageError("give exactly one of --base <dir> or --empty-base");
  const started = Date.now();
  const base: Synth = values.base ? readSynth(values.base) : { dir: "(empty)", stacks: new Map() };
  const head = readSynth(values.head);
  const result = computeAffected(base, head);
  const json = JSON.stringify(result);
  if (values.out) writeFileSync(values.out, `${json}\n`);
  if (values["github-output"]) {
    appendFileSync(
      values["github-output"],
      `changed=${result.changed.join(",")}\nadded=${result.added.join(",")}\nremoved=${result.removed.join(",")}\n` +
        `count=${result.changed.length + result.added.length}\n`,
    );
  }
  process.stdout.write(`${json}\n`);
  log(
    `affected: ${head.stacks.size} stacks compared in ${Date.now() - started} ms: ` +
      `${result.changed.length} changed, ${result.added.length} added, ${result.removed.length} removed, ` +
      `${result.order.length} wave(s)`,
  );
  return 0;
}

if (require.main === module) run("affected", HELP, main);
