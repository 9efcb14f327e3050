import { requireInteger } from "../../modules/prop-checks";

describe("requireInteger", () => {
  it("accepts integers inside the range, bounds included", () => {
    expect(() => requireInteger("X", "count", 2, 2, 4)).not.toThrow();
    expect(() => requireInteger("X", "count", 4, 2, 4)).not.toThrow();
    expect(() => requireInteger("X", "count", 1_000_000, 1)).not.toThrow();
  });

  it.each([
    [1, "X: count must be an integer from 2 to 4, got 1"],
    [5, "X: count must be an integer from 2 to 4, got 5"],
    [2.5, "X: count must be an integer from 2 to 4, got 2.5"],
    [NaN, "X: count must be an integer from 2 to 4, got NaN"],
  ])("fails on %p naming construct, prop, range and value", (value, message) => {
    expect(() => requireInteger("X", "count", value, 2, 4)).toThrow(message);
  });

  it("states an open range as >= min", () => {
    expect(() => requireInteger("X", "days", 0, 1)).toThrow("X: days must be an integer >= 1, got 0");
  });
});
