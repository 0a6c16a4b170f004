/**
 * Graph's response envelope: every answer carries `request-id` and `client-request-id` headers (the client's
 * `client-request-id` echoed, else the server's id), and errors use the directory shape
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}` (contract §2.1).
 */
import { INVALID_JSON, parseJsonBody, type EmuRequest, type EmuResponse } from "../core/http";
import { sandboxDate } from "../core/clock";

/** Graph metadata base as Microsoft writes it in `@odata.context`; clients ignore it, so we keep Microsoft's form. */
const GRAPH_METADATA = "https://graph.microsoft.com";

const GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

function clientRequestId(req: EmuRequest): string {
  const h = req.headers["client-request-id"];
  return (Array.isArray(h) ? h[0] : h) || req.requestId;
}

function graphHeaders(req: EmuRequest): Record<string, string> {
  return {
    "request-id": req.requestId,
    "client-request-id": clientRequestId(req),
    "x-ms-ags-diagnostic": JSON.stringify({
      ServerInfo: { DataCenter: "Sandbox", Slice: "E", Ring: "5", ScaleUnit: "000", RoleInstance: "SANDBOX" },
    }),
  };
}

export function graphJson(req: EmuRequest, status: number, body: object, extra: Record<string, string> = {}): EmuResponse {
  return { status, body, headers: { "content-type": GRAPH_JSON, ...graphHeaders(req), ...extra } };
}

export function graphNoContent(req: EmuRequest): EmuResponse {
  return { status: 204, headers: graphHeaders(req) };
}

export type GraphErrorDetail = { code: string; message: string; target?: string };

export function graphError(req: EmuRequest, status: number, code: string, message: string, details?: GraphErrorDetail[]): EmuResponse {
  // Graph writes innerError.date without fraction or zone (e.g. 2022-08-29T14:46:37).
  const date = sandboxDate().toISOString().slice(0, 19);
  const error: Record<string, unknown> = { code, message };
  if (details) error.details = details;
  error.innerError = { date, "request-id": req.requestId, "client-request-id": clientRequestId(req) };
  return graphJson(req, status, { error });
}

export const notFound = (req: EmuRequest, id: string): EmuResponse =>
  graphError(
    req,
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const accessDenied = (req: EmuRequest): EmuResponse =>
  graphError(req, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

export const badRequest = (req: EmuRequest, message: string, details?: GraphErrorDetail[]): EmuResponse =>
  graphError(req, 400, "Request_BadRequest", message, details);

const invalidJson = (req: EmuRequest): EmuResponse =>
  graphError(
    req,
    400,
    "BadRequest",
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
  );

/** `@odata.context` for a resource path such as `applications/$entity`. */
export function contextUrl(req: EmuRequest, fragment: string): string {
  return `${GRAPH_METADATA}/${req.params.ver ?? "v1.0"}/$metadata#${fragment}`;
}

/** Parses a JSON object body; a malformed one is Graph's 400 `BadRequest`. */
export function readJsonObject(req: EmuRequest): { ok: true; body: Record<string, unknown> } | { ok: false; response: EmuResponse } {
  const parsed = parseJsonBody(req.rawBody);
  if (parsed === undefined) return { ok: true, body: {} };
  if (parsed === INVALID_JSON || typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, response: invalidJson(req) };
  }
  return { ok: true, body: parsed as Record<string, unknown> };
}
