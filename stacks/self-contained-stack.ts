import { TerraformStack } from "cdktf";

/**
 * A stack that never references another stack's resources: platform and tenant stacks share
 * values only through the SSM contract. cdktf's `prepareStack` resolves every element once
 * just to discover cross-stack references (which it would turn into `terraform_remote_state`);
 * with none to find, that pass only doubles token resolution, the largest cost of a synth.
 *
 * test/invariants.test.ts checks that every reference in every synthesized stack points at a
 * resource of that same stack, so a cross-stack reference added by mistake fails the tests
 * instead of producing Terraform that cannot plan.
 */
export abstract class SelfContainedStack extends TerraformStack {
  public prepareStack(): void {
    // Every stack of this app configures its S3 backend (StackSettings); this only checks that.
    this.ensureBackendExists();
  }
}
