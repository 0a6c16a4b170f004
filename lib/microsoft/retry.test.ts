import { describe, expect, it } from "vitest";
import { decideRetry, DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryInput } from "./retry";

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, totalBudgetMs: 10_000 };
const input = (over: Partial<RetryInput>): RetryInput => ({ replay: "safe", attempt: 1, elapsedMs: 0, policy, random: () => 0.5, ...over });

describe("parseRetryAfter", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("3", now)).toBe(3_000);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:07 GMT", now)).toBe(7_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });
  it("ignores absent or malformed values", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});

describe("decideRetry", () => {
  it("retries reads on 429, 502, 503, 504 and transport failures", () => {
    for (const status of [429, 502, 503, 504]) expect(decideRetry(input({ status })).retry).toBe(true);
    expect(decideRetry(input({ transport: "timeout" })).retry).toBe(true);
    expect(decideRetry(input({ transport: "network" })).retry).toBe(true);
  });

  it("never retries a read on 400, 401, 403, 404 or 500", () => {
    for (const status of [400, 401, 403, 404, 500]) expect(decideRetry(input({ status }))).toEqual({ retry: false });
  });

  it("retries writes only when throttled explicitly", () => {
    expect(decideRetry(input({ replay: "onlyIfThrottled", status: 429 })).retry).toBe(true);
    expect(decideRetry(input({ replay: "onlyIfThrottled", status: 503, retryAfter: "1" })).retry).toBe(true);
    expect(decideRetry(input({ replay: "onlyIfThrottled", status: 503 })).retry).toBe(false);
    expect(decideRetry(input({ replay: "onlyIfThrottled", status: 500 })).retry).toBe(false);
    expect(decideRetry(input({ replay: "onlyIfThrottled", status: 502 })).retry).toBe(false);
    expect(decideRetry(input({ replay: "onlyIfThrottled", transport: "timeout" })).retry).toBe(false);
  });

  it("waits what Retry-After asks plus the backoff's jitter (callers refused together come back apart), else the backoff alone", () => {
    expect(decideRetry(input({ status: 429, retryAfter: "2" }))).toEqual({ retry: true, delayMs: 2_050 });
    expect(decideRetry(input({ status: 429, retryAfter: "2", attempt: 3, random: () => 0 }))).toEqual({ retry: true, delayMs: 2_000 });
    expect(decideRetry(input({ status: 429, retryAfter: "2", attempt: 3, random: () => 0.99 }))).toEqual({ retry: true, delayMs: 2_396 });
    expect(decideRetry(input({ status: 503, attempt: 2 }))).toEqual({ retry: true, delayMs: 100 });
  });

  it("stops when the wait would end after a shared deadline, though the call's own budget has room", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const deadlineAt = now.getTime() + 1_500;
    expect(decideRetry(input({ status: 429, retryAfter: "1", now, policy: { ...policy, deadlineAt } }))).toEqual({ retry: true, delayMs: 1_050 });
    expect(decideRetry(input({ status: 429, retryAfter: "2", now, policy: { ...policy, deadlineAt } }))).toEqual({
      retry: false,
      retryAfterMs: 2_000,
    });
  });

  it("stops after maxAttempts and reports the wait Microsoft asked for", () => {
    expect(decideRetry(input({ status: 429, retryAfter: "4", attempt: 5 }))).toEqual({ retry: false, retryAfterMs: 4_000 });
  });

  it("stops when the wait would overrun the total budget", () => {
    expect(decideRetry(input({ status: 429, retryAfter: "30", elapsedMs: 100 }))).toEqual({ retry: false, retryAfterMs: 30_000 });
    expect(decideRetry(input({ status: 429, retryAfter: "1", elapsedMs: 8_960 }))).toEqual({ retry: false, retryAfterMs: 1_000 });
  });

  it("has sane defaults", () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThanOrEqual(3);
    expect(DEFAULT_RETRY_POLICY.totalBudgetMs).toBeGreaterThan(DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});
