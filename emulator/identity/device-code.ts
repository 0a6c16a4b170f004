/**
 * Device authorization grant (RFC 8628) as Entra runs it: POST /{tenant}/oauth2/v2.0/devicecode hands out a
 * device_code and a user_code; the user opens /devicelogin, types the code, signs in and consents; meanwhile the
 * client polls the token endpoint and gets `authorization_pending` until then.
 */
import { parseForm, type EmuRequest, type EmuResponse } from "../core/http";
import { findApplication } from "./directory";
import { AadFailure, AADSTS, clientRequestId, tokenError, NO_STORE_HEADERS } from "./errors";
import { beginInteraction, createInteraction, type Finisher } from "./interaction";
import { deviceCodeEntryPage, errorPage, messagePage } from "./pages";
import { createDeviceAuthorization, DEVICE_CODE_LIFETIME_S, findDeviceAuthorizationByUserCode } from "./pending-grants";
import { parseScopes } from "./resources";
import { resolveTenantSegment, tenantName } from "./tenants";
import { sandboxNow } from "../core/clock";

/**
 * Poll interval handed to clients. Entra says 5 s; the sandbox says 1 s so that tests driving the device flow do
 * not idle (clients must honour whatever the server sends, so this changes no client code path).
 */
const DEVICE_POLL_INTERVAL_S = 1;

export async function handleDeviceCodeRequest(req: EmuRequest): Promise<EmuResponse> {
  const form = parseForm(req.rawBody);
  try {
    const segment = resolveTenantSegment(req.params.tenant);
    if (!segment) throw AADSTS.tenantNotFound(req.params.tenant);
    if (segment.kind === "consumers") throw AADSTS.consumersNotSupported();
    if (!form.client_id) throw AADSTS.missingParameter("client_id");
    const app = findApplication(form.client_id);
    if (!app) throw AADSTS.appNotFound(form.client_id, tenantName(segment));
    if (!form.scope) throw AADSTS.missingParameter("scope");
    parseScopes(form.scope, req.origin, tenantName(segment));
    const auth = createDeviceAuthorization(app.appId, req.params.tenant, form.scope);
    const verificationUri = `${req.origin}/devicelogin`;
    return {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE_HEADERS },
      body: {
        user_code: auth.userCode,
        device_code: auth.deviceCode,
        verification_uri: verificationUri,
        expires_in: DEVICE_CODE_LIFETIME_S,
        interval: DEVICE_POLL_INTERVAL_S,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${auth.userCode} to authenticate.`,
      },
    };
  } catch (error) {
    if (error instanceof AadFailure) return tokenError(req, error.detail, form);
    throw error;
  }
}

export function handleDeviceLoginPage(_req: EmuRequest): EmuResponse {
  return deviceCodeEntryPage("/devicelogin");
}

/** POST /devicelogin: the user typed a code; start the sign-in for the device's flow. */
export async function handleDeviceLoginSubmit(req: EmuRequest): Promise<EmuResponse> {
  const form = parseForm(req.rawBody);
  const auth = findDeviceAuthorizationByUserCode(form.otc ?? "");
  if (!auth || auth.status !== "pending") return deviceCodeEntryPage("/devicelogin", "That code didn't work. Check the code and try again.");
  if (auth.expiresAt < sandboxNow()) return deviceCodeEntryPage("/devicelogin", "That code has expired. Go back to your device to get a new code.");
  const app = findApplication(auth.clientId);
  if (!app)
    return errorPage({ code: 700016, message: "The application is no longer registered.", requestId: req.requestId, correlationId: req.requestId });
  const segment = resolveTenantSegment(auth.tenantSegment);
  const appName = app.displayName;
  const finisher: Finisher = {
    complete: (_req, _ix, { user, tenant, session }) => {
      auth.status = "approved";
      auth.userId = user.id;
      auth.tenantId = tenant.id;
      auth.amr = session.amr;
      auth.authTime = session.authTime;
      auth.sid = session.sid;
      return messagePage(appName, `You have signed in to the ${appName} application on your device. You may now close this window.`);
    },
    fail: (failReq, _ix, e) => {
      if (e.code === 65004 || e.code === 90094) {
        auth.status = "declined";
        return messagePage(appName, "You have declined to sign in to the application on your device. You may now close this window.");
      }
      return errorPage({ code: e.code, message: e.message, requestId: failReq.requestId, correlationId: clientRequestId(failReq) });
    },
  };
  const ix = createInteraction({
    tenantSegment: auth.tenantSegment,
    fixedTenant: segment?.kind === "tenant" ? segment.tenant : null,
    appId: app.appId,
    scope: auth.scope,
    loginHint: null,
    prompt: null,
    correlationId: clientRequestId(req),
    finisher,
  });
  return beginInteraction(req, ix);
}
