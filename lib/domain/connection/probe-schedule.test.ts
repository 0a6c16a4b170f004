import { describe, expect, it } from "vitest";
import { DEGRADED_RETRY_BASE_MS, firstProbeAt, nextProbeAt, probePhaseMs } from "./probe-schedule";

const HOUR = 3600_000;
const INTERVAL = 6 * HOUR;
const ids = Array.from({ length: 10_000 }, (_, i) => `cm${i.toString(36).padStart(6, "0")}x${(i * 7919).toString(36)}`);

describe("probe schedule", () => {
  it("spreads 10,000 connections that are all due at once evenly over the interval", () => {
    const now = new Date("2026-12-06T12:00:00Z");
    const buckets = new Array<number>(12).fill(0); // half-hour buckets of six hours
    let outside = 0;
    for (const id of ids) {
      const at = firstProbeAt(id, now, INTERVAL).getTime() - now.getTime();
      if (at < 0 || at >= INTERVAL) outside++;
      else buckets[Math.floor(at / (INTERVAL / 12))]++;
    }
    expect(outside).toBe(0);
    // Even would be 833 per bucket; none is far off (a burst would put them all in the first).
    for (const n of buckets) expect(n).toBeGreaterThan(700);
    for (const n of buckets) expect(n).toBeLessThan(970);
  });

  it("keeps a healthy connection on its phase, one interval apart, even when probed early", () => {
    const id = ids[42];
    const first = firstProbeAt(id, new Date("2026-12-06T12:00:00Z"), INTERVAL);
    const second = nextProbeAt({ connectionId: id, state: "healthy", failures: 0, at: first, intervalMs: INTERVAL });
    expect(second.getTime() - first.getTime()).toBe(INTERVAL);
    // Probed from the command line an hour before its slot: the next one stays at its place, not an interval later.
    const early = new Date(second.getTime() - HOUR);
    const after = nextProbeAt({ connectionId: id, state: "healthy", failures: 0, at: early, intervalMs: INTERVAL });
    expect(after.getTime()).toBe(second.getTime() + INTERVAL);
    expect(after.getTime() % INTERVAL).toBe(probePhaseMs(id, INTERVAL));
    // A probe that ran late (the instance was busy) still lands on the phase, at least half an interval on.
    const late = new Date(second.getTime() + 10 * 60_000);
    const next = nextProbeAt({ connectionId: id, state: "failing", failures: 3, at: late, intervalMs: INTERVAL });
    expect(next.getTime() % INTERVAL).toBe(probePhaseMs(id, INTERVAL));
    expect(next.getTime() - late.getTime()).toBeGreaterThanOrEqual(INTERVAL / 2);
  });

  it("re-probes a degraded connection sooner, backing off with each failure, never later than the interval", () => {
    const at = new Date("2026-12-06T12:00:00Z");
    const delays = [1, 2, 3, 4, 10].map(
      (failures) => nextProbeAt({ connectionId: ids[7], state: "degraded", failures, at, intervalMs: INTERVAL }).getTime() - at.getTime(),
    );
    expect(delays[0]).toBeGreaterThanOrEqual(DEGRADED_RETRY_BASE_MS);
    expect(delays[0]).toBeLessThanOrEqual(DEGRADED_RETRY_BASE_MS * 1.25);
    for (let i = 1; i < 4; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]);
    expect(delays[4]).toBeLessThanOrEqual(INTERVAL * 1.25);
    // Connections degraded by the same blip do not all come back in the same second.
    const spread = new Set(
      ids.slice(0, 50).map((id) => nextProbeAt({ connectionId: id, state: "degraded", failures: 1, at, intervalMs: INTERVAL }).getTime()),
    );
    expect(spread.size).toBeGreaterThan(45);
  });
});
