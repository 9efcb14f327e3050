import type { z } from "zod";

/**
 * Turns zod issues into `field: what is allowed (got X)` lines. Unknown fields list the
 * allowed ones, so a misspelled key is obvious from the message alone. `at` is where the
 * schema's value sits in its file (`context.environments` in cdktf.json), prefixed to every field.
 */
export function formatIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], at: readonly string[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeys(schema, issue.path);
      for (const key of issue.keys) {
        const field = [...at, ...issue.path, key].join(".");
        lines.push(`${field}: unknown field${allowed ? ` (allowed: ${allowed.join(", ")})` : ""}`);
      }
      continue;
    }
    const path = [...at, ...issue.path];
    const field = path.length > 0 ? path.join(".") : "(file)";
    lines.push(`${field}: ${describe(issue)}`);
  }
  return lines;
}

function describe(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  const got = ` (got ${show(input)})`;
  switch (issue.code) {
    case "invalid_type":
      return input === undefined ? `required field is missing (expected ${issue.expected})` : `expected ${issue.expected}${got}`;
    case "invalid_value":
      return `one of ${issue.values.map((v) => String(v)).join(", ")}${got}`;
    case "too_small":
      return `${issue.inclusive === false ? "greater than" : "at least"} ${issue.minimum}${unit(issue.origin)}${got}`;
    case "too_big":
      return `${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}${unit(issue.origin)}${got}`;
    case "invalid_format":
    case "not_multiple_of":
      return `${issue.message}${got}`;
    case "custom":
      // Checks over a whole object name the offending value in their message.
      return input === null || typeof input === "object" ? issue.message : `${issue.message}${got}`;
    case "invalid_key":
      return `${issue.issues.map((inner) => inner.message).join("; ")}${got}`;
    default:
      return `${issue.message}${input === undefined ? "" : got}`;
  }
}

function unit(origin: string): string {
  if (origin === "string") return " characters";
  if (origin === "array" || origin === "set") return " entries";
  return "";
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

/** Walks a schema along a data path to the object whose keys were rejected. */
function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current: unknown = schema;
  for (const segment of [...path, null]) {
    current = unwrap(current);
    const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return undefined;
    if (segment === null) {
      return def.type === "object" ? Object.keys(def.shape as object) : undefined;
    }
    if (def.type === "object") current = (def.shape as Record<string, unknown>)[String(segment)];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else return undefined;
  }
  return undefined;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    const def = (current as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return current;
    if (def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault") {
      current = def.innerType;
    } else if (def.type === "pipe") {
      current = def.in;
    } else {
      return current;
    }
  }
}
