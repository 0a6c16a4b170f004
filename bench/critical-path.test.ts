import { describe, expect, it } from "vitest";
import { criticalPath, median } from "./critical-path";

describe("criticalPath", () => {
  it("chains sequential calls and does not chain overlapping ones", () => {
    const calls = [
      { label: "me", startMs: 0, endMs: 100 },
      { label: "envs", startMs: 0, endMs: 100 },
      { label: "app", startMs: 100, endMs: 200 },
      { label: "sp", startMs: 200, endMs: 300 },
      { label: "bu", startMs: 100, endMs: 200 },
    ];
    expect(criticalPath(calls).map((c) => c.label)).toEqual(["me", "app", "sp"]);
  });

  it("is empty for no calls and takes the median", () => {
    expect(criticalPath([])).toEqual([]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
