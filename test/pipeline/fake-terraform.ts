/**
 * A fake `terraform` for the offboarding job: keeps a tenant stack's state in memory and
 * answers the commands the job runs (init, apply, show -json, plan -destroy, state list),
 * calling hooks where real Terraform would change AWS (scale services, schedule the key).
 */
import type { Exec, ExecResult } from "../../pipeline/lib/exec";

export interface FakeResource {
  address: string;
  type: string;
  values: Record<string, unknown>;
}

export interface FakeTerraformOptions {
  /** State before the offboarding (what the last deploy applied). */
  resources: FakeResource[];
  /** The teardown form's apply (step 1): real Terraform would set desired counts to 0. */
  onApply?: (resources: FakeResource[]) => Promise<void>;
  /** The destroy apply: real Terraform deletes everything (and schedules the KMS key). */
  onDestroy?: (resources: FakeResource[]) => Promise<void>;
}

export class FakeTerraform {
  readonly calls: string[][] = [];
  resources: FakeResource[];
  /** Fail the next call whose arguments start with these words (then stop failing). */
  failNext?: string[];

  constructor(private readonly opts: FakeTerraformOptions) {
    this.resources = opts.resources.map((r) => ({ ...r, values: { ...r.values } }));
  }

  /** The commands run, as "terraform <first two words>", for order assertions. */
  get commands(): string[] {
    return this.calls.map((c) => c.filter((a) => !a.startsWith("-") || a === "-destroy").slice(0, 2).join(" "));
  }

  readonly exec: Exec = async (_command, args): Promise<ExecResult> => {
    const a = [...args];
    this.calls.push(a);
    if (this.failNext && this.failNext.every((w, i) => a[i] === w)) {
      this.failNext = undefined;
      return { code: 1, stdout: "", stderr: `Error: injected failure of terraform ${a.join(" ")}` };
    }
    const ok = (stdout = "") => ({ code: 0, stdout, stderr: "" });
    const positional = a.filter((x) => !x.startsWith("-"));
    switch (a[0]) {
      case "init":
        return ok();
      case "apply":
        if (positional.length > 1) {
          await this.opts.onDestroy?.(this.resources);
          this.resources = [];
        } else {
          for (const r of this.resources) if (r.type === "aws_ecs_service") r.values.desired_count = 0;
          await this.opts.onApply?.(this.resources);
        }
        return ok();
      case "plan":
        return ok();
      case "show":
        if (positional.length > 1) {
          const changes = this.resources.map((r) => ({ address: r.address, mode: "managed", type: r.type, change: { actions: ["delete"], before: r.values } }));
          return ok(JSON.stringify({ format_version: "1.2", resource_changes: changes }));
        }
        return ok(JSON.stringify({ format_version: "1.0", values: { root_module: { resources: this.resources.map((r) => ({ ...r, mode: "managed" })) } } }));
      case "state":
        return ok(this.resources.map((r) => r.address).join("\n"));
      default:
        return { code: 1, stdout: "", stderr: `fake terraform: unexpected ${a.join(" ")}` };
    }
  };
}
