/**
 * The rotation lease's renewals, against a stand-in for the one table call they make: a renewal that finds the lease
 * gone or cannot reach the database aborts the runner's signal; `confirm` refuses once the lease is another's.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Db } from "../../../core/db";
import { holdRotationLease, LostClaim } from "./rotation-lease";

/** A database whose lease renewals answer `count` (or fail while `down`), recording each renewal's where and data. */
function fakeDb(state: { count: number; down?: boolean }) {
  const calls: { where: unknown; data: { leaseUntil: Date } }[] = [];
  const db = {
    credentialRotation: {
      updateMany: async (args: { where: unknown; data: { leaseUntil: Date } }) => {
        calls.push(args);
        if (state.down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        return { count: state.count };
      },
    },
  } as unknown as Db;
  return { db, calls };
}

const at = new Date("2027-01-01T00:00:00Z");

describe("holdRotationLease", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("renews on its timer to now + lease, compare-and-set on the owner, until stopped", async () => {
    vi.useFakeTimers();
    const { db, calls } = fakeDb({ count: 1 });
    const lease = holdRotationLease(db, { rotationId: "r1", owner: "me", leaseMs: 300, now: () => at });
    await vi.advanceTimersByTimeAsync(350);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toEqual({ where: { id: "r1", leaseOwner: "me" }, data: { leaseUntil: new Date(at.getTime() + 300) } });
    expect(lease.signal.aborted).toBe(false);
    lease.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(3);
  });

  it("aborts when a renewal finds the lease taken over, and check then throws LostClaim", async () => {
    vi.useFakeTimers();
    const state = { count: 1 };
    const { db } = fakeDb(state);
    const lease = holdRotationLease(db, { rotationId: "r1", owner: "me", leaseMs: 300, now: () => at });
    expect(() => lease.check()).not.toThrow();
    state.count = 0;
    await vi.advanceTimersByTimeAsync(100);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toBeInstanceOf(LostClaim);
    expect(() => lease.check()).toThrow(LostClaim);
    lease.stop();
  });

  it("aborts when the database does not answer a renewal: nothing more may go to Microsoft", async () => {
    vi.useFakeTimers();
    const { db } = fakeDb({ count: 1, down: true });
    const lease = holdRotationLease(db, { rotationId: "r1", owner: "me", leaseMs: 300, now: () => at });
    await vi.advanceTimersByTimeAsync(100);
    expect(lease.signal.reason).toEqual(new LostClaim("credential rotation: lease could not be renewed"));
    lease.stop();
  });

  it("confirm renews at once, and throws LostClaim when the lease is another's", async () => {
    const state = { count: 1 };
    const { db, calls } = fakeDb(state);
    const lease = holdRotationLease(db, { rotationId: "r1", owner: "me", leaseMs: 60_000, now: () => at });
    await lease.confirm();
    expect(calls).toHaveLength(1);
    state.count = 0;
    await expect(lease.confirm()).rejects.toBeInstanceOf(LostClaim);
    expect(lease.signal.aborted).toBe(true);
    lease.stop();
  });
});
