/**
 * The sandbox's tiny HTTP abstraction. Service modules export `Route[]`; the server (core/server.ts) matches them in
 * order, applies faults and base latency first, and writes the `EmuResponse`. Handlers stay pure of Node's streams,
 * which keeps them easy to test.
 */
import type { IncomingHttpHeaders } from "node:http";

export type ServiceName = "identity" | "graph" | "discovery" | "dataverse" | "control";

export type EmuRequest = {
  method: string;
  /** Full URL as the client sent it (origin = the sandbox's public origin). */
  url: URL;
  /** Path without the query string, percent-decoding NOT applied (OData keys like `roles(…)` stay intact). */
  path: string;
  headers: IncomingHttpHeaders;
  /** Raw body (utf-8). Empty string when there is none. */
  rawBody: string;
  /** Named groups captured by the route's pattern. */
  params: Record<string, string>;
  /** The sandbox's public origin, e.g. https://localhost:4443 */
  origin: string;
  /** Per-request id, echoed in `request-id`-style headers and error bodies. */
  requestId: string;
  receivedAt: Date;
  /** Base latency and latency faults not yet waited out (see `awaitLatency`). */
  pendingLatencyMs?: number;
  /**
   * The TCP connection the request came on (identity only). Windows authentication (NTLM) authenticates a
   * connection, not a request: its handshake state and outcome live with the keep-alive socket.
   */
  connection?: object;
};

export type EmuResponse = {
  status: number;
  headers?: Record<string, string>;
  /** Headers sent more than once (IIS sends one `WWW-Authenticate` per offered scheme). */
  repeatedHeaders?: Record<string, string[]>;
  /** A string is sent as is; an object is JSON-encoded (content-type defaults to application/json; charset=utf-8). */
  body?: string | object;
};

export type Route = {
  service: ServiceName;
  method: string | "*";
  /** Anchored regular expression over `EmuRequest.path`, with named groups for params. */
  pattern: RegExp;
  handle: (req: EmuRequest) => EmuResponse | Promise<EmuResponse>;
  /**
   * The handler waits out the request's latency itself (`awaitLatency`), at the point where the service would be
   * busy with it; otherwise the server waits before calling the handler.
   */
  ownsLatency?: boolean;
};

/** Waits out the latency (base + faults) this request still owes, once. */
export async function awaitLatency(req: EmuRequest): Promise<void> {
  const ms = req.pendingLatencyMs ?? 0;
  req.pendingLatencyMs = 0;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

export function json(status: number, body: object, headers: Record<string, string> = {}): EmuResponse {
  return { status, body, headers: { "content-type": "application/json; charset=utf-8", ...headers } };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): EmuResponse {
  return { status, body, headers: { "content-type": "text/html; charset=utf-8", ...headers } };
}

export function parseForm(raw: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(raw));
}

export function parseJsonBody(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return Symbol.for("invalid-json");
  }
}

export const INVALID_JSON = Symbol.for("invalid-json");

export function bearerToken(req: EmuRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}
