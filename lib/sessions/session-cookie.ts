/**
 * The `__Host-portal_session` cookie: an opaque token, httpOnly, SameSite=Lax (Act-On's link is a top-level GET from
 * another site, so Strict would drop it on arrival), Secure, Path=/ and no Domain. The `__Host-` prefix makes the
 * browser refuse the cookie unless it is exactly that, so a sibling subdomain cannot plant or shadow a session cookie
 * for the portal. Browsers treat http://localhost as a secure context and keep Secure cookies from it, so the same
 * cookie works in a local demo. Pure.
 */
export const SESSION_COOKIE = "__Host-portal_session";

export type SessionCookieOptions = {
  httpOnly: true;
  sameSite: "lax";
  secure: true;
  path: "/";
  expires: Date;
};

export function sessionCookieOptions(expires: Date): SessionCookieOptions {
  return { httpOnly: true, sameSite: "lax", secure: true, path: "/", expires };
}
