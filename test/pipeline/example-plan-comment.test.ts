/**
 * The committed example plan comment (docs/example-plan-comment.md, linked from the README) is
 * what the tools produce today from the fixtures (#27 item 7): a change to the comment's format,
 * the cost notes or the fixtures shows up here, and `npm run example:plan-comment` refreshes it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLE_PATH, examplePlanComment } from "../../scripts/example-plan-comment";
import { MARKER } from "../../pipeline/plan-comment";
import { REPO_ROOT } from "../support/fixtures";

const generated = examplePlanComment();

describe("docs/example-plan-comment.md", () => {
  it("is what npm run example:plan-comment generates now (run it after changing the comment, cost notes or fixtures)", () => {
    expect(readFileSync(EXAMPLE_PATH, "utf8")).toBe(generated);
  });

  it("shows a real comment: the marker, the cost notes of the example change, the table and the details", () => {
    expect(generated).toContain(`${MARKER}\n## Terraform plan: `);
    expect(generated).toMatch(/^- `tenant-hooli`: — → \$\d+\.\d\d per month/m);
    expect(generated).toMatch(/^- `tenant-acme`: .* — \*\*over its \$250\.00 budget by \$\d+\.\d\d\*\*$/m);
    expect(generated).toContain("| Stack | Add | Change | Destroy | Replace | Status |");
    expect(generated).toContain("<details><summary><b>tenant-globex</b>");
    // acme re-adds an integration whose secret is scheduled for deletion (plan-stacks' secrets.json)
    expect(generated).toContain("**Secrets scheduled for deletion.**");
    expect(generated).toContain("`aws secretsmanager restore-secret --secret-id /openclaw/production/acme/slack`");
  });

  it("is linked from the README", () => {
    expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).toContain("(docs/example-plan-comment.md)");
  });
});
