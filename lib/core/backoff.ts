/**
 * Exponential backoff, the one implementation the portal uses: the ceiling doubles from `baseMs` per attempt, capped at
 * `maxMs`, and jitter spreads many callers apart.
 *
 * - `full`: a uniform wait in [0, ceiling) — for calls to Microsoft, where the spread matters most (AWS's analysis of
 *   backoff under contention; Microsoft's SDKs also randomise).
 * - `equal`: half the ceiling fixed, half random — for webhook deliveries, which should still wait at least half
 *   their step before knocking on a customer's endpoint again.
 *
 * Pure; `random` is injectable so tests are deterministic.
 */
export type Jitter = "full" | "equal";

export function backoffDelayMs(attempt: number, options: { baseMs: number; maxMs: number; jitter: Jitter; random?: () => number }): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const random = options.random ?? Math.random;
  return options.jitter === "full" ? Math.floor(random() * ceiling) : Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
