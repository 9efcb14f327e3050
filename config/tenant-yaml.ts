/**
 * The one way a tenant file's text becomes YAML, for every reader: the config loader, the
 * `npm run tenant` editor (config/tenant-file.ts) and the pipeline's reading of pull-request
 * revisions (pipeline/lib/tenant-files.ts). Duplicate keys are an error (`uniqueKeys`), and
 * `toJS` keeps yaml's default limit of 100 alias expansions, so a crafted file cannot balloon.
 */
import { type Document, parseDocument } from "yaml";

export interface YamlProblem {
  /** 1-based line of the error, when yaml knows it. */
  readonly line?: number;
  /** yaml's message without its position suffix and code excerpt. */
  readonly message: string;
}

export function parseTenantYaml(text: string): Document {
  return parseDocument(text, { prettyErrors: true, uniqueKeys: true });
}

export function yamlProblems(doc: Document): YamlProblem[] {
  return doc.errors.map((error) => ({ line: error.linePos?.[0]?.line, message: error.message.split(/ at line \d+|\n/)[0] }));
}

/** A tenant file's value, or every problem that stops it from having one. */
export type TenantYamlValue = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: readonly YamlProblem[] };

/**
 * The value of a tenant file's text (an empty file is `null`). yaml reports an alias with no
 * anchor, and more than 100 alias expansions (a "billion laughs" file), only when `toJS` throws a
 * ReferenceError: those are problems of the file, like a parse error, not crashes of the reader.
 */
export function tenantYamlValue(text: string): TenantYamlValue {
  const doc = parseTenantYaml(text);
  const problems = yamlProblems(doc);
  if (problems.length > 0) return { ok: false, problems };
  try {
    return { ok: true, value: doc.toJS() ?? null };
  } catch (err) {
    if (err instanceof ReferenceError) return { ok: false, problems: [{ message: err.message }] };
    throw err;
  }
}
