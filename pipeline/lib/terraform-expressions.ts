/**
 * What the templates inside a Terraform JSON string can do: the functions they call and the
 * objects they reference. In Terraform's JSON syntax every string in an expression position
 * (and every property name of an object value) is a string template: `${ ... }` interpolates an
 * expression and `%{ ... }` holds a directive (`for`, `if`) with expressions of its own, while
 * `$${` and `%%{` are literal text. This scanner follows that grammar far enough to find every
 * call and every traversal root, including those inside string literals nested in an
 * expression (`"${upper("x${file("/etc/passwd")}")}"`), so a call cannot hide in a quote.
 * https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping
 * https://developer.hashicorp.com/terraform/language/expressions/strings#string-templates
 */

export interface ExpressionUse {
  /** Function names called, e.g. `join`, `file`, `provider::aws::arn_parse`. */
  readonly functions: string[];
  /** First names of traversals (`data` in `data.aws_ssm_parameter.x.value`, `path` in `path.module`). */
  readonly roots: string[];
  /** Templates that never close: Terraform rejects them, and so does the policy. */
  readonly unterminated: boolean;
}

/** Words of the expression language that are not references. */
const KEYWORDS = new Set(["for", "in", "if", "else", "endif", "endfor", "true", "false", "null"]);

/** Scans every template in `text`. */
export function expressionUse(text: string): ExpressionUse {
  const use = { functions: [] as string[], roots: [] as string[], unterminated: false };
  scanTemplate(text, 0, use, false);
  return use;
}

/**
 * Scans template text from `start`; inside a quoted string within an expression (`quoted`),
 * stops at the closing quote and returns the index after it. Returns text.length at the end.
 */
function scanTemplate(text: string, start: number, use: { functions: string[]; roots: string[]; unterminated: boolean }, quoted: boolean): number {
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (quoted && c === "\\") {
      i += 2; // an escape inside a quoted string: `\"` does not end it
      continue;
    }
    if (quoted && c === '"') return i + 1;
    if ((c === "$" || c === "%") && text[i + 1] === c && text[i + 2] === "{") {
      i += 3; // `$${` / `%%{`: literal
      continue;
    }
    if ((c === "$" || c === "%") && text[i + 1] === "{") {
      i = scanExpression(text, i + 2, use);
      continue;
    }
    i++;
  }
  if (quoted) use.unterminated = true;
  return i;
}

/** Scans an expression up to its closing brace; returns the index after it. */
function scanExpression(text: string, start: number, use: { functions: string[]; roots: string[]; unterminated: boolean }): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = scanTemplate(text, i + 1, use, true);
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") {
      if (depth === 0) return i + 1;
      depth--;
    }
    // Identifiers are consumed whole (letters, digits, `_`, `-`, and `::` namespaces), so a
    // letter here always starts a token, even right after an operator: `1-file(...)` is
    // `1 - file(...)` to Terraform.
    if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*(?:::[A-Za-z_][A-Za-z0-9_-]*)*/.exec(text.slice(i))!;
      const word = match[0];
      const before = previousNonSpace(text, i - 1);
      const after = text.slice(i + word.length).match(/^\s*(\S)/)?.[1];
      if (after === "(") use.functions.push(word);
      // A traversal (`name.attr`, `name[0]`) not itself after a dot: object keys and
      // for-expression variables without one are not references to anything outside.
      else if (before !== "." && (after === "." || after === "[") && !KEYWORDS.has(word)) use.roots.push(word);
      i += word.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      // numbers, including `1e5`, are not names
      i += /^[0-9.eE+-]+/.exec(text.slice(i))![0].length;
      continue;
    }
    i++;
  }
  use.unterminated = true;
  return i;
}

function previousNonSpace(text: string, from: number): string | undefined {
  for (let j = from; j >= 0; j--) if (!/\s/.test(text[j])) return text[j];
  return undefined;
}
