/**
 * Entra's error vocabulary. Token-endpoint errors are JSON with the exact field set of contract §1.8; browser flows
 * carry the same `error`/`error_description` on the redirect (or on an error page when there is nowhere safe to
 * redirect). Deep helpers throw `AadFailure`, and the endpoint turns it into the right response, which keeps the
 * happy path readable.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import { unconfirmed } from "../core/store";
import { sandboxDate } from "../core/clock";

/** RFC 7523's `client_assertion_type` for a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export type AadError = {
  /** HTTP status on the token endpoint: 400, or 401 for invalid_client. */
  status: number;
  error: string;
  code: number;
  /** Message without the `AADSTS<code>: ` prefix and without the trace lines. */
  message: string;
  suberror?: string;
  claims?: string;
};

export class AadFailure extends Error {
  constructor(readonly detail: AadError) {
    super(`AADSTS${detail.code}: ${detail.message}`);
    this.name = "AadFailure";
  }
}

const fail = (status: number, error: string, code: number, message: string, extra: Partial<AadError> = {}): AadFailure =>
  new AadFailure({ status, error, code, message, ...extra });

/** The whole AADSTS catalogue the sandbox emits, named by meaning. */
export const AADSTS = {
  tenantNotFound: (tenant: string) =>
    fail(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  consumersNotSupported: () =>
    fail(
      400,
      "invalid_request",
      9002331,
      "Application is configured for use by Microsoft Account users only. Please use the /consumers endpoint to serve this request.",
    ),
  grantNotSupportedOnCommon: () =>
    fail(
      400,
      "invalid_request",
      9001023,
      "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    ),
  missingParameter: (name: string) => fail(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grant: string) => fail(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`),
  appNotFound: (appId: string, directory: string) =>
    fail(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${appId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  clientSpMissing: (appId: string, tenantId: string) =>
    fail(
      400,
      "invalid_client",
      7000229,
      `The client application ${appId} is missing service principal in the tenant ${tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
    ),
  invalidSecret: (appId: string) =>
    fail(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  expiredSecret: (appId: string, keyId: string) =>
    fail(
      401,
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds. Key ID: ${keyId}`,
    ),
  secretRequired: () =>
    fail(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  /** RFC 6749 §2.3: one authentication method per request; Entra's code and wording for both at once are not documented. */
  twoClientCredentials: () =>
    fail(400, "invalid_request", 90023, unconfirmed("The request carries both 'client_secret' and 'client_assertion'; send only one.")),
  unsupportedAssertionType: (type: string) =>
    fail(400, "invalid_request", 90023, unconfirmed(`The client_assertion_type '${type}' is not supported; use '${JWT_BEARER_ASSERTION_TYPE}'.`)),
  malformedJwt: () => fail(400, "invalid_request", 50027, "JWT token is invalid or malformed."),
  assertionClientMismatch: () =>
    fail(
      401,
      "invalid_client",
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://aka.ms/certCreds .",
    ),
  assertionKeyNotFound: (thumbprintHex: string, appId: string) =>
    fail(
      401,
      "invalid_client",
      700027,
      `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprintHex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments if you are not using the global cloud.]`,
    ),
  assertionKeyExpired: (thumbprintHex: string, start: string, end: string) =>
    fail(
      401,
      "invalid_client",
      700027,
      `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprintHex}', Found key 'Start=${start}, End=${end}']`,
    ),
  assertionBadSignature: (thumbprintHex: string, start: string, end: string) =>
    fail(
      401,
      "invalid_client",
      700027,
      `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${thumbprintHex}', Found key 'Start=${start}, End=${end}']`,
    ),
  assertionAudience: () =>
    fail(
      401,
      "invalid_client",
      700023,
      "Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCreds .",
    ),
  assertionOutsideValidity: (now: Date, nbf: number | null, exp: number) =>
    fail(
      401,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${now.toISOString()}, assertion valid from ${nbf === null ? "(none)" : new Date(nbf * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .`,
    ),
  publicClientSentSecret: () =>
    fail(400, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
  resourceNotFound: (resource: string, tenantName: string) =>
    fail(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  invalidScope: (scope: string) =>
    fail(
      400,
      "invalid_scope",
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  clientCredentialsScope: (scope: string) =>
    fail(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  multipleResources: () =>
    fail(
      400,
      "invalid_scope",
      28000,
      "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope is not valid.",
    ),
  wrongPassword: () => fail(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."),
  userNotFound: (tenantId: string) =>
    fail(
      400,
      "invalid_grant",
      50034,
      `The user account {EUII Hidden} does not exist in the ${tenantId} directory. To sign into this application, the account must be added to the directory.`,
    ),
  userDisabled: () => fail(400, "invalid_grant", 50057, "The user account is disabled."),
  mfaRequired: (resource: string) =>
    fail(
      400,
      "invalid_grant",
      50076,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`,
      {
        suberror: "basic_action",
        claims: JSON.stringify({ access_token: { capolids: { essential: true, values: ["00000000-0000-0000-0000-000000000000"] } } }),
      },
    ),
  consentRequired: (appId: string, appName: string) =>
    fail(
      400,
      "invalid_grant",
      65001,
      `The user or administrator has not consented to use the application with ID '${appId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
      {
        suberror: "consent_required",
      },
    ),
  pkceMismatch: () =>
    fail(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."),
  codeRedeemed: () =>
    fail(
      400,
      "invalid_grant",
      54005,
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    ),
  codeInvalid: () =>
    fail(
      400,
      "invalid_grant",
      70000,
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    ),
  codeClientMismatch: () =>
    fail(400, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid. The code was issued to a different client."),
  redirectMismatchOnRedeem: () =>
    fail(400, "invalid_grant", 500112, "The reply address does not match the reply address provided when requesting Authorization code."),
  /** A code or refresh token issued to a SPA redirect URI, redeemed without an `Origin` header (not from a browser). */
  spaRedemptionNotCrossOrigin: () =>
    fail(
      400,
      "invalid_request",
      9002327,
      "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
    ),
  /** A code or refresh token of any other client type, redeemed with an `Origin` header (from a browser). */
  crossOriginNotSpa: (origin: string) =>
    fail(
      400,
      "invalid_request",
      9002326,
      `Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '${origin}'.`,
    ),
  spaRefreshTokenExpired: () =>
    fail(
      400,
      "invalid_grant",
      700084,
      "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.",
    ),
  grantRevoked: () =>
    fail(
      400,
      "invalid_grant",
      50173,
      "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
    ),
  refreshTokenInvalid: () =>
    fail(
      400,
      "invalid_grant",
      9002313,
      "Invalid request. Request is malformed or invalid. The refresh token is invalid or was issued to a different client.",
    ),
  authorizationPending: () => fail(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."),
  deviceCodeExpired: () => fail(400, "expired_token", 70019, "Verification code expired."),
  deviceCodeDeclined: () => fail(400, "authorization_declined", 65004, "User declined to consent to access the app."),
  badDeviceCode: () => fail(400, "invalid_grant", 70018, "Invalid verification code due to User typing in wrong user code for device code flow."),
  // Browser-flow errors (shown on a page, or carried on the redirect)
  redirectUriMismatch: (redirectUri: string, appId: string) =>
    fail(
      400,
      "invalid_request",
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    ),
  unsupportedResponseType: (type: string) =>
    fail(
      400,
      "unsupported_response_type",
      900144,
      `The provided value for the input parameter 'response_type' is not allowed for this request. Expected values: 'code'. Received: '${type}'.`,
    ),
  implicitNotEnabled: () => fail(400, "unsupported_response", 700054, "response_type 'id_token' is not enabled for the application."),
  loginRequired: () =>
    fail(
      400,
      "login_required",
      50058,
      "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.",
    ),
  interactionRequired: () =>
    fail(
      400,
      "interaction_required",
      50076,
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the application.",
    ),
  consentRequiredSilent: (appId: string, appName: string) =>
    fail(
      400,
      "consent_required",
      65001,
      `The user or administrator has not consented to use the application with ID '${appId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
    ),
  userDeclined: () => fail(400, "access_denied", 65004, "User declined to consent to access the app."),
  needsAdminApproval: (appName: string) =>
    fail(
      400,
      "access_denied",
      90094,
      `The grant requires admin permission. ${appName} needs permission to access resources in your organization that only an admin can grant.`,
    ),
  notAnAdmin: () =>
    fail(
      400,
      "access_denied",
      90094,
      "Admin consent is required for the permissions requested by this application. Sign in with an account that holds the Global Administrator, Application Administrator or Cloud Application Administrator role.",
    ),
  userNotInTenant: (upn: string, tenantName: string) =>
    fail(
      400,
      "invalid_request",
      50020,
      `User account '${upn}' from identity provider 'live.com' does not exist in tenant '${tenantName}' and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first.`,
    ),
  appNotMultiTenant: (appId: string, tenantName: string) =>
    fail(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${appId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  adminConsentNeedsRedirect: () => fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'redirect_uri'."),
} as const;

/** `2016-01-09 02:02:12Z`, Entra's timestamp format in errors. */
export function aadTimestamp(date: Date = sandboxDate()): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function clientRequestId(req: EmuRequest, form?: Record<string, string>): string {
  const header = req.headers["client-request-id"];
  const value = (Array.isArray(header) ? header[0] : header) || req.url.searchParams.get("client-request-id") || form?.["client-request-id"];
  return value || req.requestId;
}

/** `AADSTS<code>: <message>` plus the Trace ID / Correlation ID / Timestamp lines every Entra error ends with. */
export function describe(req: EmuRequest, e: AadError, correlationId: string, now: Date = sandboxDate()): string {
  return `AADSTS${e.code}: ${e.message}\r\nTrace ID: ${req.requestId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${aadTimestamp(now)}`;
}

export const NO_STORE_HEADERS = { "cache-control": "no-store, no-cache", pragma: "no-cache" } as const;

/** The JSON error body of contract §1.8, with its HTTP status. */
export function tokenError(req: EmuRequest, e: AadError, form?: Record<string, string>): EmuResponse {
  const now = sandboxDate();
  const correlationId = clientRequestId(req, form);
  const body: Record<string, unknown> = {
    error: e.error,
    error_description: describe(req, e, correlationId, now),
    error_codes: [e.code],
    timestamp: aadTimestamp(now),
    trace_id: req.requestId,
    correlation_id: correlationId,
    error_uri: `${req.origin}/error?code=${e.code}`,
  };
  if (e.suberror) body.suberror = e.suberror;
  if (e.claims) body.claims = e.claims;
  return {
    status: e.status,
    body,
    headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE_HEADERS },
  };
}

/** Parameters an error redirect carries (authorize and device flows). */
export function errorRedirectParams(req: EmuRequest, e: AadError, correlationId: string): Record<string, string> {
  const params: Record<string, string> = {
    error: e.error,
    error_description: describe(req, e, correlationId),
    error_uri: `${req.origin}/error?code=${e.code}`,
  };
  if (e.suberror) params.suberror = e.suberror;
  return params;
}
