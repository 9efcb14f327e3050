/** Runs a tool's CLI in-process (same exit-code contract as the script) and captures its output. */
import { runMain } from "../../pipeline/lib/cli";

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  tool: string,
  mod: { HELP: string; main: (argv: string[]) => Promise<number> | number },
  argv: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const o = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const e = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    const status = await runMain(tool, mod.HELP, mod.main, argv);
    return { status, stdout: out.join(""), stderr: err.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}
