import { CostEstimator } from "./estimate";
import { CostInputError } from "./prices";
import { unpricedLines } from "./report";

/**
 * Cost warnings for the synth: tenants whose own fixed cost exceeds their budget, fed one stack at
 * a time so the synth reads its output once for every fleet-wide check (capacity/fleet-checks.ts).
 * They never stop a synth, and neither does a stack the tables cannot price: a region without a
 * price table is one line naming its stacks (the others are still estimated), a price missing
 * from a table one line naming it.
 */
export class CostWarnings {
  private readonly estimator = new CostEstimator();
  private problem: string | undefined;

  add(stack: string, json: Record<string, any>): void {
    if (this.problem !== undefined) return;
    try {
      this.estimator.add(stack, json);
    } catch (err) {
      if (!(err instanceof CostInputError)) throw err;
      this.problem = err.message;
    }
  }

  lines(): string[] {
    if (this.problem !== undefined) return [`cost: no estimate: ${this.problem}`];
    const estimate = this.estimator.estimate();
    return [...estimate.warnings, ...unpricedLines(estimate.unpriced).map((line) => `cost: ${line}`)];
  }
}
