/**
 * image:resolve: the digest a tag names in an environment's agent repositories, for cdktf.json's
 * agentImage or a tenant's agents.<name>.image (which accept digests only).
 *
 *   npm run -s image:resolve -- --environment <env> --tag <tag>
 */
import { readFileSync } from "node:fs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { agentRepositoryName } from "../modules/naming";
import { log, parse, run, ToolFailure, UsageError } from "./lib/cli";
import { digestOfTag } from "./lib/ecr-images";

export const HELP = `Usage: npm run -s image:resolve -- --environment <env> --tag <tag> [--cdktf <file>]

Prints the sha256 digest <tag> names in ${agentRepositoryName()} in every region of <env> that has
the repository; fails when the tag is missing everywhere or names different images in different
regions. Reads cdktf.json without validating it, so it works while agentImage still holds a tag.
Needs credentials allowed ecr:DescribeImages. Exit codes: 0 resolved, 1 bad input or unresolved,
2 AWS failure.`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, { environment: { type: "string" }, tag: { type: "string" }, cdktf: { type: "string" } });
  if (!values.environment || !values.tag) throw new UsageError("--environment and --tag are required");
  const file = values.cdktf ?? "cdktf.json";
  let regions: string[];
  try {
    const environments = (JSON.parse(readFileSync(file, "utf8")) as { context?: { environments?: Record<string, { regions?: Record<string, unknown> }> } }).context?.environments ?? {};
    const env = environments[values.environment];
    if (!env) throw new UsageError(`environment ${values.environment} is not in ${file} (have ${Object.keys(environments).join(", ")})`);
    regions = Object.keys(env.regions ?? {}).sort();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const found: Record<string, string> = {};
  for (const region of regions) {
    try {
      const digest = await digestOfTag(new ECRClient({ region }), agentRepositoryName(), values.tag);
      if (digest) found[region] = digest;
      log(`${region}: ${digest ?? "tag not found"}`);
    } catch (err) {
      if ((err as { name?: string }).name === "RepositoryNotFoundException") {
        log(`${region}: no repository (platform stack not deployed)`);
        continue;
      }
      throw new ToolFailure(`${region}: ${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  const digests = [...new Set(Object.values(found))];
  if (digests.length === 0) throw new UsageError(`tag ${values.tag} is in no ${agentRepositoryName()} repository of ${values.environment}`);
  if (digests.length > 1) throw new UsageError(`tag ${values.tag} names different images by region: ${Object.entries(found).map(([r, d]) => `${r} ${d}`).join(", ")}`);
  const missing = regions.filter((r) => !found[r]);
  if (missing.length > 0) log(`note: not in ${missing.join(", ")}: the image gate refuses it there until the image workflow pushes it`);
  process.stdout.write(`${digests[0]}\n`);
  return 0;
}

if (require.main === module) run("image:resolve", HELP, main);
