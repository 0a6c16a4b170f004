import { afterEach, describe, expect, it } from "vitest";
import { createScheduler, jobKind, type JobKind, type Scheduler } from "./scheduler";

/** A kind backed by an in-memory "database" of due items, recording what it claimed, ran and released. */
function fakeKind(name: string, options: { reserved: number; max: number; due: number; jobMs?: number | (() => Promise<void>) }) {
  let due = options.due;
  let next = 0;
  const log = { claims: [] as number[], ran: [] as string[], released: [] as string[], running: 0, peak: 0 };
  const gates: (() => void)[] = [];
  const kind: JobKind<string> = {
    name,
    reserved: options.reserved,
    max: options.max,
    pollEveryMs: 20,
    claim: async (limit) => {
      log.claims.push(limit);
      const n = Math.min(limit, due);
      due -= n;
      return Array.from({ length: n }, () => `${name}-${next++}`);
    },
    run: async (item) => {
      log.running++;
      log.peak = Math.max(log.peak, log.running);
      try {
        if (typeof options.jobMs === "function") await options.jobMs();
        else if (options.jobMs === undefined) await new Promise<void>((resolve) => gates.push(resolve));
        else await new Promise((r) => setTimeout(r, options.jobMs as number));
        log.ran.push(item);
      } finally {
        log.running--;
      }
    },
    release: async (items) => {
      log.released.push(...items);
    },
  };
  return { kind, log, open: () => gates.splice(0).forEach((g) => g()), addDue: (n: number) => (due += n) };
}

const until = async (check: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

let scheduler: Scheduler | null = null;
afterEach(async () => {
  await scheduler?.stop({ graceMs: 0 });
  scheduler = null;
});

describe("the scheduler", () => {
  it("keeps a provisioning run's slot free however many probes are due, and never runs more probes than their cap", async () => {
    const probes = fakeKind("probes", { reserved: 0, max: 3, due: 1_000 });
    const runs = fakeKind("provisioning", { reserved: 2, max: 2, due: 0 });
    // Five workers: two kept for runs, three shared (which the probes' cap of three may fill).
    scheduler = createScheduler({ size: 5, kinds: [jobKind(probes.kind), jobKind(runs.kind)] });
    scheduler.start();
    await until(() => probes.log.running === 3);
    // Only what can start soon is claimed: three probes, not the thousand that are due.
    expect(probes.log.claims.reduce((a, b) => a + b, 0)).toBe(3);
    runs.addDue(1);
    scheduler.submit("provisioning", "approved-run");
    await until(() => runs.log.running === 2);
    expect(probes.log.peak).toBe(3);
    runs.open();
    probes.open();
    await until(() => runs.log.ran.length === 2);
    expect(runs.log.ran).toContain("approved-run");
  });

  it("works through a backlog at once (no waiting for the next poll) and ends idle", async () => {
    const probes = fakeKind("probes", { reserved: 0, max: 4, due: 200, jobMs: 1 });
    scheduler = createScheduler({ size: 4, kinds: [jobKind(probes.kind)], tickMs: 60_000 });
    scheduler.start();
    await until(() => probes.log.ran.length === 200);
    await scheduler.idle();
    expect(new Set(probes.log.ran).size).toBe(200);
    expect(probes.log.peak).toBeLessThanOrEqual(4);
    expect(scheduler.stats().probes).toMatchObject({ claimed: 200, started: 200, finished: 200, failed: 0 });
  });

  it("on stop claims nothing more, releases what is queued at once, lets running jobs finish, and releases what outlasts the grace", async () => {
    const quick = fakeKind("webhooks", { reserved: 1, max: 1, due: 5 });
    const slow = fakeKind("probes", { reserved: 0, max: 1, due: 5 });
    const s = createScheduler({ size: 2, kinds: [jobKind(quick.kind), jobKind(slow.kind)] });
    s.start();
    await until(() => quick.log.running === 1 && slow.log.running === 1);
    s.submit("webhooks", "queued-behind");
    const stopped = s.stop({ graceMs: 200 });
    expect(quick.log.released).toEqual(["queued-behind"]);
    quick.open(); // the webhook finishes within the grace; the probe does not
    const outcome = await stopped;
    expect(outcome).toEqual({ finished: 1, released: 1 });
    expect(slow.log.released).toEqual(["probes-0"]);
    const claims = quick.log.claims.length + slow.log.claims.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(quick.log.claims.length + slow.log.claims.length).toBe(claims);
    s.submit("webhooks", "after-stop");
    expect(quick.log.ran).toEqual(["webhooks-0"]);
    slow.open();
  });

  it("tells each running job to stop through the signal it was given, the moment stop begins", async () => {
    const signals: AbortSignal[] = [];
    const kind: JobKind<string> = {
      name: "provisioning",
      reserved: 1,
      max: 1,
      pollEveryMs: 0,
      claim: async () => [],
      // A long job that ends at its next safe point once told to stop.
      run: (_item, { stop }) => {
        signals.push(stop);
        return new Promise<void>((resolve) => stop.addEventListener("abort", () => resolve(), { once: true }));
      },
      release: async () => {},
    };
    const s = createScheduler({ size: 1, kinds: [jobKind(kind)] });
    s.submit("provisioning", "run-1");
    await until(() => signals.length === 1);
    expect(signals[0].aborted).toBe(false);
    const stopped = s.stop({ graceMs: 5_000 });
    expect(signals[0].aborted).toBe(true);
    expect(await stopped).toEqual({ finished: 1, released: 0 });
  });

  it("refuses a pool smaller than the slots its kinds reserve", () => {
    const a = fakeKind("a", { reserved: 3, max: 3, due: 0 });
    const b = fakeKind("b", { reserved: 2, max: 2, due: 0 });
    expect(() => createScheduler({ size: 4, kinds: [jobKind(a.kind), jobKind(b.kind)] })).toThrow(/reserved slots exceed/);
  });
});
