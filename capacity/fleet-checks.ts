/**
 * The fleet-wide checks every synth runs on its merged output before it replaces the previous
 * one (`npm run synth` in main.ts, `synth:incremental`): account quotas, where a breach stops the
 * synth, and tenants whose own fixed cost exceeds their budget, a warning. Each stack is read and
 * parsed once for both (at 1,000 tenants a pass over the output is about 0.3 s).
 */
import { capacityVerdict, type CapacityVerdict } from "./gate";
import { UsageCounter } from "./usage";
import type { EnvironmentsConfig } from "../config/environment-schema";
import { CostWarnings } from "../cost/gate";
import { eachSynthesizedStack } from "../synth/synth-output";

export interface FleetChecks {
  readonly capacity: CapacityVerdict;
  /** One line per tenant over its budget (or one saying why there is no estimate). */
  readonly costWarnings: string[];
}

/** Runs the checks over the synth output in `outdir` (manifest.json + stacks/<name>/cdk.tf.json). */
export function checkFleet(outdir: string, environments: EnvironmentsConfig): FleetChecks {
  const usage = new UsageCounter();
  const cost = new CostWarnings();
  for (const [name, json] of eachSynthesizedStack(outdir)) {
    usage.add(name, json);
    cost.add(name, json);
  }
  return { capacity: capacityVerdict(usage.meters(), environments), costWarnings: cost.lines() };
}
