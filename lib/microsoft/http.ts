import "server-only";
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { log } from "@/lib/log";
import { isExplainedNetworkError } from "@/lib/net/pinned-https-request";
import type { AppError } from "@/lib/errors";
import {
  mapMicrosoftError,
  MicrosoftError,
  parseUpstreamError,
  requestIdsFromHeaders,
  upstreamCodeOf,
  type MicrosoftService,
  type TransportFailure,
} from "./errors";
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry";

/**
 * The one transport to Microsoft (commerce's `shopifyFetch`): per-call timeout, request-id capture, Retry-After,
 * bounded backoff, error mapping and call counting. Reads are retried on throttling and transient failures; writes
 * only when Microsoft explicitly throttled them, because replaying a create that may have landed makes duplicates
 * (the caller re-reads instead, inbox-zero's `withMicrosoftGraphWriteRetry`).
 */

export type { RetryPolicy } from "./retry";
export { DEFAULT_RETRY_POLICY } from "./retry";

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
  /** The transport (default: the platform fetch); the on-premises path passes a fetch pinned to a checked address. */
  fetchImpl?: typeof fetch;
};

/** A context's call settings in the shape microsoftFetch takes them (every service module passes the same five). */
export function callOptions(
  ctx: CallSettings,
): Pick<MicrosoftFetchOptions<unknown>, "timeoutMs" | "signal" | "policy" | "recorder" | "sleep" | "fetchImpl"> {
  return { timeoutMs: ctx.timeoutMs, signal: ctx.signal, policy: ctx.retry, recorder: ctx.recorder, sleep: ctx.sleep, fetchImpl: ctx.fetchImpl };
}

export type BasicAuth = { username: string; password: string };

export type MicrosoftFetchOptions<T> = {
  service: MicrosoftService;
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  url: string;
  token?: string;
  basicAuth?: BasicAuth;
  /** Objects are sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  retry: "read" | "write";
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
  /** The platform fetch; injectable so the retry loop is unit-testable without a server. */
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
export function recordCall(recorder: CallRecorder | undefined, call: CallRecord): void {
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

/** Sends one request to a Microsoft service with timeout, retries and error mapping. @throws MicrosoftError */
export async function microsoftFetch<T = unknown>(options: MicrosoftFetchOptions<T>): Promise<MicrosoftResponse<T>> {
  const url = new URL(options.url);
  const operation = operationOf(options.method, url);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? defaultSleep;
  const doFetch = options.fetchImpl ?? fetch;
  const clientRequestId = randomUUID();
  const started = Date.now();

  const headers: Record<string, string> = {
    accept: "application/json",
    "client-request-id": clientRequestId,
    "return-client-request-id": "true",
    ...options.headers,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  else if (options.basicAuth) {
    headers.authorization = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`, "utf8").toString("base64")}`;
  }
  const body = encodeBody(options.body, headers);

  for (let attempt = 1; ; attempt++) {
    const attemptStarted = Date.now();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

    let response: Response | undefined;
    let responseBody: unknown;
    let transport: TransportFailure | undefined;
    // A pinned transport explains its failures (certificate, DNS, refused, redirect) in words; keep them.
    let explained: AppError | undefined;
    try {
      response = await doFetch(url, { method: options.method, headers, body, signal, redirect: "manual" });
      responseBody = await readBody(response);
    } catch (e) {
      // The caller cancelled: not Microsoft's failure, and nothing to retry.
      if (options.signal?.aborted) throw options.signal.reason ?? e;
      transport = timeout.aborted ? "timeout" : "network";
      response = undefined;
      if (isExplainedNetworkError(e) && !timeout.aborted) explained = e.appError;
    }
    const ms = Date.now() - attemptStarted;
    recordCall(options.recorder, {
      service: options.service,
      method: options.method,
      path: url.pathname,
      status: response?.status ?? null,
      ms,
      attempt,
    });
    // A certificate, name or redirect problem does not fix itself in seconds: say so at once.
    if (explained && !explained.retryable) {
      throw new MicrosoftError({
        appError: { ...explained, requestIds: [clientRequestId] },
        service: options.service,
        operation,
        requestIds: [clientRequestId],
      });
    }

    if (response && response.status < 400) {
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
      kind: options.retry,
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
        explained ??
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
