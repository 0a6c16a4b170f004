/**
 * RFC 9457 problem details: every error the API answers is `application/problem+json` carrying the AppError's code,
 * its user-facing message as `detail`, and (for bad input) the fields at fault. The internal `detail` of an AppError
 * never leaves the server.
 */
import type { z } from "zod";
import { appError, HTTP_STATUS, type AppError, type AppErrorCode } from "../core/errors";

const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** A field that failed validation: `where` is the part of the request (`query`, `body`, `path`), `field` its dotted path. */
export type FieldProblem = { where: "query" | "body" | "path" | "header"; field: string; message: string };

type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: AppErrorCode;
  retryable: boolean;
  instance?: string;
  errors?: FieldProblem[];
};

export type ProblemOptions = {
  /** Overrides the code's usual status (422 for a body that parsed but does not validate). */
  status?: number;
  /** The request path the problem is about. */
  instance?: string;
  errors?: FieldProblem[];
  headers?: Record<string, string>;
};

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The problem type URI of an error code (a stable identifier; RFC 9457 §3.1.1 does not require it to resolve). */
function problemType(code: AppErrorCode): string {
  return `urn:acton-portal:problem:${code}`;
}

function problemDetails(error: AppError, options: ProblemOptions = {}): ProblemDetails {
  const status = options.status ?? HTTP_STATUS[error.code];
  return {
    type: problemType(error.code),
    title: TITLES[status] ?? "Error",
    status,
    detail: error.userMessage,
    code: error.code,
    retryable: error.retryable,
    ...(options.instance ? { instance: options.instance } : {}),
    ...(options.errors?.length ? { errors: options.errors } : {}),
  };
}

/** The HTTP answer for an AppError, as `application/problem+json`; never cached. */
export function problemResponse(error: AppError, options: ProblemOptions = {}): Response {
  const body = problemDetails(error, options);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store", ...options.headers },
  });
}

/**
 * The fields a zod failure names, as RFC 9457 field errors. A strict object names its unknown keys in the issue, not
 * in its path: each one is reported as the field at fault.
 */
export function fieldProblemsOf(error: z.ZodError, where: FieldProblem["where"]): FieldProblem[] {
  const field = (path: PropertyKey[]) => path.map(String).join(".") || "(root)";
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ where, field: field([...issue.path, key]), message: "is not a field of this operation" }))
      : [{ where, field: field(issue.path), message: issue.message }],
  );
}

/** Bad input (400, or 422 for a JSON body that parsed but does not fit): every field at fault, the first in `detail`. */
export function invalidInputResponse(problems: FieldProblem[], options: { status: 400 | 422; instance: string }): Response {
  const first = problems[0];
  const error = appError("invalid_input", first ? `${first.where} ${first.field}: ${first.message}` : "The request is not valid.");
  return problemResponse(error, { status: options.status, errors: problems, instance: options.instance });
}
