import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isMicrosoftError, MicrosoftError } from "./errors";
import { microsoftFetch, setCallRecorder, type CallRecord, type MicrosoftFetchOptions } from "./http";

/** A scripted stand-in for the platform fetch: answers in order, remembering what it was sent. */
function scriptedFetch(answers: (Response | Error)[]) {
  const sent: { url: string; init: RequestInit }[] = [];
  const impl = (async (url: URL | string, init?: RequestInit) => {
    sent.push({ url: String(url), init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new Error("no more scripted answers");
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { impl, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const throttled = (retryAfter?: string) =>
  json(429, { error: { code: "TooManyRequests", message: "slow down" } }, retryAfter ? { "retry-after": retryAfter } : {});

function harness(answers: (Response | Error)[], over: Partial<MicrosoftFetchOptions<unknown>> = {}) {
  const { impl, sent } = scriptedFetch(answers);
  const sleeps: number[] = [];
  const calls: CallRecord[] = [];
  const run = <T>(opts: Partial<MicrosoftFetchOptions<T>> = {}) =>
    microsoftFetch<T>({
      service: "graph",
      method: "GET",
      url: "https://graph.example/v1.0/applications?$filter=x",
      token: "t0ken-value-that-must-not-leak",
      replay: "safe",
      fetchImpl: impl,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      recorder: { onCall: (c) => calls.push(c) },
      policy: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, totalBudgetMs: 60_000 },
      ...(over as Partial<MicrosoftFetchOptions<T>>),
      ...opts,
    });
  return { run, sent, sleeps, calls };
}

describe("microsoftFetch", () => {
  it("retries a throttled read after Retry-After and returns the parsed body", async () => {
    const h = harness([throttled("2"), json(200, { value: [1, 2] }, { "request-id": "rid-1" })]);
    const res = await h.run({ schema: z.object({ value: z.array(z.number()) }) });
    expect(res.data.value).toEqual([1, 2]);
    expect(h.sleeps).toEqual([2_050]);
    expect(res.requestIds[0]).toBe("rid-1");
    expect(h.calls.map((c) => [c.status, c.attempt, c.path])).toEqual([
      [429, 1, "/v1.0/applications"],
      [200, 2, "/v1.0/applications"],
    ]);
  });

  it("honours an HTTP-date Retry-After", async () => {
    const at = new Date(Date.now() + 3_000).toUTCString();
    const h = harness([json(503, {}, { "retry-after": at }), json(200, {})]);
    await h.run();
    expect(h.sleeps[0]).toBeGreaterThan(1_000);
    expect(h.sleeps[0]).toBeLessThanOrEqual(3_050);
  });

  it("backs off exponentially with jitter on 503/502/504 reads without Retry-After", async () => {
    const h = harness([json(503, {}), json(502, {}), json(504, {}), json(200, {})]);
    await h.run();
    expect(h.sleeps).toEqual([50, 100, 200]);
  });

  it("gives up after maxAttempts with a retryable throttled error carrying Retry-After", async () => {
    const h = harness([throttled("1"), throttled("1"), throttled("1"), throttled("7")]);
    const e = await h.run().catch((x) => x);
    expect(isMicrosoftError(e, "throttled")).toBe(true);
    expect((e as MicrosoftError).appError.retryable).toBe(true);
    expect((e as MicrosoftError).retryAfterMs).toBe(7_000);
    expect(h.sent).toHaveLength(4);
  });

  it("never replays a write that failed with a plain 500", async () => {
    const h = harness([json(500, { error: { code: "UnknownError", message: "boom" } }), json(201, {})]);
    const e = await h.run({ method: "POST", replay: "onlyIfThrottled", body: { displayName: "x" } }).catch((x) => x);
    expect(isMicrosoftError(e, "upstream_unavailable")).toBe(true);
    expect(h.sent).toHaveLength(1);
  });

  it("replays a write only when throttled (429, or 503 with Retry-After)", async () => {
    const h = harness([throttled("1"), json(503, {}, { "retry-after": "1" }), json(201, { id: "x" })]);
    const res = await h.run({ method: "POST", replay: "onlyIfThrottled", body: {} });
    expect(res.status).toBe(201);
    expect(h.sent).toHaveLength(3);
    const h2 = harness([json(503, {}), json(201, {})]);
    await expect(h2.run({ method: "POST", replay: "onlyIfThrottled", body: {} })).rejects.toBeInstanceOf(MicrosoftError);
    expect(h2.sent).toHaveLength(1);
  });

  it("retries a read after a network error, not a write", async () => {
    const h = harness([new TypeError("fetch failed"), json(200, { ok: true })]);
    expect((await h.run()).data).toEqual({ ok: true });
    const h2 = harness([new TypeError("fetch failed")]);
    const e = await h2.run({ method: "POST", replay: "onlyIfThrottled", body: {} }).catch((x) => x);
    expect(isMicrosoftError(e, "upstream_unavailable")).toBe(true);
  });

  it("times out a slow call and reports timeout", async () => {
    const slow = (async (_url: URL | string, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)))) as typeof fetch;
    const e = await microsoftFetch({
      service: "dataverse",
      method: "POST",
      url: "https://x.example/api",
      replay: "onlyIfThrottled",
      timeoutMs: 30,
      fetchImpl: slow,
    }).catch((x) => x);
    expect(isMicrosoftError(e, "timeout")).toBe(true);
    expect((e as MicrosoftError).appError.retryable).toBe(true);
  });

  it("rethrows the caller's own cancellation without retrying", async () => {
    const controller = new AbortController();
    const h = harness([]);
    const never = (async (_u: URL | string, init?: RequestInit) =>
      new Promise((_r, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))))) as typeof fetch;
    const p = h.run({ fetchImpl: never, signal: controller.signal });
    controller.abort(new Error("cancelled by caller"));
    await expect(p).rejects.toThrow("cancelled by caller");
  });

  it("sends its own client-request-id, bearer auth and JSON; keeps the token out of errors", async () => {
    const h = harness([
      json(403, {
        error: {
          code: "Authorization_RequestDenied",
          message: "Insufficient privileges to complete the operation.",
          innerError: { "request-id": "rid-9" },
        },
      }),
    ]);
    const e = (await h.run({ method: "POST", replay: "onlyIfThrottled", body: { a: 1 } }).catch((x) => x)) as MicrosoftError;
    const headers = h.sent[0].init.headers as Record<string, string>;
    expect(headers["client-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.authorization).toBe("Bearer t0ken-value-that-must-not-leak");
    expect(headers["content-type"]).toBe("application/json");
    expect(h.sent[0].init.body).toBe('{"a":1}');
    expect(e.appError).toMatchObject({ code: "insufficient_privileges", requestIds: ["rid-9"] });
    expect(e.upstreamCode).toBe("Authorization_RequestDenied");
    expect(JSON.stringify({ m: e.message, a: e.appError })).not.toContain("t0ken");
    expect(e.message).not.toContain("$filter");
  });

  it("reports an unexpected response shape with the field path", async () => {
    const h = harness([json(200, { value: "nope" })]);
    const e = (await h.run({ schema: z.object({ value: z.array(z.string()) }) }).catch((x) => x)) as MicrosoftError;
    expect(e.appError.code).toBe("upstream_unavailable");
    expect(e.appError.detail).toContain("at value");
  });

  it("reports every exchange to a process-wide recorder too (the bench's call count), and survives a broken one", async () => {
    const seen: CallRecord[] = [];
    setCallRecorder({ onCall: (c) => void seen.push(c) });
    try {
      const h = harness([throttled("1"), json(200, {})], {
        recorder: {
          onCall: () => {
            throw new Error("broken observer");
          },
        },
      });
      await h.run();
      expect(seen.map((c) => [c.service, c.method, c.status])).toEqual([
        ["graph", "GET", 429],
        ["graph", "GET", 200],
      ]);
    } finally {
      setCallRecorder(undefined);
    }
  });
});
