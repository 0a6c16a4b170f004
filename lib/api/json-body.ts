/**
 * The API's one reader of request bodies. Pure apart from reading the request's stream.
 */
import { appError } from "../core/errors";
import { invalidInputResponse, problemResponse } from "./problem";

/**
 * `application/json` and every structured-syntax JSON type (`application/merge-patch+json`, `application/vnd.x+json`;
 * RFC 6839 §3.1), with or without parameters: a client library that labels its JSON precisely is still sending JSON.
 */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function isJsonMediaType(contentType: string | null): boolean {
  return contentType !== null && JSON_MEDIA_TYPE.test(contentType.trim());
}

export type JsonBody = { ok: true; value: unknown; empty: boolean } | { ok: false; response: Response };

/**
 * Reads a request's JSON body. An empty body is no body (`empty: true`), whatever its content type says, so an operation
 * that takes none is not refused for a bare POST; anything else must be labelled JSON (415) and parse (400).
 */
export async function readJsonBody(request: Request, instance: string): Promise<JsonBody> {
  const text = await request.text();
  if (text.trim() === "") return { ok: true, value: undefined, empty: true };
  if (!isJsonMediaType(request.headers.get("content-type"))) {
    return {
      ok: false,
      response: problemResponse(appError("invalid_input", "Send the body as application/json."), { status: 415, instance }),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text), empty: false };
  } catch {
    return {
      ok: false,
      response: invalidInputResponse([{ where: "body", field: "(root)", message: "is not valid JSON" }], { status: 400, instance }),
    };
  }
}
