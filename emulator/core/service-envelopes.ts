/**
 * How each emulated service says "no" when the server itself answers (fault injection, unknown route, crash), so a
 * client sees the error body it would get from that Microsoft service: Entra's AADSTS JSON, Graph's
 * `{"error":{"code","message","innerError"}}`, Dataverse/GDS OData errors, and plain JSON for the control API.
 */
import { dvError } from "../dataverse/responses";
import { graphError } from "../graph/responses";
import { tokenError } from "../identity/errors";
import type { EmuRequest, EmuResponse, ServiceName } from "./http";
import { json } from "./http";

export type ServerErrorKind = "throttle" | "unavailable" | "notFound" | "methodNotAllowed" | "internal";

const STATUS: Record<ServerErrorKind, number> = { throttle: 429, unavailable: 503, notFound: 404, methodNotAllowed: 405, internal: 500 };

export function serviceError(service: ServiceName, kind: ServerErrorKind, req: EmuRequest, retryAfterSeconds?: number): EmuResponse {
  const status = STATUS[kind];
  const res = build(service, kind, status, req);
  if (retryAfterSeconds !== undefined) res.headers = { ...res.headers, "retry-after": String(retryAfterSeconds) };
  return res;
}

function build(service: ServiceName, kind: ServerErrorKind, status: number, req: EmuRequest): EmuResponse {
  switch (service) {
    case "identity": {
      const detail = {
        throttle: {
          error: "temporarily_unavailable",
          code: 90055,
          message: "TenantThrottlingError - There are too many incoming requests. Please try again later.",
        },
        unavailable: { error: "temporarily_unavailable", code: 90033, message: "A transient error has occurred. Please try again." },
        notFound: { error: "invalid_request", code: 90100, message: `The endpoint '${req.path}' does not exist.` },
        methodNotAllowed: {
          error: "invalid_request",
          code: 900561,
          message: `The endpoint only accepts other methods. Received a ${req.method} request.`,
        },
        internal: { error: "server_error", code: 50000, message: "There was an error issuing a token or an issue with our sign-in service." },
      }[kind];
      return tokenError(req, { status, ...detail });
    }
    case "graph": {
      const [code, message] = {
        throttle: ["TooManyRequests", "Too many requests from Identifier. Please try again later."],
        unavailable: ["serviceNotAvailable", "The service is temporarily unavailable. Please retry later."],
        notFound: ["Request_ResourceNotFound", `Resource not found for the segment '${lastSegment(req.path)}'.`],
        methodNotAllowed: ["Request_BadRequest", `The HTTP method '${req.method}' is not allowed for this resource.`],
        internal: ["UnknownError", "An internal server error occurred."],
      }[kind];
      return graphError(req, status, code, message);
    }
    case "dataverse":
    case "discovery": {
      const [code, message] = {
        throttle: ["0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 seconds."],
        unavailable: ["0x80040216", "The service is temporarily unavailable. Please retry later."],
        notFound: ["0x80060888", `Resource not found for the segment '${lastSegment(req.path)}'.`],
        methodNotAllowed: ["0x80060888", `The HTTP method '${req.method}' is not allowed for this resource.`],
        internal: ["0x80040216", "An unexpected error occurred."],
      }[kind];
      return dvError(req, status, code, message);
    }
    case "control": {
      const message = {
        throttle: "Throttled.",
        unavailable: "Unavailable.",
        notFound: `No control endpoint at ${req.method} ${req.path}.`,
        methodNotAllowed: `Method ${req.method} is not allowed on ${req.path}.`,
        internal: "The sandbox failed to handle this request; see its console.",
      }[kind];
      return json(status, { error: { code: kind, message } });
    }
  }
}

function lastSegment(path: string): string {
  const parts = path.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}
