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

/**
 * A browser-facing write (a server action or one of the portal's form posts: any non-GET request outside the
 * bearer-token `/api/`) that another origin sent. The proxy answers it 403 before Next.js sees it (Next's own check
 * throws, which answers 500 and looks like our fault). An `Origin` of `null` (a sandboxed frame, a data: URL) is
 * foreign too. Without `Origin`, `Sec-Fetch-Site` decides; without either it is not a browser's cross-site post and is
 * left to the route's own checks. Pure.
 */
export function isForeignOriginWrite(request: { method: string; pathname: string; headers: Headers }, portalBaseUrl: string): boolean {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return false;
  if (request.pathname === "/api" || request.pathname.startsWith("/api/")) return false;
  const origin = request.headers.get("origin");
  if (origin) return origin !== new URL(portalBaseUrl).origin;
  const site = request.headers.get("sec-fetch-site");
  return site !== null && site !== "same-origin" && site !== "none";
}
