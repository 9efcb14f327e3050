import type { EnvironmentsConfig } from "../config/environment-schema";
import { breachLine, evaluate, QuotaRow, warningLine } from "./evaluate";
import { measureUsage, type Meter } from "./usage";

export interface CapacityVerdict {
  readonly rows: QuotaRow[];
  /** One line per exceeded quota; any of them stops the synth. */
  readonly breaches: string[];
  /** One line per quota at 80% or more; the synth continues. */
  readonly warnings: string[];
}

/** Checks synthesized stacks against the quotas of the accounts they deploy into. */
export function checkCapacity(stacks: Parameters<typeof measureUsage>[0], environments: EnvironmentsConfig): CapacityVerdict {
  return capacityVerdict(measureUsage(stacks), environments);
}

/** The verdict on meters already counted (UsageCounter, when the output is read once for several checks). */
export function capacityVerdict(meters: Meter[], environments: EnvironmentsConfig): CapacityVerdict {
  const rows = evaluate(meters, environments);
  return {
    rows,
    breaches: rows.filter((r) => r.status === "exceeded").map(breachLine),
    warnings: rows.filter((r) => r.status === "warning").map(warningLine),
  };
}
