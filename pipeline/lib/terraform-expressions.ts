/**
 * A strict parser of the part of Terraform's template language this project's stacks emit.
 *
 * In Terraform's JSON syntax every string in an expression position (and every property name
 * of an object value) is a string template, and Terraform's own parser (HCL) honours far more
 * inside `${ }` than a scanner can follow: comments (`/* *\/`, `#`, `//`) in which a quote is
 * not a quote, heredocs, strip markers, `for` expressions, template directives. A scanner that
 * only looked for calls was thrown out of step by a quote inside a comment, and passed
 * `${/*"*\/base64encode(file("/proc/self/environ"))/*"*\/}` (issue 24, item 1).
 *
 * So this is deny by default: a string is accepted only if it parses, completely, under the
 * small grammar below, which is what `npm run synth` produces (test/pipeline/
 * terraform-expressions.test.ts is the specification and inventories every `${}` of the real
 * stacks; test/pipeline/terraform-differential.test.ts checks the grammar against Terraform
 * itself). Everything else, including what Terraform would accept, is refused.
 *
 *   template   := ( literal | "$${" | "%%{" | "${" sp expr sp "}" )*
 *   literal    := any character but "$" and "%", or "$" / "%" followed by a character
 *                 that is neither "{" nor the same sign ("$$" and "%%" only as the escapes,
 *                 "%{" directives and "${~" / "~}" strip markers are refused, as is a "$" or
 *                 "%" ending the string)
 *   expr       := operand [ sp "==" sp operand ]
 *   operand    := primary ( "." name | "[" number "]" )*
 *   primary    := call | root "." name | number | string | tuple | object
 *   call       := name "(" sp [ expr ( sp "," sp expr )* ] sp ")"      (no space before "(")
 *   tuple      := "[" sp [ expr ( sp "," sp expr )* ] sp "]"
 *   object     := "{" sp [ string sp "=" sp expr ( sp "," sp string sp "=" sp expr )* ] sp "}"
 *   string     := '"' [A-Za-z0-9 _.,:/@-]* '"'                          (no escapes, no templates)
 *   number     := "0" | [1-9][0-9]*
 *   name, root := [A-Za-z_][A-Za-z0-9_-]*                               (ASCII only, no "::")
 *   sp         := " "*                                                  (no tabs, newlines, comments)
 *
 * parseTemplate reports the functions called and the traversal roots referenced; which of those a
 * stack may use is the stack policy's decision (pipeline/lib/stack-policy.ts). templateParts gives the
 * expressions themselves, for readers of synthesized stacks (audit/tenant-audit.ts).
 * https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping
 * https://developer.hashicorp.com/terraform/language/expressions/strings#string-templates
 */

export interface TemplateParse {
  /** Function names called, e.g. `join`. */
  readonly functions: string[];
  /** First names of traversals (`data` in `data.aws_ssm_parameter.x.value`). */
  readonly roots: string[];
  /** Why the string is not in the grammar, with the offset; absent when it is. */
  readonly error?: string;
}

/**
 * One expression of the grammar, with its exact source text. A traversal is `get`: `root` (or
 * any other primary) followed by attribute names and indexes, so `a.b[0].c` is
 * `{ kind: "get", of: { kind: "root", name: "a" }, steps: ["b", 0, "c"] }`.
 */
export type Expression = { readonly source: string } & (
  | { readonly kind: "root"; readonly name: string }
  | { readonly kind: "call"; readonly name: string; readonly args: Expression[] }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "tuple"; readonly items: Expression[] }
  | { readonly kind: "object"; readonly entries: Array<{ readonly key: string; readonly value: Expression }> }
  | { readonly kind: "get"; readonly of: Expression; readonly steps: Array<string | number> }
  | { readonly kind: "equals"; readonly left: Expression; readonly right: Expression }
);

/** A template, piece by piece: literal text (escapes undone) and `${ }` interpolations. */
export type TemplatePart = { readonly kind: "literal"; readonly text: string } | { readonly kind: "interpolation"; readonly expression: Expression };

const NAME = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /(?:0|[1-9][0-9]*)(?![0-9A-Za-z_.])/y;
const STRING = /"[A-Za-z0-9 _.,:/@-]*"/y;

class Refused extends Error {}

/** Parses `text` as a template of the grammar above. */
export function parseTemplate(text: string): TemplateParse {
  const parser = new Parser(text);
  try {
    parser.template();
    return { functions: parser.functions, roots: parser.roots };
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return { functions: parser.functions, roots: parser.roots, error: e.message };
  }
}

/**
 * The parts of `text` under the same grammar, for readers of synthesized stacks (the tenant
 * audit) that must see exactly the expressions Terraform will evaluate; `{ error }` when the
 * string is not in the grammar (the stack policy refuses such a stack).
 */
export function templateParts(text: string): { parts: TemplatePart[]; error?: undefined } | { parts?: undefined; error: string } {
  const parser = new Parser(text);
  try {
    return { parts: parser.template() };
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return { error: e.message };
  }
}

