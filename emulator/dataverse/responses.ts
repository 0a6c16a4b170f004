/**
 * Dataverse Web API envelope: OData 4.0 headers, `{"error":{"code":"0x…","message":"…"}}` errors (contract §3.8), and
 * the Web API base URL of an environment as clients see it.
 */
import { createHash } from "node:crypto";
import type { EmuRequest, EmuResponse } from "../core/http";
import type { Environment } from "../core/state";

const DATAVERSE_JSON = "application/json; odata.metadata=minimal";

export function environmentUrl(req: EmuRequest, env: Environment): string {
  return `${req.origin}/dynamics/${env.urlName}`;
}

/** Discovery's `ApiUrl`: `{origin}/dynamics/{urlName}.api` when the environment has a distinct one, else its URL. */
export function environmentApiUrl(req: EmuRequest, env: Environment): string {
  return env.distinctApiUrl ? `${req.origin}/dynamics/${env.urlName}.api` : environmentUrl(req, env);
}

/** `{env}/api/data/v9.2` on the host the client addressed (the version it addressed). */
export function apiBase(req: EmuRequest, env: Environment): string {
  const host = req.params.org?.toLowerCase().endsWith(".api") ? environmentApiUrl(req, env) : environmentUrl(req, env);
  return `${host}/api/data/v${req.params.ver ?? env.webApiVersion}`;
}

function baseHeaders(req: EmuRequest): Record<string, string> {
  return { "odata-version": "4.0", req_id: req.requestId, "x-ms-service-request-id": req.requestId };
}

export function dvJson(req: EmuRequest, status: number, body: object, extra: Record<string, string> = {}): EmuResponse {
  return { status, body, headers: { "content-type": DATAVERSE_JSON, ...baseHeaders(req), ...extra } };
}

export function dvNoContent(req: EmuRequest, extra: Record<string, string> = {}): EmuResponse {
  return { status: 204, headers: { ...baseHeaders(req), ...extra } };
}

export function dvError(req: EmuRequest, status: number, code: string, message: string, extra: Record<string, string> = {}): EmuResponse {
  return dvJson(req, status, { error: { code, message } }, extra);
}

export const DV = {
  notMember: "0x80072560",
  userDisabled: "0x80040225",
  privilegeDenied: "0x80040220",
  duplicateRecord: "0x80040237",
  concurrencyMismatch: "0x80060882",
  segmentNotFound: "0x80060888",
  recordNotFound: "0x80040217",
  invalidArgument: "0x80040203",
  badRequest: "0x80048d19",
} as const;

export const segmentNotFound = (req: EmuRequest, segment: string): EmuResponse =>
  dvError(req, 404, DV.segmentNotFound, `Resource not found for the segment '${segment}'.`);

export const recordNotFound = (req: EmuRequest, entity: string, id: string): EmuResponse =>
  dvError(req, 404, DV.recordNotFound, `Entity '${entity}' With Id = ${id} Does Not Exist`);

export const invalidArgument = (req: EmuRequest, message: string): EmuResponse => dvError(req, 400, DV.invalidArgument, message);

/** A weak etag that changes whenever the row's content changes (Dataverse uses the row's versionnumber). */
export function etagOf(record: object): string {
  const n = parseInt(createHash("sha1").update(JSON.stringify(record)).digest("hex").slice(0, 7), 16);
  return `W/"${n}"`;
}
