/**
 * The identity platform's URL map, at the origin root like login.microsoftonline.com. `{tenant}` is a tenant id, a
 * verified domain, `common`, `organizations` or `consumers`; the server sends reserved first segments (`graph`,
 * `globaldisco`, `dynamics`, `__emulator`) to their own services before these patterns are tried.
 */
import type { EmuRequest, EmuResponse, Route } from "../core/http";
import { clearRequestLog } from "../core/request-log";
import { handleAdminConsent } from "./admin-consent";
import { handleAuthorize, redirectToClient } from "./authorize";
import { handleDeviceCodeRequest, handleDeviceLoginPage, handleDeviceLoginSubmit } from "./device-code";
import { clearInteractions, handleLoginStep } from "./interaction";
import { handleInstanceDiscovery, handleJwks, handleOpenIdConfigurationV1, handleOpenIdConfigurationV2 } from "./metadata";
import { messagePage } from "./pages";
import { clearPendingGrants } from "./pending-grants";
import { clearedSessionCookie, rotateSessionKey } from "./session-cookie";
import { handleToken } from "./token-endpoint";

const T = "(?<tenant>[^/]+)";

/** Signs everybody out and forgets every code and refresh token (called on state reset). */
export function resetIdentityRuntime(): void {
  clearRequestLog();
  clearPendingGrants();
  clearInteractions();
  rotateSessionKey();
}

function handleLogout(req: EmuRequest): EmuResponse {
  const target = req.url.searchParams.get("post_logout_redirect_uri");
  const state = req.url.searchParams.get("state");
  const res: EmuResponse = target
    ? redirectToClient(target, "query", state ? { state } : {})
    : messagePage("You signed out of your account", "It's a good idea to close all browser windows.");
  res.headers = { ...res.headers, "set-cookie": clearedSessionCookie() };
  return res;
}

function handleErrorLookup(req: EmuRequest): EmuResponse {
  const code = req.url.searchParams.get("code") ?? "";
  return messagePage(
    `AADSTS${code}`,
    "This is the Microsoft sandbox. Look the code up in emulator/identity/errors.ts or Microsoft's AADSTS reference.",
  );
}

const route = (method: string, pattern: RegExp, handle: Route["handle"]): Route => ({ service: "identity", method, pattern, handle });

export const routes: Route[] = [
  route("GET", new RegExp(`^/${T}/v2\\.0/\\.well-known/openid-configuration$`), handleOpenIdConfigurationV2),
  route("GET", new RegExp(`^/${T}/\\.well-known/openid-configuration$`), handleOpenIdConfigurationV1),
  route("GET", new RegExp(`^/${T}/discovery/v2\\.0/keys$`), (req) => handleJwks(req, "v2")),
  route("GET", new RegExp(`^/${T}/discovery/keys$`), (req) => handleJwks(req, "v1")),
  route("GET", /^\/common\/discovery\/instance$/, handleInstanceDiscovery),
  route("GET", new RegExp(`^/${T}/oauth2/v2\\.0/authorize$`), handleAuthorize),
  route("POST", new RegExp(`^/${T}/oauth2/v2\\.0/authorize$`), handleAuthorize),
  route("POST", new RegExp(`^/${T}/login$`), handleLoginStep),
  route("POST", new RegExp(`^/${T}/oauth2/v2\\.0/token$`), handleToken),
  route("POST", new RegExp(`^/${T}/oauth2/v2\\.0/devicecode$`), handleDeviceCodeRequest),
  route("GET", new RegExp(`^/${T}/oauth2/v2\\.0/logout$`), handleLogout),
  route("POST", new RegExp(`^/${T}/oauth2/v2\\.0/logout$`), handleLogout),
  route("GET", new RegExp(`^/${T}/v2\\.0/adminconsent$`), (req) => handleAdminConsent(req, "v2")),
  route("GET", new RegExp(`^/${T}/adminconsent$`), (req) => handleAdminConsent(req, "v1")),
  route("GET", /^\/devicelogin$/, handleDeviceLoginPage),
  route("POST", /^\/devicelogin$/, handleDeviceLoginSubmit),
  route("GET", /^\/error$/, handleErrorLookup),
];
