/**
 * Issue 24, item 2: strings a pull request controls must render as text in the plan comment.
 * The comment is rendered with commonmark.js (the CommonMark reference implementation GitHub's
 * renderer follows) and checked for what GitHub would turn into something live: emphasis,
 * links, HTML elements, and mentions/autolinks in text outside code.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error commonmark ships no types
import { HtmlRenderer, Parser } from "commonmark";
import { htmlCode, htmlText, markdownCode, markdownText } from "../../pipeline/lib/markdown";
import { renderComment } from "../../pipeline/plan-comment";
import { readPlans } from "../../pipeline/lib/plan";
import { readSynthesizedStacks } from "../../synth/synth-output";

// The for_each key from the issue: Terraform makes it part of the resource address.
const FORGED_KEY = "a` **Security review: APPROVED** @acme/security-team [details](https://evil.example) `";
const FORGED_ADDRESS = `aws_ssm_parameter.p["${FORGED_KEY}"]`;
const HOSTILE = [
  FORGED_KEY,
  FORGED_ADDRESS,
  '<img src=x onerror="alert(1)"> <script>x</script> &lt; &amp;',
  "| cell | break |\n\n# Heading\n- item",
  "**bold** _em_ ~~strike~~ [l](http://x) ![i](http://x) <http://x> www.evil.example a@b.example",
  "@org/team @user #123 GH-1 \\`x\\` ``` fence",
];

const render = (markdown: string): string => new HtmlRenderer().render(new Parser().parse(markdown));

/** Text outside <code>/<pre> of rendered HTML, where GitHub links mentions and URLs. */
const outsideCode = (html: string) => html.replace(/<(code|pre)>[\s\S]*?<\/\1>/g, "");
/** What GitHub would make live: elements from the input, mentions, autolinks. */
function liveParts(html: string): string[] {
  const live: string[] = [];
  for (const tag of html.matchAll(/<(strong|em|a|img|script|h1|h2|ul|li|del|table)\b/g)) live.push(`<${tag[1]}>`);
  const text = outsideCode(html).replace(/<[^>]+>/g, " ");
  for (const m of text.matchAll(/(^|[^\w`])@[A-Za-z0-9]/g)) live.push(`mention ${m[0]}`);
  for (const m of text.matchAll(/(https?:\/\/|www\.)[a-z]/gi)) live.push(`autolink ${m[0]}`);
  return live;
}

describe("markdown escaping", () => {
  it.each(HOSTILE)("markdownText and markdownCode render %j as text", (hostile) => {
    for (const rendered of [render(markdownText(hostile)), render(`x ${markdownCode(hostile)} y`), render(`| a |\n|---|\n| ${markdownCode(hostile)} |`)]) {
      expect(liveParts(rendered)).toEqual([]);
    }
    // What the reader sees is the original text (line breaks shown as ␤), mentions broken invisibly.
    const shown = render(markdownText(hostile)).replace(/<\/?p>\n?/g, "").replaceAll("\u2060", "");
    expect(decodeEntities(shown)).toBe(hostile.replace(/\n/g, "␤"));
  });

  it.each(HOSTILE)("htmlText and htmlCode keep %j inert inside raw HTML", (hostile) => {
    const rendered = render(`<details><summary><b>${htmlText(hostile)}</b> ${htmlCode(hostile)}</summary>\n\nbody\n</details>\n`);
    expect(liveParts(rendered)).toEqual([]);
  });

  it("keeps the ordinary names as plain code spans", () => {
    expect(markdownCode("tenant-acme")).toBe("`tenant-acme`");
    expect(markdownCode('aws_s3_bucket.storage["a b"]')).toBe('`aws_s3_bucket.storage["a b"]`');
  });
});

function decodeEntities(html: string): string {
  return html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

describe("plan comment with a forged for_each key (issue 24, item 2)", () => {
  const dir = mkdtempSync(join(tmpdir(), "forged-"));
  const stack = "tenant-evil";
  mkdirSync(join(dir, stack));
  const plan = {
    format_version: "1.2",
    resource_changes: [{ address: FORGED_ADDRESS, mode: "managed", type: "aws_ssm_parameter", name: "p", change: { actions: ["delete"], before: {}, after: null } }],
  };
  writeFileSync(join(dir, stack, "plan.json"), JSON.stringify(plan));
  writeFileSync(join(dir, stack, "plan.txt"), `# ${FORGED_ADDRESS} will be destroyed\n`);
  const comment = renderComment(readPlans(dir), { notes: ["plain note"] });

  it("renders the address as code, with no bold text, link or mention anywhere", () => {
    const html = render(comment);
    // The only <strong>/<a> elements are the comment's own; none holds the forged text.
    for (const m of html.matchAll(/<(strong|a)\b[^>]*>([\s\S]*?)<\/\1>/g)) expect(m[2]).not.toMatch(/APPROVED|evil\.example|security-team/);
    const text = outsideCode(html);
    expect(text).not.toMatch(/@acme/);
    expect(html).toContain("Security review: APPROVED"); // shown, as code
  });

  it("was live Markdown with the single backticks the comment used before", () => {
    const html = render(`- **destroy** \`${FORGED_ADDRESS}\``);
    expect(html).toMatch(/<strong>Security review: APPROVED<\/strong>/);
    expect(html).toMatch(/<a href="https:\/\/evil\.example">/);
  });
});

describe("synth output with a stack directory named like Markdown (issue 24, item 2)", () => {
  it("is refused where it is read, so the cost notes never print it", () => {
    const outdir = mkdtempSync(join(tmpdir(), "evil-synth-"));
    const evil = "tenant-x` **APPROVED** @acme-security `";
    mkdirSync(join(outdir, "stacks", evil), { recursive: true });
    writeFileSync(join(outdir, "stacks", evil, "cdk.tf.json"), "{}");
    expect(() => readSynthesizedStacks(outdir)).toThrow(/not stack names: "tenant-x` \*\*APPROVED\*\* @acme-security `" \(allowed: /);
  });
});
