import { CostAllocationTags } from "../../modules/cost-allocation-tags";
import { all, synthModule } from "../support/module-synth";

describe("CostAllocationTags", () => {
  it("activates each tag key account-wide", () => {
    const { json } = synthModule((scope) => new CostAllocationTags(scope, "tags", { tagKeys: ["TenantID", "CostCenter"] }));
    expect(all(json, "aws_ce_cost_allocation_tag").map((t) => [t.tag_key, t.status])).toEqual([
      ["CostCenter", "Active"],
      ["TenantID", "Active"],
    ]);
  });

  it("fails on an AWS-reserved key", () => {
    expect(() => synthModule((scope) => new CostAllocationTags(scope, "tags", { tagKeys: ["aws:createdBy"] }))).toThrow(
      'CostAllocationTags: "aws:createdBy" is not a user-defined tag key (1-128 characters, no aws: prefix)',
    );
  });
});
