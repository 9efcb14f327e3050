import { Construct } from "constructs";
import { CeCostAllocationTag } from "@cdktf/provider-aws/lib/ce-cost-allocation-tag";

export interface CostAllocationTagsProps {
  /** Tag keys to activate, e.g. TenantID; each appears in Cost Explorer and budget filters. */
  readonly tagKeys: readonly string[];
}

/**
 * Activates user-defined tags as cost-allocation tags for the whole account. Until a tag is
 * active, AWS Budgets filtered on `user:TenantID$<id>` see $0, so this is what makes each tenant's
 * budget (and its spend stop) see the tenant's spend.
 *
 * Account-wide, so exactly one stack per account may own it (buildApp picks one platform stack).
 * AWS lists a tag key for activation only after it has been on a resource in billing data (up to
 * 24 hours after the first tagged resource); in an AWS Organization only the management account
 * can activate tags, for all members.
 */
export class CostAllocationTags extends Construct {
  constructor(scope: Construct, id: string, props: CostAllocationTagsProps) {
    super(scope, id);
    if (props.tagKeys.length === 0) throw new Error("CostAllocationTags: tagKeys must name at least one tag");
    for (const tagKey of [...props.tagKeys].sort()) {
      if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(tagKey) || tagKey.startsWith("aws:")) {
        throw new Error(`CostAllocationTags: "${tagKey}" is not a user-defined tag key (1-128 characters, no aws: prefix)`);
      }
      new CeCostAllocationTag(this, tagKey, { tagKey, status: "Active" });
    }
  }
}
