import "server-only";
import { Agent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import type { AppError } from "@/lib/core/errors";
import { explainNetworkError, explainRedirect } from "./network-errors";
import type { PinnedTarget } from "./public-address-guard";

/**
 * HTTPS to one checked address only. `guardPublicAddress` resolved the host and approved an address; this transport
 * connects to exactly that address (a lookup that answers with it, a fresh socket per request, so neither DNS nor a
 * pooled connection can swap it), still verifies the certificate against the host name, never follows a redirect,
 * and reports failures as an `ExplainedNetworkError` in plain words.
 *
 * `createPinnedFetch` wraps it in the shape of `fetch`, so `microsoftFetch` (timeouts, request ids, error mapping)
 * can use it for the on-premises Web API through its `fetchImpl` setting.
 */

/** A transport failure already explained for the admin; `microsoftFetch` passes the explanation through. */
export class ExplainedNetworkError extends Error {
  readonly appError: AppError;
  constructor(appError: AppError, options?: { cause?: unknown }) {
    super(appError.detail ?? appError.userMessage, options);
    this.name = "ExplainedNetworkError";
    this.appError = appError;
  }
}

export function isExplainedNetworkError(error: unknown): error is ExplainedNetworkError {
  return error instanceof ExplainedNetworkError;
}

/** Answers every lookup with the pinned address, in both of the shapes Node asks for (`all` or not). */
function pinnedLookup(target: PinnedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    const cb = callback as unknown as (...args: unknown[]) => void;
    if ((options as { all?: boolean }).all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
}

export type PinnedRequest = {
  method: string;
  /** Must be on the target's host and port; anything else is refused before connecting. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
};

export type PinnedResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

function sameOrigin(target: PinnedTarget, url: URL): boolean {
  const port = url.port ? Number(url.port) : 443;
  return url.protocol === "https:" && url.hostname.replace(/\.$/, "").toLowerCase() === target.hostname.toLowerCase() && port === target.port;
}

/** A session's one connection: the agent that keeps it, and the socket it must stay on once opened. */
type Connection = { agent: Agent; socket?: Socket };

/** Sends one HTTPS request to the pinned address. @throws ExplainedNetworkError (network, TLS, redirect, wrong origin) */
export function pinnedHttpsRequest(target: PinnedTarget, req: PinnedRequest, connection?: Connection): Promise<PinnedResponse> {
  const url = new URL(req.url);
  const context = { host: target.hostname, port: target.port };
  if (!sameOrigin(target, url)) {
    return Promise.reject(
      new ExplainedNetworkError({
        code: "environment_not_allowed",
        userMessage: `Act-On sends these credentials only to ${target.hostname}; the request was for another address.`,
        detail: `pinned to ${target.hostname}:${target.port}, asked for ${url.host}`,
        retryable: false,
      }),
    );
  }
  const hostIsIp = isIP(target.hostname.replace(/^\[|\]$/g, "")) !== 0;
  return new Promise<PinnedResponse>((resolve, reject) => {
    if (req.signal?.aborted) return reject(req.signal.reason);
    const request = httpsRequest({
      method: req.method,
      host: target.hostname.replace(/^\[|\]$/g, ""),
      port: target.port,
      path: `${url.pathname}${url.search}`,
      headers: req.headers,
      // The certificate is checked against the host name the admin entered (SNI too), not the pinned address.
      ...(hostIsIp ? {} : { servername: target.hostname }),
      lookup: pinnedLookup(target),
      // No pooled sockets: a kept-alive connection made under an earlier lookup must never carry these credentials.
      // A session (Windows sign-in) has its own agent with one socket, opened under this same pinned lookup.
      agent: connection?.agent ?? false,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
    });
    const onAbort = () => request.destroy(req.signal?.reason instanceof Error ? req.signal.reason : new Error("aborted"));
    req.signal?.addEventListener("abort", onAbort, { once: true });
    if (connection) {
      request.on("socket", (socket: Socket) => {
        connection.socket ??= socket;
        // NTLM signs a connection in: a request that went out on another socket would go unauthenticated.
        if (socket !== connection.socket) request.destroy(new Error("the server closed the signed-in connection"));
      });
    }
    request.on("error", (error) => {
      req.signal?.removeEventListener("abort", onAbort);
      if (req.signal?.aborted) return reject(req.signal.reason);
      reject(new ExplainedNetworkError(explainNetworkError(error, context), { cause: error }));
    });
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304) {
        response.resume();
        req.signal?.removeEventListener("abort", onAbort);
        reject(new ExplainedNetworkError(explainRedirect(status, response.headers.location ?? null, context)));
        return;
      }
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (error) => reject(new ExplainedNetworkError(explainNetworkError(error, context), { cause: error })));
      response.on("end", () => {
        req.signal?.removeEventListener("abort", onAbort);
        resolve({ status, headers: response.headers, body: Buffer.concat(chunks) });
      });
    });
    if (req.body !== undefined) request.write(req.body);
    request.end();
  });
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

async function bodyText(body: BodyInit | null | undefined): Promise<string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  return await new Response(body).text();
}

/** A request function in the shape of `fetch` (what `microsoftFetch`'s `fetchImpl` takes). Redirects come back as is. */
export function asFetch(send: (req: PinnedRequest) => Promise<PinnedResponse>): typeof fetch {
  const sendAsFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    const body = await bodyText(init.body);
    const res = await send({ method: init.method ?? "GET", url, headers, body, signal: init.signal ?? undefined });
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
    }
    return new Response(NULL_BODY_STATUSES.has(res.status) ? null : new Uint8Array(res.body), { status: res.status, headers: responseHeaders });
  };
  return sendAsFetch as typeof fetch;
}

/** `fetch` bound to one pinned target (for `microsoftFetch`'s `fetchImpl`). Redirects are never followed. */
export function createPinnedFetch(target: PinnedTarget): typeof fetch {
  return asFetch((req) => pinnedHttpsRequest(target, req));
}

export type PinnedSession = { fetch: typeof fetch; close: () => void };

/**
 * A `fetch` whose requests all go over ONE kept-alive connection to the pinned address: Windows authentication
 * (NTLM) signs the connection in, so the handshake and the calls after it must share a socket. The session's agent
 * is new (no socket from an earlier lookup), opens one socket under the pinned lookup, and is closed by `close`.
 * A request that would need a second socket fails instead of going out unauthenticated.
 */
export function createPinnedSession(target: PinnedTarget): PinnedSession {
  const connection: Connection = { agent: new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }) };
  return { fetch: asFetch((req) => pinnedHttpsRequest(target, req, connection)), close: () => connection.agent.destroy() };
}
