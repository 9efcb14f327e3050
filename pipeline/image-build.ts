/**
 * image:build — builds the reference agent image as an OCI layout, without a container engine.
 *
 *   npm run -s image:build -- --out <dir> [--cache <dir>] [--source-date-epoch <seconds>]
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { log, parse, run, ToolFailure, UsageError } from "./lib/cli";
import { AGENT_IMAGE_DIR, buildAgentImage, fetchPackages, readPackageLock, runtimeFiles } from "../images/build/agent-image";
import { writeLayout } from "../images/build/oci";

export const HELP = `Usage: npm run -s image:build -- --out <dir> [options]

Builds the reference agent image (images/agent) as an OCI image layout in <dir>: the Debian
packages of images/agent/debian-packages.lock.json (downloaded once into the cache, sha256
checked) plus images/agent/runtime. The same inputs give the same digest on any machine.
Prints the manifest digest on stdout.

Options:
  --out <dir>                  where to write the layout (emptied first)
  --cache <dir>                package download cache (default .cache/agent-image-debs)
  --source-date-epoch <secs>   the build's timestamp for every file and the config
                               (default: SOURCE_DATE_EPOCH, else the last commit touching images/)
  --github-output <file>       append digest=<digest> for a workflow step
  --help                       this text

Exit codes: 0 built, 1 bad input, 2 download or build failure.`;

function lastImageCommitTime(): number {
  const out = execFileSync("git", ["log", "-1", "--format=%ct", "--", "images"], { cwd: join(AGENT_IMAGE_DIR, "..", ".."), encoding: "utf8" }).trim();
  if (!/^\d+$/.test(out)) throw new UsageError("no commit touches images/; pass --source-date-epoch");
  return Number(out);
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    out: { type: "string" },
    cache: { type: "string" },
    "source-date-epoch": { type: "string" },
    "github-output": { type: "string" },
  });
  if (!values.out) throw new UsageError("--out is required");
  const epochText = values["source-date-epoch"] ?? process.env.SOURCE_DATE_EPOCH;
  if (epochText !== undefined && !/^\d+$/.test(epochText)) throw new UsageError(`--source-date-epoch must be whole seconds since 1970 (got ${epochText})`);
  const epoch = epochText !== undefined ? Number(epochText) : lastImageCommitTime();
  const lock = readPackageLock();
  let image;
  try {
    const debs = await fetchPackages(lock, values.cache ?? join(process.cwd(), ".cache", "agent-image-debs"), fetch, log);
    image = buildAgentImage(debs, runtimeFiles(), epoch, lock);
  } catch (err) {
    throw new ToolFailure((err as Error).message);
  }
  rmSync(values.out, { recursive: true, force: true });
  writeLayout(image, values.out, "openclaw-agent");
  const size = image.layers.reduce((sum, l) => sum + l.descriptor.size, 0);
  log(`image ${image.digest}: ${image.layers.length} layers, ${(size / 1048576).toFixed(1)} MiB compressed, written to ${values.out}`);
  if (values["github-output"]) appendFileSync(values["github-output"], `digest=${image.digest}\n`);
  process.stdout.write(`${image.digest}\n`);
  return 0;
}

if (require.main === module) run("image:build", HELP, main);
