/**
 * Keeps secrets out of PR comments, issues, logs and artifacts. Two layers:
 * 1. values Terraform marks sensitive (before_sensitive / after_sensitive masks,
 *    sensitive outputs and variables) are collected from plan.json and scrubbed from
 *    any text we print, in case a provider or error message echoes them unmarked;
 * 2. anything shaped like a credential (AWS keys, tokens, private keys, password=...)
 *    is replaced whether or not Terraform knew it was secret.
 */

export const REDACTED = "(redacted)";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Shorter sensitive strings are not scrubbed from text: they would mangle ordinary words. */
const MIN_SCRUB_LENGTH = 6;

function leafStrings(value: Json | undefined, out: Set<string>): void {
  if (typeof value === "string") out.add(value);
  else if (typeof value === "number") out.add(String(value));
  else if (Array.isArray(value)) value.forEach((v) => leafStrings(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => leafStrings(v, out));
}

/** Adds every value of `value` that `mask` (Terraform's sensitive mask) marks true. */
export function collectMasked(value: Json | undefined, mask: Json | undefined, out: Set<string>): void {
  if (mask === true) {
    leafStrings(value, out);
    return;
  }
  if (!mask || typeof mask !== "object" || value === null || value === undefined || typeof value !== "object") return;
  if (Array.isArray(mask)) {
    mask.forEach((m, i) => collectMasked(Array.isArray(value) ? value[i] : undefined, m, out));
  } else {
    for (const [k, m] of Object.entries(mask)) {
      collectMasked(Array.isArray(value) ? undefined : (value as Record<string, Json>)[k], m, out);
    }
  }
}

/** Replaces values at masked paths with "(sensitive)", keeping the structure. */
export function applyMask(value: Json | undefined, mask: Json | undefined): Json | undefined {
  if (mask === true) return value === null || value === undefined ? value : "(sensitive)";
  if (!mask || typeof mask !== "object" || value === null || value === undefined || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    return value.map((v, i) => applyMask(v, Array.isArray(mask) ? mask[i] : undefined) as Json);
  }
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = applyMask(v, Array.isArray(mask) ? undefined : (mask as Record<string, Json>)[k]) as Json;
  }
  return out;
}

function get(obj: Json | undefined, key: string): Json | undefined {
  return obj && typeof obj === "object" && !Array.isArray(obj) ? obj[key] : undefined;
}

function walkModule(module: Json | undefined, visit: (resource: Json) => void): void {
  const resources = get(module, "resources");
  if (Array.isArray(resources)) resources.forEach(visit);
  const children = get(module, "child_modules");
  if (Array.isArray(children)) children.forEach((c) => walkModule(c, visit));
}

