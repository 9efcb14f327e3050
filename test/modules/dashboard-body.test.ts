import { alarmWidgets, layout, renderBody, WidgetSpec } from "../../modules/dashboard-body";

const text = (width: number, height = 2): WidgetSpec => ({ type: "text", width, height, markdown: "x" });
const positions = (widgets: WidgetSpec[]) => (layout(widgets, "us-east-1").widgets as Array<{ x: number; y: number }>).map((w) => [w.x, w.y]);

describe("dashboard body", () => {
  it("fills rows of 24 columns left to right and starts a row below the tallest widget of the last", () => {
    expect(positions([text(8, 3), text(8, 6), text(8), text(12), text(13)])).toEqual([
      [0, 0],
      [8, 0],
      [16, 0],
      [0, 6],
      [0, 8],
    ]);
  });

  it("fails when a widget is wider than the grid", () => {
    expect(() => layout([text(25)], "us-east-1")).toThrow("dashboard widget width must be 1-24, got 25");
  });

  it("splits alarms over widgets of at most 100", () => {
    const widgets = alarmWidgets(Array.from({ length: 230 }, (_, i) => `arn:${i}`), "Alarms");
    expect(widgets.map((w) => (w.type === "alarm" ? [w.title, w.alarms.length] : []))).toEqual([
      ["Alarms", 100],
      ["Alarms (continued)", 100],
      ["Alarms (continued)", 30],
    ]);
  });

  it("fails when the body would pass PutDashboard's 1 MB", () => {
    expect(() => renderBody([{ type: "text", width: 24, height: 2, markdown: "x".repeat(1_000_001) }], "us-east-1")).toThrow(/over PutDashboard's 1000000/);
  });
});
