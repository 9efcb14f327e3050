import { isLegalTransition, legalTransitions, TENANT_STATUSES } from "../../config/tenant-lifecycle";

describe("tenant lifecycle transitions", () => {
  const legal = [
    ["provisioning", "active"],
    ["provisioning", "suspended"],
    ["provisioning", "offboarding"],
    ["active", "suspended"],
    ["active", "offboarding"],
    ["suspended", "active"],
    ["suspended", "offboarding"],
    ["offboarding", "offboarded"],
  ] as const;

  test("allows exactly the documented transitions", () => {
    const all = TENANT_STATUSES.flatMap((from) => TENANT_STATUSES.filter((to) => isLegalTransition(from, to)).map((to) => [from, to]));
    expect(all).toEqual(legal.map((t) => [...t]));
  });

  test("nothing leaves offboarded, and offboarding only ends in offboarded", () => {
    expect(legalTransitions("offboarded")).toEqual([]);
    expect(legalTransitions("offboarding")).toEqual(["offboarded"]);
  });
});
