/**
 * What every Web API handler needs: the request, the environment it addresses and the authenticated caller.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import { INVALID_JSON, parseJsonBody } from "../core/http";
import type { Environment } from "../core/state";
import type { DataverseCaller } from "./auth";
import { DV, dvError } from "./responses";

export type WebApiContext = { req: EmuRequest; env: Environment; caller: DataverseCaller };

/** Parses a JSON object body; anything else is the Web API's payload error. */
export function readPayload(ctx: WebApiContext, setName: string): { ok: true; body: Record<string, unknown> } | { ok: false; response: EmuResponse } {
  const parsed = parseJsonBody(ctx.req.rawBody);
  if (parsed === INVALID_JSON || parsed === undefined || typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {
      ok: false,
      response: dvError(
        ctx.req,
        400,
        DV.badRequest,
        `Error identified in Payload provided by the user for Entity :'${setName}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293`,
      ),
    };
  }
  return { ok: true, body: parsed as Record<string, unknown> };
}

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

/** `/businessunits(id)`, `businessunits(id)` or a full `{api}/businessunits(id)` URL → id, if it names that set. */
export function parseEntityReference(value: unknown, setName: string): string | null {
  if (typeof value !== "string") return null;
  const m = new RegExp(`(?:^|/)${setName}\\((${GUID.source})\\)/?$`, "i").exec(value.trim());
  return m ? m[1].toLowerCase() : null;
}

export function isGuid(s: string): boolean {
  return new RegExp(`^${GUID.source}$`).test(s);
}
