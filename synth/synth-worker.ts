/**
 * A synth worker process (forked by synth/fleet-synth.ts): receives the validated configuration
 * and its share of stack names, synthesizes them into the shared output directory and replies
 * with their manifest entries.
 */
import type { ProjectConfig } from "../config/loader";
import { type ProvisionerBundle, useProvisionerBundle } from "../db/bundle";
import { synthesizeShare } from "./synth-share";
import { disableTokenStackTraces } from "./synth-tuning";

export interface WorkerRequest {
  readonly config: ProjectConfig;
  readonly names: string[];
  readonly outdir: string;
  readonly batchSize: number;
  /** Built once by the parent when the share holds a platform stack. */
  readonly provisionerBundle?: ProvisionerBundle;
}

disableTokenStackTraces();
process.once("message", (request: WorkerRequest) => {
  try {
    if (request.provisionerBundle) useProvisionerBundle(request.provisionerBundle);
    // Each finished batch is reported, so the parent can show the fleet's progress.
    const manifest = synthesizeShare(request.config, request.names, request.outdir, request.batchSize, (stacks) => process.send!({ progress: stacks }));
    process.send!({ ok: true, manifest }, () => process.exit(0));
  } catch (err) {
    process.send!({ ok: false, error: (err as Error).stack ?? String(err) }, () => process.exit(1));
  }
});
