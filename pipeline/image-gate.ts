/**
 * image-gate: the deploy runs only images that passed. Before the first stack of an environment
 * is applied, every agent image its stacks reference must exist, be scanned with no finding at
 * or above the environment's threshold, and be signed with the environment's key.
 *
 *   npm run -s image-gate -- --synth <dir> --environment <env> [--affected <file>] [--cdktf <file>]
 */
import { appendFileSync } from "node:fs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import type { ScanSeverity } from "../config/image-reference";
import { loadEnvironments } from "../config/loader";
import { agentRepositoryName, imageSigningKeyAlias } from "../modules/naming";
import { readAffected } from "./lib/affected-file";
import { log, parse, run, ToolFailure, UsageError } from "./lib/cli";
import { publicKeyFromDer } from "./lib/cosign";
import { gateImages, GateResult, imagesInSynth } from "./lib/image-gate";
import { readSynth } from "./lib/synth";

export const HELP = `Usage: npm run -s image-gate -- --synth <dir> --environment <env> [options]

Checks every agent image the environment's synthesized task definitions reference, in each
region's ${agentRepositoryName()} repository: the digest exists, its ECR scan is complete with no
finding at or above the environment's imageScanSeverityThreshold (cdktf.json, default HIGH),
and it has a cosign signature that verifies with ${imageSigningKeyAlias("<env>")}.

Options:
  --synth <dir>          cdktf synth output (cdktf.out)
  --environment <env>    environment to check (its stacks only)
  --affected <file>      only the changed and added stacks of \`npm run -s affected\`
  --cdktf <file>         cdktf.json with the environments (default cdktf.json)
  --summary <file>       append a Markdown table (e.g. $GITHUB_STEP_SUMMARY)
  --help                 this text

Needs AWS credentials allowed ecr:DescribeImages, ecr:DescribeImageScanFindings and
ecr:BatchGetImage (manifests only) on the agent repositories and kms:GetPublicKey on the
signing key: the image verify role bootstrap creates. It never downloads a layer.
Exit codes: 0 every image passed, 1 an image was refused or bad input, 2 AWS failure.`;

const DEFAULT_THRESHOLD: ScanSeverity = "HIGH";

function summary(results: readonly GateResult[], environment: string, threshold: string): string {
  const escape = (s: string) => s.replace(/[|<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = results.map((r) => `| \`${escape(r.image)}\` | ${r.usedBy.length} | ${r.problems.length === 0 ? "passed" : escape(r.problems.join("; "))} |`);
  return [`### Image gate: ${environment} (threshold ${threshold})`, "", "| image | task definitions | result |", "| --- | --- | --- |", ...rows, ""].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    synth: { type: "string" },
    environment: { type: "string" },
    affected: { type: "string" },
    cdktf: { type: "string" },
    summary: { type: "string" },
  });
  if (!values.synth || !values.environment) throw new UsageError("--synth and --environment are required");
  const environments = loadEnvironments(values.cdktf ?? "cdktf.json");
  const env = environments[values.environment];
  if (!env) throw new UsageError(`environment ${values.environment} is not in ${values.cdktf ?? "cdktf.json"} (have ${Object.keys(environments).join(", ")})`);
  const threshold = env.imageScanSeverityThreshold ?? DEFAULT_THRESHOLD;
  const synth = readSynth(values.synth);
  const affected = values.affected ? readAffected(values.affected) : undefined;
  const stacks = affected ? new Set([...affected.changed, ...affected.added]) : undefined;
  const { uses, byTag } = imagesInSynth(synth, values.environment, stacks);

  const alias = imageSigningKeyAlias(values.environment);
  let results: GateResult[];
  try {
    // The public half only: the deploy side can check signatures, never make them.
    const key = await new KMSClient({ region: env.stateRegion }).send(new GetPublicKeyCommand({ KeyId: alias }));
    if (!key.PublicKey || key.KeyUsage !== "SIGN_VERIFY") throw new Error(`${alias} is not a signing key (KeyUsage ${key.KeyUsage})`);
    const clients = new Map<string, ECRClient>();
    const ecr = (region: string) => clients.get(region) ?? clients.set(region, new ECRClient({ region })).get(region)!;
    results = await gateImages(uses, { repositoryName: agentRepositoryName(), threshold, publicKey: publicKeyFromDer(key.PublicKey), ecr });
  } catch (err) {
    throw new ToolFailure(`checking images of ${values.environment}: ${(err as Error).name}: ${(err as Error).message}. Is ${alias} created (npm run bootstrap) and the deploy role allowed to read it?`);
  }

  for (const line of byTag) log(`refused: ${line}`);
  for (const r of results) {
    if (r.problems.length === 0) log(`passed: ${r.image}, used by ${r.usedBy.length} task definition(s)`);
    for (const p of r.problems) log(`refused: ${r.image}: ${p} (used by ${r.usedBy.join(", ")})`);
  }
  if (values.summary) appendFileSync(values.summary, summary(results, values.environment, threshold));
  const refused = results.filter((r) => r.problems.length > 0).length + byTag.length;
  log(`image gate ${values.environment}: ${results.length - (refused - byTag.length)} passed, ${refused} refused (threshold ${threshold})`);
  return refused > 0 ? 1 : 0;
}

if (require.main === module) run("image-gate", HELP, main);
