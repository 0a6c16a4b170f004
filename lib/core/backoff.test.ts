import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff";

describe("backoffDelayMs", () => {
  it("with full jitter waits a uniform time under an exponential ceiling capped at the maximum", () => {
    const policy = { baseMs: 100, maxMs: 1_000, jitter: "full" as const };
    expect(backoffDelayMs(1, { ...policy, random: () => 0.999 })).toBe(99);
    expect(backoffDelayMs(3, { ...policy, random: () => 0.5 })).toBe(200);
    expect(backoffDelayMs(10, { ...policy, random: () => 0.999 })).toBe(999);
    expect(backoffDelayMs(2, { ...policy, random: () => 0 })).toBe(0);
  });

  it("with equal jitter doubles from the base up to the cap, with up to half of each step random", () => {
    const policy = { baseMs: 5_000, maxMs: 3 * 3600_000, jitter: "equal" as const };
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, { ...policy, random: () => 1 }))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(backoffDelayMs(1, { ...policy, random: () => 0 })).toBe(2_500);
  });

  it("never waits longer than the cap, however many attempts failed", () => {
    expect(backoffDelayMs(30, { baseMs: 5_000, maxMs: 3 * 3600_000, jitter: "equal", random: () => 1 })).toBe(3 * 3600_000);
    expect(backoffDelayMs(20, { baseMs: 1000, maxMs: 30_000, jitter: "equal", random: () => 1 })).toBe(30_000);
    expect(backoffDelayMs(64, { baseMs: 1000, maxMs: 30_000, jitter: "full", random: () => 0.999 })).toBe(29_970);
  });
});
