import "server-only";
import { getEnv } from "../core/env";
import { REDIRECT_BRIDGE_PATH } from "../security/security-headers";

/**
 * What the support console's browser code needs to sign staff in with MSAL.js: public values only (no secret), passed
 * from a server component as plain props. Act-On's tenant is the only authority, so no other tenant's user can get a
 * token for the console.
 */
export type SupportConsoleConfig = {
  clientId: string;
  /** `<MICROSOFT_AUTHORITY_HOST>/<ACTON_TENANT_ID>`: Act-On's tenant only, never `common` or `organizations`. */
  authority: string;
  /** The authority's host (and port): MSAL trusts it without Microsoft's instance discovery. */
  knownAuthority: string;
  scope: string;
  /** Where Microsoft returns an interactive sign-in (`/support/callback`). */
  redirectUri: string;
  /** Where Microsoft returns a silent request: msal-browser 5's redirect bridge, framed by the console. */
  silentRedirectUri: string;
};

/** Null when the portal is not set up for the console (ACTON_TENANT_ID or PORTAL_CLIENT_ID missing). */
export function getSupportConsoleConfig(): SupportConsoleConfig | null {
  const env = getEnv();
  if (!env.ACTON_TENANT_ID || !env.PORTAL_CLIENT_ID) return null;
  const host = env.MICROSOFT_AUTHORITY_HOST.replace(/\/+$/, "");
  const portal = env.PORTAL_BASE_URL.replace(/\/+$/, "");
  return {
    clientId: env.PORTAL_CLIENT_ID,
    authority: `${host}/${env.ACTON_TENANT_ID}`,
    knownAuthority: new URL(host).host,
    scope: env.SUPPORT_CONSOLE_SCOPE ?? `api://${env.PORTAL_CLIENT_ID}/Support.Access`,
    redirectUri: `${portal}/support/callback`,
    silentRedirectUri: `${portal}${REDIRECT_BRIDGE_PATH}`,
  };
}
