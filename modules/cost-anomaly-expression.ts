/**
 * Cost Explorer's Expression (CreateAnomalyMonitor MonitorSpecification) written exactly as the
 * AWS provider stores it. ce/anomaly_monitor.go reads the monitor back and sets
 * `monitor_specification` to Go's json.Marshal of aws-sdk-go-v2's costexplorer/types.Expression,
 * whose fields carry no `omitempty`: every unset field is written as `null`
 * (`{"And":null,"CostCategories":null,...}`). The attribute is ForceNew and its diff suppression
 * (verify.SuppressEquivalentJSONDiffs -> JSONStringsEqual) compares the decoded values with
 * reflect.DeepEqual, so a specification without the null keys never equals the stored one and
 * every plan replaces the monitor (and its subscription, and its history).
 */

/** costexplorer/types.TagValues (and DimensionValues, CostCategoryValues): Key, MatchOptions, Values. */
export interface ExpressionValues {
  readonly Key: string;
  readonly MatchOptions: readonly string[];
  readonly Values: readonly string[];
}

/** The fields of costexplorer/types.Expression, in the SDK's (alphabetical) order. */
const EXPRESSION_FIELDS = ["And", "CostCategories", "Dimensions", "Not", "Or", "Tags"] as const;
const VALUES_FIELDS = ["Key", "MatchOptions", "Values"] as const;

/** An expression selecting one set of tag values, in Go's json.Marshal form (null for every unset field). */
export function tagExpressionJson(tags: ExpressionValues): string {
  const expression: Record<string, unknown> = Object.fromEntries(EXPRESSION_FIELDS.map((f) => [f, null]));
  expression.Tags = Object.fromEntries(VALUES_FIELDS.map((f) => [f, tags[f]]));
  return JSON.stringify(expression);
}

/**
 * `json` re-marshalled the way the provider stores it: every Expression and values object
 * completed with null for absent fields, recursively. Equal to `json` (as decoded values) exactly
 * when the provider would see no difference.
 */
export function goMarshalledExpression(json: string): string {
  const complete = (e: Record<string, any> | null): Record<string, unknown> | null => {
    if (e === null) return null;
    const out: Record<string, unknown> = {};
    for (const f of EXPRESSION_FIELDS) {
      const v = e[f] ?? null;
      if (v === null) out[f] = null;
      else if (f === "And" || f === "Or") out[f] = (v as Array<Record<string, any>>).map(complete);
      else if (f === "Not") out[f] = complete(v);
      else out[f] = Object.fromEntries(VALUES_FIELDS.map((k) => [k, v[k] ?? null]));
    }
    return out;
  };
  return JSON.stringify(complete(JSON.parse(json)));
}
