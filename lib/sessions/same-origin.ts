/**
 * CSRF protection for the portal's own form posts (sign-in start, sign-out): the browser must say the request comes
 * from the portal's origin. Browsers send `Origin` on every POST; `Sec-Fetch-Site` is the fallback. The session
 * cookie is also SameSite=Lax, so a cross-site POST carries no session in the first place. Pure.
 */
export function isSameOriginPost(headers: Headers, portalBaseUrl: string): boolean {
  const expected = new URL(portalBaseUrl).origin;
  const origin = headers.get("origin");
  if (origin) return origin === expected;
  return headers.get("sec-fetch-site") === "same-origin";
}
