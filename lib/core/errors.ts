/**
 * Expected failures are values, not exceptions: each carries a stable code, a message safe for the admin's screen,
 * and (for support) an upstream detail that never contains a secret.
 */
export type AppErrorCode =
  | "invalid_input"
  | "unauthorized"
  | "forbidden"
  | "link_expired"
  | "link_replayed"
  | "link_invalid_signature"
  | "link_wrong_audience"
  | "link_wrong_issuer"
  | "link_return_not_allowed"
  | "link_malformed"
  | "session_expired"
  | "not_found"
  | "conflict"
  | "consent_required"
  | "insufficient_privileges"
  | "mfa_required"
  | "invalid_credentials"
  | "client_secret_invalid"
  | "client_secret_expired"
  | "public_client_not_allowed"
  | "environment_not_allowed"
  | "throttled"
  | "upstream_unavailable"
  | "replication_pending"
  | "timeout"
  | "database_unavailable"
  | "internal";

export type AppError = {
  code: AppErrorCode;
  userMessage: string;
  detail?: string;
  retryable: boolean;
  /** Microsoft request ids support can quote (Graph request-id, Entra trace id, Dataverse request id). */
  requestIds?: string[];
};

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: AppError): Result<T> => ({ ok: false, error });

export function appError(code: AppErrorCode, userMessage: string, extra: Partial<Omit<AppError, "code" | "userMessage">> = {}): AppError {
  return { code, userMessage, retryable: false, ...extra };
}

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  link_expired: 401,
  link_replayed: 409,
  link_invalid_signature: 401,
  link_wrong_audience: 403,
  link_wrong_issuer: 403,
  link_return_not_allowed: 400,
  link_malformed: 400,
  session_expired: 401,
  not_found: 404,
  conflict: 409,
  consent_required: 403,
  insufficient_privileges: 403,
  mfa_required: 403,
  invalid_credentials: 401,
  client_secret_invalid: 401,
  client_secret_expired: 401,
  public_client_not_allowed: 400,
  environment_not_allowed: 400,
  throttled: 429,
  upstream_unavailable: 502,
  replication_pending: 503,
  timeout: 504,
  database_unavailable: 503,
  internal: 500,
};

/** The JSON error shape every route handler answers with. */
export function errorResponse(error: AppError): Response {
  return Response.json(
    { error: { code: error.code, message: error.userMessage } },
    { status: HTTP_STATUS[error.code], headers: { "cache-control": "no-store" } },
  );
}
