/**
 * `npm run check:cdktn`: proves the app builds on CDK Terrain (the community fork of the
 * archived cdktf) without changing a line of the repository. It installs cdktn, cdktn-cli and
 * @cdktn/provider-aws into a scratch directory, synthesizes every stack with `cdktn synth`
 * through an import shim (toolchain/cdktn-shim.cjs maps `cdktf`, `@cdktf/provider-aws` and
 * `constructs` to the fork), synthesizes the same tenants with this repository's cdktf, and
 * compares the two outputs semantically. Exit 0 when every difference is explained, 1 when one
 * is not, 2 when the check itself could not run (npm registry unreachable, synth failed).
 *
 * Not part of `npm test` (it downloads ~500 MB once); `.ci/run` runs it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { log, parse, run as runTool, ToolFailure } from "../pipeline/lib/cli";
import { exec, type ExecOptions } from "../pipeline/lib/exec";
import { compareSynthOutputs, renderReport } from "./compare-synth";
import { CDKTN_NODE, CDKTN_PACKAGES } from "../config/toolchain-versions";

const HELP = `Usage: npm run check:cdktn -- [--report <file>] [--cache <dir>]

Synthesizes every stack with CDK Terrain and with cdktf and compares them.
  --report <file>  also write the Markdown report there
  --cache <dir>    where the CDK Terrain packages are installed
                   (default: $OPENCLAW_CDKTN_CACHE or <tmp>/openclaw-cdktn-<versions hash>)`;

const ROOT = resolve(__dirname, "..");

/** Runs a command quietly (pipeline/lib/exec.ts); its output is shown only when it fails. */
async function run(command: string, args: string[], options: ExecOptions, what: string): Promise<void> {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`);
    throw new ToolFailure(`${what} failed (exit ${result.code})`);
  }
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.replace(/^v/, "").split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** Installs the fork (and a Node 22 when this one is too old for its CLI) once per version set. */
async function installToolchain(cacheDir: string, needNode: boolean): Promise<void> {
  const dependencies: Record<string, string> = { ...CDKTN_PACKAGES };
  if (needNode) dependencies[CDKTN_NODE.package] = CDKTN_NODE.version;
  const stamp = join(cacheDir, ".installed");
  const wanted = JSON.stringify(dependencies);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return;
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, "package.json"), JSON.stringify({ name: "openclaw-cdktn-check", private: true, dependencies }, null, 2));
  log(`check:cdktn: installing ${Object.entries(dependencies).map(([n, v]) => `${n}@${v}`).join(" ")} into ${cacheDir}`);
  // --ignore-scripts: the fork needs no install scripts; --engine-strict off: the provider
  // bindings declare Node >= 22.11 but only the CLI truly needs it (it runs on the Node 22 below)
  await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], { cwd: cacheDir }, "npm install of CDK Terrain");
  writeFileSync(stamp, wanted);
}

/**
 * cdktf.json's app command with the shim preloaded: the app command clears NODE_OPTIONS, so the
 * shim goes in as the first `--require` of its `node`.
 */
function appWithShim(): string {
  const app = (JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")) as { app: string }).app;
  const withShim = app.replace(/(^|\s)node(\s)/, `$1node --require ${join(__dirname, "cdktn-shim.cjs")}$2`);
  if (withShim === app) throw new ToolFailure(`cannot find the node command in cdktf.json's app (${app})`);
  return withShim;
}

/** Every stack of a cdktn synth must carry the fork's version in its metadata, or the shim did not take effect. */
function assertSynthesizedBy(outdir: string, library: string, version: string): void {
  for (const stack of readdirSync(join(outdir, "stacks"))) {
    const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    const found = json["//"]?.metadata?.version;
    if (found !== version) throw new ToolFailure(`${stack} was synthesized by ${library} ${found ?? "(unknown)"}, expected ${version}: the import shim did not take effect`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, { report: { type: "string" }, cache: { type: "string" } });
  const needNode = !versionAtLeast(process.version, CDKTN_NODE.minimum);
  const versionsHash = createHash("sha256").update(JSON.stringify({ CDKTN_PACKAGES, needNode, CDKTN_NODE })).digest("hex").slice(0, 12);
  const cacheDir = resolve(values.cache ?? process.env.OPENCLAW_CDKTN_CACHE ?? join(tmpdir(), `openclaw-cdktn-${versionsHash}`));
  await installToolchain(cacheDir, needNode);

  const work = mkdtempSync(join(tmpdir(), "openclaw-cdktn-synth-"));
  try {
    // cdktf and cdktn ask `terraform version`, which warns on every run without a CLI config
    const cliConfig = join(work, "terraformrc");
    writeFileSync(cliConfig, "");
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: cliConfig };
    const cdktfOut = join(work, "cdktf.out");
    log("check:cdktn: cdktf synth (this repository's toolchain)");
    await run(join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--output", cdktfOut], { cwd: ROOT, env }, "cdktf synth");

    const nodeBin = needNode ? join(cacheDir, "node_modules", CDKTN_NODE.package, "bin") : resolve(process.execPath, "..");
    const cdktnOut = join(work, "cdktn.out");
    log(`check:cdktn: cdktn synth (CDK Terrain ${CDKTN_PACKAGES.cdktn}, @cdktn/provider-aws ${CDKTN_PACKAGES["@cdktn/provider-aws"]}, Node from ${nodeBin})`);
    await run(
      join(nodeBin, "node"),
      [join(cacheDir, "node_modules", "cdktn-cli", "bundle", "bin", "cdktn.js"), "synth", "--app", appWithShim(), "--output", cdktnOut],
      {
        cwd: ROOT,
        env: {
          ...env,
          // the app command in cdktf.json runs `node`: the same Node 22 as the CLI
          PATH: `${nodeBin}:${process.env.PATH ?? ""}`,
          OPENCLAW_CDKTN_ROOT: cacheDir,
          // Workers start with their own flags; the shim must reach every process that builds stacks.
          OPENCLAW_SYNTH_WORKERS: "1",
        },
      },
      "cdktn synth",
    );
    assertSynthesizedBy(cdktnOut, "cdktn", CDKTN_PACKAGES.cdktn);

    const differences = compareSynthOutputs(cdktfOut, cdktnOut);
    const report = renderReport(differences, `cdktf 0.21.0 → CDK Terrain ${CDKTN_PACKAGES.cdktn} (${readdirSync(join(cdktfOut, "stacks")).length} stacks)`);
    process.stdout.write(report);
    if (values.report) writeFileSync(values.report, report);
    return differences.some((d) => !d.explanation) ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) runTool("check:cdktn", HELP, main);
