/**
 * The few environment settings the lifecycle tools need from cdktf.json: where an
 * environment keeps its state (and so its offboarding records) and its offboarding
 * settings. Read leniently (unknown keys allowed): main.ts's loader validates the whole
 * file; these tools must not break when the environment schema gains a field. The
 * offboarding block is config/environment-schema.ts's own schema, defaults included.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { OffboardingConfigSchema, type OffboardingConfig } from "../../config/environment-schema";
import { UsageError } from "./cli";

/** The environment schema's own offboarding block (defaults included), so job and synth read the same settings. */
export type OffboardingSettings = OffboardingConfig;

const EnvironmentSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  stateBucket: z.string().min(3),
  stateRegion: z.string().min(1),
  stateEncryption: z.enum(["kms", "aes256"]).default("kms"),
  offboarding: OffboardingConfigSchema.prefault({}),
});
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
