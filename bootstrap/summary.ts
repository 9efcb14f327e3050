import { platformStateKey, tenantStateKey } from "../modules/naming";
import { Outputs } from "./plan";
import { RunResult } from "./runner";
import { describeOidcCustomizationCall } from "./github";
import { BootstrapSettings, roleArnVariableName } from "./settings";

/**
 * The text a run ends with. On success: the backend settings the stacks must use and the
 * repository variables the workflows read. On failure: what failed, why, what to do, and
 * what had already changed (bootstrap does not roll back: a second run continues from there).
 */

export function successSummary(settings: BootstrapSettings, outputs: Outputs, dryRun: boolean): string {
  const lines: string[] = [];
  if (dryRun) lines.push("Dry run: nothing was changed. A real run would leave these settings:", "");
  lines.push(
    `Terraform S3 backend for environment ${settings.env} (cdktf.json context and StackSettings must agree):`,
    `  bucket         = "${settings.stateBucket}"`,
    `  region         = "${settings.region}"`,
    `  dynamodb_table = "${settings.lockTable}"`,
    `  use_lockfile   = true`,
    `  encrypt        = true`,
  );
  if (outputs.dedicatedKeyArn) {
    // Without kms_key_id, `encrypt = true` makes Terraform ask for SSE-S3 on every write,
    // overriding the bucket's default key.
    lines.push(`  kms_key_id     = "${outputs.dedicatedKeyArn}"`);
  }
  lines.push(
    `  key            = "${platformStateKey(settings.env, "<region>")}" or "${tenantStateKey("<tenant-id>")}"`,
    "",
    `GitHub repository variables for ${settings.githubRepo} (Settings → Secrets and variables → Actions → Variables):`,
    `  ${roleArnVariableName("plan", settings.env)}=${outputs.planRoleArn ?? "(not created)"}`,
    `  ${roleArnVariableName("deploy", settings.env)}=${outputs.deployRoleArn ?? "(not created)"}`,
    `  ${roleArnVariableName("image-push", settings.env)}=${outputs.imagePushRoleArn ?? "(not created)"}`,
    `  ${roleArnVariableName("image-verify", settings.env)}=${outputs.imageVerifyRoleArn ?? "(not created)"}`,
    `  ${roleArnVariableName("offboarding-evidence", settings.env)}=${outputs.offboardingEvidenceRoleArn ?? "(not created)"}`,
    "",
    `GitHub OIDC subject template the roles' trust expects (bootstrap sets it when GITHUB_TOKEN is given):`,
    `  ${describeOidcCustomizationCall(settings)}`,
  );
  return lines.join("\n");
}

export function failureSummary(result: RunResult, total: number): string {
  const failure = result.failure!;
  const detail = failure.message.startsWith(failure.code) ? failure.message : `${failure.code}: ${failure.message}`;
  const lines = [`bootstrap failed at step ${failure.step}/${total} (${failure.title}): ${detail}`];
  if (failure.hint) lines.push(`  next step: ${failure.hint}`);
  if (result.changes.length === 0) {
    lines.push("Nothing was changed.");
  } else {
    lines.push("Changed before the failure (kept; run again to continue):", ...result.changes.map((c) => `  - ${c}`));
  }
  return lines.join("\n");
}
