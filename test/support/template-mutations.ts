/**
 * Candidate strings for the differential test of the stack policy against Terraform
 * (test/pipeline/terraform-differential.test.ts): each interpolation of the real synthesized
 * stacks with an attack fragment inserted at each token boundary. `@CANARY@` and `@MARK@` are
 * filled in by test/support/terraform-evaluate.ts.
 */
const PAYLOADS = ['file("@CANARY@")', 'upper("@MARK@")', 'base64encode("@MARK@")', 'sha256("@MARK@")', 'filebase64("@CANARY@")', 'templatefile("@CANARY@", {})'];
/** What is inserted at each boundary; `P` is a payload. */
const FRAGMENTS = [
  "P",
  " P",
  ",P",
  ", P",
  '/*"*/P',
  '/*"*/P/*"*/',
  '#"\nP\n',
  '//"\nP\n',
  "${P}",
  "$${P}",
  "$$${P}",
  "%%{${P}",
  "%{ if true }${P}%{ endif }",
  '"${P}"',
  '\\"${P}',
  "~}${P}${~",
  "}${P}${",
  '"}${P}${"',
  "<<EOT\n${P}\nEOT\n",
  "\n${P}",
];

/** Every string and key of a JSON value. */
export function* strings(value: unknown): Generator<string> {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      yield k;
      yield* strings(v);
    }
  }
}

/**
 * The real strings cut down to what the mutations need: a short string whole, and each
 * interpolation of a long one (policy documents, container definitions) with up to 16
 * characters of text on either side.
 */
export function units(texts: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    if (!text.includes("$")) continue;
    if (text.length <= 200) {
      out.add(text);
      continue;
    }
    const spans = [...text.matchAll(/(?<!\$)\$\{[^}]*\}/g)].map((m) => [m.index, m.index + m[0].length]);
    spans.forEach(([start, end], i) => {
      // Context is literal text only, cut where no escape or interpolation is split.
      let from = Math.max(start - 16, i > 0 ? spans[i - 1][1] : 0);
      let to = Math.min(end + 16, i + 1 < spans.length ? spans[i + 1][0] : text.length);
      while (from < start && /[$%{]/.test(text[from] + (text[from - 1] ?? ""))) from++;
      while (to > end && /[$%{]/.test(text[to - 1] + (text[to] ?? ""))) to--;
      out.add(text.slice(from, to));
    });
  }
  return [...out].sort();
}

/** Characters after which Terraform's tokens meet. */
const BOUNDARY = /[${}()[\],=". ]/;

/**
 * Insertion points of a unit: its ends, and every token boundary from each "${" to its "}".
 * Literal text between interpolations is plain text to Terraform and to the policy alike, so
 * one point on each side of an interpolation stands for all of it.
 */
function insertionPoints(unit: string): number[] {
  // A string that is one interpolation of a list (the subnets matchkeys() picks) cannot take
  // text around it: Terraform refuses the string with a type error after evaluating it, so
  // only points inside the interpolation are worth Terraform's time.
  const listValued = /^\$\{(matchkeys|tolist|split)\(|^\$\{\[/.test(unit);
  const points = new Set(listValued ? [] : [0, unit.length]);
  for (const m of unit.matchAll(/\$\{[^}]*\}?/g)) {
    for (let i = m.index; i < m.index + m[0].length; i++) if (BOUNDARY.test(unit[i])) points.add(i + 1);
    if (!listValued) points.add(m.index);
  }
  if (listValued) points.delete(unit.length);
  return [...points].sort((a, b) => a - b);
}

export function mutations(unitList: string[]): string[] {
  const out: string[] = [];
  let n = 0;
  for (const unit of unitList) {
    for (const at of insertionPoints(unit)) {
      for (const fragment of FRAGMENTS) {
        const payload = PAYLOADS[n++ % PAYLOADS.length];
        out.push(unit.slice(0, at) + fragment.replace("P", payload) + unit.slice(at));
      }
    }
  }
  return out;
}

/**
 * One unit per shape (the same text up to names and ids): the stacks repeat each module's
 * strings per tenant, agent and zone, and a mutation of one stands for the rest.
 */
export function oneUnitPerShape(unitList: readonly string[]): string[] {
  const shapes = new Map<string, string>();
  for (const unit of unitList) {
    const shape = unit.replace(/[A-Za-z0-9_-]+/g, "x");
    if (!shapes.has(shape)) shapes.set(shape, unit);
  }
  return [...shapes.values()];
}
