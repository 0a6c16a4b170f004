/**
 * /authorize (authorization code flow, contract §1.5). Problems with the client itself (unknown app, unregistered
 * redirect URI, unknown tenant) are shown on an error page, because redirecting to an unverified URI would be an open
 * redirect; everything else goes back to the client as `error`/`error_description` on the redirect.
 */
import { parseForm, type EmuRequest, type EmuResponse } from "../core/http";
import { findApplication } from "./directory";
import { AadFailure, AADSTS, clientRequestId, errorRedirectParams, type AadError } from "./errors";
import { beginInteraction, continueSilently, createInteraction, type Finisher, type Interaction } from "./interaction";
import { errorPage, formPostPage } from "./pages";
import { CODE_LIFETIME_MS, saveCode } from "./pending-grants";
import { matchRedirectUri } from "./redirect-uris";
import { parseScopes } from "./resources";
import { resolveTenantSegment, tenantName } from "./tenants";
import { clientInfo } from "./token-issuer";
import { sandboxNow } from "../core/clock";

type ResponseMode = "query" | "fragment" | "form_post";

/** Sends parameters to the client's redirect URI in the requested response mode. */
export function redirectToClient(redirectUri: string, mode: ResponseMode, params: Record<string, string>): EmuResponse {
  if (mode === "form_post") return formPostPage(redirectUri, params);
  const url = new URL(redirectUri);
  if (mode === "fragment") {
    url.hash = new URLSearchParams(params).toString();
  } else {
    // URLSearchParams percent-encodes `+ / =`, so MSAL's base64 state survives the round trip byte for byte.
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  }
  return { status: 302, headers: { location: url.toString(), "cache-control": "no-store, no-cache", pragma: "no-cache" } };
}

function pageFor(req: EmuRequest, e: AadError, correlationId: string): EmuResponse {
  return errorPage({ code: e.code, message: e.message, requestId: req.requestId, correlationId });
}

export async function handleAuthorize(req: EmuRequest): Promise<EmuResponse> {
  const p: Record<string, string> = req.method === "POST" ? parseForm(req.rawBody) : Object.fromEntries(req.url.searchParams);
  const correlationId = p["client-request-id"] || clientRequestId(req);
  const segment = resolveTenantSegment(req.params.tenant);
  if (!segment) return pageFor(req, AADSTS.tenantNotFound(req.params.tenant).detail, correlationId);
  if (segment.kind === "consumers") return pageFor(req, AADSTS.consumersNotSupported().detail, correlationId);
  if (!p.client_id) return pageFor(req, AADSTS.missingParameter("client_id").detail, correlationId);
  const app = findApplication(p.client_id);
  if (!app) return pageFor(req, AADSTS.appNotFound(p.client_id, tenantName(segment)).detail, correlationId);
  if (segment.kind === "tenant" && app.tenantId !== segment.tenant.id && app.signInAudience === "AzureADMyOrg") {
    return pageFor(req, AADSTS.appNotFound(app.appId, segment.tenant.domains[0]).detail, correlationId);
  }
  const redirectUri = p.redirect_uri;
  if (!redirectUri) return pageFor(req, AADSTS.missingParameter("redirect_uri").detail, correlationId);
  const match = matchRedirectUri(app, redirectUri);
  if (!match) return pageFor(req, AADSTS.redirectUriMismatch(redirectUri, app.appId).detail, correlationId);

  const responseMode: ResponseMode = p.response_mode === "form_post" || p.response_mode === "fragment" ? p.response_mode : "query";
  const state = p.state ?? null;
  const fail = (e: AadError): EmuResponse => {
    const params = errorRedirectParams(req, e, correlationId);
    if (state !== null) params.state = state;
    return redirectToClient(redirectUri, responseMode, params);
  };

  const responseType = (p.response_type ?? "").split(" ").filter(Boolean);
  if (!responseType.includes("code")) return fail(AADSTS.unsupportedResponseType(p.response_type ?? "").detail);
  if (responseType.includes("id_token") && !app.web.implicitGrantSettings.enableIdTokenIssuance) return fail(AADSTS.implicitNotEnabled().detail);
  if (!p.scope) return fail(AADSTS.missingParameter("scope").detail);
  try {
    parseScopes(p.scope, req.origin, tenantName(segment));
  } catch (error) {
    if (error instanceof AadFailure) return fail(error.detail);
    throw error;
  }
  const method = p.code_challenge ? (p.code_challenge_method ?? "plain") : null;
  if (method !== null && method !== "S256" && method !== "plain") {
    return fail({
      ...AADSTS.missingParameter("code_challenge_method").detail,
      message: "Invalid code_challenge_method. Supported values: 'S256', 'plain'.",
    });
  }
  if (match.kind === "spa" && !p.code_challenge) {
    return fail({
      ...AADSTS.missingParameter("code_challenge").detail,
      code: 9002325,
      message: "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
    });
  }

  const finisher: Finisher = {
    complete: (_req, ix, { user, tenant, session }) => {
      const code = saveCode({
        clientId: app.appId,
        redirectUri,
        tenantId: tenant.id,
        userId: user.id,
        scope: p.scope,
        nonce: p.nonce ?? null,
        codeChallenge: p.code_challenge ?? null,
        codeChallengeMethod: method as "S256" | "plain" | null,
        isPublicRedirect: match.kind !== "web",
        isSpaRedirect: match.kind === "spa",
        authTime: session.authTime,
        amr: session.amr,
        sid: session.sid,
        expiresAt: sandboxNow() + CODE_LIFETIME_MS,
        redeemed: false,
      });
      const params: Record<string, string> = { code, client_info: clientInfo(user) };
      if (state !== null) params.state = state;
      params.session_state = session.sid;
      return redirectToClient(redirectUri, responseMode, params);
    },
    fail: (_req, _ix, e) => fail(e),
  };
  const ix: Interaction = createInteraction({
    tenantSegment: req.params.tenant,
    fixedTenant: segment.kind === "tenant" ? segment.tenant : null,
    appId: app.appId,
    scope: p.scope,
    loginHint: p.login_hint || null,
    prompt: p.prompt || null,
    correlationId,
    finisher,
  });
  return ix.prompt === "none" ? continueSilently(req, ix) : beginInteraction(req, ix);
}
