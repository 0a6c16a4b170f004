import "server-only";
import { z } from "zod";
import { verifyAccessToken, type ApiCaller } from "../api-auth/verify-access-token";
import { getDb, type Db } from "../core/db";
import { getEnv } from "../core/env";
import { appError, type AppError } from "../core/errors";
import { log } from "../core/log";
import { countAnonymousRefusal, recordCallerRefusal } from "./api-refusal-audit";
import { readJsonBody } from "./json-body";
import type { ApiOperation } from "./operations";
import { fieldProblemsOf, invalidInputResponse, problemResponse, type FieldProblem } from "./problem";
import { consumeRateLimit } from "./rate-limit";

/** What a route declares (an ApiOperation): who may call it and the schemas of its inputs. */
export type ApiRouteSpec = Pick<ApiOperation, "audience" | "method" | "path" | "roles" | "params" | "query" | "body">;

type OutputOf<S> = S extends z.ZodType ? z.output<S> : undefined;

export type ApiRequestContext<S extends ApiRouteSpec> = {
  request: Request;
  caller: ApiCaller;
  db: Db;
  params: OutputOf<S["params"]>;
  query: OutputOf<S["query"]>;
  body: OutputOf<S["body"]>;
  instance: string;
};

/** Next.js's second route-handler argument (absent when a test calls a route without path parameters). */
export type RouteSegmentContext = { params: Promise<Record<string, string | string[] | undefined>> };

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** A plain (strip) object: a parameter it does not declare is refused, as a client's typo must not be ignored silently. */
function refusesUnknownKeys(schema: z.ZodType): schema is z.ZodObject {
  return schema instanceof z.ZodObject && schema.def.catchall === undefined;
}

function parseWith<T>(schema: z.ZodType<T> | undefined, raw: unknown, where: FieldProblem["where"], status: 400 | 422, instance: string): Parsed<T> {
  if (!schema) return { ok: true, value: undefined as T };
  if (where === "query" && refusesUnknownKeys(schema) && raw && typeof raw === "object") {
    const unknown = Object.keys(raw).filter((k) => !(k in schema.shape));
    if (unknown.length) {
      return {
        ok: false,
        response: invalidInputResponse(
          unknown.map((field) => ({ where, field, message: "is not a parameter of this operation" })),
          { status: 400, instance },
        ),
      };
    }
  }
  const result = schema.safeParse(raw);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, response: invalidInputResponse(fieldProblemsOf(result.error, where), { status, instance }) };
}

async function parseBody(schema: z.ZodType | undefined, request: Request, instance: string): Promise<Parsed<unknown>> {
  // An operation without a body does not read one: Act-On's servers may send `{}` or nothing to a POST that takes no
  // input, and /api/v1 has never refused either.
  if (!schema) return { ok: true, value: undefined };
  const raw = await readJsonBody(request, instance);
  if (!raw.ok) return raw;
  // No body is an empty object, so a required field is named (422) instead of a bare "send a body".
  return parseWith(schema, raw.empty ? {} : raw.value, "body", 422, instance);
}

function authProblem(error: AppError, instance: string): Response {
  // RFC 6750 §3: a 401 names the scheme, and says whether the token was the problem.
  const headers: Record<string, string> =
    error.code === "unauthorized"
      ? { "www-authenticate": `Bearer error="invalid_token", error_description="${error.userMessage.replace(/"/g, "'")}"` }
      : {};
  return problemResponse(error, { instance, headers });
}

/**
 * Who is calling. A caller the token proves (signature, issuer, audience) but who may not call this operation — no
 * role for it, or a service on the console's API — is `refusedCaller`: it is counted against its rate limit and gets
 * its own audit row, because who tried what matters. A call without a usable token is `refused` at once, and only
 * counted (one `api.refusals` row per operation, reason and window), so anonymous noise cannot flood the audit log.
 */
type Authentication =
  | { kind: "caller"; caller: ApiCaller }
  | { kind: "refusedCaller"; caller: ApiCaller; error: AppError; reason: string }
  | { kind: "refused"; response: Response };

