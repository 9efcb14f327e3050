import type { EnvironmentsConfig } from "../config/environment-schema";
import { breachLine, evaluate, QuotaRow, warningLine } from "./evaluate";
import { measureUsage } from "./usage";

export interface CapacityVerdict {
  readonly rows: QuotaRow[];
  /** One line per exceeded quota; any of them stops the synth. */
  readonly breaches: string[];
  /** One line per quota at 80% or more; the synth continues. */
  readonly warnings: string[];
}

/** Checks synthesized stacks against the quotas of the accounts they deploy into. */
export function checkCapacity(stacks: Parameters<typeof measureUsage>[0], environments: EnvironmentsConfig): CapacityVerdict {
  const rows = evaluate(measureUsage(stacks), environments);
  return {
    rows,
    breaches: rows.filter((r) => r.status === "exceeded").map(breachLine),
    warnings: rows.filter((r) => r.status === "warning").map(warningLine),
  };
}
