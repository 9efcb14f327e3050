/**
 * `npm run synth`: runs cdktf.json's `app` the way `cdktf synth` runs it, without the cdktf CLI
 * around it.
 *
 * Why not the CLI: at 1,000 tenants `cdktf synth` spends about 2.7 s starting (it loads its
 * bundle and runs terraform several times to read the CLI configuration) before the app starts,
 * and after the app exits it reads every stack back, re-serializes it into memory and parses it
 * again for telemetry: about 1.5 s and ~340 MiB, two thirds of the synth's peak memory, for
 * nothing this project uses (BENCHMARKS.md). The app writes the output itself; this launcher
 * gives it the same environment the CLI gives it, so the files are the same byte for byte
 * (test/synth-command.test.ts compares the two). `cdktf deploy`/`diff` and CDK Terrain's CLI still
 * run the same `app` line from cdktf.json.
 *
 * What the CLI does that this keeps: output directory from `--output` or cdktf.json `output`;
 * `CDKTF_CONTEXT_JSON` = cdktf.json `context` plus `cdktfRelativeModules`; `TF_VAR_*` not passed
 * to the app; the app's exit status; printing annotations and the stack list from manifest.json.
 * What differs, on purpose: the app is not told to continue past error annotations
 * (`CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS`), so cdktf stops inside the app before main.ts
 * replaces the previous output (the CLI would report them after the output was written).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

const USAGE = `usage: npm run synth [-- --output <dir>]

Synthesizes every stack into <dir> (default: cdktf.json "output", normally cdktf.out) by running
cdktf.json "app" with the environment \`cdktf synth\` gives it.`;

/** The part of cdktf.json the launcher reads (the CLI's defaults applied). */
export interface CdktfProjectFile {
  app: string;
  output: string;
  context: Record<string, unknown>;
  terraformModules: Array<string | { source: string }>;
}

export function readCdktfProjectFile(path: string): CdktfProjectFile {
  const raw = JSON.parse(readFileSync(path, "utf8")) as Partial<CdktfProjectFile>;
  if (typeof raw.app !== "string" || raw.app.trim() === "") throw new Error(`${path}: "app" must be the command that runs the app`);
  return { app: raw.app, output: raw.output ?? "cdktf.out", context: raw.context ?? {}, terraformModules: raw.terraformModules ?? [] };
}

/** Local module paths (./ or ../), which the CLI lists in the context as `cdktfRelativeModules`. */
function relativeModules(project: CdktfProjectFile): CdktfProjectFile["terraformModules"] {
  return project.terraformModules.filter((m) => {
    const source = typeof m === "string" ? m : m.source;
    return source.startsWith("./") || source.startsWith("../");
  });
}

/** The app's environment, as cdktf-cli 0.21's `SynthStack.synth` builds it (minus the continue-on-error flag). */
export function appEnvironment(project: CdktfProjectFile, outdir: string, parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(parent).filter(([name]) => !name.startsWith("TF_VAR_")));
  const inherited = parent.CDKTF_CONTEXT_JSON ? (JSON.parse(parent.CDKTF_CONTEXT_JSON) as Record<string, unknown>) : {};
  return {
    ...env,
    CDKTF_OUTDIR: outdir,
    // The CLI merges cdktf.json's context over an inherited one, then adds the local modules.
    CDKTF_CONTEXT_JSON: JSON.stringify({ ...inherited, ...project.context, cdktfRelativeModules: relativeModules(project) }),
    SYNTH_HCL_OUTPUT: "false",
  };
}

interface ManifestAnnotation {
  constructPath: string;
  level: string;
  message: string;
}

/** The lines the CLI prints after a synth: each annotation, then the stacks written. */
export function summaryLines(manifest: { stacks: Record<string, { annotations?: ManifestAnnotation[] }> }): string[] {
  const annotations = Object.values(manifest.stacks).flatMap((s) => s.annotations ?? []);
  const names = Object.keys(manifest.stacks);
  return [
    ...annotations.map((a) => `${a.level.replace(/^@cdktf\/(info|warn|error)$/, (_, l: string) => l.toUpperCase())} [${a.constructPath}]: ${a.message}`),
    names.length > 0 ? `Generated Terraform code for the stacks: ${names.join(", ")}` : "ERROR: No Terraform code synthesized.",
  ];
}

function parseOutput(argv: string[]): string | undefined {
  let output: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === "--output" || arg === "-o") {
      output = argv[++i];
      if (!output) fail(`${arg} needs a directory`);
    } else if (arg.startsWith("--output=")) {
      output = arg.slice("--output=".length);
    } else {
      fail(`unknown argument ${arg}`);
    }
  }
  return output;
}

function fail(message: string): never {
  process.stderr.write(`synth: ${message}\n\n${USAGE}\n`);
  process.exit(1);
}

function main(): void {
  const cwd = process.cwd();
  const projectPath = join(cwd, "cdktf.json");
  if (!existsSync(projectPath)) fail(`no cdktf.json in ${cwd}`);
  let project: CdktfProjectFile;
  try {
    project = readCdktfProjectFile(projectPath);
  } catch (err) {
    fail((err as Error).message);
  }
  const requested = parseOutput(process.argv.slice(2)) ?? project.output;
  const outdir = isAbsolute(requested) ? requested : resolve(cwd, requested);

  const child = spawn(project.app, { shell: true, cwd, stdio: "inherit", env: appEnvironment(project, outdir, process.env) });
  child.on("error", (err) => fail(`could not start the app (${project.app}): ${err.message}`));
  child.on("exit", (code, signal) => {
    if (code !== 0) {
      process.stderr.write(`synth: the app exited ${signal ?? code}; ${outdir} was left as it was\n`);
      process.exit(code ?? 1);
    }
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    const lines = summaryLines(manifest);
    process.stdout.write(`${lines.join("\n")}\n`);
    const errors = lines.filter((l) => l.startsWith("ERROR"));
    if (errors.length > 0) process.exit(1);
  });
}

if (require.main === module) main();
