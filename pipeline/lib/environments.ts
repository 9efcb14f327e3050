/**
 * The few environment settings the lifecycle tools need from cdktf.json: where an
 * environment keeps its state (and so its offboarding records) and its offboarding
 * settings. The fields are config/environment-schema.ts's own (same checks, same defaults:
 * one schema, picked, not a copy); the other fields of an environment are left to main.ts's
 * loader, which validates the whole file, so these tools read only what they use.
 */
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { EnvironmentConfigSchema, type OffboardingConfig } from "../../config/environment-schema";
import { UsageError } from "./cli";

/** The environment schema's own offboarding block (defaults included), so job and synth read the same settings. */
export type OffboardingSettings = OffboardingConfig;

const EnvironmentSchema = EnvironmentConfigSchema.pick({
  accountId: true,
  stateBucket: true,
  stateRegion: true,
  stateEncryption: true,
  offboarding: true,
}).strip();
/** As read from cdktf.json (offboarding defaults filled in); callers that build one may leave offboarding out. */
export type LifecycleEnvironment = Omit<z.infer<typeof EnvironmentSchema>, "offboarding"> & { readonly offboarding?: OffboardingSettings };

export function readEnvironments(cdktfJson: string): Map<string, LifecycleEnvironment> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cdktfJson, "utf8"));
  } catch (err) {
    throw new UsageError(`${cdktfJson}: cannot read (${(err as Error).message})`);
  }
  const envs = (raw as { context?: { environments?: unknown } })?.context?.environments;
  if (typeof envs !== "object" || envs === null) throw new UsageError(`${cdktfJson}: context.environments is missing`);
  const out = new Map<string, LifecycleEnvironment>();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(envs)) {
    const parsed = EnvironmentSchema.safeParse(value);
    if (parsed.success) out.set(name, parsed.data);
    else problems.push(...parsed.error.issues.map((i) => `${cdktfJson}: context.environments.${name}.${i.path.join(".")}: ${i.message}`));
  }
  if (problems.length) throw new UsageError(problems.join("\n"));
  return out;
}
