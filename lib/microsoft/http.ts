import "server-only";
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { AppError } from "@/lib/core/errors";
import { log } from "@/lib/core/log";
import { keepAliveFetch } from "@/lib/core/net/keep-alive-https";
import { isExplainedNetworkError } from "@/lib/core/net/pinned-https-request";
import {
  mapMicrosoftError,
  MicrosoftError,
  parseUpstreamError,
  requestIdsFromHeaders,
  upstreamCodeOf,
  type MicrosoftService,
  type TransportFailure,
} from "./errors";
import { decideRetry, DEFAULT_RETRY_POLICY, type Replay, type RetryPolicy } from "./retry";

/**
 * The one transport to Microsoft (commerce's `shopifyFetch`): per-call timeout, request-id capture, Retry-After,
 * bounded backoff, error mapping and call counting. Reads are retried on throttling and transient failures; writes
 * only when Microsoft explicitly throttled them, because replaying a create that may have landed makes duplicates
 * (the caller re-reads instead, inbox-zero's `withMicrosoftGraphWriteRetry`).
 */

export type { Replay, RetryPolicy } from "./retry";
export type CallRecord = {
  service: MicrosoftService;
  method: string;
  /** URL path without the query string. */
  path: string;
  /** HTTP status, or null when no answer arrived (timeout, network). */
  status: number | null;
  ms: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
};

/** Observes every HTTP exchange with Microsoft (the bench counts them; tests assert on them). */
export type CallRecorder = { onCall(call: CallRecord): void };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Settings every service context may carry; all optional. */
export type CallSettings = {
  recorder?: CallRecorder;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  signal?: AbortSignal;
  sleep?: Sleep;
  /** The transport (default: kept-alive HTTPS, keep-alive-https.ts); the on-premises path passes a fetch pinned to a checked address. */
  fetchImpl?: typeof fetch;
};

/** A context's call settings in the shape microsoftFetch takes them (every service module passes the same ones). */
export function callOptions(
  ctx: CallSettings,
): Pick<MicrosoftFetchOptions<unknown>, "timeoutMs" | "signal" | "policy" | "recorder" | "sleep" | "fetchImpl"> {
  return { timeoutMs: ctx.timeoutMs, signal: ctx.signal, policy: ctx.retry, recorder: ctx.recorder, sleep: ctx.sleep, fetchImpl: ctx.fetchImpl };
}

export type MicrosoftFetchOptions<T> = {
  service: MicrosoftService;
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  url: string;
  token?: string;
  /** Objects are sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** May this request be sent again after a failure (see `Replay`)? */
  replay: Replay;
  signal?: AbortSignal;
  /** Validates the JSON body of a successful answer. */
  schema?: z.ZodType<T>;
  /** The call addresses an object created moments ago: "not found" then maps to a retryable `replication_pending`. */
  justCreated?: boolean;
  policy?: Partial<RetryPolicy>;
  recorder?: CallRecorder;
  sleep?: Sleep;
  /** Source of randomness for jitter (tests pin it). */
  random?: () => number;
  /** The transport (default: kept-alive HTTPS); injectable so the retry loop is unit-testable without a server. */
  fetchImpl?: typeof fetch;
};

export type MicrosoftResponse<T> = {
  status: number;
  data: T;
  headers: Headers;
  /** Microsoft's request ids for this answer, plus the `client-request-id` we sent. */
  requestIds: string[];
};

export const DEFAULT_TIMEOUT_MS = 30_000;

let processRecorder: CallRecorder | undefined;

/** Installs a process-wide recorder that sees every Microsoft call (the bench's "number of Microsoft calls"). */
export function setCallRecorder(recorder: CallRecorder | undefined): void {
  processRecorder = recorder;
}

/** A sleep that ends early (rejecting) when the signal aborts. */
export const defaultSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Reports one exchange to the given recorder and the process-wide one. */
function recordCall(recorder: CallRecorder | undefined, call: CallRecord): void {
  for (const r of [recorder, processRecorder]) {
    if (!r) continue;
    try {
      r.onCall(call);
    } catch {
      // A broken observer must never break provisioning.
    }
  }
}

