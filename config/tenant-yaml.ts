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