/** Every sensitive value anywhere in a `terraform show -json` plan. */
export function sensitiveValues(plan: Json): string[] {
  const found = new Set<string>();
  const change = (c: Json | undefined) => {
    collectMasked(get(c, "before"), get(c, "before_sensitive"), found);
    collectMasked(get(c, "after"), get(c, "after_sensitive"), found);
  };
  for (const key of ["resource_changes", "resource_drift"]) {
    const list = get(plan, key);
    if (Array.isArray(list)) list.forEach((rc) => change(get(rc, "change")));
  }
  const outputs = get(plan, "output_changes");
  if (outputs && typeof outputs === "object" && !Array.isArray(outputs)) Object.values(outputs).forEach(change);
  for (const state of [get(plan, "planned_values"), get(get(plan, "prior_state"), "values")]) {
    walkModule(get(state, "root_module"), (r) => collectMasked(get(r, "values"), get(r, "sensitive_values"), found));
    const outs = get(state, "outputs");
    if (outs && typeof outs === "object" && !Array.isArray(outs)) {
      for (const o of Object.values(outs)) if (get(o, "sensitive") === true) leafStrings(get(o, "value"), found);
    }
  }
  const configVars = get(get(get(plan, "configuration"), "root_module"), "variables");
  const vars = get(plan, "variables");
  if (configVars && typeof configVars === "object" && !Array.isArray(configVars)) {
    for (const [name, decl] of Object.entries(configVars)) {
      if (get(decl, "sensitive") === true) leafStrings(get(get(vars, name), "value"), found);
    }
  }
  return [...found].filter((s) => s.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
}

/** Attribute names whose values are secrets, matched at the end of the name. */
const SECRET_NAME =
  "[A-Za-z0-9_-]*(?:password|passwd|passphrase|secret|secret_string|secret_key|token|api_?key|private_?key|access_?key|client_secret|credentials?)";

/** Mixed case and digits: what a random key looks like, unlike a path such as /openclaw/prod/acme. */
const looksRandom = (v: string) => /[A-Z]/.test(v) && /[a-z]/.test(v) && /[0-9]/.test(v);

/**
 * Credential shapes, each with the replacement that keeps the surrounding text readable and
 * optionally a check on the captured value (group 2) before replacing.
 */
const PATTERNS: [RegExp, string, ((value: string) => boolean)?][] = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, `${REDACTED} private key`],
  [/\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{16}\b/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, REDACTED],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/g, `$1 ${REDACTED}`],
  // user:password@host in URLs (database and broker connection strings)
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+):[^\s@"'/]+@/gi, `$1:${REDACTED}@`],
  // name = "value" / name=value where the name says it is secret (HCL, plan text, env files)
  [
    new RegExp(`((?:${SECRET_NAME})["']?\\s*=\\s*)("[^"\\n]*"|'[^'\\n]*'|[^\\s,"'}{()\\][]{4,})`, "gi"),
    `$1"${REDACTED}"`,
  ],
  // "name": "value" (JSON); a bare `name: words` is prose ("invalid credentials: ..."), left alone
  [new RegExp(`((?:${SECRET_NAME})["']\\s*:\\s*)("[^"\\n]*")`, "gi"), `$1"${REDACTED}"`],
  // a bare 40-character AWS secret access key shortly after the word secret
  [/(secret[^\n]{0,30}?)(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi, `$1${REDACTED}`, looksRandom],
];

/** "(sensitive value)" / "(known after apply)" are Terraform's own placeholders: keep them. */
const PLACEHOLDER = /^\(?(sensitive( value)?|known after apply|redacted)\)?$/i;

export function redactText(text: string, sensitive: readonly string[] = []): string {
  let out = text;
  // longest first, so a value is never half-replaced by a shorter one inside it
  for (const value of [...sensitive].sort((a, b) => b.length - a.length)) {
    if (value.length >= MIN_SCRUB_LENGTH) out = out.split(value).join(REDACTED);
  }
  for (const [pattern, replacement, check] of PATTERNS) {
    out = out.replace(pattern, (match: string, ...groups: unknown[]) => {
      // keep Terraform's own placeholders, e.g. `password = (sensitive value)`
      const value = typeof groups[1] === "string" ? groups[1].replace(/^["']|["']$/g, "") : "";
      if (value && PLACEHOLDER.test(value)) return match;
      if (check && !check(value)) return match;
      return match.replace(pattern, replacement);
    });
  }
  return out;
}

/**
 * The subset of a JSON plan the pipeline keeps (uploaded as an artifact): resource and
 * output changes with sensitive values replaced; state, configuration and variables,
 * which carry secrets in clear text, are dropped.
 */
export function redactPlanJson(plan: Json, extraSecrets: readonly string[] = []): Json {
  const change = (c: Json | undefined): Json => {
    if (!c || typeof c !== "object" || Array.isArray(c)) return c ?? null;
    return {
      ...c,
      before: (applyMask(get(c, "before"), get(c, "before_sensitive")) ?? null) as Json,
      after: (applyMask(get(c, "after"), get(c, "after_sensitive")) ?? null) as Json,
    };
  };
  const rcs = (key: string): Json => {
    const list = get(plan, key);
    return Array.isArray(list)
      ? list.map((rc) => (rc && typeof rc === "object" && !Array.isArray(rc) ? { ...rc, change: change(get(rc, "change")) } : rc))
      : [];
  };
  const outputs = get(plan, "output_changes");
  const kept: Record<string, Json> = {};
  for (const key of ["format_version", "terraform_version", "errored", "applyable", "complete", "timestamp"]) {
    const v = get(plan, key);
    if (v !== undefined) kept[key] = v;
  }
  kept.resource_changes = rcs("resource_changes");
  kept.resource_drift = rcs("resource_drift");
  kept.output_changes =
    outputs && typeof outputs === "object" && !Array.isArray(outputs)
      ? Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, change(v)]))
      : {};
  return JSON.parse(redactText(JSON.stringify(kept), [...sensitiveValues(plan), ...extraSecrets])) as Json;
}
