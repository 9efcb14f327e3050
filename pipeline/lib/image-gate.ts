/**
 * The pre-deploy image gate: every agent image a deploy would run must exist in its region's
 * repository, have a finished scan with no finding at or above the threshold, and carry a
 * cosign signature that verifies with the environment's signing key. One problem line per
 * image and reason, naming the image, the stacks that use it and the finding.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ScanSeverity } from "../../config/image-reference";
import { signatureLayers, signatureProblems } from "./cosign";
import { describeImage, imageScan, signatureManifest } from "./ecr-images";
import { blockingFindings } from "./image-push";
import type { Synth } from "./synth";
import { egressProxyName } from "../../modules/naming";

export interface ImageUse {
  readonly region: string;
  /** The account whose repository holds it (the stacks' allowed account). */
  readonly accountId: string;
  readonly digest: string;
  /** `<stack>/<container image reference>` of every task definition using it. */
  readonly usedBy: readonly string[];
}

const DIGEST_SUFFIX = /@(sha256:[a-f0-9]{64})$/;

/**
 * The images the environment's stacks run, per region and digest, from the synthesized task
 * definitions (what Terraform will apply). A reference without a digest lands in `byTag`: the
 * loader refuses tags, so one here means something bypassed it, and the gate refuses it.
 */
export function imagesInSynth(synth: Synth, environment: string, stacks?: ReadonlySet<string>): { uses: ImageUse[]; byTag: string[] } {
  const uses = new Map<string, { region: string; accountId: string; digest: string; usedBy: string[] }>();
  const byTag: string[] = [];
  for (const stack of [...synth.stacks.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (stack.environment !== environment || (stacks && !stacks.has(stack.name))) continue;
    const json = JSON.parse(readFileSync(join(synth.dir, stack.workingDirectory, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, { family?: string; container_definitions?: string }>> };
    for (const [address, td] of Object.entries(json.resource?.aws_ecs_task_definition ?? {})) {
      // The egress proxy (#31) is the platform's own image (images/egress-proxy/, a tag in the same
      // repository), not an agent image: image.yml neither builds nor signs it, so gating it here
      // would refuse every deploy that touches a platform stack. Agents are what SECURITY.md C38 covers.
      if (td.family === egressProxyName(stack.environment, stack.region)) continue;
      for (const container of JSON.parse(td.container_definitions ?? "[]") as { image?: string }[]) {
        const where = `${stack.name}/${td.family ?? address}`;
        const m = DIGEST_SUFFIX.exec(container.image ?? "");
        if (!m) {
          byTag.push(`${where}: image ${container.image} is not referenced by digest`);
          continue;
        }
        const key = `${stack.region} ${m[1]}`;
        const use = uses.get(key) ?? { region: stack.region, accountId: stack.accountId, digest: m[1], usedBy: [] };
        use.usedBy.push(where);
        uses.set(key, use);
      }
    }
  }
  return { uses: [...uses.values()], byTag };
}

export interface GateOptions {
  readonly repositoryName: string;
  /** Findings at or above this severity refuse the image. */
  readonly threshold: ScanSeverity;
  /** The environment's signing key (KMS GetPublicKey). */
  readonly publicKey: KeyObject;
  /** An ECR client for a region. */
  readonly ecr: (region: string) => ECRClient;
}

/** The repository as cosign names it in a signature (`docker-reference`): registry host and path. */
export function dockerReference(accountId: string, region: string, repositoryName: string): string {
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${accountId}.dkr.ecr.${region}.${domain}/${repositoryName}`;
}

export interface GateResult {
  readonly image: string;
  readonly usedBy: readonly string[];
  readonly problems: readonly string[];
}

/** Checks one image; an empty `problems` list means it may run. */
export async function checkImage(use: ImageUse, options: GateOptions): Promise<GateResult> {
  const ecr = options.ecr(use.region);
  const image = `${options.repositoryName}@${use.digest} (${use.region})`;
  const result = (problems: string[]) => ({ image, usedBy: use.usedBy, problems });
  if (!(await describeImage(ecr, options.repositoryName, use.digest))) {
    return result(["not in the repository: push it with the image workflow (.github/workflows/image.yml)"]);
  }
  const problems: string[] = [];
  const scan = await imageScan(ecr, options.repositoryName, use.digest);
  if (scan.status !== "COMPLETE" && scan.status !== "ACTIVE") {
    problems.push(`not scanned: scan status ${scan.status}${scan.description ? ` (${scan.description})` : ""}`);
  } else {
    for (const finding of blockingFindings(scan, options.threshold)) problems.push(`scan finding ${finding} (threshold ${options.threshold})`);
  }
  const manifest = await signatureManifest(ecr, options.repositoryName, use.digest);
  const layers = manifest ? signatureLayers(manifest) : [];
  if (layers.length === 0) {
    problems.push("not signed: no cosign signature in the repository");
  } else {
    // Any one valid signature by the environment's key is enough (cosign's rule too).
    const reasons: string[] = [];
    let verified = false;
    const reference = dockerReference(use.accountId, use.region, options.repositoryName);
    for (const layer of layers) {
      const why = signatureProblems(layer, reference, use.digest, options.publicKey);
      verified = why.length === 0;
      if (verified) break;
      reasons.push(...why);
    }
    if (!verified) problems.push(`signature refused: ${[...new Set(reasons)].join("; ")}`);
  }
  return result(problems);
}

/** Checks every image; results in input order. */
export async function gateImages(uses: readonly ImageUse[], options: GateOptions): Promise<GateResult[]> {
  const results: GateResult[] = [];
  for (const use of uses) results.push(await checkImage(use, options));
  return results;
}
