import "server-only";
import { createIdleSignal } from "../core/idle-signal";
import { log } from "../core/log";
import { pickNextKind, planClaims, type Slots } from "./fair-share";

/**
 * One kind of background work, registered with the scheduler: how to claim due items (each claimed item is held by
 * this instance through a lease in the database until it is run or released), how to run one, and how to give items
 * back. `T` is the kind's own item (a run id, a claimed delivery, a connection id).
 */
export type JobKind<T> = {
  name: string;
  /** Slots only this kind may use. */
  reserved: number;
  /** Jobs of this kind running at once, at most. */
  max: number;
  /** How often the kind is asked for due work (0 = never: its items only come by `submit`). A kind whose last claim
   * filled what it was offered is asked again as soon as a slot frees. */
  pollEveryMs: number;
  claim: (limit: number) => Promise<T[]>;
  /** `stop` aborts on shutdown: a long job stops at its next safe point and gives back what it holds. */
  run: (item: T, control: { stop: AbortSignal }) => Promise<void>;
  /** Gives back items this instance holds but will not finish (shutdown), so another instance takes them at once. */
  release: (items: T[]) => Promise<void>;
};

type KindStats = { claimed: number; submitted: number; started: number; finished: number; failed: number; released: number };

export type Scheduler = {
  /** Queues an item of a kind now (a run approved in this instance starts without waiting for a poll). */
  submit: <T>(kind: string, item: T) => void;
  start: () => void;
  /**
   * Graceful stop: no more claims, queued items released at once, running jobs given `graceMs` to finish (long ones
   * stop at their next safe point), then whatever is still running is released too.
   */
  stop: (options?: { graceMs?: number }) => Promise<{ finished: number; released: number }>;
  stats: () => Record<string, KindStats>;
  /** Resolves when nothing is queued or running (tests and the command line). */
  idle: () => Promise<void>;
};

type AnyKind = JobKind<unknown>;
type KindState = {
  kind: AnyKind;
  queue: unknown[];
  running: Set<{ item: unknown }>;
  lastPoll: number;
  /** The last claim filled what it was offered: more is probably due. */
  hungry: boolean;
  stats: KindStats;
};

/**
 * One loop and one bounded pool of `size` workers per instance, shared fairly by every kind of background work
 * (fair-share.ts): each poll claims only what can start soon, round-robin across kinds, and starts jobs round-robin
 * too. Which instance does what is decided by the kinds' leases in the database, never here.
 */
