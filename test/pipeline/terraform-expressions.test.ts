/**
 * Specification of the template grammar the stack policy admits (pipeline/lib/
 * terraform-expressions.ts): everything the project's own synthesized stacks write parses, and
 * every other construct of Terraform's template language is refused with a reason. Whether the
 * grammar agrees with what Terraform itself does is test/pipeline/terraform-differential.test.ts.
 */
import { parseTemplate, soleExpression, templateParts } from "../../pipeline/lib/terraform-expressions";
import { synthesize } from "../support/synth";
import { strings } from "../support/template-mutations";

const real = synthesize();

describe("template grammar: what the synthesized stacks emit", () => {
  const templates = [...new Set(Object.values(real.stacks).flatMap((s) => [...strings(s)]))].filter((s) => s.includes("${"));

  it("parses every string of every synthesized stack", () => {
    expect(Object.keys(real.stacks).length).toBeGreaterThanOrEqual(4);
    expect(templates.length).toBeGreaterThan(50);
    expect(templates.map((t) => [t.slice(0, 80), parseTemplate(t).error]).filter(([, e]) => e)).toEqual([]);
  });

  it("covers each form the stacks use: references, indexes, calls, tuples, objects, ==, escapes", () => {
    const all = templates.join("\n");
    for (const form of [/\$\{aws_[a-z0-9_]+\.[^.}]+\.[a-z_]+\}/, /\[0\]\./, /\$\{jsondecode\(data\./, /matchkeys\(\[/, /jsonencode\(\{"/, / == 1\}/, /\$\$\{aws:/]) {
      expect(all).toMatch(form);
    }
  });
});

describe("template grammar: accepted", () => {
  it.each([
    ["plain text", "hello world 80% of 5 $x", [], []],
    ["escaped templates", "$${aws:PrincipalTag/tenant_id} and %%{ if }", [], []],
    ["a reference", "${aws_s3_bucket.b.arn}/*", [], ["aws_s3_bucket"]],
    ["an index", "${aws_db_instance.d.master_user_secret[0].secret_arn}", [], ["aws_db_instance"]],
    ["calls, tuples, numbers and strings", '${join(",", [element(data.aws_availability_zones.z.names, 0), "a"])}', ["join", "element"], ["data"]],
    ["an object and ==", '${jsonencode({"a" = 1, "b" = self.x})}${jsondecode(self.v).schemaVersion == 1}', ["jsonencode", "jsondecode"], ["self", "self"]],
  ])("%s", (_what, text, functions, roots) => {
    expect(parseTemplate(text)).toEqual({ functions, roots });
  });
});

describe("template grammar: refused", () => {
  it.each([
    // issue 24, item 1: a quote inside a comment threw the old scanner out of step
    ["a block comment", '${/*"*/base64encode(file("/proc/self/environ"))/*"*/}', /expected an expression \(at offset 2: "\/\*/],
    ["a # comment", '${#"\nfile("/x")}', /expected an expression \(at offset 2/],
    ["a // comment", '${//"\nfile("/x")}', /expected an expression/],
    ["a comment after an operand", '${aws_s3_bucket.b.arn /* x */}', /expected the end of the interpolation/],
    ["a heredoc", '${<<EOT\n${file("/x")}\nEOT\n}', /expected an expression/],
    ["a directive", '%{ if true }x%{ endif }', /template directives/],
    ["a strip marker", "${~ aws_s3_bucket.b.arn}", /strip markers/],
    ["a closing strip marker", "${aws_s3_bucket.b.arn ~}", /strip markers/],
    ["an escape inside a string literal", '${join("\\"", [])}', /string literals may hold only/],
    ["a template inside a string literal", '${join("${file("/x")}", [])}', /string literals may hold only/],
    ["three dollar signs", '$$${upper("x")}', /"\$\$" is allowed only as the escape/],
    ["three percent signs", "%%%{ if true }", /"%%" is allowed only as the escape/],
    ["a trailing $", "abc$", /may not end with "\$"/],
    ["a for expression", '${[for x in ["a"] : x]}', /"for" is neither a function call nor a reference/],
    ["a conditional", "${true ? 1 : 2}", /"true" is neither/],
    ["arithmetic", "${1 - 2}", /expected the end of the interpolation/],
    ["a namespaced function", '${provider::aws::arn_parse("x")}', /"provider" is neither/],
    ["a space before the call's parenthesis", '${file ("/x")}', /"file" is neither/],
    ["a splat", "${aws_subnet.s[*].id}", /expected an index/],
    ["a legacy index", "${aws_subnet.s.0}", /expected an attribute name/],
    ["a newline", "${join(\",\",\n[])}", /expected an expression/],
    ["a tab", "${join(\",\",\t[])}", /expected an expression/],
    ["a non-ASCII identifier", "${aws_s3_bucket.bücket.arn}", /expected the end of the interpolation/],
    ["a non-decimal number", "${element(data.x.y, 0x1)}", /expected a number \(a decimal integer\)/],
    ["an unterminated interpolation", '${join(",", ["a"]', /expected "," or "\)" \(at offset 17: end of string\)/],
    ["an object key that is an expression", "${jsonencode({(aws_s3_bucket.b.arn) = 1})}", /object key must be a plain string/],
  ])("%s", (_what, text, reason) => {
    expect(parseTemplate(text).error).toMatch(reason);
  });
});

describe("template grammar: edges found by mutation testing", () => {
  it("reads 9 as a digit", () => {
    // mutation testing: `c <= "9"` → `c < "9"` survived (no number in the tests had a 9 first).
    expect(parseTemplate("${element(data.aws_availability_zones.z.names, 9)}")).toEqual({ functions: ["element"], roots: ["data"] });
  });

  it.each([
    ["an index without its ]", "${aws_subnet.s[0,1]}", 'expected the end of the index (at offset 16: ",1]}")'],
    ["an object key without =", '${jsonencode({"a" 1})}', 'expected "=" after the object key (at offset 18: "1})}")'],
    ["a long rest, shown as its next 12 characters", "${1 - 2 and then much more text}", 'expected the end of the interpolation (at offset 4: "- 2 and then")'],
  ])("names what it expected and shows where: %s", (_what, text, error) => {
    // mutation testing: the two reasons → "" and the excerpt's `pos + 12` → `pos - 12` survived.
    expect(parseTemplate(text).error).toBe(error);
  });
});

describe("template grammar: the parts and expressions readers get (templateParts, soleExpression)", () => {
  it("splits a template into literals (escapes undone) and interpolations, each expression with its source", () => {
    expect(templateParts('arn:$${aws:username}/${aws_s3_bucket.b.arn}/%%{x}%y${join(",", [])}')).toEqual({
      parts: [
        { kind: "literal", text: "arn:${aws:username}/" },
        { kind: "interpolation", expression: { kind: "get", of: { kind: "root", name: "aws_s3_bucket", source: "aws_s3_bucket" }, steps: ["b", "arn"], source: "aws_s3_bucket.b.arn" } },
        { kind: "literal", text: "/%{x}%y" },
        {
          kind: "interpolation",
          expression: { kind: "call", name: "join", args: [{ kind: "string", value: ",", source: '","' }, { kind: "tuple", items: [], source: "[]" }], source: 'join(",", [])' },
        },
      ],
    });
  });

  it("builds every kind of expression: indexes, calls with traversals, objects, numbers and ==", () => {
    expect(soleExpression('${jsondecode(data.p.v).x[0] == {"a" = 12, "b" = ["c"]}}')).toEqual({
      kind: "equals",
      source: 'jsondecode(data.p.v).x[0] == {"a" = 12, "b" = ["c"]}',
      left: {
        kind: "get",
        source: "jsondecode(data.p.v).x[0]",
        steps: ["x", 0],
        of: { kind: "call", name: "jsondecode", source: "jsondecode(data.p.v)", args: [{ kind: "get", of: { kind: "root", name: "data", source: "data" }, steps: ["p", "v"], source: "data.p.v" }] },
      },
      right: {
        kind: "object",
        source: '{"a" = 12, "b" = ["c"]}',
        entries: [
          { key: "a", value: { kind: "number", value: 12, source: "12" } },
          { key: "b", value: { kind: "tuple", source: '["c"]', items: [{ kind: "string", value: "c", source: '"c"' }] } },
        ],
      },
    });
  });

  it("gives no expression for anything but exactly one interpolation, and the reason for a string outside the grammar", () => {
    expect(soleExpression("${a.b} ")).toBeUndefined();
    expect(soleExpression("x${a.b}")).toBeUndefined();
    expect(soleExpression("${a.b}${c.d}")).toBeUndefined();
    expect(soleExpression("plain")).toBeUndefined();
    expect(soleExpression("${ a.b }")).toMatchObject({ kind: "get", source: "a.b" });
    expect(templateParts("")).toEqual({ parts: [] });
    expect(templateParts("${a.b /* c */}")).toEqual({ error: expect.stringMatching(/expected the end of the interpolation \(at offset 6/) });
  });
});
