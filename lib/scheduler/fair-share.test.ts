import { describe, expect, it } from "vitest";
import { headroom, pickNextKind, planClaims, type Slots } from "./fair-share";

const KINDS = [
  { name: "runs", reserved: 2, max: 4 },
  { name: "webhooks", reserved: 1, max: 8 },
  { name: "probes", reserved: 0, max: 3 },
];
const slots = (running: Record<string, number>, size = 8): Slots => ({ size, kinds: KINDS, running });

describe("fair share of the scheduler's slots", () => {
  it("never lets probes take the slots reserved for runs, however many are due", () => {
    // 8 slots: 2 reserved for runs, 1 for webhooks, 5 shared. Probes are capped at 3 and may never use reserved ones.
    expect(headroom(slots({}), "probes")).toBe(3);
    expect(headroom(slots({ probes: 3 }), "probes")).toBe(0);
    expect(headroom(slots({ probes: 3, webhooks: 3 }), "runs")).toBe(2);
    // Even with the shared slots all taken, a run still finds its reserved two.
    expect(headroom(slots({ probes: 3, webhooks: 3 }), "probes")).toBe(0);
    expect(headroom(slots({ webhooks: 6 }), "runs")).toBe(2);
    expect(headroom(slots({ webhooks: 6 }), "probes")).toBe(0);
  });

  it("gives a kind its reserved slots first and the shared ones up to its max", () => {
    expect(headroom(slots({}), "runs")).toBe(4);
    expect(headroom(slots({ runs: 2 }), "runs")).toBe(2);
    expect(headroom(slots({ runs: 4 }), "runs")).toBe(0);
    expect(headroom(slots({}), "webhooks")).toBe(6); // its 1 + the 5 shared
    expect(headroom(slots({}), "unknown")).toBe(0);
  });

  it("starts the waiting kinds in turn: a flood of probes interleaves with a run and a webhook", () => {
    const running: Record<string, number> = {};
    const waiting: Record<string, number> = { probes: 1000, runs: 1, webhooks: 2 };
    const started: string[] = [];
    let last: string | null = null;
    for (let next = pickNextKind(slots(running), waiting, last); next; next = pickNextKind(slots(running), waiting, last)) {
      started.push(next);
      running[next] = (running[next] ?? 0) + 1;
      waiting[next] -= 1;
      last = next;
    }
    expect(started).toEqual(["runs", "webhooks", "probes", "webhooks", "probes", "probes"]);
    expect(running).toEqual({ runs: 1, webhooks: 2, probes: 3 });
    // A run approved now still starts at once: the probes never reached the runs' reserved slots.
    expect(pickNextKind(slots(running), { ...waiting, runs: 1 }, last)).toBe("runs");
  });

  it("splits the free slots between kinds claiming together, counting what is already queued", () => {
    // Dealt one at a time in turn: the five shared slots go 1 to runs, 2 to webhooks, 2 to probes (after the reserved).
    expect(planClaims(slots({}), {}, ["probes", "webhooks", "runs"], null)).toEqual({ runs: 3, webhooks: 3, probes: 2 });
    // Probes alone: their max. With two webhooks queued and one running run, webhooks get what is left of the shared.
    expect(planClaims(slots({}), {}, ["probes"], null)).toEqual({ probes: 3 });
    expect(planClaims(slots({ runs: 1 }), { webhooks: 2 }, ["webhooks", "probes"], "runs")).toEqual({ webhooks: 2, probes: 2 });
    expect(planClaims(slots({ probes: 3, webhooks: 5 }), {}, ["probes", "webhooks"], null)).toEqual({});
  });
});
