/**
 * Shared plumbing for the pipeline tools: argument parsing, the exit-code contract
 * (0 ok, 1 bad input, 2 unexpected failure) and stderr progress lines.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { STACK_NAME_PATTERN } from "../../modules/naming";

/** A mistake by the caller (arguments, input files): exit 1, message without stack trace. */
export class UsageError extends Error {}

/** Something outside the caller's control failed (terraform, AWS, cdktf): exit 2. */
export class ToolFailure extends Error {}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    // node's messages already name the option ("Unknown option '--x'")
    throw new UsageError((err as Error).message);
  }
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Runs a tool's main function with the exit-code contract and returns the exit code:
 * 0 ok, 1 bad input (UsageError), 2 anything else. `help` is printed for --help.
 */
export async function runMain(
  tool: string,
  help: string,
  main: (argv: string[]) => Promise<number | void> | number | void,
  argv: string[],
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(help.endsWith("\n") ? help : `${help}\n`);
    return 0;
  }
  try {
    return (await main(argv)) ?? 0;
  } catch (err: unknown) {
    if (err instanceof UsageError) {
      log(`${tool}: ${err.message}`);
      log(`Run with --help for usage.`);
      return 1;
    }
    if (err instanceof ToolFailure) {
      log(`${tool}: ${err.message}`);
      return 2;
    }
    log(`${tool}: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 2;
  }
}

/** Entry point of a tool run as a script. */
export function run(tool: string, help: string, main: (argv: string[]) => Promise<number | void> | number | void): void {
  void runMain(tool, help, main, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

/** Splits "a,b c" / "a b\nc" into names; empty input gives []. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Stack names end up in paths, job names and shell arguments: keep them boring (modules/naming.ts). */
export const STACK_NAME = STACK_NAME_PATTERN;

export function checkStackNames(names: string[], what: string): void {
  const bad = names.filter((n) => !STACK_NAME.test(n));
  if (bad.length > 0) {
    throw new UsageError(`${what}: invalid stack name(s) ${bad.map((b) => JSON.stringify(b)).join(", ")} (allowed: ${STACK_NAME.source})`);
  }
}