/** The expression `text` consists of when it is exactly one interpolation (`${...}`), else undefined. */
export function soleExpression(text: string): Expression | undefined {
  const { parts } = templateParts(text);
  return parts?.length === 1 && parts[0].kind === "interpolation" ? parts[0].expression : undefined;
}

class Parser {
  readonly functions: string[] = [];
  readonly roots: string[] = [];
  private pos = 0;

  constructor(private readonly text: string) {}

  template(): TemplatePart[] {
    const t = this.text;
    const parts: TemplatePart[] = [];
    let literal = "";
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c !== "$" && c !== "%") {
        literal += c;
        this.pos++;
        continue;
      }
      const next = t[this.pos + 1];
      if (next === "{") {
        if (c === "%") this.refuse("template directives (%{ }) are not allowed");
        this.pos += 2;
        if (t[this.pos] === "~") this.refuse("strip markers (${~) are not allowed");
        this.spaces();
        const expression = this.expression();
        this.spaces();
        if (t[this.pos] === "~") this.refuse("strip markers (~}) are not allowed");
        this.expect("}", "the end of the interpolation");
        if (literal !== "") parts.push({ kind: "literal", text: literal });
        literal = "";
        parts.push({ kind: "interpolation", expression });
      } else if (next === c) {
        if (t[this.pos + 2] !== "{") this.refuse(`"${c}${c}" is allowed only as the escape "${c}${c}{"`);
        literal += `${c}{`;
        this.pos += 3;
      } else if (next === undefined) {
        this.refuse(`a template may not end with "${c}"`);
      } else {
        literal += c;
        this.pos++;
      }
    }
    if (literal !== "") parts.push({ kind: "literal", text: literal });
    return parts;
  }

  private expression(): Expression {
    const start = this.pos;
    const left = this.operand();
    const save = this.pos;
    this.spaces();
    if (this.text.startsWith("==", this.pos)) {
      this.pos += 2;
      this.spaces();
      const right = this.operand();
      return { kind: "equals", left, right, source: this.text.slice(start, this.pos) };
    }
    this.pos = save;
    return left;
  }

  private operand(): Expression {
    const start = this.pos;
    const of = this.primary();
    const steps: Array<string | number> = [];
    for (;;) {
      const c = this.text[this.pos];
      if (c === ".") {
        this.pos++;
        steps.push(this.name("an attribute name"));
      } else if (c === "[") {
        this.pos++;
        steps.push(Number(this.number("an index")));
        this.expect("]", "the end of the index");
      } else break;
    }
    return steps.length === 0 ? of : { kind: "get", of, steps, source: this.text.slice(start, this.pos) };
  }

  private primary(): Expression {
    const start = this.pos;
    const source = () => this.text.slice(start, this.pos);
    const c = this.text[this.pos];
    if (c === '"') {
      const literal = this.match(STRING);
      if (literal === undefined) this.refuse('string literals may hold only letters, digits, space and _ . , : / @ - (no escapes or templates)');
      return { kind: "string", value: literal.slice(1, -1), source: literal };
    }
    if (c !== undefined && c >= "0" && c <= "9") {
      const digits = this.number("a number");
      return { kind: "number", value: Number(digits), source: digits };
    }
    if (c === "[") {
      this.pos++;
      const items = this.list("]", () => this.expression());
      return { kind: "tuple", items, source: source() };
    }
    if (c === "{") {
      this.pos++;
      const entries = this.list("}", () => {
        const key = this.match(STRING);
        if (key === undefined) this.refuse("an object key must be a plain string literal");
        this.spaces();
        this.expect("=", '"=" after the object key');
        this.spaces();
        return { key: key.slice(1, -1), value: this.expression() };
      });
      return { kind: "object", entries, source: source() };
    }
    const name = this.name("an expression");
    if (this.text[this.pos] === "(") {
      this.functions.push(name);
      this.pos++;
      const args = this.list(")", () => this.expression());
      return { kind: "call", name, args, source: source() };
    }
    if (this.text[this.pos] === ".") {
      this.roots.push(name);
      return { kind: "root", name, source: name };
    }
    this.pos = start;
    this.refuse(`"${name}" is neither a function call nor a reference`);
  }

  /** Comma-separated items up to `close`; the opening bracket is already consumed. */
  private list<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    this.spaces();
    if (this.text[this.pos] === close) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(item());
      this.spaces();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      this.expect(",", `"," or "${close}"`);
      this.spaces();
    }
  }

  private name(what: string): string {
    const name = this.match(NAME);
    if (name === undefined) this.refuse(`expected ${what}`);
    return name;
  }

  private number(what: string): string {
    const digits = this.match(NUMBER);
    if (digits === undefined) this.refuse(`expected ${what} (a decimal integer)`);
    return digits;
  }

  private spaces(): void {
    while (this.text[this.pos] === " ") this.pos++;
  }

  private expect(token: string, what: string): void {
    if (this.text[this.pos] !== token) this.refuse(`expected ${what}`);
    this.pos++;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private refuse(why: string): never {
    const at = this.text.slice(this.pos, this.pos + 12);
    throw new Refused(`${why} (at offset ${this.pos}: ${at === "" ? "end of string" : JSON.stringify(at)})`);
  }
}
