import { estimateCost, type SynthesizedStacks } from "./estimate";
import { CostInputError } from "./prices";

/**
 * Cost warnings for the synth: tenants whose own fixed cost exceeds their budget. They never stop
 * a synth, and neither does a stack the tables cannot price (a region without a price table): that
 * becomes one warning naming the missing price.
 */
export function costWarnings(stacks: SynthesizedStacks): string[] {
  try {
    return estimateCost(stacks).warnings;
  } catch (err) {
    if (err instanceof CostInputError) return [`cost: no estimate: ${err.message}`];
    throw err;
  }
}
