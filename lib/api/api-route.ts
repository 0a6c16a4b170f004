import "server-only";
import { z } from "zod";
import { verifyAccessToken, type ApiCaller, type AppRole } from "../api-auth/verify-access-token";
import { getDb, type Db } from "../db";
import { getEnv } from "../env";
import { appError, type AppError } from "../errors";
import { log } from "../log";
import { problemResponse, type FieldProblem } from "./problem";
import { consumeRateLimit } from "./rate-limit";

/** What a route declares: the app roles that may call it (any of) and the schemas of its inputs (an ApiOperation). */
export type ApiRouteSpec = {
  roles: readonly AppRole[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
};

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

/** Next.js's second route-handler argument. */
export type RouteSegmentContext = { params: Promise<Record<string, string | string[] | undefined>> };

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

function zodProblems(error: z.ZodError, where: FieldProblem["where"]): FieldProblem[] {
  const field = (path: PropertyKey[]) => path.map(String).join(".") || "(root)";
  return error.issues.flatMap((issue) =>
    // A strict object names the unknown keys in the issue, not in its path: report each one as the field at fault.
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ where, field: field([...issue.path, key]), message: "is not a field of this operation" }))
      : [{ where, field: field(issue.path), message: issue.message }],
  );
}

function badInput(problems: FieldProblem[], status: 400 | 422, instance: string): Response {
  const first = problems[0];
  const error = appError("invalid_input", `${first.where} ${first.field}: ${first.message}`);
  return problemResponse(error, { status, errors: problems, instance });
}

function parseWith<T>(schema: z.ZodType<T> | undefined, raw: unknown, where: FieldProblem["where"], status: 400 | 422, instance: string): Parsed<T> {
  if (!schema) return { ok: true, value: undefined as T };
  if (where === "query" && schema instanceof z.ZodObject && raw && typeof raw === "object") {
    const unknown = Object.keys(raw).filter((k) => !(k in schema.shape));
    if (unknown.length) {
      return {
        ok: false,
        response: badInput(
          unknown.map((field) => ({ where, field, message: "is not a parameter of this operation" })),
          400,
          instance,
        ),
      };
    }
  }
  const result = (schema as z.ZodType<T>).safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, response: badInput(zodProblems(result.error, where), status, instance) };
}

async function readJsonBody(request: Request, instance: string): Promise<Parsed<unknown>> {
  const type = request.headers.get("content-type") ?? "";
  const text = await request.text();
  if (text.trim() === "") return { ok: true, value: {} };
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    return { ok: false, response: problemResponse(appError("invalid_input", "Send the body as application/json."), { status: 415, instance }) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, response: badInput([{ where: "body", field: "(root)", message: "is not valid JSON" }], 400, instance) };
  }
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
 * Wraps an /api/v1 handler: authenticates the caller's access token and its app role, counts the call against the
 * caller's rate limit, validates path, query and body (bad input: 400, or 422 for a JSON body that does not fit),
 * then runs the handler. Nothing reaches the handler before all of that passed, so a refused call changes nothing.
 */
export function apiRoute<S extends ApiRouteSpec>(
  spec: S,
  handler: (ctx: ApiRequestContext<S>) => Promise<Response>,
): (request: Request, segment: RouteSegmentContext) => Promise<Response> {
  return async (request, segment) => {
    const instance = new URL(request.url).pathname;
    try {
      const auth = await verifyAccessToken(request, { roles: spec.roles });
      if (!auth.ok) return authProblem(auth.error, instance);
      const caller = auth.value;
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
      const params = parseWith(spec.params, segment ? await segment.params : {}, "path", 400, instance);
      if (!params.ok) return params.response;
      const query = parseWith(spec.query, Object.fromEntries(new URL(request.url).searchParams), "query", 400, instance);
      if (!query.ok) return query.response;
      let body: Parsed<unknown> = { ok: true, value: undefined };
      if (spec.body) {
        const raw = await readJsonBody(request, instance);
        if (!raw.ok) return raw.response;
        body = parseWith(spec.body, raw.value, "body", 422, instance);
        if (!body.ok) return body.response;
      }
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
