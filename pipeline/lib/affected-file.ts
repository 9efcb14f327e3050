/** Reads the JSON `affected` writes, so the other tools get a checked shape. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { STACK_NAME, UsageError } from "./cli";

const name = z.string().regex(STACK_NAME);

export const AffectedSchema = z.strictObject({
  changed: z.array(name),
  added: z.array(name),
  removed: z.array(name),
  order: z.array(z.array(name)),
});

export type AffectedFile = z.infer<typeof AffectedSchema>;

export function readAffected(file: string): AffectedFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${file}: cannot read affected JSON (${(err as Error).message}); produce it with \`npm run -s affected\``);
  }
  const parsed = AffectedSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new UsageError(`${file}: not the output of \`npm run -s affected\`: ${issues}`);
  }
  return parsed.data;
}
