/**
 * The few environment settings the lifecycle tools need from cdktf.json: where an
 * environment keeps its state (and so its offboarding records) and its offboarding
 * settings. Read leniently (unknown keys allowed): main.ts's loader validates the whole
 * file; these tools must not break when the environment schema gains a field.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "./cli";

export const OffboardingSettingsSchema = z.object({
  /** Days the archive keeps an offboarded tenant's exports. */
  archiveRetentionDays: z.number().int().positive(),
  /** KMS waiting period before the tenant key is deleted (AWS allows 7 to 30). */
  kmsDeletionWindowDays: z.number().int().min(7).max(30),
  /** Secrets Manager recovery window (AWS allows 7 to 30). */
  secretRecoveryWindowDays: z.number().int().min(7).max(30),
  /** Delete the tenant's log group, or keep it (it expires with its retention). */
  logGroup: z.enum(["delete", "retain"]),
});
export type OffboardingSettings = z.infer<typeof OffboardingSettingsSchema>;

const EnvironmentSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  stateBucket: z.string().min(3),
  stateRegion: z.string().min(1),
  stateEncryption: z.enum(["kms", "aes256"]).default("kms"),
  offboarding: OffboardingSettingsSchema.optional(),
});
export type LifecycleEnvironment = z.infer<typeof EnvironmentSchema>;

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
