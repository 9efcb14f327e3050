/**
 * Operability of the egress allowlist: a new destination is a tenant-file change that touches
 * only that tenant's stack, and the plan comment names it (egress/allowlists.ts, `npm run egress`).
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { egressPlanNotes, publishedAllowlists } from "../../egress/allowlists";
import { FIXTURE_TENANTS_DIR } from "../support/fixtures";
import { synthesize } from "../support/synth";
import { runTypeScript } from "../support/run-typescript";

function tenantsWith(change: (acme: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-egress-tenants-"));
  cpSync(FIXTURE_TENANTS_DIR, dir, { recursive: true });
  writeFileSync(join(dir, "acme.yaml"), change(readFileSync(join(dir, "acme.yaml"), "utf8")));
  return dir;
}

describe("adding a destination to a tenant file", () => {
  const base = synthesize();
  const head = synthesize(tenantsWith((acme) => `${acme.replace(/^integrations: \[(.*)\]$/m, "integrations: [$1, notion]")}\negressDomains: [crm.acme.example]\n`));

  it("changes that tenant's stack and no other", () => {
    const changed = Object.keys(head.texts).filter((stack) => head.texts[stack] !== base.texts[stack]);
    expect(Object.keys(head.texts).length).toBeGreaterThanOrEqual(4);
    expect(changed).toEqual(["tenant-acme"]);
  });

  it("puts one line in the plan comment naming what the tenant may now reach", () => {
    expect(egressPlanNotes(publishedAllowlists(base.stacks), publishedAllowlists(head.stacks))).toEqual([
      "- :shield: **Egress:** tenant `acme` may now reach `api.notion.com`, `crm.acme.example`",
    ]);
    expect(egressPlanNotes(publishedAllowlists(head.stacks), publishedAllowlists(base.stacks))).toEqual([
      "- :shield: **Egress:** tenant `acme` no longer `api.notion.com`, `crm.acme.example`",
    ]);
    expect(egressPlanNotes(publishedAllowlists(base.stacks), publishedAllowlists(base.stacks))).toEqual([]);
  });

  it("prints the same through npm run egress -- --base --head --plan-comment", () => {
    const result = runTypeScript("egress/cli.ts", ["--base", base.outdir, "--head", head.outdir, "--plan-comment"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("- :shield: **Egress:** tenant `acme` may now reach `api.notion.com`, `crm.acme.example`\n");
  });
});

describe("a pull request's synth output is untrusted", () => {
  const stack = (value: string) => ({ resource: { aws_ssm_parameter: { p: { name: "/openclaw/production/us-east-1/egress/tenants/acme", value } } } });

  it("never echoes a domain the loader would refuse into the comment", () => {
    const hostile = JSON.stringify({ domains: ["api.example.com", "x`](https://evil.example) <img src=x>"] });
    const notes = egressPlanNotes(publishedAllowlists({ a: stack(JSON.stringify({ domains: [] })) }), publishedAllowlists({ a: stack(hostile) }));
    expect(notes).toEqual(["- :warning: **Egress:** tenant `acme` publishes an allowlist that is not valid (the proxy will leave the tenant out)"]);
  });

  it("ignores parameters outside the egress path and tenant ids outside the pattern", () => {
    const other = { resource: { aws_ssm_parameter: { p: { name: "/openclaw/production/us-east-1/egress/tenants/A`B", value: "{}" }, q: { name: "/x", value: "{}" } } } };
    expect(publishedAllowlists({ other }).size).toBe(0);
  });
});
