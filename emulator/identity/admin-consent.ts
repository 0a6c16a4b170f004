/**
 * Admin consent endpoints (contract §1.7): v2 `/{tenant}/v2.0/adminconsent` takes `scope` (`/.default` = the app's
 * static permissions), the legacy `/{tenant}/adminconsent` consents everything in `requiredResourceAccess`. Success
 * materialises the client SP, AllPrincipals grants and (for static permissions) app role assignments, then redirects
 * with `admin_consent=True`. v2 errors still carry `admin_consent=True`, which trips clients that only check that flag.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import { findApplication } from "./directory";
import { AadFailure, AADSTS, clientRequestId, errorRedirectParams, type AadError } from "./errors";
import { beginInteraction, createInteraction, type Finisher } from "./interaction";
import { errorPage } from "./pages";
import { matchRedirectUri } from "./redirect-uris";
import { parseScopes, type ParsedScopes } from "./resources";
import { resolveTenantSegment, tenantName } from "./tenants";
import { redirectToClient } from "./authorize";

export async function handleAdminConsent(req: EmuRequest, version: "v1" | "v2"): Promise<EmuResponse> {
  const p = Object.fromEntries(req.url.searchParams);
  const correlationId = clientRequestId(req);
  const page = (e: AadError) => errorPage({ code: e.code, message: e.message, requestId: req.requestId, correlationId });
  const segment = resolveTenantSegment(req.params.tenant);
  if (!segment) return page(AADSTS.tenantNotFound(req.params.tenant).detail);
  if (segment.kind === "consumers" || (version === "v2" && segment.kind === "common")) {
    return page({
      ...AADSTS.grantNotSupportedOnCommon().detail,
      code: 90014,
      message: "The admin consent endpoint requires a tenant: use a tenant id, a verified domain or 'organizations'.",
    });
  }
  if (!p.client_id) return page(AADSTS.missingParameter("client_id").detail);
  const app = findApplication(p.client_id);
  if (!app) return page(AADSTS.appNotFound(p.client_id, tenantName(segment)).detail);
  const redirectUri = p.redirect_uri || app.web.redirectUris[0];
  if (!redirectUri) return page(AADSTS.adminConsentNeedsRedirect().detail);
  if (!matchRedirectUri(app, redirectUri)) return page(AADSTS.redirectUriMismatch(redirectUri, app.appId).detail);

  const state = p.state ?? null;
  const fail = (e: AadError): EmuResponse => {
    const params: Record<string, string> =
      version === "v2"
        ? { admin_consent: "True", ...errorRedirectParams(req, e, correlationId) }
        : e.code === 65004
          ? { error: "permission_denied", error_description: "The admin canceled the request" }
          : errorRedirectParams(req, e, correlationId);
    if (state !== null) params.state = state;
    return redirectToClient(redirectUri, "query", params);
  };

  let scope: ParsedScopes;
  let scopeParam: string;
  try {
    if (version === "v2") {
      if (!p.scope) return fail(AADSTS.missingParameter("scope").detail);
      scopeParam = p.scope;
    } else {
      // Legacy consent covers every statically declared permission, per resource.
      scopeParam = app.requiredResourceAccess.map((r) => `${r.resourceAppId}/.default`).join(" ");
    }
    scope = parseScopes(scopeParam, req.origin, tenantName(segment));
  } catch (error) {
    if (error instanceof AadFailure) return fail(error.detail);
    throw error;
  }

  const finisher: Finisher = {
    adminConsent: { scope, assignAppRoles: version === "v1" || scope.requests.some((r) => r.permissions.includes(".default")) },
    complete: (_req, ix, { tenant }) => {
      if (!ix.consented) return fail(AADSTS.userDeclined().detail);
      const params: Record<string, string> =
        version === "v2" ? { admin_consent: "True", tenant: tenant.id, scope: scopeParam } : { tenant: tenant.id, admin_consent: "True" };
      if (state !== null) params.state = state;
      return redirectToClient(redirectUri, "query", params);
    },
    fail: (_req, _ix, e) => fail(e),
  };
  const ix = createInteraction({
    tenantSegment: req.params.tenant,
    fixedTenant: segment.kind === "tenant" ? segment.tenant : null,
    appId: app.appId,
    scope: scopeParam,
    loginHint: p.login_hint || null,
    prompt: null,
    correlationId,
    finisher,
  });
  return beginInteraction(req, ix);
}
