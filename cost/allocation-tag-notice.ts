import type { EnvironmentsConfig } from "../config/environment-schema";

/**
 * One line per environment whose tags Terraform does not activate, saying when to turn the
 * activation on: budgets and spend stops filtered on `user:TenantID$<id>` see $0 until the tags
 * are active, and activating them cannot be part of a new account's first apply (AWS lists a key
 * only after it appears in billing data; ce/cost_allocation_tag.go fails on an unlisted key).
 */
export function costAllocationTagNotices(environments: EnvironmentsConfig): string[] {
  return Object.entries(environments)
    .filter(([, environment]) => !environment.activateCostAllocationTags)
    .map(
      ([name]) =>
        `${name}: cost-allocation tags are not activated by Terraform; budgets on TenantID see $0 until they are. ` +
        `Once \`aws ce list-cost-allocation-tags --tag-keys TenantID\` lists the key (up to 24 h after the first tenant deploys), ` +
        `set environments.${name}.activateCostAllocationTags: true in cdktf.json, or activate the tags in the payer account if this is a member account.`,
    );
}
