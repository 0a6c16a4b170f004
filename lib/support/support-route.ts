import "server-only";
import type { z } from "zod";
import { verifyAccessToken, type ApiCaller, type AppRole } from "../api-auth/verify-access-token";
import { problemResponse, type FieldProblem } from "../api/problem";
import { appError, type AppError } from "../errors";
import { log } from "../log";
import { connectionIdSchema } from "./support-action-schemas";

/** Roles that may read the console (Support.Admin does everything Support.Read does). */
export const SUPPORT_READ_ROLES: AppRole[] = ["Support.Read", "Support.Admin"];
export const SUPPORT_ADMIN_ROLES: AppRole[] = ["Support.Admin"];

export type SupportHandler = (caller: ApiCaller) => Promise<Response>;

/**
 * Runs a /api/support handler for an Act-On staff member only: an Entra access token of Act-On's tenant for the
 * portal's API (verifyAccessToken: signature, issuer, audience, lifetime) carrying one of `roles`, issued to a person
 * (an Act-On service's app-only token never reaches the console's API). Cookies are never read, so a customer's
 * portal session grants nothing here. Errors are RFC 9457 problems; nothing is ever cached.
 */
export async function withSupportCaller(request: Request, roles: AppRole[], handler: SupportHandler): Promise<Response> {
  const instance = new URL(request.url).pathname;
  const verified = await verifyAccessToken(request, { roles });
  if (!verified.ok)
    return problemResponse(verified.error, { instance, headers: verified.error.code === "unauthorized" ? { "www-authenticate": "Bearer" } : {} });
  if (verified.value.kind !== "user") {
    return problemResponse(appError("forbidden", "The support console's API is for Act-On staff signed in as themselves, not for services."), {
      instance,
    });
  }
  try {
    const response = await handler(verified.value);
    response.headers.set("cache-control", "no-store");
    return response;
  } catch (error) {
    log.error("support api: handler failed", { path: instance, error: error instanceof Error ? error.message : String(error) });
    return problemResponse(appError("internal", "Something went wrong on the portal's side. Try again; if it persists, tell the portal team."), {
      instance,
    });
  }
}

/** The first problems of a zod failure as RFC 9457 field errors, and the message naming the first. */
export function invalidInput(where: FieldProblem["where"], error: z.ZodError, instance: string, status = 400): Response {
  const errors: FieldProblem[] = error.issues.slice(0, 10).map((issue) => ({ where, field: issue.path.join(".") || where, message: issue.message }));
  const first = errors[0];
  const appErr: AppError = appError("invalid_input", first ? `${first.field}: ${first.message}` : "The request is not valid.");
  return problemResponse(appErr, { instance, errors, status });
}

/** Reads a JSON body, or answers 415/400 the way the rest of the API does. */
export async function readJsonBody(request: Request, instance: string): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    return { ok: false, response: problemResponse(appError("invalid_input", "Send the body as application/json."), { instance, status: 415 }) };
  }
  try {
    return { ok: true, value: await request.json() };
  } catch {
    return { ok: false, response: problemResponse(appError("invalid_input", "The body is not valid JSON."), { instance }) };
  }
}

export type ConnectionActionInput<T> = { caller: ApiCaller; connectionId: string; body: T; instance: string };

/**
 * A Support.Admin action on one connection (`POST /api/support/connections/{id}/…`): the staff caller, the path's
 * connection id (400), a JSON body (415, 400) that `schema` accepts (422), all checked before `handler` runs, so a
 * refused request changes nothing.
 */
export function withConnectionAction<S extends z.ZodType>(
  request: Request,
  params: Promise<{ id: string }>,
  schema: S,
  handler: (input: ConnectionActionInput<z.infer<S>>) => Promise<Response>,
): Promise<Response> {
  return withSupportCaller(request, SUPPORT_ADMIN_ROLES, async (caller) => {
    const instance = new URL(request.url).pathname;
    const id = connectionIdSchema.safeParse((await params).id);
    if (!id.success) return invalidInput("path", id.error, instance);
    const body = await readJsonBody(request, instance);
    if (!body.ok) return body.response;
    const parsed = schema.safeParse(body.value);
    if (!parsed.success) return invalidInput("body", parsed.error, instance, 422);
    return handler({ caller, connectionId: id.data, body: parsed.data, instance });
  });
}
