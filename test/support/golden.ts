/**
 * The golden files' one definition: which synth they record and where they live. Both the test
 * (test/golden.test.ts, which only compares) and `npm run golden:update` (test/support/
 * update-golden.ts, which only writes) use it, so the two never record different inputs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthesize, type SynthOutput } from "./synth";

export const GOLDEN_DIR = join(__dirname, "..", "golden");
const SUFFIX = ".cdk.tf.json";

export const goldenFile = (stack: string, dir = GOLDEN_DIR) => join(dir, `${stack}${SUFFIX}`);

/** The synth the golden files record: every stack of the example tenants. */
export function synthesizeGolden(): SynthOutput {
  return synthesize();
}

export interface GoldenChanges {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  readonly unchanged: number;
}

/** Writes one golden file per stack into `dir`, removes the files of stacks that are gone, and says what changed. */
export function writeGoldens(texts: Readonly<Record<string, string>>, dir = GOLDEN_DIR): GoldenChanges {
  mkdirSync(dir, { recursive: true });
  const existing = new Set(readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).map((f) => f.slice(0, -SUFFIX.length)));
  const changes: GoldenChanges = { added: [], changed: [], removed: [], unchanged: 0 };
  for (const [stack, text] of Object.entries(texts).sort(([a], [b]) => a.localeCompare(b))) {
    const file = goldenFile(stack, dir);
    if (!existsSync(file)) changes.added.push(stack);
    else if (readFileSync(file, "utf8") !== text) changes.changed.push(stack);
    else {
      (changes as { unchanged: number }).unchanged++;
      continue;
    }
    writeFileSync(file, text);
  }
  for (const stack of [...existing].sort()) {
    if (stack in texts) continue;
    rmSync(goldenFile(stack, dir));
    changes.removed.push(stack);
  }
  return changes;
}
