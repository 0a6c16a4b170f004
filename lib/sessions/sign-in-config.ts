import "server-only";
import { getDb } from "../core/db";
import { getEnv } from "../core/env";
import { appError, fail, ok, type Result } from "../core/errors";
import { identityConfigFromEnv } from "../microsoft/identity-config";
import type { SignInContext } from "./microsoft-sign-in";
import { adminConsentUrl } from "./sign-in-outcome";

/** The portal's redirect URI for Microsoft sign-in (register it on the portal's app). */
function signInRedirectUri(): string {
  return `${getEnv().PORTAL_BASE_URL.replace(/\/+$/, "")}/auth/callback`;
}

/** Everything a sign-in needs from the environment, or why the portal cannot sign admins in. */
export function signInContextFromEnv(): Result<SignInContext> {
  const env = getEnv();
  if (!env.PORTAL_CLIENT_ID || !env.PORTAL_CLIENT_SECRET || !env.PORTAL_ENCRYPTION_KEYS) {
    return fail(
      appError("internal", "The portal is not set up to sign you in with Microsoft yet. Contact Act-On support.", {
        detail: "PORTAL_CLIENT_ID, PORTAL_CLIENT_SECRET and PORTAL_ENCRYPTION_KEYS are required for sign-in",
      }),
    );
  }
  return ok({ db: getDb(), keys: env.PORTAL_ENCRYPTION_KEYS, identity: identityConfigFromEnv(), redirectUri: signInRedirectUri() });
}

/**
 * The link an administrator opens to approve the portal for the whole organization, or null when not configured. At
 * `tenant`'s authority when the organization is known (a guest or partner admin approves for the customer, not for
 * their own home tenant), else at `organizations`.
 */
export function adminConsentUrlFromEnv(tenant?: string | null): string | null {
  const env = getEnv();
  if (!env.PORTAL_CLIENT_ID) return null;
  return adminConsentUrl({
    authorityHost: env.MICROSOFT_AUTHORITY_HOST,
    ...(tenant ? { tenant } : {}),
    clientId: env.PORTAL_CLIENT_ID,
    graphUrl: env.MICROSOFT_GRAPH_URL,
    redirectUri: signInRedirectUri(),
  });
}
