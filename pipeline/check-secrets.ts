/**
 * check-secrets: refuses, before any apply, a stack that would create a secret whose name is
 * still scheduled for deletion (an integration removed and re-added within the recovery window).
 * Read-only: DescribeSecret per declared secret (the plan role's read of aws_secretsmanager_secret).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { checkStackNames, log, parse, run, splitList, UsageError } from "./lib/cli";
import { refusalLines, scheduledDeletions } from "./lib/scheduled-secrets";

export const HELP = `Usage: npm run -s check:secrets -- --synth <dir> --stacks <a,b> --region <region> [--recovery-window-days <n>] [--in-state <addr,...>]

Exits 2 and prints one line per secret a stack would create while a secret of that name is
scheduled for deletion (CreateSecret would fail); 0 when none is.

Options:
  --synth <dir>                 synth output (stacks/<name>/cdk.tf.json)
  --stacks <a,b>                stacks to check
  --region <region>             the stacks' region
  --recovery-window-days <n>    the environment's offboarding.secretRecoveryWindowDays (default 30)
  --in-state <addr,...>         secret addresses to leave out. Careful: a secret the state holds whose
                                AWS object is scheduled for deletion is still re-created (the provider's
                                refresh drops it), so the deploy's pre-flight checks every declared secret`;

export async function main(argv: string[], client?: SecretsManagerClient): Promise<number> {
  const { values } = parse(argv, {
    synth: { type: "string" },
    stacks: { type: "string" },
    region: { type: "string" },
    "recovery-window-days": { type: "string" },
    "in-state": { type: "string" },
  });
  if (!values.synth || !values.stacks || !values.region) throw new UsageError("--synth, --stacks and --region are required");
  const stacks = splitList(values.stacks);
  checkStackNames(stacks, "--stacks");
  const window = Number(values["recovery-window-days"] ?? 30);
  if (!Number.isInteger(window) || window < 7 || window > 30) throw new UsageError(`--recovery-window-days must be an integer from 7 to 30 (got ${values["recovery-window-days"]})`);
  const sm = client ?? new SecretsManagerClient({ region: values.region });
  const inState = new Set(splitList(values["in-state"]));
  let refused = 0;
  for (const stack of stacks) {
    const json = JSON.parse(readFileSync(join(values.synth, "stacks", stack, "cdk.tf.json"), "utf8"));
    const lines = refusalLines(stack, await scheduledDeletions(sm, json, inState), window);
    for (const line of lines) log(line);
    refused += lines.length;
  }
  if (refused === 0) log(`check-secrets: no secret of ${stacks.join(", ")} is scheduled for deletion`);
  return refused > 0 ? 2 : 0;
}

if (require.main === module) run("check-secrets", HELP, (argv) => main(argv));
