import { Testing } from "cdktf";
import type { Construct } from "constructs";

/** Synthesizes a scope holding just the module under test and returns the parsed JSON. */
export function synthModule(build: (scope: Construct) => void): { text: string; json: Record<string, any> } {
  const text = Testing.synthScope(build);
  return { text, json: JSON.parse(text) };
}

/** The single resource of a type in a synthesized scope (fails when there are more or none). */
export function only(json: Record<string, any>, type: string): Record<string, any> {
  const all = Object.values<Record<string, any>>(json.resource?.[type] ?? json.data?.[type.replace(/^data\./, "")] ?? {});
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

export function all(json: Record<string, any>, type: string): Record<string, any>[] {
  return Object.values<Record<string, any>>(json.resource?.[type] ?? {});
}
