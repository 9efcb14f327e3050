import { Lazy } from "cdktf";
import { disableTokenStackTraces } from "../synth/synth-tuning";

/** The stack trace cdktf recorded for a freshly created token. */
const tokenTrace = () => {
  // Lazy.stringValue returns the encoded string; the token object lives in the token map.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TokenMap } = require("cdktf/lib/tokens/private/token-map.js");
  const encoded = Lazy.stringValue({ produce: () => "x" });
  return TokenMap.instance().lookupString(encoded).creationStack as string[];
};

describe("disableTokenStackTraces", () => {
  it("keeps cdktf's token stack traces when OPENCLAW_TOKEN_STACK_TRACES=1", () => {
    expect(disableTokenStackTraces({ OPENCLAW_TOKEN_STACK_TRACES: "1" })).toBe(false);
    expect(tokenTrace().length).toBeGreaterThan(0);
  });

  it("stops cdktf from capturing a stack trace per token", () => {
    expect(disableTokenStackTraces({})).toBe(true);
    expect(tokenTrace()).toEqual([]);
  });
});
