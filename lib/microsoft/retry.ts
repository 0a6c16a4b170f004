/**
 * When to try a Microsoft call again, and after how long. Pure (clock and randomness are inputs), so every decision
 * is unit-tested; `http.ts` and `identity.ts` apply it.
 *
 * Rules (contract §2.1 throttling, §5.4 Microsoft's own tooling):
 * - reads retry on 429, 502, 503, 504 and on network errors or timeouts;
 * - writes retry only when Microsoft explicitly throttled them (429, or 503 carrying Retry-After): any other failure
 *   may have landed, so the caller re-reads instead of replaying a create;
 * - `Retry-After` (seconds or an HTTP date) is honoured as a floor, plus the exponential backoff's full jitter: every
 *   caller Microsoft refused at once hears the same Retry-After, and waiting exactly that long sends them all back
 *   together into the same limit (a herd that outlasts its attempts); without Retry-After, the backoff alone;
 * - attempts and total time are bounded; a wait that would overrun the budget ends the loop, and the error carries
 *   the requested wait so the engine can schedule the step for later.
 */
import { backoffDelayMs } from "../core/backoff";

/**
 * Whether a request may be sent again after a failure: `safe` (reads, absolute PATCHes, idempotent actions: retried on
 * throttling and transient failures) or `onlyIfThrottled` (creates: replayed only when Microsoft explicitly refused
 * them for throttling, because any other failure may have landed).
 */
export type Replay = "safe" | "onlyIfThrottled";

export type RetryPolicy = {
  /** Including the first try. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Cap of one backoff wait (a longer Retry-After is still honoured within the budget). */
  maxDelayMs: number;
  /** Cap of the whole call including waits. */
  totalBudgetMs: number;
  /** Epoch ms no wait may end after: a budget shared by many calls (the plan's reads), beyond each call's own. */
  deadlineAt?: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 20_000, totalBudgetMs: 60_000 };

/** Parses `Retry-After` (delta-seconds or HTTP-date) into milliseconds; undefined when absent or malformed. */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

export type RetryInput = {
  replay: Replay;
  status?: number;
  transport?: "timeout" | "network";
  retryAfter?: string | null;
  /** The attempt that just failed (1 = first try). */
  attempt: number;
  /** Time spent since the first try started. */
  elapsedMs: number;
  policy: RetryPolicy;
  random?: () => number;
  now?: Date;
};

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; retryAfterMs?: number };

/** True when this failure is one the rules allow retrying at all (before attempt/budget limits). */
function isRetryableFailure(replay: Replay, status: number | undefined, transport: RetryInput["transport"], hasRetryAfter: boolean): boolean {
  if (status === 429) return true;
  if (replay === "onlyIfThrottled") return status === 503 && hasRetryAfter;
  if (transport) return true;
  return status === 502 || status === 503 || status === 504;
}

/** Decides whether to try again and how long to wait first. */
export function decideRetry(input: RetryInput): RetryDecision {
  const retryAfterMs = parseRetryAfter(input.retryAfter, input.now);
  if (!isRetryableFailure(input.replay, input.status, input.transport, retryAfterMs !== undefined)) return { retry: false };
  if (input.attempt >= input.policy.maxAttempts) return { retry: false, retryAfterMs };
  const spread = backoffDelayMs(input.attempt, {
    baseMs: input.policy.baseDelayMs,
    maxMs: input.policy.maxDelayMs,
    jitter: "full",
    random: input.random,
  });
  const delayMs = (retryAfterMs ?? 0) + spread;
  const pastDeadline = input.policy.deadlineAt !== undefined && (input.now ?? new Date()).getTime() + delayMs > input.policy.deadlineAt;
  if (input.elapsedMs + delayMs > input.policy.totalBudgetMs || pastDeadline) return { retry: false, retryAfterMs: retryAfterMs ?? delayMs };
  return { retry: true, delayMs };
}
