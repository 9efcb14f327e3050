/**
 * What the image tools read from ECR: whether a digest exists, its scan status and findings
 * (basic and enhanced scanning), and its cosign signature. Each call is one the push role or
 * the deploy role is granted (bootstrap/policies.ts imagePushPolicy, imageVerifyStatements).
 */
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  DescribeImageScanFindingsCommandOutput,
  ECRClient,
} from "@aws-sdk/client-ecr";
import { OCI_MANIFEST, signatureTag } from "./cosign";

export interface ImageScan {
  /** COMPLETE (basic), ACTIVE (enhanced, continuously rescanned), IN_PROGRESS, FAILED, ... or NOT_FOUND. */
  readonly status: string;
  readonly description?: string;
  readonly findings: readonly { readonly id: string; readonly severity: string; readonly package?: string }[];
}

const errorName = (err: unknown) => (err as { name?: string }).name ?? "";

/** The image's pushed time, or undefined when the repository has no such digest. */
export async function describeImage(ecr: ECRClient, repositoryName: string, digest: string): Promise<{ pushedAt?: Date; tags: string[] } | undefined> {
  try {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }));
    const d = out.imageDetails?.[0];
    return d ? { pushedAt: d.imagePushedAt, tags: d.imageTags ?? [] } : undefined;
  } catch (err) {
    if (errorName(err) === "ImageNotFoundException") return undefined;
    throw err;
  }
}

/** The digest a tag points to, or undefined. */
export async function digestOfTag(ecr: ECRClient, repositoryName: string, tag: string): Promise<string | undefined> {
  try {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: tag }] }));
    return out.imageDetails?.[0]?.imageDigest;
  } catch (err) {
    if (errorName(err) === "ImageNotFoundException") return undefined;
    throw err;
  }
}

/** Every finding of the image's latest scan (all pages), basic or enhanced. */
export async function imageScan(ecr: ECRClient, repositoryName: string, digest: string): Promise<ImageScan> {
  const findings: { id: string; severity: string; package?: string }[] = [];
  let status = "NOT_FOUND";
  let description: string | undefined;
  let nextToken: string | undefined;
  do {
    let out: DescribeImageScanFindingsCommandOutput;
    try {
      out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName, imageId: { imageDigest: digest }, nextToken, maxResults: 1000 }));
    } catch (err) {
      if (errorName(err) === "ScanNotFoundException") return { status: "NOT_FOUND", findings: [] };
      throw err;
    }
    status = out.imageScanStatus?.status ?? status;
    description = out.imageScanStatus?.description ?? description;
    for (const f of out.imageScanFindings?.findings ?? []) {
      const pkg = f.attributes?.find((a) => a.key === "package_name")?.value;
      findings.push({ id: f.name ?? "(unnamed)", severity: f.severity ?? "UNDEFINED", ...(pkg ? { package: pkg } : {}) });
    }
    for (const f of out.imageScanFindings?.enhancedFindings ?? []) {
      const pkg = f.packageVulnerabilityDetails?.vulnerablePackages?.[0]?.name;
      findings.push({ id: f.packageVulnerabilityDetails?.vulnerabilityId ?? f.title ?? "(unnamed)", severity: f.severity ?? "UNDEFINED", ...(pkg ? { package: pkg } : {}) });
    }
    nextToken = out.nextToken;
  } while (nextToken);
  return { status, ...(description ? { description } : {}), findings };
}

/** The manifest of the image's cosign signature (`sha256-<hex>.sig`), or undefined. */
export async function signatureManifest(ecr: ECRClient, repositoryName: string, digest: string): Promise<string | undefined> {
  const out = await ecr.send(
    new BatchGetImageCommand({
      repositoryName,
      imageIds: [{ imageTag: signatureTag(digest) }],
      acceptedMediaTypes: [OCI_MANIFEST, "application/vnd.docker.distribution.manifest.v2+json"],
    }),
  );
  return out.images?.[0]?.imageManifest;
}