function operationOf(method: string, url: URL): string {
  return `${method} ${url.pathname}`;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function encodeBody(body: unknown, headers: Record<string, string>): BodyInit | undefined {
  if (body === undefined) return undefined;
  if (typeof body === "string" || body instanceof URLSearchParams) return body;
  headers["content-type"] ??= "application/json";
  return JSON.stringify(body);
}

/** One HTTP exchange with Microsoft, as seen below retries and error mapping. */
export type Exchange = {
  /** Null when no answer arrived. */
  status: number | null;
  headers: Headers | null;
  /** JSON when the body parsed as JSON, else the text; undefined when empty. */
  body: unknown;
  transport?: TransportFailure;
  /** A pinned transport's own explanation of its failure (certificate, DNS, refused, redirect), in plain words. */
  explained?: AppError;
};

export type ExchangeOptions = {
  service: MicrosoftService;
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: BodyInit;
  timeoutMs?: number;
  /** The caller's cancellation (e.g. a lost lease): aborts the exchange and rethrows the reason. */
  signal?: AbortSignal;
  recorder?: CallRecorder;
  attempt?: number;
  fetchImpl?: typeof fetch;
};

/**
 * The one place a request to Microsoft is put on the wire (microsoftFetch and MSAL's network module both use it):
 * a per-attempt timeout joined with the caller's signal, redirects never followed (a 3xx comes back as is, so a
 * token, secret or password is never re-sent to a Location chosen by someone else), and every exchange recorded.
 * @throws the caller's abort reason when `signal` aborts
 */
export async function exchangeOnce(options: ExchangeOptions): Promise<Exchange> {
  const started = Date.now();
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const doFetch = options.fetchImpl ?? keepAliveFetch;
  let result: Exchange;
  try {
    const response = await doFetch(options.url, { method: options.method, headers: options.headers, body: options.body, signal, redirect: "manual" });
    result = { status: response.status, headers: response.headers, body: await readBody(response) };
  } catch (e) {
    // The caller cancelled: not Microsoft's failure, and nothing to retry.
    if (options.signal?.aborted) throw options.signal.reason ?? e;
    result = { status: null, headers: null, body: undefined, transport: timeout.aborted ? "timeout" : "network" };
    if (isExplainedNetworkError(e) && !timeout.aborted) result.explained = e.appError;
  }
  recordCall(options.recorder, {
    service: options.service,
    method: options.method,
    path: options.url.pathname,
    status: result.status,
    ms: Date.now() - started,
    attempt: options.attempt ?? 1,
  });
  return result;
}

/** True for an answer that redirects (3xx): never followed, never success. */
export const isRedirect = (status: number | null | undefined): boolean => status !== null && status !== undefined && status >= 300 && status < 400;

/** The error for a 3xx from Microsoft: the portal follows no redirect, so the request did not happen. */
export function redirectError(service: MicrosoftService, operation: string, status: number, headers: Headers | null): MicrosoftError {
  const requestIds = requestIdsFromHeaders(headers ?? undefined);
  let target = "another location";
  try {
    const location = headers?.get("location");
    if (location) target = new URL(location).origin;
  } catch {
    // An unparsable Location is reported as "another location".
  }
  return new MicrosoftError({
    service,
    operation,
    status,
    requestIds,
    appError: {
      code: "upstream_unavailable",
      userMessage: "Microsoft answered with a redirect, which the portal never follows. Contact Act-On support and quote the reference below.",
      detail: `${service} ${operation}: HTTP ${status} redirect to ${target} not followed; request ids ${requestIds.join(", ") || "none"}`,
      retryable: false,
      requestIds,
    },
  });
}

/**
 * Checks that a paging link (`@odata.nextLink`) stays on the first request's scheme and origin, so the bearer token
 * sent with it goes nowhere else. @throws MicrosoftError
 */
export function sameOriginLink(service: MicrosoftService, first: string | URL, next: string): string {
  const origin = new URL(first).origin;
  let url: URL | null = null;
  try {
    url = new URL(next);
  } catch {
    url = null;
  }
  if (url && url.origin === origin) return url.toString();
  throw new MicrosoftError({
    service,
    operation: `GET ${new URL(first).pathname}`,
    appError: {
      code: "upstream_unavailable",
      userMessage: "Microsoft answered in a way we did not expect. Contact Act-On support and quote the reference below.",
      detail: `${service}: a paging link pointed away from ${origin}; not followed`,
      retryable: false,
    },
  });
}

/** Sends one request to a Microsoft service with timeout, retries and error mapping. @throws MicrosoftError */
export async function microsoftFetch<T = unknown>(options: MicrosoftFetchOptions<T>): Promise<MicrosoftResponse<T>> {
  const url = new URL(options.url);
  const operation = operationOf(options.method, url);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? defaultSleep;
  const clientRequestId = randomUUID();
  const started = Date.now();

  const headers: Record<string, string> = {
    accept: "application/json",
    "client-request-id": clientRequestId,
    "return-client-request-id": "true",
    ...options.headers,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = encodeBody(options.body, headers);

  for (let attempt = 1; ; attempt++) {
    const exchange = await exchangeOnce({
      service: options.service,
      method: options.method,
      url,
      headers,
      body,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      recorder: options.recorder,
      attempt,
      fetchImpl: options.fetchImpl,
    });
    const transport = exchange.transport;
    const responseBody = exchange.body;
    // A certificate, name or redirect problem does not fix itself in seconds: say so at once.
    if (exchange.explained && !exchange.explained.retryable) {
      throw new MicrosoftError({
        appError: { ...exchange.explained, requestIds: [clientRequestId] },
        service: options.service,
        operation,
        requestIds: [clientRequestId],
      });
    }
    const response = exchange.status === null ? undefined : { status: exchange.status, headers: exchange.headers! };
    if (response && isRedirect(response.status)) throw redirectError(options.service, operation, response.status, response.headers);

    if (response && response.status < 300) {
      const requestIds = [...requestIdsFromHeaders(response.headers)];
      if (!requestIds.includes(clientRequestId)) requestIds.push(clientRequestId);
      if (!options.schema) return { status: response.status, data: responseBody as T, headers: response.headers, requestIds };
      const parsed = options.schema.safeParse(responseBody);
      if (parsed.success) return { status: response.status, data: parsed.data, headers: response.headers, requestIds };
      // Never trust a response shape: an unexpected one is reported with the field path, not the payload.
      const issue = parsed.error.issues[0];
      throw new MicrosoftError({
        service: options.service,
        operation,
        status: response.status,
        requestIds,
        appError: {
          code: "upstream_unavailable",
          userMessage: "Microsoft answered in a way we did not expect. Contact Act-On support and quote the reference below.",
          detail: `${options.service} ${operation}: unexpected response shape at ${issue?.path.join(".") || "(root)"} (${issue?.code ?? "invalid"}); request ids ${requestIds.join(", ")}`,
          retryable: false,
          requestIds,
        },
      });
    }

    const retryAfterHeader = response?.headers.get("retry-after") ?? undefined;
    const decision = decideRetry({
      replay: options.replay,
      status: response?.status,
      transport,
      retryAfter: retryAfterHeader,
      attempt,
      elapsedMs: Date.now() - started,
      policy,
      random: options.random,
      now: new Date(),
    });

    if (!decision.retry) {
      const appError =
        exchange.explained ??
        mapMicrosoftError({
          service: options.service,
          status: response?.status,
          body: responseBody,
          headers: response?.headers,
          transport,
          justCreated: options.justCreated,
          operation,
        });
      const requestIds = appError.requestIds?.length ? appError.requestIds : [clientRequestId];
      throw new MicrosoftError({
        appError: { ...appError, requestIds },
        service: options.service,
        operation,
        status: response?.status,
        upstreamCode: upstreamCodeOf(responseBody) ?? parseUpstreamError(responseBody).code,
        requestIds,
        retryAfterMs: decision.retryAfterMs,
      });
    }

    log.warn("microsoft call will be retried", {
      service: options.service,
      operation,
      status: response?.status ?? transport,
      attempt,
      delayMs: decision.delayMs,
    });
    await sleep(decision.delayMs, options.signal);
  }
}