export function createScheduler(options: { size: number; kinds: JobKind<never>[]; tickMs?: number; now?: () => number }): Scheduler {
  const now = options.now ?? Date.now;
  const states = new Map<string, KindState>();
  for (const kind of options.kinds as unknown as AnyKind[]) {
    if (states.has(kind.name)) throw new Error(`scheduler: job kind "${kind.name}" registered twice`);
    states.set(kind.name, {
      kind,
      queue: [],
      running: new Set(),
      lastPoll: -Infinity,
      hungry: false,
      stats: { claimed: 0, submitted: 0, started: 0, finished: 0, failed: 0, released: 0 },
    });
  }
  const reserved = [...states.values()].reduce((sum, s) => sum + s.kind.reserved, 0);
  if (reserved > options.size) throw new Error(`scheduler: ${reserved} reserved slots exceed the pool of ${options.size}`);
  const shares = [...states.values()].map((s) => ({ name: s.kind.name, reserved: s.kind.reserved, max: s.kind.max }));
  const polled = [...states.values()].filter((s) => s.kind.pollEveryMs > 0);
  const tickMs = options.tickMs ?? Math.max(50, Math.min(1_000, ...polled.map((s) => s.kind.pollEveryMs)));

  let timer: NodeJS.Timeout | null = null;
  let stopping = false;
  /** Aborted by `stop`: every running job hears it (the scheduler's one cancellation, passed down, never thrown). */
  const shutdown = new AbortController();
  let filling = false;
  let fillAgain = false;
  let fillSoon = false;
  let lastClaimed: string | null = null;
  let lastStarted: string | null = null;

  const slots = (): Slots => ({ size: options.size, kinds: shares, running: Object.fromEntries([...states].map(([n, s]) => [n, s.running.size])) });
  const waiting = () => Object.fromEntries([...states].map(([n, s]) => [n, s.queue.length]));

  const idle = createIdleSignal(() => !filling && [...states.values()].every((s) => s.queue.length === 0 && s.running.size === 0));
  const settleIfIdle = idle.settle;

  const dispatch = () => {
    for (let name = pickNextKind(slots(), waiting(), lastStarted); name !== null && !stopping; name = pickNextKind(slots(), waiting(), lastStarted)) {
      const state = states.get(name)!;
      const item = state.queue.shift();
      const entry = { item };
      state.running.add(entry);
      state.stats.started++;
      lastStarted = name;
      void state.kind
        .run(item, { stop: shutdown.signal })
        .then(
          () => void state.stats.finished++,
          (error: unknown) => {
            state.stats.failed++;
            log.error("scheduler: a job failed", { kind: name, error });
          },
        )
        .finally(() => {
          state.running.delete(entry);
          scheduleFill();
          settleIfIdle();
        });
    }
  };

  /** Several jobs ending together ask for one poll, not one each. */
  const scheduleFill = () => {
    if (fillSoon || stopping) return;
    fillSoon = true;
    setImmediate(() => {
      fillSoon = false;
      void fill();
    });
  };

  const fill = async () => {
    if (stopping) return;
    if (filling) {
      fillAgain = true;
      return;
    }
    filling = true;
    try {
      do {
        fillAgain = false;
        const at = now();
        const wanting = polled.filter((s) => s.hungry || at - s.lastPoll >= s.kind.pollEveryMs).map((s) => s.kind.name);
        const plan = planClaims(slots(), waiting(), wanting, lastClaimed);
        await Promise.all(
          Object.entries(plan).map(async ([name, limit]) => {
            const state = states.get(name)!;
            state.lastPoll = at;
            lastClaimed = name;
            try {
              const items = await state.kind.claim(limit);
              state.hungry = items.length >= limit;
              state.stats.claimed += items.length;
              if (stopping) await releaseItems(state, items);
              else state.queue.push(...items);
            } catch (error) {
              state.hungry = false;
              log.error("scheduler: claiming due work failed", { kind: name, error });
            }
          }),
        );
        dispatch();
      } while (fillAgain && !stopping);
    } finally {
      filling = false;
      settleIfIdle();
    }
  };

  const releaseItems = async (state: KindState, items: unknown[]) => {
    if (items.length === 0) return;
    try {
      await state.kind.release(items);
      state.stats.released += items.length;
    } catch (error) {
      log.error("scheduler: releasing work failed; its leases will lapse instead", { kind: state.kind.name, error });
    }
  };

  return {
    submit: (kind, item) => {
      const state = states.get(kind);
      if (!state) throw new Error(`scheduler: no job kind "${kind}"`);
      if (stopping) return;
      state.queue.push(item);
      state.stats.submitted++;
      dispatch();
    },
    start: () => {
      if (timer || stopping) return;
      timer = setInterval(() => void fill(), tickMs);
      timer.unref();
      void fill();
    },
    stop: async ({ graceMs = 10_000 } = {}) => {
      stopping = true;
      shutdown.abort(new Error("scheduler: shutting down"));
      if (timer) clearInterval(timer);
      timer = null;
      const ended = () => [...states.values()].reduce((sum, s) => sum + s.stats.finished + s.stats.failed, 0);
      const endedBefore = ended();
      await Promise.all([...states.values()].map((s) => releaseItems(s, s.queue.splice(0))));
      const running = () => [...states.values()].reduce((sum, s) => sum + s.running.size, 0);
      const deadline = now() + graceMs;
      while (running() > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 20));
      let released = 0;
      for (const s of states.values()) {
        const left = [...s.running].map((e) => e.item);
        released += left.length;
        await releaseItems(s, left);
      }
      return { finished: ended() - endedBefore, released };
    },
    stats: () => Object.fromEntries([...states].map(([n, s]) => [n, { ...s.stats }])),
    idle: idle.wait,
  };
}

/** Registers a kind with its item type checked, erased for the scheduler's list. */
export function jobKind<T>(kind: JobKind<T>): JobKind<never> {
  return kind as unknown as JobKind<never>;
}