async function authenticate(request: Request, spec: ApiRouteSpec, instance: string): Promise<Authentication> {
  const auth = await verifyAccessToken(request, { roles: spec.roles });
  if (auth.ok) {
    if (spec.audience === "support" && auth.value.kind !== "user") {
      const error = appError("forbidden", "The support console's API is for Act-On staff signed in as themselves, not for services.");
      return { kind: "refusedCaller", caller: auth.value, error, reason: "service_on_support_api" };
    }
    return { kind: "caller", caller: auth.value };
  }
  if (auth.caller) return { kind: "refusedCaller", caller: auth.caller, error: auth.error, reason: auth.reason };
  if (auth.error.code === "unauthorized") {
    countAnonymousRefusal({ method: request.method, route: spec.path, reason: auth.reason, callerKey: auth.callerKey });
  }
  return { kind: "refused", response: authProblem(auth.error, instance) };
}

/**
 * Wraps a handler of the portal's API (/api/v1 and /api/support): authenticates the caller (access token, app role,
 * caller kind; refusals audited as `authenticate` says), counts the call against the caller's rate limit (one count per
 * caller across both APIs, refused callers included), validates path, query and body (bad input: 400, or 422 for a JSON
 * body that does not fit), then runs the handler. Nothing reaches the handler before all of that passed, so a refused
 * call changes nothing but the audit log. Answers are never cached.
 */
export function apiRoute<S extends ApiRouteSpec>(
  spec: S,
  handler: (ctx: ApiRequestContext<S>) => Promise<Response>,
): (request: Request, segment?: RouteSegmentContext) => Promise<Response> {
  return async (request, segment) => {
    const instance = new URL(request.url).pathname;
    try {
      const auth = await authenticate(request, spec, instance);
      if (auth.kind === "refused") return auth.response;
      const caller = auth.caller;
      const db = getDb();
      const env = getEnv();
      const rate = await consumeRateLimit(db, {
        callerKey: `${caller.tenantId}:${caller.objectId}`,
        limit: env.API_RATE_LIMIT_REQUESTS,
        windowMs: env.API_RATE_LIMIT_WINDOW_MS,
      });
      const rateHeaders = {
        "ratelimit-limit": String(rate.limit),
        "ratelimit-remaining": String(rate.remaining),
        "ratelimit-reset": String(rate.resetSeconds),
      };
      if (!rate.allowed) {
        return problemResponse(
          appError("throttled", `Too many requests: at most ${rate.limit} per window. Try again in ${rate.resetSeconds} s.`, { retryable: true }),
          {
            instance,
            headers: { ...rateHeaders, "retry-after": String(rate.resetSeconds) },
          },
        );
      }
      if (auth.kind === "refusedCaller") {
        await recordCallerRefusal(db, { caller, method: request.method, route: spec.path, path: instance, reason: auth.reason, roles: spec.roles });
        return problemResponse(auth.error, { instance, headers: rateHeaders });
      }
      const params = parseWith(spec.params, segment ? await segment.params : {}, "path", 400, instance);
      if (!params.ok) return params.response;
      const query = parseWith(spec.query, Object.fromEntries(new URL(request.url).searchParams), "query", 400, instance);
      if (!query.ok) return query.response;
      const body = await parseBody(spec.body, request, instance);
      if (!body.ok) return body.response;
      const response = await handler({
        request,
        caller,
        db,
        params: params.value as OutputOf<S["params"]>,
        query: query.value as OutputOf<S["query"]>,
        body: body.value as OutputOf<S["body"]>,
        instance,
      });
      for (const [k, v] of Object.entries(rateHeaders)) response.headers.set(k, v);
      if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
      return response;
    } catch (error) {
      log.error("api: unhandled error", { path: instance, method: request.method, error });
      return problemResponse(appError("internal", "Something went wrong on our side. Try again; if it persists, contact Act-On support."), {
        instance,
      });
    }
  };
}

/** A JSON answer typed by the response schema the OpenAPI document declares for it. */
export function jsonResponse<T>(
  _schema: z.ZodType<T>,
  value: NoInfer<T>,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return Response.json(value, { status: init.status ?? 200, headers: { "cache-control": "no-store", ...init.headers } });
}
