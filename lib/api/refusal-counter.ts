/**
 * Counts the API's refusals of callers it cannot hold to account (no token, an invalid or foreign one) per operation,
 * reason and — when the token's signature proved it — caller, in fixed windows, and hands each window's counts to
 * `write` once, after the window ends. An attacker sending a million bad tokens costs the audit log one row per
 * (operation, reason) per window, not a million. Counts live in this process: with several portal instances on one
 * database each writes its own row per window (the rows add up); a crash loses at most the current window's counts
 * of anonymous noise. The clock and the timer are injected, so the unit test needs neither a database nor waiting.
 */

export type RefusalKey = {
  /** `GET`, `POST`… */
  method: string;
  /** The operation's path template (`/api/v1/connections/{id}`): bounded, unlike the requested path. */
  route: string;
  reason: string;
  /** `<tid>:<oid>` when the signature proved who sent the token; null for no token or an unverifiable one. */
  callerKey: string | null;
};

export type RefusalCount = RefusalKey & { count: number };
export type RefusalBatch = { windowStart: Date; windowEnd: Date; counts: RefusalCount[] };

export type RefusalCounterOptions = {
  windowMs: number;
  /** Writes one window's counts; a failure is reported to `onError` and the counts are dropped. */
  write: (batch: RefusalBatch) => Promise<void>;
  onError: (error: unknown) => void;
  /** Distinct keys kept per window; beyond it refusals are counted under one overflow key, so memory stays bounded. */
  maxKeys?: number;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => { unref?: () => void };
};

const DEFAULT_MAX_KEYS = 500;
const OVERFLOW: RefusalKey = { method: "*", route: "*", reason: "other", callerKey: null };
const idOf = (key: RefusalKey) => JSON.stringify([key.method, key.route, key.reason, key.callerKey]);

export class RefusalCounter {
  private window: number | null = null;
  private counts = new Map<string, RefusalCount>();
  private timerSet = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: RefusalCounterOptions) {}

  /** Counts one refusal in the current window; the window's row is written after it ends. */
  count(key: RefusalKey): void {
    const now = this.now();
    const window = Math.floor(now / this.options.windowMs);
    if (this.window !== null && this.window !== window) this.writeWindow();
    this.window = window;
    const full = this.counts.size >= (this.options.maxKeys ?? DEFAULT_MAX_KEYS);
    const counted = full && !this.counts.has(idOf(key)) ? OVERFLOW : key;
    const entry = this.counts.get(idOf(counted)) ?? { ...counted, count: 0 };
    entry.count += 1;
    this.counts.set(idOf(counted), entry);
    if (!this.timerSet) this.scheduleFlush(now);
  }

  /** Writes the counts of a window that has ended (the timer's job); resolves once every write so far settled. */
  async flushEnded(): Promise<void> {
    this.timerSet = false;
    const now = this.now();
    if (this.window !== null && Math.floor(now / this.options.windowMs) !== this.window) this.writeWindow();
    else if (this.counts.size > 0) this.scheduleFlush(now);
    await Promise.all([...this.pending]);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private scheduleFlush(now: number): void {
    if (this.window === null) return;
    this.timerSet = true;
    const setTimer = this.options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    // Just after the window ends; the timer must not keep a stopping process alive for the sake of a count.
    setTimer(() => void this.flushEnded(), (this.window + 1) * this.options.windowMs - now + 10).unref?.();
  }

  private writeWindow(): void {
    const window = this.window;
    const counts = [...this.counts.values()];
    this.counts = new Map();
    this.window = null;
    if (window === null || counts.length === 0) return;
    const batch = {
      windowStart: new Date(window * this.options.windowMs),
      windowEnd: new Date((window + 1) * this.options.windowMs),
      counts,
    };
    const written = this.options
      .write(batch)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.pending.delete(written));
    this.pending.add(written);
  }
}
