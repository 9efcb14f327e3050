import { HELP, main, renderLayout } from "../../scripts/dashboard-layout";
import { runMain } from "../../pipeline/lib/cli";
import { synthesize } from "../support/synth";

const output = synthesize();

describe("npm run dashboard:layout", () => {
  it("draws each widget as a box at its place on the grid, titled", () => {
    const text = renderLayout({
      widgets: [
        { x: 0, y: 0, width: 12, height: 4, type: "metric", properties: { title: "left" } },
        { x: 12, y: 0, width: 12, height: 4, type: "alarm", properties: { title: "right", alarms: ["a", "b"] } },
      ],
    }, 3);
    expect(text.split("\n")).toEqual([
      `+${"-".repeat(35)}+${"-".repeat(35)}+`,
      `| left${" ".repeat(30)}| [alarms] right (2)${" ".repeat(16)}|`,
      `+${"-".repeat(35)}+${"-".repeat(35)}+`,
    ]);
  });

  it("prints a synthesized stack's dashboard", () => {
    let out = "";
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      expect(main([Object.keys(output.stacks).find((s) => s.startsWith("tenant-"))!, "--out", output.outdir])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toMatch(/^openclaw-tenant-\S+ \(\d+ widgets\)\n\+-+\+\n\| \[text\] Tenant /);
  });

  it("exits 1 naming the file when the stack was not synthesized", async () => {
    const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await runMain("dashboard:layout", HELP, main, ["tenant-nope", "--out", output.outdir])).toBe(1);
      expect(String(err.mock.calls[0][0])).toContain("tenant-nope/cdk.tf.json: no such synthesized stack");
    } finally {
      err.mockRestore();
    }
  });
});
