/**
 * Microsoft's error vocabulary (Entra AADSTS codes, Graph directory codes, Dataverse hex codes), translated once into
 * our `AppError`: a stable code the provisioning engine can branch on, a message the admin can act on, and a detail
 * for support that names the upstream code and request ids but never echoes a payload.
 *
 * Pure: no I/O, so the mapping is unit-tested with Microsoft's documented bodies.
 */
import type { AppError, AppErrorCode } from "@/lib/core/errors";

export type MicrosoftService = "graph" | "dataverse" | "discovery" | "identity";

/** What went wrong below HTTP: the call timed out, or never got an answer. */
export type TransportFailure = "timeout" | "network";

export type MicrosoftErrorInput = {
  service: MicrosoftService;
  /** HTTP status; absent for a transport failure. */
  status?: number;
  /** Parsed JSON body (or the raw text when it was not JSON). */
  body?: unknown;
  headers?: Headers | Record<string, string | undefined>;
  transport?: TransportFailure;
  /**
   * The call addresses an object this run created moments ago. Entra and Dataverse replicate asynchronously, so
   * "not found" right after a create means "not yet", and is worth retrying.
   */
  justCreated?: boolean;
  /** HTTP method and path (no query) for the support detail. */
  operation?: string;
};

/** The upstream error, normalised across services. */
export type UpstreamError = {
  /** Graph `error.code`, Dataverse hex code, Entra `error` (e.g. `invalid_grant`). */
  code?: string;
  /** Entra AADSTS number, e.g. 65001. */
  aadsts?: number;
  suberror?: string;
  /** Graph `error.details[].code`, e.g. NoBackingApplicationObject. */
  detailCodes: string[];
  /** Upstream message, kept only to recognise a case; never copied into our messages. */
  message?: string;
  requestIds: string[];
};

/** Thrown by every `lib/microsoft` call that fails; `appError` is what the engine stores and shows. */
export class MicrosoftError extends Error {
  readonly appError: AppError;
  readonly service: MicrosoftService;
  readonly status?: number;
  readonly upstreamCode?: string;
  readonly requestIds: string[];
  /** How long Microsoft asked us to wait (Retry-After), when it said so. */
  readonly retryAfterMs?: number;

