/**
 * Whether a failed silent token renewal in the support console means the staff member's Microsoft sign-in is over, so
 * the console should ask them to sign in again rather than report a fault. Pure: it reads the fields msal-browser puts
 * on its errors (`errorCode`, `subError`, `errorMessage`), so it is tested without a browser.
 */

/** The fields of msal-browser's AuthError this decision reads. */
type RenewalError = { errorCode?: unknown; subError?: unknown; errorMessage?: unknown; message?: unknown };

/** Microsoft's and msal's codes for "interaction is needed": the sign-in can only continue in front of the person. */
const SIGN_IN_AGAIN_CODES = new Set([
  "interaction_required",
  "login_required",
  "consent_required",
  "bad_token",
  // The refresh token was refused (revoked, expired, password changed): msal reports the server's invalid_grant.
  "invalid_grant",
  // msal found no refresh token to redeem (its cache was cleared, or the tab's sessionStorage is gone).
  "no_tokens_found",
  "refresh_token_expired",
  // No answer came back to the console through the redirect bridge before msal's iframe timeout: the silent sign-in
  // could not finish (as when the SPA refresh token's 24 hours are over and Microsoft's page wants the person).
  "timed_out",
  "monitor_window_timeout",
  "redirect_bridge_empty_response",
]);

/**
 * Entra's codes that end a session: 50173 sessions revoked (Graph revokeSignInSessions or a password reset), 700084 the
 * SPA refresh token's 24 hours are over, 700082 a refresh token expired from inactivity, 50133 the session ended by a
 * password change, 50058 and 50059 no session or no user hint for a silent request.
 */
const SESSION_ENDED_AADSTS = /\bAADSTS(50173|700084|700082|50133|50058|50059)\b/;

export function isSignInEnded(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as RenewalError;
  const code = typeof e.errorCode === "string" ? e.errorCode : "";
  const subError = typeof e.subError === "string" ? e.subError : "";
  if (SIGN_IN_AGAIN_CODES.has(code) || SIGN_IN_AGAIN_CODES.has(subError)) return true;
  const text = [e.errorMessage, e.message].filter((t): t is string => typeof t === "string").join(" ");
  return SESSION_ENDED_AADSTS.test(text);
}
