/**
 * Drives test/support/fake-terraform-fleet.sh: a fake `terraform` whose latency, failures and
 * throttling are set per stack, and which records every call, its environment and every signal.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const FAKE_TERRAFORM = join(__dirname, "fake-terraform-fleet.sh");

export interface FakeStackConfig {
  init_ms?: number;
  plan_ms?: number;
  apply_ms?: number;
  fail?: "apply" | "init";
  throttle?: number;
  lockheld?: number;
  network?: number;
  ignore_int?: 1;
  orphan?: 1;
  plan_exit?: 0 | 2;
}

export interface FakeCall {
  stack: string;
  pid: number;
  args: string[];
  env: Record<string, string>;
}

export class FakeFleetTerraform {
  readonly dir = mkdtempSync(join(tmpdir(), "fake-tf-"));
  constructor() {
    mkdirSync(join(this.dir, "config"));
  }
  /** The environment the runner passes to terraform so it finds this fake's directory. */
  get env(): Record<string, string> {
    return { FAKE_TF_DIR: this.dir };
  }
  configure(stack: string | "default", config: FakeStackConfig): this {
    writeFileSync(join(this.dir, "config", stack), Object.entries(config).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
    return this;
  }
  /** Every line of calls.log: `call ...`, `signal <stack> <pid> <SIG>`, `exit ...`. */
  lines(): string[] {
    const file = join(this.dir, "calls.log");
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
  }
  calls(): FakeCall[] {
    return this.lines()
      .filter((l) => l.startsWith("call "))
      .map((l) => {
        const [head, tail] = l.split(" | ");
        const [, stack, pid, ...args] = head.split(" ");
        const env = Object.fromEntries(tail.split(" ").map((kv) => kv.split("=", 2) as [string, string]));
        return { stack, pid: Number(pid), args, env };
      });
  }
  signals(): { stack: string; signal: string }[] {
    return this.lines()
      .filter((l) => l.startsWith("signal "))
      .map((l) => {
        const [, stack, , signal] = l.split(" ");
        return { stack, signal };
      });
  }
  /** Pids of the processes `orphan=1` applies left running after they exited. */
  orphans(): number[] {
    const file = join(this.dir, "orphans.log");
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map(Number) : [];
  }
  /** State locks still held (what a SIGHUP'd or SIGKILL'd apply leaves behind). */
  locks(): string[] {
    const d = join(this.dir, "locks");
    return existsSync(d) ? readdirSync(d).map((f) => f.replace(/\.lock$/, "")) : [];
  }
  /** Most applies running at the same time, from the order of call and exit lines. */
  maxConcurrentApplies(): number {
    const running = new Set<string>();
    let max = 0;
    for (const l of this.lines()) {
      const [kind, stack, pid, cmd] = l.split(" ");
      if (kind === "call" && cmd === "apply") running.add(pid);
      else if (kind === "exit") running.delete(pid);
      max = Math.max(max, running.size);
      void stack;
    }
    return max;
  }
}

/** A synth-output-like directory with stacks/<name>/cdk.tf.json for each name. */
export function stackDirs(names: readonly string[]): { root: string; work: { stack: string; dir: string }[] } {
  const root = mkdtempSync(join(tmpdir(), "fleet-synth-"));
  const work = names.map((stack) => {
    const dir = join(root, "stacks", stack);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "cdk.tf.json"), "{}\n");
    return { stack, dir };
  });
  return { root, work };
}
