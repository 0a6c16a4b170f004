/**
 * The `portal_session` cookie: an opaque token, httpOnly, SameSite=Lax (Act-On's link is a top-level GET from
 * another site, so Strict would drop it on arrival), Secure everywhere but a plain-http localhost. Pure.
 */
export const SESSION_COOKIE = "portal_session";

export type SessionCookieOptions = {
  httpOnly: true;
  sameSite: "lax";
  secure: boolean;
  path: "/";
  expires: Date;
};

/** True for the one origin where a non-Secure cookie is acceptable: http://localhost (any port). */
export function isInsecureLocalhost(portalBaseUrl: string): boolean {
  const url = new URL(portalBaseUrl);
  return url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]");
}

export function sessionCookieOptions(portalBaseUrl: string, expires: Date): SessionCookieOptions {
  return { httpOnly: true, sameSite: "lax", secure: !isInsecureLocalhost(portalBaseUrl), path: "/", expires };
}