  constructor(init: {
    appError: AppError;
    service: MicrosoftService;
    status?: number;
    upstreamCode?: string;
    requestIds?: string[];
    retryAfterMs?: number;
    operation?: string;
  }) {
    // The message names the call and the upstream code only: no body, no header, so no token or secret can leak.
    const what = [init.service, init.operation].filter(Boolean).join(" ");
    const why = [init.status, init.upstreamCode].filter((x) => x !== undefined && x !== "").join(" ");
    super(`Microsoft ${what} failed${why ? ` (${why})` : ""}: ${init.appError.code}`);
    this.name = "MicrosoftError";
    this.appError = init.appError;
    this.service = init.service;
    this.status = init.status;
    this.upstreamCode = init.upstreamCode;
    this.requestIds = init.requestIds ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** True when `e` is a MicrosoftError carrying one of `codes` (or any code when none are given). */
export function isMicrosoftError(e: unknown, ...codes: AppErrorCode[]): e is MicrosoftError {
  return e instanceof MicrosoftError && (codes.length === 0 || codes.includes(e.appError.code));
}

// ---------------------------------------------------------------- parsing

const REQUEST_ID_HEADERS = ["request-id", "client-request-id", "x-ms-service-request-id", "req_id", "x-ms-request-id"];

function header(headers: MicrosoftErrorInput["headers"], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const rec = headers as Record<string, string | undefined>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
  return key ? rec[key] : undefined;
}

/** Request ids support can quote to Microsoft, from response headers (deduplicated, in a stable order). */
export function requestIdsFromHeaders(headers: MicrosoftErrorInput["headers"]): string[] {
  const ids: string[] = [];
  for (const name of REQUEST_ID_HEADERS) {
    const v = header(headers, name);
    if (v && !ids.includes(v)) ids.push(v);
  }
  return ids;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Reads Entra (`{error, error_description, error_codes}`), Graph and Dataverse/OData (`{error:{code,message}}`) bodies. */
export function parseUpstreamError(body: unknown, headers?: MicrosoftErrorInput["headers"]): UpstreamError {
  const out: UpstreamError = { detailCodes: [], requestIds: requestIdsFromHeaders(headers) };
  const addId = (id: unknown) => {
    const s = str(id);
    if (s && !out.requestIds.includes(s)) out.requestIds.push(s);
  };
  if (!isRecord(body)) {
    if (typeof body === "string") {
      const m = /AADSTS(\d+)/.exec(body);
      if (m) out.aadsts = Number(m[1]);
    }
    return out;
  }
  if (typeof body.error === "string") {
    // Entra token endpoint (contract §1.8).
    out.code = body.error;
    out.message = str(body.error_description);
    out.suberror = str(body.suberror);
    const codes = Array.isArray(body.error_codes) ? body.error_codes : [];
    const first = Number(codes[0]);
    if (Number.isFinite(first) && first > 0) out.aadsts = first;
    else {
      const m = /AADSTS(\d+)/.exec(out.message ?? "");
      if (m) out.aadsts = Number(m[1]);
    }
    addId(body.trace_id);
    addId(body.correlation_id);
    return out;
  }
  if (isRecord(body.error)) {
    const e = body.error;
    out.code = str(e.code);
    out.message = str(e.message);
    if (Array.isArray(e.details)) for (const d of e.details) if (isRecord(d) && str(d.code)) out.detailCodes.push(String(d.code));
    const inner = isRecord(e.innerError) ? e.innerError : isRecord(e.innererror) ? e.innererror : undefined;
    if (inner) {
      addId(inner["request-id"]);
      addId(inner["client-request-id"]);
      if (str(inner.code)) out.detailCodes.push(String(inner.code));
    }
  }
  return out;
}

// ---------------------------------------------------------------- messages

const M = {
  consent: "An administrator needs to approve access for Act-On in your Microsoft tenant. Use Grant consent to continue.",
  consentDeclined: "Access for Act-On was not approved. Use Grant consent and choose Accept to continue.",
  mfa: "This account must complete multi-factor authentication, which an automated sign-in cannot do. The integration user must not require MFA in legacy mode: use the recommended app-only mode, or a dedicated integration account that your organization's own Conditional Access policy excludes from MFA.",
  secretInvalid: "Microsoft rejected the Act-On integration's client secret. Create a new secret for the app registration and try again.",
  secretExpired: "The Act-On integration's client secret has expired. Create a new secret for the app registration and try again.",
  replication: "Microsoft is still setting up the objects we just created. This usually takes up to two minutes; we will retry automatically.",
  appNotFound: "The Act-On Integration app registration was not found in your tenant. It may have been deleted; run the setup again to recreate it.",
  clientSpMissing: "The Act-On Integration app has no enterprise application (service principal) in your tenant. Run the setup again to create it.",
  resourceMissing:
    "Dynamics 365 (Dataverse) is not set up in this Microsoft tenant. Check that you signed in to the tenant that owns your Dynamics environment.",
  badPassword: "The user name or password is incorrect. Check them and try again.",
  unknownUser: "That account does not exist in this Microsoft tenant. Check the user name, or sign in with an account of this tenant.",
  userDisabled: "This account is disabled in Microsoft Entra ID. Use an enabled account.",
  unknownTenant: "We could not find that Microsoft tenant. Check the tenant id or domain and that you are signing in to the right cloud.",
  publicClient:
    'The app registration does not allow public client flows, which a user-name-and-password sign-in needs. Enable "Allow public client flows" on the app, or use the recommended app-only mode.',
  publicClientSentCredential:
    'Microsoft treats this app registration as a public client (an app that signs in without a secret), so it refused the client secret or certificate sent with the sign-in. An app that signs in on its own must be a confidential client: in the app registration turn "Allow public client flows" off, check that Certificates & secrets holds the credential in use, then try again.',
  invalidUserInput:
    "Microsoft could not accept a value in the sign-in request (a tenant, app or user name that is malformed, or has extra spaces or quotes). Check each value as copied from the Microsoft Entra admin center, then try again.",
  signInAgain: "Your Microsoft sign-in has expired. Sign in again to continue.",
  unauthorized: "Microsoft did not accept our credentials for this request. Sign in again; if it keeps happening, contact Act-On support.",
  graphDenied:
    "Your account does not have enough permissions in Microsoft Entra ID for this step. Sign in as a Global Administrator or Application Administrator.",
  dataverseDenied:
    "Your account does not have enough permissions in this Dynamics 365 environment. You must be a System Administrator of the environment.",
  notMember:
    "This account is not a user of the Dynamics 365 environment. Add it to the environment (or check that you picked the right environment) and try again.",
  applicationUserDisabled:
    "The user Dynamics 365 signed in is disabled in this environment. Enable it in the Power Platform admin center (Environment > Settings > Users + permissions > Application users), then try again.",
  notMemberYet:
    "Dynamics 365 has not finished enabling the new application user yet. This usually takes up to two minutes; we will retry automatically.",
  notFound: "Microsoft could not find the object this step needs. Run the setup again.",
  conflict: "An object with the same name or key already exists in Microsoft. Run the setup again so it can reuse it.",
  throttled: "Microsoft asked us to slow down. We will retry shortly.",
  unavailable: "Microsoft's service is temporarily unavailable. We will retry shortly.",
  timeout: "Microsoft did not answer in time. We will retry shortly.",
  rejected: "Microsoft rejected the request. Contact Act-On support and quote the reference below.",
  forbidden: "Microsoft refused this request for your account. Check that you signed in with an administrator of the right tenant.",
  unexpected: "Microsoft answered in a way we did not expect. Contact Act-On support and quote the reference below.",
} as const;

type Decision = { code: AppErrorCode; userMessage: string; retryable?: boolean };

/** The message of a Dataverse answer for a disabled user, so callers can tell it from "not a member". */
export const DATAVERSE_USER_DISABLED_MESSAGE: string = M.applicationUserDisabled;

const RETRYABLE_CODES = new Set<AppErrorCode>(["throttled", "upstream_unavailable", "timeout", "replication_pending"]);

function decideIdentity(u: UpstreamError, status: number | undefined, justCreated: boolean): Decision {
  const replication = (fallback: Decision): Decision => (justCreated ? { code: "replication_pending", userMessage: M.replication } : fallback);
  switch (u.aadsts) {
    case 65001:
    case 90094:
      return { code: "consent_required", userMessage: M.consent };
    case 65004:
      return { code: "consent_required", userMessage: M.consentDeclined };
    case 50076:
    case 50079:
    case 50072:
    case 50074:
    case 53003:
    case 530035:
    case 50158:
      return { code: "mfa_required", userMessage: M.mfa };
    case 7000215:
      // A secret added seconds ago may not have reached every STS replica yet.
      return replication({ code: "client_secret_invalid", userMessage: M.secretInvalid });
    case 7000222:
      return { code: "client_secret_expired", userMessage: M.secretExpired };
    case 700016:
      return replication({ code: "not_found", userMessage: M.appNotFound });
    case 7000229:
      return replication({ code: "not_found", userMessage: M.clientSpMissing });
    case 500011:
      return replication({ code: "not_found", userMessage: M.resourceMissing });
    case 50126:
      return { code: "invalid_credentials", userMessage: M.badPassword };
    case 50034:
    case 50020:
      return { code: "invalid_credentials", userMessage: M.unknownUser };
    case 50057:
      return { code: "invalid_credentials", userMessage: M.userDisabled };
    case 90002:
      return { code: "not_found", userMessage: M.unknownTenant };
    case 7000218:
      return { code: "public_client_not_allowed", userMessage: M.publicClient };
    case 700025:
      // The opposite of 7000218: the app is public, so a credential must not be sent (Microsoft's error reference).
      return { code: "invalid_input", userMessage: M.publicClientSentCredential };
    case 90013:
      // "Invalid input received from the user": a value in the request, not a missing tenant (that is 90002).
      return { code: "invalid_input", userMessage: M.invalidUserInput };
    case 70000:
    case 700082:
    case 700084:
    case 9002313:
    case 50173:
    case 50133:
      return { code: "unauthorized", userMessage: M.signInAgain };
    default:
      break;
  }
  if (status === 429) return { code: "throttled", userMessage: M.throttled };
  if (u.code === "temporarily_unavailable" || (status !== undefined && status >= 500))
    return { code: "upstream_unavailable", userMessage: M.unavailable };
  if (u.code === "consent_required" || u.suberror === "consent_required") return { code: "consent_required", userMessage: M.consent };
  if (u.code === "interaction_required" || u.code === "login_required") {
    return /multi-factor|\bmfa\b/i.test(u.message ?? "")
      ? { code: "mfa_required", userMessage: M.mfa }
      : { code: "unauthorized", userMessage: M.signInAgain };
  }
  if (u.code === "invalid_client") return { code: "client_secret_invalid", userMessage: M.secretInvalid };
  if (u.code === "access_denied") return { code: "forbidden", userMessage: M.forbidden };
  if (status === 401) return { code: "unauthorized", userMessage: M.unauthorized };
  return { code: "invalid_input", userMessage: M.rejected };
}

function decideGraph(u: UpstreamError, status: number | undefined, justCreated: boolean): Decision {
  const codes = [u.code, ...u.detailCodes].map((c) => c?.toLowerCase());
  const has = (c: string) => codes.includes(c.toLowerCase());
  if (has("NoBackingApplicationObject")) {
    // Only ever seen while a just-created application replicates (contract §2.1).
    return { code: "replication_pending", userMessage: M.replication };
  }
  if (status === 429 || has("TooManyRequests") || has("activityLimitReached")) return { code: "throttled", userMessage: M.throttled };
  // Right after this run created the object the call refers to, a 400, 403 or 404 means "not replicated yet",
  // whatever its wording (judged by context, never by message text); the caller stops saying so once its window closes.
  if (justCreated && (status === 400 || status === 403 || status === 404)) return { code: "replication_pending", userMessage: M.replication };
  if (has("serviceNotAvailable") || status === 503 || status === 502 || status === 504 || (status !== undefined && status >= 500)) {
    return { code: "upstream_unavailable", userMessage: M.unavailable };
  }
  if (has("Authorization_RequestDenied") || has("Authorization_IdentityNotFound"))
    return { code: "insufficient_privileges", userMessage: M.graphDenied };
  if (has("Request_ResourceNotFound") || has("ResourceNotFound") || status === 404) {
    return justCreated ? { code: "replication_pending", userMessage: M.replication } : { code: "not_found", userMessage: M.notFound };
  }
  if (has("Request_MultipleObjectsWithSameKeyValue") || status === 409) return { code: "conflict", userMessage: M.conflict };
  if (has("InvalidAuthenticationToken") || has("CompactToken_ParsingFailed") || status === 401)
    return { code: "unauthorized", userMessage: M.unauthorized };
  if (status === 403) return { code: "insufficient_privileges", userMessage: M.graphDenied };
  return { code: "invalid_input", userMessage: M.rejected };
}

const DV_CODES = {
  notMember: "0x80072560",
  privilegeDenied: "0x80040220",
  missingAccess: "0x80048306",
  duplicate: "0x80040237",
  segmentNotFound: "0x80060888",
  recordNotFound: "0x80040217",
} as const;

/** Dataverse's code for "this caller is not a user of the organization" (an application user deleted, say). */
export const DATAVERSE_NOT_A_MEMBER_CODE: string = DV_CODES.notMember;

function decideDataverse(u: UpstreamError, status: number | undefined, justCreated: boolean): Decision {
  const code = u.code?.toLowerCase();
  // "The user with SystemUserId=… in OrganizationContext=… is disabled. Disabled users cannot access the system."
  if ((status === 401 || status === 403) && /\bis disabled\b/i.test(u.message ?? ""))
    return { code: "forbidden", userMessage: M.applicationUserDisabled };
  if (code === DV_CODES.notMember) {
    // Also transient right after the application user was created (Microsoft's own tooling polls it, contract §5.4).
    return justCreated ? { code: "replication_pending", userMessage: M.notMemberYet } : { code: "forbidden", userMessage: M.notMember };
  }
  if (status === 429) return { code: "throttled", userMessage: M.throttled };
  // Right after this run created the app, its service principal or the application user, Dataverse answers 400
  // (directory lookup), 403 or 404 until it has caught up: judged by context, never by message text.
  if (justCreated && (status === 400 || status === 403 || status === 404)) {
    return { code: "replication_pending", userMessage: code === DV_CODES.notMember ? M.notMemberYet : M.replication };
  }
  if (code === DV_CODES.privilegeDenied || code === DV_CODES.missingAccess)
    return { code: "insufficient_privileges", userMessage: M.dataverseDenied };
  if (code === DV_CODES.duplicate) return { code: "conflict", userMessage: M.conflict };
  if (code === DV_CODES.segmentNotFound || code === DV_CODES.recordNotFound) {
    return justCreated ? { code: "replication_pending", userMessage: M.replication } : { code: "not_found", userMessage: M.notFound };
  }
  if (status === 429) return { code: "throttled", userMessage: M.throttled };
  if (status !== undefined && status >= 500) return { code: "upstream_unavailable", userMessage: M.unavailable };
  if (status === 401) return { code: "unauthorized", userMessage: M.unauthorized };
  if (status === 403) return { code: "insufficient_privileges", userMessage: M.dataverseDenied };
  if (status === 404) return { code: "not_found", userMessage: M.notFound };
  if (status === 412 || status === 409) return { code: "conflict", userMessage: M.conflict };
  return { code: "invalid_input", userMessage: M.rejected };
}

/** Translates a Microsoft failure (HTTP answer or transport failure) into our `AppError`. */
export function mapMicrosoftError(input: MicrosoftErrorInput): AppError {
  const upstream = parseUpstreamError(input.body, input.headers);
  const justCreated = input.justCreated ?? false;
  let decision: Decision;
  if (input.transport === "timeout") decision = { code: "timeout", userMessage: M.timeout };
  else if (input.transport === "network") decision = { code: "upstream_unavailable", userMessage: M.unavailable };
  else if (input.service === "identity") decision = decideIdentity(upstream, input.status, justCreated);
  else if (input.service === "graph") decision = decideGraph(upstream, input.status, justCreated);
  else decision = decideDataverse(upstream, input.status, justCreated);

  const parts = [
    `${input.service}${input.operation ? ` ${input.operation}` : ""}`,
    input.transport ? input.transport : input.status !== undefined ? `HTTP ${input.status}` : undefined,
    upstream.aadsts ? `AADSTS${upstream.aadsts}` : undefined,
    upstream.code,
    upstream.detailCodes.length ? upstream.detailCodes.join(",") : undefined,
    upstream.requestIds.length ? `request ids ${upstream.requestIds.join(", ")}` : undefined,
  ].filter(Boolean);
  return {
    code: decision.code,
    userMessage: decision.userMessage,
    detail: parts.join("; "),
    retryable: decision.retryable ?? RETRYABLE_CODES.has(decision.code),
    requestIds: upstream.requestIds,
  };
}

/** The upstream code worth recording on a MicrosoftError: `AADSTS65001`, `Authorization_RequestDenied`, `0x80040220`. */
export function upstreamCodeOf(body: unknown): string | undefined {
  const u = parseUpstreamError(body);
  return u.aadsts ? `AADSTS${u.aadsts}` : u.code;
}
