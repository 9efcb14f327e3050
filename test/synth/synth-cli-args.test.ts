/**
 * One flag name for "read this synth output" across the tools (#27 item 6): audit:tenant and scan
 * say --synth-dir, so cost and capacity do too; --dir, their older name, keeps working.
 */
import { parseSynthToolArgs, UsageError } from "../../synth/synth-cli";

describe("parseSynthToolArgs", () => {
  it("reads --synth-dir, as audit:tenant and scan name it", () => {
    expect(parseSynthToolArgs(["--synth-dir", "cdktf.out", "--json"], "usage", "--crossing")).toEqual({ json: true, compare: false, dir: "cdktf.out" });
  });

  it("still accepts --dir, the older name", () => {
    expect(parseSynthToolArgs(["--dir", "cdktf.out"], "usage", "--crossing").dir).toBe("cdktf.out");
  });

  it("fails on --synth-dir without a directory, naming the flag", () => {
    expect(() => parseSynthToolArgs(["--synth-dir"], "usage", "--crossing")).toThrow(new UsageError("--synth-dir needs a directory"));
  });
});
