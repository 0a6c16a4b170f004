import { describe, expect, it } from "vitest";
import { RefusalCounter, type RefusalBatch, type RefusalKey } from "./refusal-counter";

const WINDOW = 60_000;
const anonymous: RefusalKey = { method: "GET", route: "/api/v1/connections", reason: "missing_token", callerKey: null };

/** A counter on a clock the test moves, whose timers the test fires. */
function harness(options: { maxKeys?: number; failWrites?: boolean } = {}) {
  let now = 10 * WINDOW + 5_000;
  const timers: { at: number; run: () => void }[] = [];
  const batches: RefusalBatch[] = [];
  const errors: unknown[] = [];
  const counter = new RefusalCounter({
    windowMs: WINDOW,
    maxKeys: options.maxKeys,
    now: () => now,
    setTimer: (run, ms) => {
      timers.push({ at: now + ms, run });
      return {};
    },
    write: async (batch) => {
      if (options.failWrites) throw new Error("database down");
      batches.push(batch);
    },
    onError: (error) => errors.push(error),
  });
  return {
    counter,
    batches,
    errors,
    timers,
    /** Moves the clock and fires the timers that are due, as the event loop would. */
    async advance(ms: number) {
      now += ms;
      for (const timer of timers.splice(0).filter((t) => t.at <= now)) timer.run();
      await counter.flushEnded();
    },
  };
}

describe("RefusalCounter", () => {
  it("turns 50 refusals in one window into one count of 50, written only after the window ends", async () => {
    const h = harness();
    for (let i = 0; i < 50; i++) h.counter.count(anonymous);
    expect(h.timers).toHaveLength(1); // one timer per window, not one per refusal
    await h.advance(1_000);
    expect(h.batches).toEqual([]);
    await h.advance(WINDOW);
    expect(h.batches).toEqual([{ windowStart: new Date(10 * WINDOW), windowEnd: new Date(11 * WINDOW), counts: [{ ...anonymous, count: 50 }] }]);
  });

  it("counts each operation, reason and proven caller apart", async () => {
    const h = harness();
    const expired = { ...anonymous, reason: "expired" };
    const tooLong = { ...anonymous, reason: "too_long_lived", callerKey: "tid:oid-1" };
    const post = { ...anonymous, method: "POST", route: "/api/v1/deep-links" };
    for (const key of [anonymous, expired, expired, tooLong, post, post, post]) h.counter.count(key);
    await h.advance(WINDOW);
    expect(h.batches[0].counts).toEqual([
      { ...anonymous, count: 1 },
      { ...expired, count: 2 },
      { ...tooLong, count: 1 },
      { ...post, count: 3 },
    ]);
  });

  it("writes the previous window as soon as a refusal arrives in the next one, and each window once", async () => {
    const h = harness();
    h.counter.count(anonymous);
    await h.advance(WINDOW); // the first window's timer fires
    h.counter.count(anonymous);
    h.counter.count(anonymous);
    await h.advance(WINDOW);
    expect(h.batches.map((b) => [b.windowStart.getTime() / WINDOW, b.counts[0].count])).toEqual([
      [10, 1],
      [11, 2],
    ]);
    await h.advance(5 * WINDOW);
    expect(h.batches).toHaveLength(2);
  });

  it("keeps memory bounded: keys beyond the limit are counted under one overflow key", async () => {
    const h = harness({ maxKeys: 3 });
    for (let i = 0; i < 10; i++) h.counter.count({ ...anonymous, callerKey: `tid:oid-${i}` });
    h.counter.count({ ...anonymous, callerKey: "tid:oid-0" });
    await h.advance(WINDOW);
    expect(h.batches[0].counts).toEqual([
      { ...anonymous, callerKey: "tid:oid-0", count: 2 },
      { ...anonymous, callerKey: "tid:oid-1", count: 1 },
      { ...anonymous, callerKey: "tid:oid-2", count: 1 },
      { method: "*", route: "*", reason: "other", callerKey: null, count: 7 },
    ]);
  });

  it("reports a failed write and goes on counting", async () => {
    const h = harness({ failWrites: true });
    h.counter.count(anonymous);
    await h.advance(WINDOW);
    expect(h.errors).toHaveLength(1);
    h.counter.count(anonymous);
    await h.advance(WINDOW);
    expect(h.errors).toHaveLength(2);
  });
});
