/**
 * image-push: pushes the built agent image (an OCI layout from `npm run image:build`) by digest
 * to the agent repository of every region of an environment, waits for each scan, and signs the
 * image where the scan has no finding at or above the environment's threshold.
 *
 *   npm run -s image-push -- --layout <dir> --environment <env> --tag <tag>
 *   npm run -s image-push -- --list --github-output <file>
 */
import { appendFileSync } from "node:fs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { readLayout } from "../images/build/oci";
import { loadEnvironments } from "../config/loader";
import { agentRepositoryName, imageSigningKeyAlias } from "../modules/naming";
import { log, parse, run, ToolFailure, UsageError } from "./lib/cli";
import { publicKeyFromDer } from "./lib/cosign";
import { dockerReference } from "./lib/image-gate";
import { blockingFindings, putManifest, signImage, uploadBlobs, waitForScan } from "./lib/image-push";
import { envKey } from "./lib/synth";

export const HELP = `Usage: npm run -s image-push -- --layout <dir> --environment <env> --tag <tag> [options]
       npm run -s image-push -- --list [--github-output <file>]

Pushes the OCI image layout <dir> to ${agentRepositoryName()} in every region of <env> (a region
whose repository does not exist yet, because its platform stack is not deployed, is skipped
with a note), by digest and under <tag>; waits for each region's scan; signs the image with
${imageSigningKeyAlias("<env>")} where no finding reaches the environment's
imageScanSeverityThreshold (default HIGH). Re-runs resume: nothing is pushed or signed twice.

--list prints the GitHub Actions matrix of environments ({"include":[{environment, envKey,
region}]}, region = the state region, where the push role is assumed).

Options:
  --layout <dir>                the image (npm run -s image:build -- --out <dir>)
  --environment <env>           environment from cdktf.json
  --tag <tag>                   tag to push under (immutable; e.g. git-<commit>)
  --cdktf <file>                cdktf.json (default cdktf.json)
  --scan-timeout-minutes <n>    how long to wait for a scan (default 30)
  --scan-poll-seconds <n>       how often to ask for the scan result (default 10)
  --list                        print the environments matrix and exit
  --github-output <file>        append matrix=... (with --list) or digest=...
  --summary <file>              append a Markdown line per region
  --help                        this text

Needs the image push role (bootstrap). Exit codes: 0 pushed and signed everywhere, 1 bad input
or a scan finding at or above the threshold (left unsigned), 2 AWS failure.`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    layout: { type: "string" },
    environment: { type: "string" },
    tag: { type: "string" },
    cdktf: { type: "string" },
    "scan-timeout-minutes": { type: "string" },
    "scan-poll-seconds": { type: "string" },
    list: { type: "boolean" },
    "github-output": { type: "string" },
    summary: { type: "string" },
  });
  const environments = loadEnvironments(values.cdktf ?? "cdktf.json");
  if (values.list) {
    const include = Object.entries(environments).map(([environment, env]) => ({ environment, envKey: envKey(environment), region: env.stateRegion }));
    const line = `matrix=${JSON.stringify({ include })}`;
    if (values["github-output"]) appendFileSync(values["github-output"], `${line}\n`);
    process.stdout.write(`${line}\n`);
    return 0;
  }
  if (!values.layout || !values.environment || !values.tag) throw new UsageError("--layout, --environment and --tag are required");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(values.tag) || values.tag.endsWith(".sig")) throw new UsageError(`--tag ${values.tag}: not a valid image tag (or one cosign uses for signatures)`);
  const env = environments[values.environment];
  if (!env) throw new UsageError(`environment ${values.environment} is not in cdktf.json (have ${Object.keys(environments).join(", ")})`);
  const timeoutMinutes = Number(values["scan-timeout-minutes"] ?? "30");
  if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1) throw new UsageError(`--scan-timeout-minutes must be a whole number >= 1`);
  const pollSeconds = Number(values["scan-poll-seconds"] ?? "10");
  if (!Number.isInteger(pollSeconds) || pollSeconds < 1) throw new UsageError(`--scan-poll-seconds must be a whole number >= 1`);
  const threshold = env.imageScanSeverityThreshold ?? "HIGH";
  let image;
  try {
    image = readLayout(values.layout);
  } catch (err) {
    throw new UsageError(`${values.layout}: not an image layout from npm run image:build (${(err as Error).message})`);
  }
  const pushable = {
    digest: image.digest,
    manifest: image.manifest.data,
    manifestMediaType: image.manifest.descriptor.mediaType,
    blobs: [image.config, ...image.layers].map((b) => ({ digest: b.descriptor.digest, data: b.data })),
  };
  const repositoryName = agentRepositoryName();
  const keyId = imageSigningKeyAlias(values.environment);
  const refused: string[] = [];
  const lines: string[] = [];
  try {
    const kms = new KMSClient({ region: env.stateRegion });
    const publicKey = publicKeyFromDer((await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!);
    const regions = Object.keys(env.regions).sort();
    for (const [i, region] of regions.entries()) {
      const step = `[${i + 1}/${regions.length}] ${region} ${repositoryName}@${image.digest}`;
      const ecr = new ECRClient({ region });
      let uploaded: number;
      try {
        uploaded = await uploadBlobs(ecr, repositoryName, pushable.blobs);
      } catch (err) {
        if ((err as { name?: string }).name !== "RepositoryNotFoundException") throw err;
        log(`${step}: skipped, no repository (its platform stack is not deployed; run the image workflow again once it is)`);
        lines.push(`| ${region} | skipped: no repository |`);
        continue;
      }
      const pushed = await putManifest(ecr, repositoryName, pushable, values.tag);
      log(`${step}: ${pushed === "pushed" ? `pushed (${uploaded} blob(s) uploaded)` : "already there"}`);
      const scan = await waitForScan(ecr, repositoryName, image.digest, { timeoutSeconds: timeoutMinutes * 60, intervalSeconds: pollSeconds });
      const blocking = blockingFindings(scan, threshold);
      if (blocking.length > 0) {
        for (const f of blocking) log(`${step}: scan finding ${f} (threshold ${threshold}): not signed`);
        refused.push(region);
        lines.push(`| ${region} | refused, not signed: ${blocking.join("; ")} |`);
        continue;
      }
      const signed = await signImage(ecr, kms, { repositoryName, dockerReference: dockerReference(env.accountId, region, repositoryName), digest: image.digest, keyId, publicKey });
      log(`${step}: scan ${scan.status} (${scan.findings.length} finding(s) below ${threshold}), ${signed}`);
      lines.push(`| ${region} | pushed, scanned, ${signed} |`);
    }
  } catch (err) {
    throw new ToolFailure(`${values.environment}: ${(err as Error).name}: ${(err as Error).message}`);
  }
  if (values["github-output"]) appendFileSync(values["github-output"], `digest=${image.digest}\n`);
  if (values.summary) appendFileSync(values.summary, [`### Agent image ${image.digest} (${values.environment}, tag ${values.tag})`, "", "| region | result |", "| --- | --- |", ...lines, ""].join("\n"));
  process.stdout.write(`${image.digest}\n`);
  return refused.length > 0 ? 1 : 0;
}

if (require.main === module) run("image-push", HELP, main);
