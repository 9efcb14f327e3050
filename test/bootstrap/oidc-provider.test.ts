import { planOidcProvider } from "../../bootstrap/resources/oidc-provider";

describe("planOidcProvider", () => {
  test("a missing provider is created for GitHub with the STS audience", () => {
    expect(planOidcProvider(undefined)).toEqual({
      exists: false,
      actions: [{ kind: "create", description: "create for https://token.actions.githubusercontent.com, audience sts.amazonaws.com" }],
      notes: [],
    });
  });

  test("an existing provider with the STS audience is reused as is, whatever else it accepts", () => {
    expect(planOidcProvider({ clientIds: ["https://github.com/other-org", "sts.amazonaws.com"] }).actions).toEqual([]);
  });

  test("the STS audience is added to an existing provider, keeping its other audiences", () => {
    expect(planOidcProvider({ clientIds: ["https://github.com/other-org"] }).actions).toEqual([
      { kind: "addAudience", description: "audiences: add sts.amazonaws.com (kept https://github.com/other-org)" },
    ]);
  });
});
