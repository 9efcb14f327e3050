/**
 * The synth's fleet-wide checks (capacity/fleet-checks.ts) read the output once and answer exactly
 * what the capacity gate and the cost estimate answer on their own.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkCapacity } from "../capacity/gate";
import { estimateCost } from "../cost/estimate";
import { checkFleet } from "../capacity/fleet-checks";
import { readSynthesizedStacks } from "../synth/synth-output";
import { synthesize } from "./support/synth";
import { writeTenants } from "./support/tenant-fixtures";

describe("checkFleet", () => {
  it("gives the capacity gate's verdict and the cost estimate's warnings, from one pass", () => {
    const output = synthesize(writeTenants([{ id: "big", agents: { butler: "{ cpu: 4096, memory: 8192, desiredCount: 2 }" } }, { id: "small" }]));
    const checks = checkFleet(output.outdir, output.config.environments);
    expect(checks.capacity).toEqual(checkCapacity(readSynthesizedStacks(output.outdir), output.config.environments));
    expect(checks.costWarnings).toEqual(estimateCost(readSynthesizedStacks(output.outdir)).warnings);
    expect(checks.costWarnings).toEqual([expect.stringMatching(/^cost: tenant big: fixed estimate /)]);
  });

  it("still checks capacity when a stack cannot be priced, and says why there is no estimate", () => {
    const output = synthesize();
    const outdir = mkdtempSync(join(tmpdir(), "fleet-checks-"));
    cpSync(output.outdir, outdir, { recursive: true });
    const file = join(outdir, "stacks", "tenant-acme", "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8"));
    stack.provider.aws[0].region = "xx-nowhere-1"; // no price table for it
    writeFileSync(file, JSON.stringify(stack));
    const checks = checkFleet(outdir, output.config.environments);
    expect(checks.costWarnings).toContainEqual(
      "cost: no estimate for tenant-acme: no price table for region xx-nowhere-1 (cost/prices/xx-nowhere-1.json): `npm run prices:update -- --region xx-nowhere-1` writes it from the AWS Price List API with AWS credentials",
    );
    expect(checks.capacity).toEqual(checkCapacity(readSynthesizedStacks(outdir), output.config.environments));
  });
});
