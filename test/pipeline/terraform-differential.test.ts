/**
 * The stack policy's template check against Terraform itself (issue 24, item 1): whenever the
 * real `terraform` (1.11, no providers) would read a file or run a function outside the
 * allow-list for a string, the policy must have refused that string.
 *
 * Candidates: the committed attack corpus (test/pipeline/fixtures/template-corpus.json: the
 * comment attacks from the issue and comment, heredoc, directive, strip-marker, escape and
 * unicode variants) and mutations of every interpolation of every synthesized stack, each with
 * an attack fragment inserted at each syntactic boundary. All candidates the policy accepts, the
 * real strings among them, are evaluated in one `terraform plan` (test/support/
 * terraform-evaluate.ts); the corpus entries are evaluated too, refused or not, so the test also
 * shows the oracle sees the attacks it is meant to see.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { templateViolations } from "../../pipeline/lib/stack-policy";
import { evaluateTemplates, terraformAvailable } from "../support/terraform-evaluate";
import { mutations, oneUnitPerShape, strings, units } from "../support/template-mutations";
import { synthesize } from "../support/synth";

interface CorpusEntry {
  readonly name: string;
  readonly template: string;
  readonly executes: boolean | null;
}

const corpus: CorpusEntry[] = JSON.parse(readFileSync(join(__dirname, "fixtures", "template-corpus.json"), "utf8")).candidates;
const accepted = (text: string) => templateViolations("x", text).length === 0;
const available = terraformAvailable();
// CI has terraform (the workflows install it); a developer machine without it skips, loudly.
const describeWithTerraform = available || process.env.CI ? describe : describe.skip;
if (!available && !process.env.CI) console.warn("terraform not on PATH: the differential test against Terraform is skipped");

describeWithTerraform("stack policy versus Terraform 1.11", () => {
  const real = synthesize();
  const realUnits = units(Object.values(real.stacks).flatMap((s) => [...strings(s)]));
  const mutated = mutations(oneUnitPerShape(realUnits));
  const acceptedMutations = mutated.filter(accepted);
  const candidates = [...new Set([...corpus.map((c) => c.template), ...realUnits, ...acceptedMutations])];
  let results: Map<string, ReturnType<typeof evaluateTemplates>[number]>;

  beforeAll(() => {
    results = new Map(evaluateTemplates(candidates).map((r) => [r.candidate, r]));
  }, 120_000);

  it("generates mutations of every interpolation of the real stacks, and Terraform evaluates the real strings without error", () => {
    expect(realUnits.length).toBeGreaterThan(50);
    expect(mutated.length).toBeGreaterThan(10_000);
    expect(acceptedMutations.length).toBeGreaterThan(500); // escapes, literal text: Terraform must show these are inert
    expect(realUnits.map((u) => [u, results.get(u)!.error]).filter(([, e]) => e)).toEqual([]);
    expect(realUnits.filter((u) => !accepted(u))).toEqual([]);
  });

  it("the oracle sees what Terraform does with the attack corpus (recorded in the corpus)", () => {
    const checked = corpus.filter((c) => c.executes !== null);
    expect(checked.filter((c) => c.executes).length).toBeGreaterThan(30);
    expect(checked.map((c) => [c.name, results.get(c.template)!.executed]).filter(([name, executed]) => corpus.find((c) => c.name === name)!.executes !== executed)).toEqual([]);
  });

  it("whenever Terraform reads the canary or runs a function outside the allow-list, the policy refused the string", () => {
    const executedButAccepted = candidates.filter((c) => results.get(c)!.executed && accepted(c));
    expect(executedButAccepted).toEqual([]);
    expect(candidates.filter((c) => results.get(c)!.executed).length).toBeGreaterThan(30);
  });

  it("every string the policy accepts is one Terraform evaluates (none left unverified by an error)", () => {
    expect(candidates.filter((c) => accepted(c) && results.get(c)!.error).map((c) => [c, results.get(c)!.error])).toEqual([]);
  });
});
