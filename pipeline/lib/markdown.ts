/**
 * Writing strings a pull request controls (resource addresses, whose `for_each` keys are free
 * text; stack names; notes; error text) into the plan comment so that GitHub shows them as text
 * and never as Markdown, HTML, a link or a mention. GitHub renders CommonMark with the GFM
 * extensions (tables, autolinks) and raw HTML, then links `@user`/`@org/team` mentions and
 * `#123` references in text that is not inside code or a link
 * (https://github.github.com/gfm/, https://docs.github.com/en/get-started/writing-on-github).
 *
 * Issue 24, item 2: a `for_each` key ``a` **APPROVED** @acme/security-team [x](https://evil) ` ``
 * closed the single backticks the comment wrapped it in and rendered as live Markdown.
 */

/** U+2060 WORD JOINER: invisible, and no GitHub mention, reference or autolink spans it. */
const JOINER = "\u2060";

/** What GitHub links in plain text: mentions, references and URL/`www.` autolinks. */
function breakLinks(text: string): string {
  return text.replace(/[@#]/g, (c) => c + JOINER).replace(/:\/\//g, `:${JOINER}//`).replace(/\bwww\./gi, (w) => w.slice(0, 3) + JOINER + ".");
}

/** Line breaks would end a table row or a list item: shown as the visible ␤ instead. */
const oneLine = (text: string) => text.replace(/\r\n|\r|\n/g, "␤");

/**
 * Text for a Markdown context (a paragraph, list item or table cell): every ASCII punctuation
 * character is backslash-escaped (CommonMark: any of them may be), `<` and `&` become entities
 * (so no HTML tag or entity forms), line breaks become ␤, and mentions/links are broken.
 */
export function markdownText(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
  return breakLinks(oneLine(text)).replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, (c) => entities[c] ?? `\\${c}`);
}

/**
 * Text inside raw HTML (the `<summary>` of a `<details>` block, where Markdown is not parsed):
 * entities for the HTML specials, line breaks as ␤, mentions/links broken.
 */
export function htmlText(text: string): string {
  return breakLinks(oneLine(text)).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * A name shown as code in a Markdown context. A code span shows its content literally (no
 * emphasis, links, HTML or mentions), so one is used when the content cannot end it early: no
 * backtick, no `|` (GFM splits table cells on it even inside code) and no line break. Anything
 * else becomes `<code>` holding escaped text.
 */
export function markdownCode(text: string): string {
  if (text.length > 0 && !/[`|\r\n]/.test(text) && text.trim() === text) return `\`${text}\``;
  return `<code>${markdownText(text)}</code>`;
}

/** A name shown as code inside raw HTML. */
export function htmlCode(text: string): string {
  return `<code>${htmlText(text)}</code>`;
}
